"""Airflow's Secrets Manager backend on AWS: the release's [secrets] section, the Pod Identity role's
read-only grant on the stack's prefix, the network path pods take, and real Airflow taking the kwargs."""

from __future__ import annotations

import functools
import ipaddress
import json
import subprocess
from pathlib import Path

import pytest

from components.aws.network import endpoint_ranges
from tests.conftest import planned
from tests.helpers import plain
from tests.test_airflow_network_policies import (
    API_SERVER,
    DAG_PROCESSOR,
    MIGRATE,
    SCHEDULER,
    TASK,
    TRIGGERER,
    Address,
    declared,
)
from tests.test_aws_network_policies import EKS_API_ENDPOINT
from tests.test_guards import with_settings
from tools.offline import run_program

ROOT = Path(__file__).resolve().parents[1]
AIRFLOW_PYTHON = Path("/work/main/.venv-airflow/bin/python")
BACKEND = "airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
RELEASE = "kubernetes:helm.sh/v3:Release"
READERS = (SCHEDULER, API_SERVER, TRIGGERER, DAG_PROCESSOR, TASK)
#: An address of Secrets Manager's public endpoint as a pod reaches it through the NAT gateway.
PUBLIC_SECRETS_MANAGER = Address("52.94.236.10")
STACKS = ("aws-dev", "aws-prod")


def airflow_config(run) -> dict:
    """The Airflow release's ``config`` values (the other release on EKS is the Cluster Autoscaler)."""
    (release,) = [r for r in run.of_type(RELEASE) if r.inputs["chart"] == "airflow"]
    return plain(release.inputs["values"])["config"]


def secrets_section(run) -> tuple[str, dict]:
    section = airflow_config(run)["secrets"]
    return section["backend"], json.loads(section["backend_kwargs"])


@functools.cache
def without_secrets():
    return run_program("aws-dev", overrides=with_settings("aws-dev", "aws", secrets={"enabled": False}))


@pytest.mark.parametrize("stack", STACKS)
def test_the_release_reads_connections_and_variables_under_the_stacks_prefix(stack):
    backend, kwargs = secrets_section(planned(stack))
    assert backend == BACKEND
    assert kwargs == {
        "connections_prefix": f"airflow/{stack}/connections",
        "variables_prefix": f"airflow/{stack}/variables",
        "config_prefix": None,
        "region_name": "eu-west-1",
    }


@pytest.mark.parametrize("stack", STACKS)
def test_the_airflow_role_may_only_read_secrets_under_the_prefix(stack):
    run = planned(stack)
    (policy,) = [r for r in run.of_type(ROLE_POLICY) if r.inputs["name"] == "airflow-secrets"]
    (role,) = [r for r in run.of_type("aws:iam/role:Role") if r.state["name"] == policy.inputs["role"]]
    assert run.by_urn(role.parent).type == "airflow-platform:aws:PodIdentity"
    (statement,) = json.loads(policy.inputs["policy"])["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == ["secretsmanager:GetSecretValue"]
    account = run.outputs["accountId"].value
    assert statement["Resource"] == f"arn:aws:secretsmanager:eu-west-1:{account}:secret:airflow/{stack}/*"


def test_no_backend_no_grant_no_endpoint_when_secrets_are_off():
    run = without_secrets()
    assert "secrets" not in airflow_config(run)
    assert [r for r in run.of_type(ROLE_POLICY) if r.inputs["name"] == "airflow-secrets"] == []
    assert run.of_type("airflow-platform:aws:SecretsManagerAccess") == []


def test_the_secretsmanager_endpoint_sits_in_subnets_of_its_own_only_where_endpoints_are_on():
    def services(run):
        return sorted(e.inputs["serviceName"].rsplit(".", 1)[-1] for e in run.of_type(ENDPOINT))

    assert "secretsmanager" not in services(planned("aws-dev"))
    prod = planned("aws-prod")
    (endpoint,) = [e for e in prod.of_type(ENDPOINT) if e.inputs["serviceName"].endswith(".secretsmanager")]
    assert endpoint.inputs["privateDnsEnabled"] is True
    subnets = {s.state["id"]: s.inputs["cidrBlock"] for s in prod.of_type("aws:ec2/subnet:Subnet")}
    ranges = sorted(subnets[i] for i in endpoint.inputs["subnetIds"])
    vpc = prod.one("aws:ec2/vpc:Vpc").inputs["cidrBlock"]
    assert ranges == sorted(endpoint_ranges(vpc, len(ranges)))
    api = ipaddress.ip_address(EKS_API_ENDPOINT.ip)
    assert not any(api in ipaddress.ip_network(r) for r in ranges)


def test_pods_that_read_secrets_reach_secrets_manager_where_it_is():
    dev = declared(planned("aws-dev"))
    for pod in READERS:
        assert dev.allow(pod, PUBLIC_SECRETS_MANAGER, 443), pod

    prod_run = planned("aws-prod")
    prod = declared(prod_run)
    vpc = prod_run.one("aws:ec2/vpc:Vpc").inputs["cidrBlock"]
    inside_endpoint = Address(str(next(ipaddress.ip_network(endpoint_ranges(vpc, 3)[0]).hosts()) + 9))
    for pod in READERS:
        assert prod.allow(pod, inside_endpoint, 443), pod
    # The endpoint's range opens nothing else: not its other ports, not to pods that read no secret.
    assert not prod.allow(TASK, inside_endpoint, 80)
    assert not prod.allow(MIGRATE, inside_endpoint, 443)
    for pod in (TASK, TRIGGERER, DAG_PROCESSOR):
        assert not prod.allow(pod, EKS_API_ENDPOINT, 443), pod


@pytest.mark.parametrize("stack", STACKS)
def test_real_airflow_builds_the_backend_from_the_release_values(stack):
    if not AIRFLOW_PYTHON.exists():
        pytest.skip(f"no Airflow at {AIRFLOW_PYTHON}: run `bash scripts/airflow-venv.sh` in /work/main")
    backend, kwargs = secrets_section(planned(stack))
    script = (
        "import importlib, json, sys\n"
        "path, kwargs = sys.argv[1], json.loads(sys.argv[2])\n"
        "module, name = path.rsplit('.', 1)\n"
        "b = getattr(importlib.import_module(module), name)(**kwargs)\n"
        "print(json.dumps([b.build_path(b.connections_prefix, 'pg', b.sep),"
        " b.build_path(b.variables_prefix, 'env', b.sep), b.config_prefix, b.kwargs]))\n"
    )
    done = subprocess.run(
        [str(AIRFLOW_PYTHON), "-c", script, backend, json.dumps(kwargs)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    connection, variable, config_prefix, client_kwargs = json.loads(done.stdout.strip().splitlines()[-1])
    assert connection == f"airflow/{stack}/connections/pg"
    assert variable == f"airflow/{stack}/variables/env"
    assert config_prefix is None
    assert client_kwargs == {"region_name": "eu-west-1"}

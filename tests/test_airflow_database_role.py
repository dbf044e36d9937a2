"""Airflow's own database role: the Job that creates it, and what reaches which pod.

The SQL itself runs against a real PostgreSQL in tests/test_airflow_database_live.py.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

from components.airflow import database_role
from components.airflow.role_job import job_name
from components.airflow.secrets import (
    DATABASE_ADMIN_PASSWORD,
    DATABASE_CA_CONFIG_MAP,
    DATABASE_CA_KEY,
    DATABASE_CA_PATH,
    METADATA_CONNECTION,
)
from components.airflow.values import NO_METADATA_DATABASE
from components.azure.database import ADMIN_LOGIN, CA_BUNDLE
from tests.helpers import clear_leaks, named, plain
from tests.test_airflow_chart import release, template_values, user_values
from tests.test_airflow_placement import Scheduling, pools, unschedulable_because
from tests.test_airflow_secrets import SECRET, kubernetes_secret
from tools.offline import DeclaredResource, ProgramRun, strings_in

JOB = "kubernetes:batch/v1:Job"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"


def role_job(run: ProgramRun) -> DeclaredResource:
    return run.one(JOB)


def pod_spec(run: ProgramRun) -> dict[str, Any]:
    return plain(role_job(run).inputs["spec"])["template"]["spec"]


def env_of(run: ProgramRun) -> dict[str, Any]:
    (container,) = pod_spec(run)["containers"]
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container["env"]}


def test_the_job_runs_on_the_control_plane_pool_only(stack_run):
    spec = pod_spec(stack_run)
    pod = Scheduling(spec["nodeSelector"], {}, spec["tolerations"])
    by_name = pools(stack_run)
    assert unschedulable_because(pod, by_name["control-plane"]) == []
    assert unschedulable_because(pod, by_name["tasks"])
    if by_name["control-plane"] is not by_name["bootstrap"]:
        assert unschedulable_because(pod, by_name["bootstrap"])


def test_the_job_runs_the_role_sql_as_the_administrator_against_the_servers_name(stack_run):
    env = env_of(stack_run)
    server = stack_run.one("azure-native:dbforpostgresql:Server")
    (container,) = pod_spec(stack_run)["containers"]
    assert container["command"] == ["python", "-c", Path(database_role.__file__).read_text()]
    assert (
        container["image"]
        == f"{user_values(stack_run)['defaultAirflowRepository']}:{user_values(stack_run)['defaultAirflowTag']}"
    )
    assert env["PGHOST"] == server.state["fullyQualifiedDomainName"]
    assert (env["PGUSER"], env["PGDATABASE"], env[database_role.ROLE_ENV]) == (ADMIN_LOGIN, "airflow", "airflow")
    assert env["PGSSLMODE"] == "verify-full" and env["PGSSLROOTCERT"] == DATABASE_CA_PATH
    assert env["PGPASSWORD"] == {
        "secretKeyRef": {"name": DATABASE_ADMIN_PASSWORD.name, "key": DATABASE_ADMIN_PASSWORD.key}
    }


def in_namespace(run: ProgramRun, type_token: str, name: str, namespace: str) -> DeclaredResource:
    (found,) = [
        r
        for r in run.of_type(type_token)
        if r.inputs["metadata"]["name"] == name and plain(r.inputs["metadata"]).get("namespace") == namespace
    ]
    return found


def test_the_administrator_password_is_only_in_the_jobs_own_secret_in_its_own_namespace(stack_run):
    """The preview identity reads the Airflow namespace's Secrets (Helm's release): not this one."""
    setup_namespace = f"{release(stack_run).inputs['namespace']}-db-setup"
    secret = in_namespace(stack_run, SECRET, DATABASE_ADMIN_PASSWORD.name, setup_namespace)
    setup = plain(secret.inputs["stringData"])
    admin_password = plain(stack_run.one("azure-native:dbforpostgresql:Server").inputs["administratorLoginPassword"])
    assert setup[DATABASE_ADMIN_PASSWORD.key] == admin_password
    assert role_job(stack_run).inputs["metadata"]["namespace"] == setup_namespace
    holders = [
        s.inputs["metadata"]["name"]
        for s in stack_run.of_type(SECRET)
        if admin_password in strings_in(s.inputs["stringData"])
    ]
    assert holders == [DATABASE_ADMIN_PASSWORD.name]
    # No chart value names that Secret or the administrator: no Airflow pod, Job or task pod can mount it.
    values_text = " ".join(strings_in(user_values(stack_run)))
    assert DATABASE_ADMIN_PASSWORD.name not in values_text and ADMIN_LOGIN not in values_text
    assert ADMIN_LOGIN not in kubernetes_secret(stack_run, METADATA_CONNECTION.name)[METADATA_CONNECTION.key]
    stored = named(stack_run, SECRET, DATABASE_ADMIN_PASSWORD.name).inputs["stringData"]
    assert admin_password in strings_in(stored, secret=True) and admin_password not in strings_in(stored, secret=False)
    assert not clear_leaks(stack_run)


def test_the_release_waits_for_the_job_and_a_failed_job_runs_again(stack_run):
    assert role_job(stack_run).urn in release(stack_run).dependencies
    assert role_job(stack_run).inputs["metadata"]["annotations"] == {"pulumi.com/replaceUnready": "true"}


def test_the_job_is_named_after_what_it_does():
    spec = {"template": {"spec": {"containers": [{"command": ["python", "-c", "sql"]}]}}}
    name = job_name(spec, "admin", "role")
    assert name.startswith("airflow-database-role-") and len(name) <= 63
    assert name == job_name(spec, "admin", "role"), "an unchanged Job is left alone"
    changed = {"template": {"spec": {"containers": [{"command": ["python", "-c", "other sql"]}]}}}
    assert (
        len(
            {
                name,
                job_name(spec, "admin2", "role"),
                job_name(spec, "admin", "role2"),
                job_name(changed, "admin", "role"),
            }
        )
        == 4
    )
    assert "admin" not in name.removeprefix("airflow-database-role-")


def test_the_setup_namespace_reaches_the_database_and_dns_only(stack_run):
    setup_namespace = role_job(stack_run).inputs["metadata"]["namespace"]
    policies = {
        r.inputs["metadata"]["name"]: plain(r.inputs["spec"])
        for r in stack_run.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")
        if plain(r.inputs["metadata"])["namespace"] == setup_namespace
    }
    assert set(policies) == {"airflow-default-deny", "airflow-dns", "airflow-database"}
    assert policies["airflow-default-deny"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    (rule,) = policies["airflow-database"]["egress"]
    subnet = next(s for s in stack_run.of_type("azure-native:network:Subnet") if s.inputs.get("delegations"))
    assert rule == {
        "to": [{"ipBlock": {"cidr": subnet.inputs["addressPrefix"]}}],
        "ports": [{"protocol": "TCP", "port": 5432}],
    }
    deny = next(
        r
        for r in stack_run.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")
        if r.name == "default-deny" and plain(r.inputs["metadata"])["namespace"] == setup_namespace
    )
    assert role_job(stack_run).urn not in deny.dependencies
    assert {
        p.urn
        for p in stack_run.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")
        if plain(p.inputs["metadata"])["namespace"] == setup_namespace
    } <= set(role_job(stack_run).dependencies)


def test_the_ca_bundle_is_mounted_where_the_chart_mounts_global_volumes(stack_run):
    namespace = release(stack_run).inputs["namespace"]
    config_map = in_namespace(stack_run, CONFIG_MAP, DATABASE_CA_CONFIG_MAP, namespace)
    assert plain(config_map.inputs["data"]) == {DATABASE_CA_KEY: CA_BUNDLE.read_text()}
    values = template_values(stack_run)
    (volume,) = [v for v in values["volumes"] if v.get("configMap", {}).get("name") == DATABASE_CA_CONFIG_MAP]
    (mount,) = [m for m in values["volumeMounts"] if m["name"] == volume["name"]]
    assert mount["readOnly"] and PurePosixPath(mount["mountPath"]) / DATABASE_CA_KEY == PurePosixPath(DATABASE_CA_PATH)
    # The Job mounts the same ConfigMap at the same place.
    (job_volume,) = pod_spec(stack_run)["volumes"]
    assert job_volume["configMap"]["name"] == DATABASE_CA_CONFIG_MAP
    assert release(stack_run).dependencies and config_map.urn in release(stack_run).dependencies


def test_task_pods_see_no_metadata_connection(stack_run):
    """Chart 1.20.0 renders ``workers.env`` after the built-in env in the pod template: these values win."""
    values = template_values(stack_run)
    assert values["enableBuiltInSecretEnvVars"]["AIRFLOW_CONN_AIRFLOW_DB"] is False
    worker_env = {e["name"]: e["value"] for e in values["workers"]["env"]}
    assert worker_env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == NO_METADATA_DATABASE
    assert worker_env["CONNECTION_CHECK_MAX_COUNT"] == "0", "the image's entrypoint would run `airflow db check`"
    # Only task pods: the components that use the database keep it.
    for component in ("scheduler", "apiServer", "triggerer", "dagProcessor", "migrateDatabaseJob", "createUserJob"):
        names = [e["name"] for e in values[component].get("env") or []]
        assert "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN" not in names, component

"""A stack sets the blocks of its own cloud only, and one cloud's rules never run on the other's."""

from __future__ import annotations

import json

import pytest
import yaml

from components.config import ConfigurationError, settings_from_config
from tools.offline import ROOT, stack_config

PROJECT = "airflow-platform"


def settings(stack: str, **changes: object):
    config, secret_keys = stack_config(stack)
    config.update(changes)
    for key in [k for k, v in config.items() if v is None]:
        del config[key]
    return settings_from_config(PROJECT, stack, config, secret_keys)


def problems(stack: str, **changes: object) -> list[str]:
    with pytest.raises(ConfigurationError) as refused:
        settings(stack, **changes)
    # Each problem's line: "  - <setting>[ = <value>]: <what is allowed>"; the setting has no space.
    return [line[4:].split(" ")[0].rstrip(":") for line in str(refused.value).splitlines()[1:-1]]


@pytest.mark.parametrize("stack", ["aws-dev", "aws-prod"])
def test_the_aws_stack_files_are_valid_and_keep_to_their_block(stack):
    aws = settings(stack)
    assert aws.cloud == "aws" and aws.aws_region == "eu-west-1"
    assert not {"location", "cluster", "network", "database"} & aws.model_fields_set


def test_aws_dev_is_small_and_aws_prod_spans_three_zones():
    dev, prod = settings("aws-dev").aws, settings("aws-prod").aws
    assert (dev.network.zones, dev.network.nat_gateways, dev.database.multi_az) == (2, "single", False)
    assert (prod.network.zones, prod.network.nat_gateways, prod.database.multi_az) == (3, "per-zone", True)
    assert prod.database.backup_retention_days == 35 and prod.cluster.task_nodes.spot


def test_an_azure_stack_turned_aws_names_every_azure_block_and_the_missing_region():
    found = problems("dev", **{f"{PROJECT}:cloud": "aws"})
    assert "aws:region" in found
    for block in ("cluster", "network", "database", "logs", "registry", "secrets"):
        assert f"{PROJECT}:{block}" in found
    assert "azure-native:location" in found


def test_an_aws_block_on_an_azure_stack_is_refused():
    found = problems("aws-dev", **{f"{PROJECT}:cloud": "azure"})
    assert found == [f"{PROJECT}:aws", "aws:region"]


def test_azure_rules_do_not_run_on_aws():
    """protectData needs the AKS API server's ranges on Azure; on AWS the EKS endpoint's."""
    found = problems("aws-prod", **{f"{PROJECT}:aws": '{"cluster": {}}'})
    assert found == [f"{PROJECT}:aws.cluster.publicAccessCidrs"]


def aws_dev_with_ui(ui: dict) -> dict[str, str]:
    airflow = yaml.safe_load((ROOT / "Pulumi.aws-dev.yaml").read_text())["config"][f"{PROJECT}:airflow"]
    return {f"{PROJECT}:airflow": json.dumps({**airflow, "ui": ui})}


def test_on_aws_the_ui_takes_a_host_and_a_route53_zone_by_name():
    ui = settings(
        "aws-dev",
        **aws_dev_with_ui({"hostname": "airflow.example.com", "signIn": {"enabled": False}, "dnsZone": "example.com"}),
    ).airflow.ui
    assert (ui.hostname, ui.dns_zone_name, ui.zone_is_azure) == ("airflow.example.com", "example.com", False)


def test_on_aws_entra_sign_in_asks_for_an_existing_registration_alone_even_by_default():
    """Not also the rules of an app the program registers (secretEndDate): an aws stack never registers one."""
    found = problems("aws-dev", **aws_dev_with_ui({"hostname": "airflow.example.com"}))
    assert found == [f"{PROJECT}:airflow.ui.signIn.clientId"]


def test_a_tenant_applies_only_to_an_existing_registration():
    ui = {"hostname": "airflow.example.com", "signIn": {"tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47"}}
    assert f"{PROJECT}:airflow.ui.signIn.tenantId" in problems("aws-dev", **aws_dev_with_ui(ui))


def test_each_cloud_refuses_the_other_clouds_dns_zone():
    azure_zone = (
        "/subscriptions/2f3b6c1e-8d4a-4c57-9b0e-5a1d7e9c3f42/resourceGroups/dns"
        "/providers/Microsoft.Network/dnszones/example.com"
    )
    on_aws = aws_dev_with_ui({"hostname": "airflow.example.com", "signIn": {"enabled": False}, "dnsZone": azure_zone})
    assert problems("aws-dev", **on_aws) == [f"{PROJECT}:airflow.ui.dnsZone"]

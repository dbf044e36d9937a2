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


def test_the_ui_front_door_is_refused_on_aws_for_now():
    airflow = yaml.safe_load((ROOT / "Pulumi.aws-dev.yaml").read_text())["config"][f"{PROJECT}:airflow"]
    ui = {"hostname": "airflow.example.com", "signIn": {"enabled": False}}
    found = problems("aws-dev", **{f"{PROJECT}:airflow": json.dumps({**airflow, "ui": ui})})
    assert found == [f"{PROJECT}:airflow.ui.hostname"]

"""A node group's instance types are ones this program knows (data/aws-instance-types.yaml), the
task group's of one size, both groups of one architecture, and no burstable type runs Airflow's
control plane; each refusal names the setting."""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from components.config import ConfigurationError
from tests.test_config_clouds import settings
from tools.offline import ROOT

AWS = "airflow-platform:aws"


def refusal(stack: str, **cluster: object) -> str:
    """The report for ``stack`` with its aws.cluster block's keys changed."""
    aws = copy.deepcopy(yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"][AWS])
    aws.setdefault("cluster", {}).update(cluster)
    with pytest.raises(ConfigurationError) as refused:
        settings(stack, **{AWS: json.dumps(aws)})
    return str(refused.value)


def test_an_unknown_type_is_refused_with_what_was_meant():
    report = refusal("aws-dev", controlPlaneNodes={"instanceTypes": ["m6i.larg"]})
    assert "aws.cluster.controlPlaneNodes.instanceTypes" in report
    assert "is not an EC2 instance type this program knows; did you mean m6i.large" in report


def test_task_types_of_different_sizes_are_refused():
    report = refusal("aws-dev", taskNodes={"instanceTypes": ["m6i.xlarge", "m6i.2xlarge"]})
    assert "aws.cluster.taskNodes.instanceTypes" in report
    assert "m6i.xlarge 4 vCPUs / 16 GiB, m6i.2xlarge 8 vCPUs / 32 GiB" in report


def test_same_vcpus_but_other_memory_is_another_size():
    report = refusal("aws-dev", taskNodes={"instanceTypes": ["m6i.xlarge", "c6i.xlarge"]})
    assert "mixes sizes" in report


def test_architectures_are_not_mixed_within_or_across_groups():
    within = refusal("aws-dev", taskNodes={"instanceTypes": ["m6i.xlarge", "m6g.xlarge"]})
    assert "aws.cluster.taskNodes.instanceTypes" in within and "m6g.xlarge arm64" in within
    across = refusal("aws-dev", taskNodes={"instanceTypes": ["m6g.xlarge", "m7g.xlarge"]})
    assert "mixes architectures" in across and "m6i.large amd64" in across


def test_arm64_in_both_groups_is_accepted():
    aws = copy.deepcopy(yaml.safe_load((ROOT / "Pulumi.aws-dev.yaml").read_text())["config"][AWS])
    aws["cluster"] = {
        "controlPlaneNodes": {"instanceTypes": ["m7g.large"]},
        "taskNodes": {"instanceTypes": ["m6g.xlarge", "m7g.xlarge"]},
    }
    assert settings("aws-dev", **{AWS: json.dumps(aws)}).aws.cluster.task_nodes.instance_types[0] == "m6g.xlarge"


@pytest.mark.parametrize("burstable", ["t3.large", "t3a.medium"])
def test_a_burstable_control_plane_type_is_refused(burstable):
    report = refusal("aws-dev", controlPlaneNodes={"instanceTypes": [burstable]})
    assert "aws.cluster.controlPlaneNodes.instanceTypes" in report and "surplus CPU credits" in report


def test_burstable_task_types_are_allowed():
    aws = copy.deepcopy(yaml.safe_load((ROOT / "Pulumi.aws-dev.yaml").read_text())["config"][AWS])
    aws["cluster"]["taskNodes"] = {"instanceTypes": ["t3.large", "t3a.large"]}
    assert settings("aws-dev", **{AWS: json.dumps(aws)}).aws.cluster.task_nodes.instance_types == (
        "t3.large",
        "t3a.large",
    )

"""The EKS node groups: on-demand control plane, spot tasks that scale from zero, named by what EKS fixes."""

from __future__ import annotations

import pytest

from components.aws.node_groups import control_plane_fixed, node_group_name, task_fixed
from components.config.aws import ControlPlaneNodesSettings, TaskNodesSettings
from tests.test_aws_cluster import STACKS, eks_of
from tools.offline import DeclaredResource, ProgramRun

NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
ASG_TAG = "aws:autoscaling/tag:Tag"


@pytest.fixture(params=STACKS)
def eks(request) -> ProgramRun:
    return eks_of(request.param)


def group(run: ProgramRun, name: str) -> DeclaredResource:
    return next(r for r in run.of_type(NODE_GROUP) if r.name == name)


def test_control_plane_group_is_on_demand_labelled_and_untainted(eks: ProgramRun):
    cp = group(eks, "control-plane-nodes")
    assert cp.inputs["capacityType"] == "ON_DEMAND"
    assert cp.inputs["labels"] == {"airflow-platform/pool": "control-plane"}
    assert "taints" not in cp.inputs
    assert cp.inputs["subnetIds"] == ["subnet-0a1b2c3d4e5f60718", "subnet-1a1b2c3d4e5f60718"]
    assert cp.ignore_changes == ["scalingConfig.desiredSize"]


def test_task_group_is_spot_tainted_and_starts_at_zero(eks: ProgramRun):
    tasks = group(eks, "task-nodes")
    assert tasks.inputs["capacityType"] == "SPOT"
    assert tasks.inputs["labels"] == {"airflow-platform/pool": "tasks"}
    assert tasks.inputs["taints"] == [
        {"key": "airflow-platform/dedicated", "value": "airflow-tasks", "effect": "NO_SCHEDULE"}
    ]
    assert tasks.inputs["scalingConfig"]["minSize"] == 0
    assert tasks.ignore_changes == ["scalingConfig.desiredSize"]


def test_prod_task_group_draws_on_several_instance_types():
    tasks = group(eks_of("aws-prod"), "task-nodes")
    assert tasks.inputs["instanceTypes"] == ["m6i.2xlarge", "m6a.2xlarge", "m5.2xlarge", "m7i.2xlarge"]
    assert tasks.inputs["scalingConfig"]["maxSize"] == 40


def test_task_groups_auto_scaling_group_carries_the_node_template(eks: ProgramRun):
    tasks = group(eks, "task-nodes")
    asg = tasks.state["resources"][0]["autoscalingGroups"][0]["name"]
    tags = {r.inputs["tag"]["key"]: r.inputs["tag"] for r in eks.of_type(ASG_TAG)}
    assert {key: tag["value"] for key, tag in tags.items()} == {
        "k8s.io/cluster-autoscaler/node-template/label/airflow-platform/pool": "tasks",
        "k8s.io/cluster-autoscaler/node-template/taint/airflow-platform/dedicated": "airflow-tasks:NoSchedule",
    }
    assert all(tag["propagateAtLaunch"] is False for tag in tags.values())
    assert {r.inputs["autoscalingGroupName"] for r in eks.of_type(ASG_TAG)} == {asg}


def test_node_role_may_join_run_the_cni_and_pull(eks: ProgramRun):
    role = next(r for r in eks.of_type("aws:iam/role:Role") if r.name == "node-role")
    attached = {
        r.inputs["policyArn"].rsplit("/", 1)[-1]
        for r in eks.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if r.name.startswith("node-role-")
    }
    assert attached == {"AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly"}
    assert all(group(eks, n).inputs["nodeRoleArn"] == role.state["arn"] for n in ("control-plane-nodes", "task-nodes"))


def test_a_create_only_change_renames_the_group_so_the_new_one_comes_first():
    tasks = TaskNodesSettings()
    renamed = {
        "types": task_fixed(tasks.model_copy(update={"instance_types": ("m7i.xlarge",)})),
        "on demand": task_fixed(tasks.model_copy(update={"spot": False})),
    }
    names = {label: node_group_name("tasks", fixed) for label, fixed in renamed.items()}
    assert len({node_group_name("tasks", task_fixed(tasks)), *names.values()}) == 3
    # Bounds update in place: the same group.
    bigger = tasks.model_copy(update={"max_size": 50, "min_size": 1})
    assert node_group_name("tasks", task_fixed(bigger)) == node_group_name("tasks", task_fixed(tasks))
    assert node_group_name("control-plane", control_plane_fixed(ControlPlaneNodesSettings())).startswith(
        "control-plane-"
    )


def test_groups_are_named_and_replaced_by_their_create_only_settings(eks: ProgramRun):
    for name in ("control-plane-nodes", "task-nodes"):
        ng = group(eks, name)
        fixed = {"instanceTypes": ng.inputs["instanceTypes"], "capacityType": ng.inputs["capacityType"]}
        prefix = "control-plane" if name.startswith("control") else "tasks"
        assert ng.inputs["nodeGroupName"] == node_group_name(prefix, fixed)
        assert ng.replace_on_changes == ["capacityType", "instanceTypes"]
        assert not ng.delete_before_replace

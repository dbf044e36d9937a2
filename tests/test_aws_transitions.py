"""The second `pulumi up` of an AWS stack: pull-request changes to aws-dev or aws-prod, planned as
`pulumi preview` would from data/aws-create-only.yaml (pulumi-aws replaces what terraform-provider-aws
marks ForceNew): nothing that holds data replaced, a protected database's replacement refused, and a
replacement that keeps its AWS name caught."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from components.kubernetes_versions import checked_on
from tests.conftest import planned
from tests.test_transitions import overrides, run_with
from tools.offline import ProgramRun
from tools.transitions import (
    DELETE,
    GUARD_TYPE,
    REFUSED,
    REPLACE,
    UPDATE,
    UpdatePlan,
    plan_update,
    preview_update,
)

AWS_NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
AWS_CLUSTER = "aws:eks/cluster:Cluster"
#: A day EKS offers 1.34 to 1.36 in extended support (data/eks-versions.yaml).
VERSIONS_DAY = date(2026, 12, 6)
AWS_DATABASE = "aws:rds/instance:Instance"
#: What holds data on AWS: never replaced or deleted by an update.
AWS_DATA_TYPES = frozenset({AWS_DATABASE, "aws:s3/bucket:Bucket"})
#: (id, stack, settings after, the types replaced, the types updated in place)
AWS_CHANGES = [
    # A node group's instance types are fixed at creation: a new group, and new tags on its Auto Scaling group.
    (
        "task-types",
        "aws-dev",
        {"aws.cluster.taskNodes.instanceTypes": ["m6i.2xlarge", "m6a.2xlarge"]},
        {AWS_NODE_GROUP, "aws:autoscaling/tag:Tag"},
        set(),
    ),
    ("task-bounds", "aws-dev", {"aws.cluster.taskNodes.maxSize": 8}, set(), {AWS_NODE_GROUP}),
    # With monitoring (aws-prod) the task pool's alert rule compares against maxSize: its rule group follows.
    (
        "task-bounds",
        "aws-prod",
        {"aws.cluster.taskNodes.maxSize": 60},
        set(),
        {AWS_NODE_GROUP, "aws:amp/ruleGroupNamespace:RuleGroupNamespace"},
    ),
    ("db-class", "aws-prod", {"aws.database.instanceClass": "db.t4g.medium"}, set(), {AWS_DATABASE}),
    ("db-multi-az-off", "aws-prod", {"aws.database.multiAz": False}, set(), {AWS_DATABASE}),
    (
        "log-retention",
        "aws-dev",
        {"aws.logs.retentionDays": 60},
        set(),
        {"aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"},
    ),
]


@pytest.mark.parametrize(
    ("stack", "after", "replaced", "updated"), [c[1:] for c in AWS_CHANGES], ids=[f"{c[0]}-{c[1]}" for c in AWS_CHANGES]
)
def test_aws_pull_request_change_declares_what_aws_accepts(stack, after, replaced, updated) -> None:
    plan, _ = preview_update(planned(stack), stack, overrides(stack, after))
    assert plan.violations == [] and not plan.refused
    assert {s.resource.type for s in plan.of(REPLACE, DELETE)} == replaced
    assert not {s.resource.type for s in plan.of(REPLACE, DELETE)} & AWS_DATA_TYPES
    assert {s.resource.type for s in plan.of(UPDATE)} == updated


def test_replacing_the_protected_aws_database_is_refused() -> None:
    """The instance's engine is ForceNew in pulumi-aws (its row says replaces): prod's database is protected."""
    old = planned("aws-prod")
    database = old.one(AWS_DATABASE)
    other_engine = dataclasses.replace(database, inputs={**database.inputs, "engine": "aurora-postgresql"})
    resources = [other_engine if r is database else r for r in old.resources]
    plan = plan_update(old, dataclasses.replace(old, resources=resources))
    assert [(s.action, s.resource.name) for s in plan.of(REFUSED, REPLACE)] == [(REFUSED, database.name)]


def test_checker_catches_an_aws_replacement_that_keeps_its_name() -> None:
    """Were a node group's name not to follow its fixed settings, its replacement would find the name taken."""
    old, new = planned("aws-dev"), run_with("aws-dev", {"aws.cluster.taskNodes.instanceTypes": ["m6i.2xlarge"]})
    (group,) = [g for g in new.of_type(AWS_NODE_GROUP) if g.name == "task-nodes"]
    (before,) = [g for g in old.of_type(AWS_NODE_GROUP) if g.name == "task-nodes"]
    same_name = dataclasses.replace(group, inputs={**group.inputs, "nodeGroupName": before.inputs["nodeGroupName"]})
    resources = [same_name if r is group else r for r in new.resources]
    plan = plan_update(old, dataclasses.replace(new, resources=resources))
    assert any("same name" in v and "task-nodes" in v for v in plan.violations), plan.violations


def version_update(before: str, after: str) -> tuple[UpdatePlan, ProgramRun]:
    """The preview of aws-dev moving its cluster from Kubernetes ``before`` to ``after``."""
    with checked_on(VERSIONS_DAY):
        old = run_with("aws-dev", {"aws.cluster.kubernetesVersion": before})
        return preview_update(old, "aws-dev", overrides("aws-dev", {"aws.cluster.kubernetesVersion": after}))


def test_one_minor_up_updates_the_cluster_then_its_node_groups_in_place() -> None:
    plan, new = version_update("1.35", "1.36")
    assert plan.violations == [] and not plan.refused
    assert plan.of(REPLACE, DELETE) == []
    assert {s.resource.type for s in plan.of(UPDATE)} >= {AWS_CLUSTER, AWS_NODE_GROUP, GUARD_TYPE}
    assert {s.resource.inputs["version"] for s in plan.of(UPDATE) if s.resource.type == AWS_NODE_GROUP} == {"1.36"}
    # The node groups wait for the cluster (they read its name): EKS updates the control plane first.
    cluster = new.one(AWS_CLUSTER)
    assert all(cluster.urn in group.dependencies for group in new.of_type(AWS_NODE_GROUP))


@pytest.mark.parametrize(("before", "after"), [("1.34", "1.36"), ("1.36", "1.35")], ids=["skip-a-minor", "downgrade"])
def test_a_version_change_eks_refuses_stops_at_preview(before, after) -> None:
    """EKS updates one minor at a time and never back: the guard refuses before anything changes."""
    plan, _ = version_update(before, after)
    assert plan.refused and plan.violations == []
    (guard,) = plan.of(REFUSED)
    assert guard.resource.type == GUARD_TYPE and guard.resource.name == "kubernetes-version-guard"
    (refusal,) = guard.refusals
    assert refusal.startswith(f"airflow-platform:aws.cluster.kubernetesVersion: {before} -> {after} is refused: AWS ")


def test_the_upgrade_policy_changes_in_place() -> None:
    plan, _ = preview_update(
        planned("aws-dev"), "aws-dev", overrides("aws-dev", {"aws.cluster.supportType": "STANDARD"})
    )
    assert plan.violations == [] and not plan.refused
    assert [s.resource.type for s in plan.of(UPDATE, REPLACE, DELETE)] == [AWS_CLUSTER]


@pytest.mark.parametrize(
    ("stack", "after", "setting"),
    [
        ("aws-dev", {"aws.database.version": "15"}, "aws.database.version: 16 -> 15"),
        ("aws-prod", {"aws.database.allocatedStorageGb": 20}, "aws.database.allocatedStorageGb: 50 -> 20"),
    ],
    ids=["version-down-unprotected", "storage-down"],
)
def test_a_database_change_rds_refuses_stops_at_preview(stack, after, setting) -> None:
    """RDS never lowers a version or its storage: on the unprotected aws-dev too, the guard stops the
    preview instead of the update failing halfway at ModifyDBInstance."""
    plan, _ = preview_update(planned(stack), stack, overrides(stack, after))
    assert plan.violations == []
    (guard,) = plan.of(REFUSED)
    assert guard.resource.type == GUARD_TYPE
    assert guard.resource.parent.endswith("airflow-platform:aws:Database::database")
    (refusal,) = guard.refusals
    assert refusal.startswith(f"airflow-platform:{setting} is refused: AWS can only increase it on an existing RDS")


def test_a_major_upgrade_updates_the_database_with_its_new_parameter_group() -> None:
    """16 -> 17 in place: a parameter group of the new family is created first, the old one goes after."""
    plan, new = preview_update(planned("aws-dev"), "aws-dev", overrides("aws-dev", {"aws.database.version": "17"}))
    assert plan.violations == [] and not plan.refused
    assert [s.resource.type for s in plan.of(REPLACE)] == ["aws:rds/parameterGroup:ParameterGroup"]
    assert {s.resource.type for s in plan.of(UPDATE)} == {AWS_DATABASE, GUARD_TYPE}
    instance = new.one(AWS_DATABASE)
    assert instance.inputs["engineVersion"] == "17" and instance.inputs["allowMajorVersionUpgrade"] is True
    assert instance.inputs["parameterGroupName"].endswith("-postgres17")


@pytest.mark.parametrize(("stack", "zones"), [("aws-prod", 2), ("aws-dev", 3)])
def test_another_zone_count_stops_at_preview(stack, zones) -> None:
    """EKS fixes a node group's subnets; the groups keep their names, so other zones are refused by name."""
    plan, _ = preview_update(planned(stack), stack, overrides(stack, {"aws.network.zones": zones}))
    assert plan.violations == []
    (guard,) = plan.of(REFUSED)
    assert guard.resource.type == GUARD_TYPE and guard.resource.name == "node-groups-guard"
    (refusal,) = guard.refusals
    before = 5 - zones
    assert refusal.startswith(f"airflow-platform:aws.network.zones: {before} -> {zones} is refused: AWS keeps it")
    assert "stand up a new stack" in refusal


def test_another_address_range_stops_at_preview() -> None:
    """A new VPC range is a new VPC with the cluster and the database in it: refused on aws-dev too."""
    plan, _ = preview_update(planned("aws-dev"), "aws-dev", overrides("aws-dev", {"aws.network.cidr": "10.60.0.0/16"}))
    (guard,) = plan.of(REFUSED)
    assert guard.resource.name == "network-guard"
    (refusal,) = guard.refusals
    assert refusal.startswith("airflow-platform:aws.network.cidr: 10.50.0.0/16 -> 10.60.0.0/16 is refused: AWS keeps")
    assert "a new address plan needs a new stack" in refusal

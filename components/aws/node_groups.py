"""The cluster's managed node groups and where Airflow's pods go on them.

Two groups, as on Azure: on-demand nodes for Airflow's control plane, and task nodes (spot unless
``taskNodes.spot`` is false) that only task pods tolerate. EKS fixes a group's instance types and
capacity type when it creates it (data/aws-create-only.yaml), so a group is named by a digest of
them: a change gives a new name, and Pulumi creates the new group before it deletes the old one,
whose nodes EKS drains.

Cluster Autoscaler scales both groups; the task group also scales from zero, for which the
autoscaler must know its label and taint without a node to read them from: the
``node-template`` tags on the group's Auto Scaling group (data/aws-autoscaler.yaml).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.aws.roles import service_role
from components.config.aws import ControlPlaneNodesSettings, TaskNodesSettings
from components.platform import POOL_LABEL, TASK_TAINT, NodePlacement, Toleration

#: What a node needs to join the cluster, run the VPC CNI and pull images (EKS User Guide, Amazon EKS node IAM role).
NODE_POLICIES = ("AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly")

CONTROL_PLANE_PREFIX = "control-plane"
TASK_PREFIX = "tasks"
DIGEST_LENGTH = 6
NODE_TEMPLATE_TAG = "k8s.io/cluster-autoscaler/node-template"
#: Kubernetes' taint effects as the EKS API spells them.
EKS_TAINT_EFFECTS = {"NoSchedule": "NO_SCHEDULE", "NoExecute": "NO_EXECUTE", "PreferNoSchedule": "PREFER_NO_SCHEDULE"}


def control_plane_fixed(settings: ControlPlaneNodesSettings) -> dict[str, Any]:
    """What EKS fixes when it creates the control-plane group, by input wire name."""
    return {"instanceTypes": list(settings.instance_types), "capacityType": "ON_DEMAND"}


def task_fixed(settings: TaskNodesSettings) -> dict[str, Any]:
    return {"instanceTypes": list(settings.instance_types), "capacityType": "SPOT" if settings.spot else "ON_DEMAND"}


def node_group_name(prefix: str, fixed: Mapping[str, Any]) -> str:
    """``prefix-<digest of the create-only settings>``; the order of instance types counts (on-demand
    groups launch them in that order)."""
    text = json.dumps(dict(fixed), sort_keys=True, separators=(",", ":"))
    return f"{prefix}-{hashlib.sha256(text.encode()).hexdigest()[:DIGEST_LENGTH]}"


def control_plane_placement(name: str, zones: Sequence[str]) -> NodePlacement:
    """Every generation of the group carries the same label, so the chart's selector keeps matching."""
    return NodePlacement(pool_name=name, node_selector={POOL_LABEL: "control-plane"}, zones=tuple(sorted(zones)))


def task_placement(name: str) -> NodePlacement:
    """EKS puts no taint of its own on spot nodes (unlike AKS): ours is the only one to tolerate."""
    return NodePlacement(pool_name=name, node_selector={POOL_LABEL: "tasks"}, tolerations=(TASK_TAINT,))


def eks_taint(toleration: Toleration) -> aws.eks.NodeGroupTaintArgs:
    return aws.eks.NodeGroupTaintArgs(
        key=toleration.key, value=toleration.value, effect=EKS_TAINT_EFFECTS[toleration.effect]
    )


def scale_from_zero_tags(placement: NodePlacement) -> dict[str, str]:
    """The Auto Scaling group tags that tell Cluster Autoscaler a group's labels and taints at zero nodes."""
    labels = {f"{NODE_TEMPLATE_TAG}/label/{key}": value for key, value in placement.node_selector.items()}
    taints = {f"{NODE_TEMPLATE_TAG}/taint/{t.key}": f"{t.value}:{t.effect}" for t in placement.tolerations}
    return labels | taints


def node_role(role_name: str, tags: dict[str, str], partition: str, parent: pulumi.Resource):
    return service_role("node-role", role_name, "ec2.amazonaws.com", NODE_POLICIES, tags, parent, partition)


@dataclass(frozen=True)
class NodeGroupArgs:
    cluster_name: pulumi.Input[str]
    node_role_arn: pulumi.Input[str]
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    kubernetes_version: str
    #: The settings EKS fixes at creation (wire names); they name the group.
    fixed: Mapping[str, Any]
    placement: NodePlacement
    min_size: int
    max_size: int
    tags: dict[str, str]


def node_group(logical_name: str, args: NodeGroupArgs, opts: pulumi.ResourceOptions) -> aws.eks.NodeGroup:
    """A managed group the autoscaler sizes between its bounds; its fixed settings replace it."""
    return aws.eks.NodeGroup(
        logical_name,
        cluster_name=args.cluster_name,
        node_group_name=args.placement.pool_name,
        node_role_arn=args.node_role_arn,
        subnet_ids=args.subnet_ids,
        version=args.kubernetes_version,
        instance_types=args.fixed["instanceTypes"],
        capacity_type=args.fixed["capacityType"],
        scaling_config=aws.eks.NodeGroupScalingConfigArgs(
            min_size=args.min_size, max_size=args.max_size, desired_size=args.min_size
        ),
        labels=dict(args.placement.node_selector),
        taints=[eks_taint(t) for t in args.placement.tolerations] or None,
        update_config=aws.eks.NodeGroupUpdateConfigArgs(max_unavailable=1),
        tags=args.tags,
        # The autoscaler owns the desired size; the preview names the fixed setting that replaces the group.
        opts=pulumi.ResourceOptions.merge(
            opts,
            pulumi.ResourceOptions(ignore_changes=["scalingConfig.desiredSize"], replace_on_changes=sorted(args.fixed)),
        ),
    )


def auto_scaling_group_tags(
    logical_name: str, group: aws.eks.NodeGroup, tags: Mapping[str, str], parent: pulumi.Resource
) -> list[aws.autoscaling.Tag]:
    """``tags`` on the Auto Scaling group EKS made for ``group``: a managed group's own tags never reach it."""
    asg_name = group.resources.apply(lambda resources: resources[0].autoscaling_groups[0].name)
    return [
        aws.autoscaling.Tag(
            f"{logical_name}-{hashlib.sha256(key.encode()).hexdigest()[:8]}",
            autoscaling_group_name=asg_name,
            tag=aws.autoscaling.TagTagArgs(key=key, value=value, propagate_at_launch=False),
            opts=pulumi.ResourceOptions(parent=parent, depends_on=[group]),
        )
        for key, value in sorted(tags.items())
    ]

"""Cluster Autoscaler: scales the managed node groups, the task group from zero (data/aws-autoscaler.yaml).

It runs on the control-plane nodes (never on the task nodes it may remove) and acts with its own
IAM role through an EKS Pod Identity association: it may describe any Auto Scaling group, but
change the size of only those EKS tagged as this cluster's.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.aws.pod_roles import PodRoleArgs, ServiceAccount, pod_role
from components.data_tables import DATA, Source, Table
from components.helm import HelmChart, chart_release
from components.platform import NodePlacement


class Permissions(Table):
    describe: tuple[str, ...]
    scale: tuple[str, ...]
    scale_condition_tag: str
    scale_condition_value: str
    scale_condition_source: str


class AutoscalerFacts(Table):
    seen: date
    choice: str
    why: str
    rejected: dict[str, str]
    sources: tuple[Source, ...]
    chart: HelmChart
    image_tags: dict[str, str]
    image_source: str
    permissions: Permissions


AUTOSCALER = AutoscalerFacts.read(DATA / "aws-autoscaler.yaml")

#: EKS Pod Identity's agent assumes the role as this service, with session tags.


def image_tag(kubernetes_version: str) -> str:
    """The newest Cluster Autoscaler of the cluster's minor; a minor without one stops the program."""
    try:
        return AUTOSCALER.image_tags[kubernetes_version]
    except KeyError:
        known = ", ".join(sorted(AUTOSCALER.image_tags))
        raise ValueError(
            f"no Cluster Autoscaler release for Kubernetes {kubernetes_version} in data/aws-autoscaler.yaml ({known})"
        ) from None


def scaling_policy(cluster_name: str) -> str:
    """Describe anything; set sizes and terminate instances only in this cluster's Auto Scaling groups."""
    p = AUTOSCALER.permissions
    tag = p.scale_condition_tag.format(cluster=cluster_name)
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": list(p.describe), "Resource": "*"},
                {
                    "Effect": "Allow",
                    "Action": list(p.scale),
                    "Resource": "*",
                    "Condition": {"StringEquals": {f"aws:ResourceTag/{tag}": p.scale_condition_value}},
                },
            ],
        }
    )


def chart_values(cluster_name: str, region: str, kubernetes_version: str, placement: NodePlacement) -> dict[str, Any]:
    return {
        "cloudProvider": "aws",
        "awsRegion": region,
        "autoDiscovery": {"clusterName": cluster_name},
        "image": {"tag": image_tag(kubernetes_version)},
        "rbac": {"serviceAccount": {"create": True, "name": AUTOSCALER.chart.service_account}},
        "nodeSelector": dict(placement.node_selector),
        "tolerations": placement.toleration_dicts(),
        # The spot task group's instance types have one size (TaskNodesSettings): any of them fits a pod.
        "extraArgs": {"balance-similar-node-groups": True, "expander": "least-waste"},
    }


@dataclass(frozen=True)
class AutoscalerArgs:
    cluster_name: pulumi.Output[str]
    role_name: str
    region: str
    kubernetes_version: str
    placement: NodePlacement
    provider: k8s.Provider
    partition: str
    tags: dict[str, str]
    #: The cluster, its control-plane nodes and the Pod Identity agent: the pod starts after them.
    ready: Sequence[pulumi.Resource]


class ClusterAutoscaler(pulumi.ComponentResource):
    def __init__(self, name: str, args: AutoscalerArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("airflow-platform:aws:ClusterAutoscaler", name, None, opts)
        chart = AUTOSCALER.chart
        self.identity = pod_role(
            "autoscaler",
            "autoscaler-scaling",
            PodRoleArgs(
                role_name=args.role_name,
                policy_name="cluster-autoscaler",
                policy=args.cluster_name.apply(scaling_policy),
                cluster_name=args.cluster_name,
                account=ServiceAccount(chart.namespace, chart.service_account),
                partition=args.partition,
                tags=args.tags,
                ready=args.ready,
            ),
            self,
        )
        self.release = chart_release(
            "cluster-autoscaler",
            chart,
            args.cluster_name.apply(
                lambda cluster: chart_values(cluster, args.region, args.kubernetes_version, args.placement)
            ),
            pulumi.ResourceOptions(
                parent=self,
                provider=args.provider,
                depends_on=[*args.ready, *self.identity.ready],
            ),
        )
        self.register_outputs({"roleArn": self.identity.role.arn, "release": self.release.name})

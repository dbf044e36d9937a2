"""What an EKS node offers pods, and EKS's own pods on it (``data/aws-reservations.yaml``).

The EKS counterpart of AKS's part of components/node_capacity.py, whose Airflow sums and Fit it
shares: nodeadm (the AL2023 AMI's node configuration) reserves tiered kube-reserved CPU and
``11 MiB x maxPods + 255 MiB`` of memory, plus the 100Mi hard eviction threshold, with maxPods the
instance type's ENI figure (data/aws-instance-types.yaml); unlike AKS no cap and no Kubernetes minor.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from pydantic import Field

from components.aws_facts import node_type
from components.aws_monitoring_facts import MONITORING
from components.azure_facts import Source
from components.data_tables import DATA, Table
from components.node_capacity import Pod, SystemPod, pods_beside

RESERVATIONS = DATA / "aws-reservations.yaml"


class CpuTier(Table):
    #: The tier's upper bound in cores; None: every core above the previous bound.
    up_to_cores: int | None
    percent: float = Field(ge=0, le=100)


class Memory(Table):
    per_pod_mib: int
    base_mib: int
    eviction_mib: int
    ephemeral_storage_reserved: str


class MaxPods(Table):
    from_: str = Field(alias="from")
    source: str


class SystemPods(Table):
    daemonsets: dict[str, SystemPod]
    deployments: dict[str, SystemPod]


class EksReservations(Table):
    """``data/aws-reservations.yaml``."""

    seen: date
    source: Source
    cpu_tiers: tuple[CpuTier, ...] = Field(min_length=1)
    kube_reserved_cpu_millicores: dict[int, int]
    memory: Memory
    max_pods: MaxPods
    system_pods: SystemPods


@functools.cache
def eks_reservations(path: Path = RESERVATIONS) -> EksReservations:
    return EksReservations.read(path)


def kube_reserved_cpu(vcpus: int) -> float:
    """nodeadm's tiers: each tier's percent of the cores that fall in it, in millicores."""
    reserved, floor, total = 0.0, 0, vcpus * 1000
    for tier in eks_reservations().cpu_tiers:
        top = total if tier.up_to_cores is None else min(total, tier.up_to_cores * 1000)
        reserved += tier.percent / 100 * max(top - floor, 0)
        floor = top
    return reserved


def kube_reserved_memory(max_pods: int) -> int:
    """Kube-reserved memory for ``max_pods`` plus the eviction threshold, in MiB."""
    memory = eks_reservations().memory
    return memory.per_pod_mib * max_pods + memory.base_mib + memory.eviction_mib


def allocatable(instance_type: str) -> Pod:
    """What the kubelet offers pods on a node of ``instance_type`` (its ENI max pods, no prefix delegation)."""
    node = node_type(instance_type)
    return Pod(
        f"{instance_type} allocatable",
        node.vcpus * 1000 - kube_reserved_cpu(node.vcpus),
        node.memory_gib * 1024 - kube_reserved_memory(node.max_pods),
    )


def monitoring_pods() -> tuple[list[Pod], list[Pod]]:
    """The monitoring block's pods (data/aws-monitoring.yaml): kube-state-metrics' one replica on a
    control-plane node, and Fluent Bit's DaemonSet on every node."""
    ksm, fluent_bit = MONITORING.kube_state_metrics, MONITORING.container_logs
    deployments = [Pod(ksm.name, ksm.requests.cpu_m, ksm.requests.memory_mi)]
    return deployments, [Pod(fluent_bit.name, fluent_bit.requests.cpu_m, fluent_bit.requests.memory_mi)]


def system_pods(monitoring: bool) -> list[Pod]:
    """EKS's pods on the busiest control-plane node: each DaemonSet once, every Deployment replica
    (CoreDNS and Cluster Autoscaler, which runs on the control-plane group), and the monitoring pods."""
    listed = eks_reservations().system_pods
    groups = (listed.daemonsets, listed.deployments)
    pods = [Pod(name, p.cpu_m, p.memory_mi, p.replicas) for group in groups for name, p in group.items()]
    deployments, daemons = monitoring_pods() if monitoring else ([], [])
    return [*pods, *deployments, *daemons]


def task_pods_per_node(instance_types: Sequence[str], monitoring: bool, cpu_m: float, memory_mi: float) -> int:
    """Task pods of these requests per task node beside the DaemonSets, on the group's tightest type."""
    daemons = [*eks_reservations().system_pods.daemonsets.values(), *(monitoring_pods()[1] if monitoring else ())]
    return min(pods_beside(allocatable(t), daemons, cpu_m, memory_mi) for t in instance_types)

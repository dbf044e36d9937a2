"""The cluster's node pools and where Airflow's pods go on them.

ARM takes a cluster's first pool only inline (``agentPoolProfiles``) and never changes it through
the cluster afterwards, and no ``AgentPool`` resource can adopt it. So the inline pool is a small
fixed bootstrap System pool, only there to create the cluster and host AKS's own add-ons, and
Airflow's pools are ``AgentPool`` resources named by what AKS fixes at their creation
(``data/aks-pools.yaml`` has the sources). Changing one of those settings gives the pool a new
name: Pulumi creates the new pool, then deletes the old one, whose pods AKS evicts onto it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi_azure_native import containerservice
from pydantic.alias_generators import to_snake

from components.config import ControlPlanePoolSettings, TaskPoolSettings
from components.naming import AKS_POOLS, pool_name
from components.node_start import os_disk
from components.platform import POOL_LABEL, TASK_TAINT, NodePlacement, Toleration

#: The taint Azure puts on every spot node; declared so updates show no spurious diff.
SPOT_TAINT = Toleration(key="kubernetes.azure.com/scalesetpriority", value="spot")

#: The inline pool the cluster is created with. Its shape never changes (ARM would refuse it): its
#: size is ``cluster.systemPool.vmSize``, tainted so only add-ons run on it, and what tolerates that.
BOOTSTRAP_POOL = "system"
BOOTSTRAP_MIN_COUNT = 1
BOOTSTRAP_MAX_COUNT = 3
BOOTSTRAP_TAINT: str = AKS_POOLS["critical_addons_only"]["taint"]
#: The System pool's size of every cluster created before ``cluster.systemPool.vmSize`` existed.
SYSTEM_POOL_SIZE_BEFORE_SETTING = "Standard_D2ds_v5"

CONTROL_PLANE_PREFIX = "cp"
TASK_PREFIX = "tasks"


def taint_string(t: Toleration) -> str:
    return f"{t.key}={t.value}:{t.effect}"


#: The OS disk inputs, fixed when AKS creates a pool.
OS_DISK_INPUTS = ("osDiskType", "osDiskSizeGB")


def os_disk_fixed(vm_size: str) -> dict[str, Any]:
    """An ephemeral OS disk where the size's local disk holds it (faster node start), else managed."""
    disk = os_disk(vm_size)
    return {"osDiskType": disk.type, "osDiskSizeGB": disk.size_gib}


def control_plane_fixed(cp: ControlPlanePoolSettings) -> dict[str, Any]:
    """What AKS fixes when it creates the control-plane pool, by input wire name."""
    return {
        "osType": "Linux",
        "type": "VirtualMachineScaleSets",
        "vmSize": cp.vm_size,
        "availabilityZones": sorted(cp.zones) or None,  # a set to AKS: order renames nothing
        "scaleSetPriority": "Regular",
    }


def task_fixed(tp: TaskPoolSettings) -> dict[str, Any]:
    """What AKS fixes when it creates the task pool, by input wire name."""
    fixed: dict[str, Any] = {
        "osType": "Linux",
        "type": "VirtualMachineScaleSets",
        "vmSize": tp.vm_size,
    }
    if tp.spot:
        return fixed | {
            "scaleSetPriority": "Spot",
            "scaleSetEvictionPolicy": "Delete",
            "spotMaxPrice": tp.spot_max_price,
        }
    return fixed | {"scaleSetPriority": "Regular"}


def control_plane_placement(name: str, zones: tuple[str, ...] = ()) -> NodePlacement:
    """Every generation of the pool carries the same label, so the chart's selector keeps matching."""
    return NodePlacement(pool_name=name, node_selector={POOL_LABEL: "control-plane"}, zones=tuple(sorted(zones)))


def system_placement() -> NodePlacement:
    """Airflow's control plane on the System pool (``controlPlanePool.dedicated: false``): selected by
    AKS's own pool label, tolerating the taint that keeps other workloads off it."""
    key, rest = BOOTSTRAP_TAINT.split("=", 1)
    value, effect = rest.split(":")
    return NodePlacement(
        pool_name=BOOTSTRAP_POOL,
        node_selector={AKS_POOLS["pool_label"]["key"]: BOOTSTRAP_POOL},
        tolerations=(Toleration(key=key, value=value, effect=effect),),
    )


def task_placement(name: str, spot: bool) -> NodePlacement:
    taints = (TASK_TAINT, SPOT_TAINT) if spot else (TASK_TAINT,)
    return NodePlacement(pool_name=name, node_selector={POOL_LABEL: "tasks"}, tolerations=taints)


def bootstrap_profile(
    subnet_id: pulumi.Input[str], vm_size: str
) -> containerservice.ManagedClusterAgentPoolProfileArgs:
    """The inline pool. No orchestratorVersion: a pinned one makes AKS refuse later cluster updates."""
    return containerservice.ManagedClusterAgentPoolProfileArgs(
        name=BOOTSTRAP_POOL,
        mode="System",
        os_type="Linux",
        type="VirtualMachineScaleSets",
        vm_size=vm_size,
        **{to_snake(key): value for key, value in os_disk_fixed(vm_size).items()},
        scale_set_priority="Regular",
        enable_auto_scaling=True,
        min_count=BOOTSTRAP_MIN_COUNT,
        max_count=BOOTSTRAP_MAX_COUNT,
        count=BOOTSTRAP_MIN_COUNT,
        node_taints=[BOOTSTRAP_TAINT],
        vnet_subnet_id=subnet_id,
    )


@dataclass(frozen=True)
class PoolArgs:
    resource_group_name: pulumi.Input[str]
    cluster_name: pulumi.Input[str]
    mode: str
    #: The settings AKS fixes at creation (wire names); they name the pool.
    fixed: Mapping[str, Any]
    placement: NodePlacement
    min_count: int
    max_count: int
    subnet_id: pulumi.Input[str]
    kubernetes_version: str
    tags: dict[str, str]


def agent_pool(logical_name: str, args: PoolArgs, opts: pulumi.ResourceOptions) -> containerservice.AgentPool:
    """An autoscaled pool; its bounds and version update in place, its fixed settings replace it."""
    fixed = {key: value for key, value in args.fixed.items() if value is not None}
    return containerservice.AgentPool(
        logical_name,
        resource_group_name=args.resource_group_name,
        resource_name_=args.cluster_name,
        agent_pool_name=args.placement.pool_name,
        mode=args.mode,
        enable_auto_scaling=True,
        min_count=args.min_count,
        max_count=args.max_count,
        count=args.min_count,
        node_labels=dict(args.placement.node_selector),
        node_taints=[taint_string(t) for t in args.placement.tolerations] or None,
        vnet_subnet_id=args.subnet_id,
        orchestrator_version=args.kubernetes_version,
        tags=args.tags,
        **{to_snake(key): value for key, value in fixed.items()},
        **{to_snake(key): value for key, value in os_disk_fixed(fixed["vmSize"]).items()},
        # The autoscaler owns the node count; the preview names the fixed setting that replaces it.
        # The OS disk follows the VM size, which names the pool, so a new size brings a new disk with
        # a new pool; otherwise the disk stays as the pool was created with it (AKS fixes it then),
        # also on pools made before it was stated, where AKS chose it.
        opts=pulumi.ResourceOptions.merge(
            opts,
            pulumi.ResourceOptions(ignore_changes=["count", *OS_DISK_INPUTS], replace_on_changes=sorted(fixed)),
        ),
    )


def pool_names(cp: ControlPlanePoolSettings, tp: TaskPoolSettings) -> tuple[str, str]:
    return pool_name(CONTROL_PLANE_PREFIX, control_plane_fixed(cp)), pool_name(TASK_PREFIX, task_fixed(tp))

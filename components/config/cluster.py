"""The cluster block: Kubernetes version, tier and upgrades, and its two node pools."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Annotated, ClassVar, Literal

from pydantic import Field

from components import azure_facts, kubernetes_versions
from components.config.access import ClusterAccessSettings
from components.config.base import Problem, Settings
from components.config.maintenance import AutoscalerSettings, MaintenanceSettings
from components.config.values import (
    KubernetesVersion,
    SpotPrice,
    VmSize,
    Zone,
    _checked,
    _is_burstable,
    _system_pool_size,
)

#: The cluster's overlay pod network and its service network. Fixed, not settings: AKS requires
#: both to stay clear of the VNet's address space, which the network settings are checked against.
CLUSTER_POD_CIDR = "10.244.0.0/16"
CLUSTER_SERVICE_CIDR = "10.0.0.0/16"

#: AKS: at most 1000 nodes in one pool.
MAX_POOL_NODES = 1000


def _counts_problems(pool: ControlPlanePoolSettings | TaskPoolSettings) -> Iterator[Problem]:
    if pool.min_count > pool.max_count:
        yield Problem(pool.key_path("min_count"), pool.min_count, f"must not exceed maxCount ({pool.max_count})")


class SystemPoolSettings(Settings):
    """The pool the cluster is created with, for AKS's own add-ons: AKS fixes it at creation."""

    vm_size: Annotated[
        VmSize, _checked(_system_pool_size), _checked(lambda size: azure_facts.pool_size_requirement(size, "System"))
    ] = "Standard_D2ds_v5"


#: The control-plane pool's settings that only a dedicated pool has.
_DEDICATED_ONLY = ("vm_size", "min_count", "max_count", "zones")


class ControlPlanePoolSettings(Settings):
    """The on-demand System pool that runs scheduler, API server, triggerer, DAG processor, jobs."""

    refused_keys: ClassVar[Mapping[str, str]] = dict.fromkeys(
        ("spot", "spotMaxPrice"),
        "the control-plane pool cannot be spot: an eviction would stop the scheduler and API server "
        "(spot is a taskPool setting)",
    )

    vm_size: Annotated[
        VmSize, _checked(_system_pool_size), _checked(lambda size: azure_facts.pool_size_requirement(size, "System"))
    ] = "Standard_D4ds_v5"
    min_count: int = Field(1, ge=1, le=MAX_POOL_NODES)
    max_count: int = Field(3, ge=1, le=MAX_POOL_NODES)
    zones: tuple[Zone, ...] = Field((), strict=False)
    dedicated: bool = Field(
        True,
        description="false: no pool of its own; Airflow's control plane shares the cluster's System pool "
        "(one node less; for dev, where isolation from AKS's add-ons matters less than the cost)",
    )

    def problems(self) -> Iterator[Problem]:
        if not self.dedicated:
            for name in sorted(self.model_fields_set & set(_DEDICATED_ONLY)):
                yield Problem(
                    self.key_path(name),
                    getattr(self, name),
                    "applies only to a dedicated control-plane pool (dedicated: true); with dedicated false "
                    "Airflow's control plane runs on the System pool (cluster.systemPool)",
                )
            return
        yield from _counts_problems(self)
        if self.zones and self.min_count < 2:
            yield Problem(
                self.key_path("min_count"),
                self.min_count,
                "must be at least 2 when zones are set, so that losing one zone leaves a node",
            )
        if len(set(self.zones)) < len(self.zones):
            yield Problem(self.key_path("zones"), self.zones, "must not name a zone twice")


class TaskPoolSettings(Settings):
    """The tainted pool only KubernetesExecutor task pods may use; scales to zero when idle."""

    vm_size: Annotated[VmSize, _checked(lambda size: azure_facts.pool_size_requirement(size, "User"))] = (
        "Standard_D4ds_v5"
    )
    min_count: int = Field(0, ge=0, le=MAX_POOL_NODES)
    max_count: int = Field(10, ge=1, le=MAX_POOL_NODES)
    spot: bool = True
    spot_max_price: SpotPrice = -1

    def problems(self) -> Iterator[Problem]:
        yield from _counts_problems(self)
        if self.spot and _is_burstable(self.vm_size):
            yield Problem(
                self.key_path("vm_size"),
                self.vm_size,
                "must not be a B-series size while spot is true: Azure Spot does not offer B-series",
            )
        if not self.spot and self.spot_max_price != -1:
            yield Problem(self.key_path("spot_max_price"), self.spot_max_price, "applies only when spot is true")


class ClusterSettings(Settings):
    #: A minor with six months of AKS support left (tests/test_config_kubernetes_versions.py checks it).
    kubernetes_version: KubernetesVersion = "1.36"
    tier: Literal["Free", "Standard", "Premium"] = "Free"
    support_plan: kubernetes_versions.SupportPlan = Field(
        "KubernetesOfficial", description="AKSLongTermSupport (tier Premium only) adds a year of support to a minor"
    )
    upgrade_channel: Literal["patch", "none"] = Field(
        "patch", description="patch: AKS moves the cluster to each new patch of its minor; none: no automatic upgrade"
    )
    access: ClusterAccessSettings = ClusterAccessSettings()
    system_pool: SystemPoolSettings = SystemPoolSettings()
    control_plane_pool: ControlPlanePoolSettings = ControlPlanePoolSettings()
    task_pool: TaskPoolSettings = TaskPoolSettings()
    maintenance: MaintenanceSettings = MaintenanceSettings()
    autoscaler: AutoscalerSettings = AutoscalerSettings()

    @property
    def pool_max_counts(self) -> tuple[int, ...]:
        """maxCount of each pool the program declares beside the System pool, the task pool's last."""
        cp = self.control_plane_pool
        return (*((cp.max_count,) if cp.dedicated else ()), self.task_pool.max_count)

    def problems(self) -> Iterator[Problem]:
        channel = kubernetes_versions.channel_requirement(self.kubernetes_version, self.upgrade_channel)
        if channel is not None:
            yield Problem(self.key_path("kubernetes_version"), self.kubernetes_version, channel)
        plan = kubernetes_versions.plan_requirement(self.support_plan, self.tier)
        if plan is not None:
            yield Problem(self.key_path("support_plan"), self.support_plan, plan)
        network = azure_facts.pod_network_requirement(self.pool_max_counts, CLUSTER_POD_CIDR)
        if network is not None:
            yield Problem(self.key_path("task_pool", "max_count"), self.task_pool.max_count, network)

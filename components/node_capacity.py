"""Whether the pods that land on the control-plane pool fit its nodes, by their requests.

A node offers its VM size's CPU and memory less what AKS reserves (``data/aks-reservations.yaml``,
the formula MS Learn documents). On the busiest control-plane node sit AKS's DaemonSets, every
replica of AKS's own Deployments (conservatively), and Airflow's pods: a component spread across
zones by a required rule (components/airflow/availability.py) puts at most ``ceil(replicas / zones)``
on one node; the rest may all share one. Jobs run one after another (Helm hook weights, the role Job
before the release), so only the largest counts. Airflow's requests are read from the chart values
the way chart 1.20.0's templates place them (containers, sidecars, the init container).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import Field

from components.azure_facts import Source, vm_sizes
from components.config.values import parse_quantity
from components.data_tables import DATA, Table

RESERVATIONS = DATA / "aks-reservations.yaml"
MIB = 2**20


class NewMemory(Table):
    per_pod_mib: int
    base_mib: int
    cap_fraction: float
    eviction_mib: int


class OldMemory(Table):
    bands: tuple[tuple[float | None, float], ...]
    eviction_mib: int


class MemoryRules(Table):
    since_1_29: NewMemory
    before_1_29: OldMemory


class MaxPods(Table):
    azure_cni_overlay: int
    source: str


class SystemPod(Table):
    cpu_m: int = Field(ge=0)
    memory_mi: int = Field(ge=0)
    replicas: int = Field(1, ge=1)
    estimate: bool
    source: str


class SystemPods(Table):
    daemonsets: dict[str, SystemPod]
    deployments: dict[str, SystemPod]
    monitoring_daemonsets: dict[str, SystemPod]
    monitoring_deployments: dict[str, SystemPod]


class Reservations(Table):
    """``data/aks-reservations.yaml``."""

    seen: date
    source: Source
    kube_reserved_cpu_millicores: dict[int, int]
    memory: MemoryRules
    max_pods: MaxPods
    system_pods: SystemPods


@functools.cache
def reservations(path: Path = RESERVATIONS) -> Reservations:
    return Reservations.read(path)


@dataclass(frozen=True)
class Pod:
    """One pod's requests (CPU in millicores, memory in MiB) and how many of it share the node."""

    name: str
    cpu_m: float
    memory_mi: float
    count: int = 1


def kube_reserved_cpu(vcpus: int, table: Reservations | None = None) -> int:
    listed = (table or reservations()).kube_reserved_cpu_millicores
    return listed[min((cores for cores in listed if cores >= vcpus), default=max(listed))]


def kube_reserved_memory(
    memory_mib: float, max_pods: int, minor: str, table: Reservations | None = None, per_gib: float = 1024
) -> float:
    """Kube-reserved memory plus the eviction threshold, in the unit of ``memory_mib``.

    ``per_gib``: that unit's amount per GiB, for the bands before 1.29 (MS Learn's examples count 1000).
    """
    rules = (table or reservations()).memory
    if tuple(int(part) for part in minor.split(".")) >= (1, 29):
        new = rules.since_1_29
        return min(new.per_pod_mib * max_pods + new.base_mib, new.cap_fraction * memory_mib) + new.eviction_mib
    reserved, floor = 0.0, 0.0
    for bound, fraction in rules.before_1_29.bands:
        top = memory_mib if bound is None else min(memory_mib, bound * per_gib)
        reserved += fraction * max(top - floor, 0)
        floor = top
    return reserved + rules.before_1_29.eviction_mib


def allocatable(vm_size: str, minor: str) -> Pod:
    """What the kubelet offers pods on a node of ``vm_size`` (AKS's default max pods for its network)."""
    size = vm_sizes().sizes[vm_size]
    memory = size.memory_gib * 1024
    pods = reservations().max_pods.azure_cni_overlay
    return Pod(
        f"{vm_size} allocatable",
        size.vcpus * 1000 - kube_reserved_cpu(size.vcpus),
        memory - kube_reserved_memory(memory, pods, minor),
    )


def system_pods(monitoring: bool) -> list[Pod]:
    """AKS's pods on the busiest control-plane node: each DaemonSet once, every Deployment replica."""
    listed = reservations().system_pods
    groups = [listed.daemonsets, listed.deployments]
    if monitoring:
        groups += [listed.monitoring_daemonsets, listed.monitoring_deployments]
    return [Pod(name, p.cpu_m, p.memory_mi, p.replicas) for group in groups for name, p in group.items()]


def pods_beside(room: Pod, daemons: Iterable[SystemPod], cpu_m: float, memory_mi: float) -> int:
    """How many pods of these requests a node of ``room`` takes beside its cloud's DaemonSets."""
    daemons = list(daemons)
    cpu = room.cpu_m - sum(d.cpu_m for d in daemons)
    memory = room.memory_mi - sum(d.memory_mi for d in daemons)
    return max(int(min(cpu // cpu_m, memory // memory_mi)), 0)


def task_pods_per_node(vm_size: str, minor: str, monitoring: bool, cpu_m: float, memory_mi: float) -> int:
    """How many task pods of these requests a task node takes beside AKS's DaemonSets."""
    listed = reservations().system_pods
    daemons = [*listed.daemonsets.values(), *(listed.monitoring_daemonsets.values() if monitoring else ())]
    return pods_beside(allocatable(vm_size, minor), daemons, cpu_m, memory_mi)


# -- Airflow's pods, from the chart values -------------------------------------------------------


def _requests(resources: Mapping[str, Any] | None) -> tuple[float, float]:
    requests = (resources or {}).get("requests") or {}
    cpu = parse_quantity(str(requests["cpu"])) * 1000 if "cpu" in requests else 0
    memory = parse_quantity(str(requests["memory"])) / MIB if "memory" in requests else 0
    return float(cpu), float(memory)


def _pod(name: str, containers: list[Mapping[str, Any] | None], init: Mapping[str, Any] | None) -> Pod:
    """A pod's effective request: its containers' sum, or its largest init container if larger."""
    summed = [sum(values) for values in zip(*(_requests(c) for c in containers), strict=True)]
    first = _requests(init)
    return Pod(name, max(summed[0], first[0]), max(summed[1], first[1]))


def _groomer(section: Mapping[str, Any]) -> list[Mapping[str, Any] | None]:
    groomer = section.get("logGroomerSidecar") or {}
    return [groomer.get("resources")] if groomer.get("enabled", True) else []


def airflow_pods(values: Mapping[str, Any], zones: int, role_job: Mapping[str, Any] | None = None) -> list[Pod]:
    """Airflow's pods on the busiest control-plane node, from the values the chart's templates see.

    Chart 1.20.0 (templates/*-deployment.yaml): each Deployment's wait-for-migrations init container
    takes the component's own resources; git-sync runs as a sidecar in the triggerer and DAG processor
    (the scheduler only without a DAG processor); the log groomer in scheduler, triggerer and DAG processor.
    """
    git = values.get("dags", {}).get("gitSync", {})
    sync = [git.get("resources")] if git.get("enabled") else []

    def component(key: str, extra: list[Mapping[str, Any] | None]) -> Pod:
        section = values.get(key, {})
        own = section.get("resources")
        return _pod(key, [own, *extra], own)

    processor = values.get("dagProcessor", {}).get("enabled", True)
    pods = {
        "scheduler": component("scheduler", _groomer(values.get("scheduler", {})) + ([] if processor else sync)),
        "apiServer": component("apiServer", []),
        "triggerer": component("triggerer", _groomer(values.get("triggerer", {})) + sync),
    }
    if processor:
        pods["dagProcessor"] = component("dagProcessor", _groomer(values["dagProcessor"]) + sync)
    if values.get("statsd", {}).get("enabled", True):
        pods["statsd"] = _pod("statsd", [values["statsd"].get("resources")], None)
    placed = []
    for key, pod in pods.items():
        replicas = int(values.get(key, {}).get("replicas", 1))
        spread = key in ("scheduler", "apiServer", "triggerer") and zones > 1
        placed.append(Pod(key, pod.cpu_m, pod.memory_mi, math.ceil(replicas / zones) if spread else replicas))
    jobs = [_pod(key, [values.get(key, {}).get("resources")], None) for key in ("migrateDatabaseJob", "createUserJob")]
    if role_job is not None:
        jobs.append(_pod("databaseRoleJob", [role_job], None))
    largest = max(jobs, key=lambda job: (job.memory_mi, job.cpu_m))
    return [*placed, Pod(f"{largest.name} (the largest Job; Jobs run one at a time)", largest.cpu_m, largest.memory_mi)]


@dataclass(frozen=True)
class Fit:
    pods: list[Pod]
    room: Pod

    @property
    def cpu_m(self) -> float:
        return sum(p.cpu_m * p.count for p in self.pods)

    @property
    def memory_mi(self) -> float:
        return sum(p.memory_mi * p.count for p in self.pods)

    @property
    def fits(self) -> bool:
        return self.cpu_m <= self.room.cpu_m and self.memory_mi <= self.room.memory_mi

    def summary(self) -> str:
        return (
            f"requests {self.cpu_m:.0f}m CPU, {self.memory_mi:.0f}Mi memory of {self.room.name} "
            f"{self.room.cpu_m:.0f}m, {self.room.memory_mi:.0f}Mi ({self.cpu_m / self.room.cpu_m:.0%} CPU, "
            f"{self.memory_mi / self.room.memory_mi:.0%} memory)"
        )

    def report(self) -> str:
        lines = [f"  {p.count} x {p.name}: {p.cpu_m:.0f}m, {p.memory_mi:.0f}Mi" for p in self.pods]
        return "\n".join([*lines, self.summary()])


def spread_domains(zones: int, min_count: int) -> int:
    """Across how many nodes the zone rule spreads a component's replicas (1: no required spread)."""
    return min(zones, min_count) if zones > 1 else 1


def busiest_node(
    values: Mapping[str, Any],
    vm_size: str,
    minor: str,
    domains: int,
    monitoring: bool,
    role_job: Mapping[str, Any] | None = None,
) -> Fit:
    """The busiest control-plane node, AKS's pods and Airflow's, against one node's allocatable."""
    return node_fit(allocatable(vm_size, minor), system_pods(monitoring), values, domains, role_job)


def node_fit(
    room: Pod,
    system: list[Pod],
    values: Mapping[str, Any],
    domains: int,
    role_job: Mapping[str, Any] | None = None,
) -> Fit:
    """A control-plane node of ``room`` with its cloud's ``system`` pods and Airflow's from ``values``."""
    return Fit([*system, *airflow_pods(values, domains, role_job)], room)

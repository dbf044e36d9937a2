"""How long a ``pulumi up`` that creates the whole stack takes: the critical path through the plan's
dependency graph, each step weighted by its type's figure in ``data/provisioning-times.yaml``.
"""

from __future__ import annotations

import graphlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field

from components.data_tables import DATA, Table
from tools.offline import DeclaredResource, ProgramRun

PROVISIONING_TIMES = DATA / "provisioning-times.yaml"


class TimeVariant(Table):
    inputs: dict[str, Any] = Field(min_length=1)
    minutes: float = Field(ge=0)
    range: str | None = None
    sources: tuple[str, ...] = Field(min_length=1)


class TypeTime(Table):
    minutes: float = Field(ge=0)
    range: str | None = None
    sources: tuple[str, ...] = Field(min_length=1)
    when: tuple[TimeVariant, ...] = ()


class ProvisioningTimes(Table):
    """``data/provisioning-times.yaml``: typical minutes to create one resource, per type."""

    unlisted: TypeTime
    types: dict[str, TypeTime]

    def minutes_for(self, resource: DeclaredResource) -> float | None:
        """The figure for the resource, the first matching variant first; None if unlisted."""
        entry = self.types.get(resource.type)
        if entry is None:
            return None
        for variant in entry.when:
            if all(resource.input_at(path) == value for path, value in variant.inputs.items()):
                return variant.minutes
        return entry.minutes


def load_provisioning_times(path: Path = PROVISIONING_TIMES) -> ProvisioningTimes:
    return ProvisioningTimes.read(path)


@dataclass(frozen=True)
class CriticalPath:
    minutes: float
    #: The steps that decide the total, first to last.
    chain: tuple[str, ...]
    #: When each step is done, in minutes from the start.
    done_at: Mapping[str, float]


def critical_path(minutes: Mapping[str, float], needs: Mapping[str, Iterable[str]]) -> CriticalPath:
    """The longest chain through a dependency graph, each step starting once all it needs are done.

    ``minutes`` holds every step; ``needs`` maps a step to the steps it waits for. Ties go to
    the step whose name sorts first, so the same graph always names the same chain.
    """
    graph = {step: set(needs.get(step, ())) for step in minutes}
    undeclared = set().union(*graph.values()) - graph.keys()
    if undeclared:
        raise ValueError(f"steps are needed but have no duration: {sorted(undeclared)}")
    finish: dict[str, float] = {}
    waits_for: dict[str, str | None] = {}
    for step in graphlib.TopologicalSorter(graph).static_order():
        latest = max(sorted(graph[step]), key=finish.__getitem__, default=None)
        finish[step] = (finish[latest] if latest else 0.0) + minutes[step]
        waits_for[step] = latest
    if not finish:
        return CriticalPath(minutes=0.0, chain=(), done_at={})
    step: str | None = max(sorted(finish), key=finish.__getitem__)
    total = finish[step]
    chain: list[str] = []
    while step is not None:
        chain.append(step)
        step = waits_for[step]
    return CriticalPath(minutes=total, chain=tuple(reversed(chain)), done_at=finish)


def provisioning_steps(run: ProgramRun) -> dict[str, set[str]]:
    """Every custom resource's URN, with the URNs of the custom resources it waits for.

    A resource waits for its dependencies (explicit ``depends_on`` and the resources its inputs
    come from, both recorded by the engine) and for its explicit provider. A component takes
    no time itself: waiting for one is waiting for the custom resources inside it.
    """
    by_urn = {r.urn: r for r in run.resources}
    children: dict[str, list[DeclaredResource]] = {}
    for resource in run.resources:
        children.setdefault(resource.parent, []).append(resource)

    def custom_within(urn: str) -> set[str]:
        resource = by_urn.get(urn)
        if resource is None:  # a default provider: not declared by the program, configured locally
            return set()
        if resource.custom:
            return {urn}
        return set().union(*(custom_within(child.urn) for child in children.get(urn, ())))

    steps: dict[str, set[str]] = {}
    for resource in run.resources:
        if resource.custom:
            awaited = [*resource.dependencies, *filter(None, [resource.provider_urn])]
            steps[resource.urn] = set().union(*(custom_within(urn) for urn in awaited)) - {resource.urn}
    return steps


@dataclass(frozen=True)
class DurationEstimate:
    minutes: float
    #: The critical chain: each resource with its own minutes.
    chain: tuple[tuple[DeclaredResource, float], ...]
    #: Every step one after another: what the graph's parallelism saves.
    sequential_minutes: float
    #: Every step, with its own minutes and when it is done.
    steps: tuple[tuple[DeclaredResource, float, float], ...]
    #: Types without their own figure, counted at the table's ``unlisted`` figure.
    unlisted_types: tuple[str, ...]


#: What no program can be faster than: the slower of the cluster (with the pool Airflow runs on) and
#: the database server, then the Helm release. Steps of these types make it up.
FLOOR_INFRASTRUCTURE = ("azure-native:containerservice:AgentPool", "azure-native:dbforpostgresql:Server")
FLOOR_RELEASE = "kubernetes:helm.sh/v3:Release"


def floor_minutes(estimate: DurationEstimate) -> float:
    """The slowest of the cluster's System pool and the database server, plus the release's own minutes.

    What the estimate spends beyond it is what the program puts between those and the release.
    """
    infrastructure = [
        done
        for resource, _, done in estimate.steps
        if resource.type in FLOOR_INFRASTRUCTURE and resource.inputs.get("mode", "System") == "System"
    ]
    release = [minutes for resource, minutes, _ in estimate.steps if resource.type == FLOOR_RELEASE]
    return max(infrastructure, default=0.0) + sum(release)


def estimate_duration(run: ProgramRun, times: ProvisioningTimes) -> DurationEstimate:
    """The critical path of a ``pulumi up`` that creates the whole stack."""
    by_urn = {r.urn: r for r in run.resources}
    steps = provisioning_steps(run)
    minutes: dict[str, float] = {}
    unlisted: set[str] = set()
    for urn in steps:
        figure = times.minutes_for(by_urn[urn])
        if figure is None:
            unlisted.add(by_urn[urn].type)
            figure = times.unlisted.minutes
        minutes[urn] = figure
    path = critical_path(minutes, steps)
    return DurationEstimate(
        minutes=path.minutes,
        chain=tuple((by_urn[urn], minutes[urn]) for urn in path.chain),
        sequential_minutes=sum(minutes.values()),
        steps=tuple((by_urn[urn], minutes[urn], path.done_at[urn]) for urn in steps),
        unlisted_types=tuple(sorted(unlisted)),
    )

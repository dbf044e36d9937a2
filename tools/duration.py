"""How long a ``pulumi up`` that creates the whole stack takes: the critical path through the plan's
dependency graph, each step weighted by its type's figure in ``data/provisioning-times.yaml`` (Azure,
Kubernetes and the rest) or ``data/aws-provisioning-times.yaml`` (AWS), read as one table.
"""

from __future__ import annotations

import graphlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from components.data_tables import DATA, Table
from tools.offline import DeclaredResource, ProgramRun

PROVISIONING_TIMES = DATA / "provisioning-times.yaml"
AWS_PROVISIONING_TIMES = DATA / "aws-provisioning-times.yaml"


class TimeVariant(Table):
    inputs: dict[str, Any] = Field(min_length=1)
    minutes: float = Field(ge=0)
    range: str | None = None
    sources: tuple[str, ...] = Field(min_length=1)


class FloorPart(Table):
    """What a type's resources are to the floor (:func:`floor_minutes`): the infrastructure Airflow waits
    for (the cluster with the pool its control plane runs on, the database server), or its release."""

    part: Literal["infrastructure", "release"]
    #: Only resources whose inputs match these (dotted paths) are part of it.
    inputs: dict[str, Any] = Field(default_factory=dict)


class TypeTime(Table):
    minutes: float = Field(ge=0)
    range: str | None = None
    sources: tuple[str, ...] = Field(min_length=1)
    when: tuple[TimeVariant, ...] = ()
    floor: FloorPart | None = None


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

    def floor_part(self, resource: DeclaredResource) -> str | None:
        """``infrastructure`` or ``release`` when the resource is part of the floor, else None."""
        floor = (entry := self.types.get(resource.type)) and entry.floor
        if floor and all(resource.input_at(path) == value for path, value in floor.inputs.items()):
            return floor.part
        return None


def load_provisioning_times(
    paths: tuple[Path, ...] = (PROVISIONING_TIMES, AWS_PROVISIONING_TIMES),
) -> ProvisioningTimes:
    """The files as one table: a type in two of them is an error, and so are two ``unlisted`` figures."""
    tables = [ProvisioningTimes.read(path) for path in paths]
    types: dict[str, TypeTime] = {}
    for path, table in zip(paths, tables, strict=True):
        twice = sorted(types.keys() & table.types.keys())
        if twice:
            raise ValueError(f"{path.name} defines types another provisioning-times file defines: {twice}")
        types |= table.types
    unlisted = {table.unlisted.minutes for table in tables}
    if len(unlisted) > 1:
        raise ValueError(f"the provisioning-times files give different unlisted figures: {sorted(unlisted)}")
    return ProvisioningTimes(unlisted=tables[0].unlisted, types=types)


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
    #: The steps that make up the floor (URN -> ``infrastructure`` or ``release``), per the table's ``floor``.
    floor_parts: Mapping[str, str]


def floor_minutes(estimate: DurationEstimate) -> float:
    """What no program can be faster than: the slowest of the infrastructure Airflow waits for (the
    cluster's control-plane pool or node group, the database server), plus the release's own minutes.

    What the estimate spends beyond it is what the program puts between those and the release.
    """
    parts = estimate.floor_parts
    infrastructure = [done for resource, _, done in estimate.steps if parts.get(resource.urn) == "infrastructure"]
    release = [minutes for resource, minutes, _ in estimate.steps if parts.get(resource.urn) == "release"]
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
        floor_parts={urn: part for urn in steps if (part := times.floor_part(by_urn[urn]))},
    )

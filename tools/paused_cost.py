"""What a paused stack still costs per month, from the idle cost's lines and ``data/pause.yaml``.

A paused stack (``python -m tools.pause``) has its AKS cluster and PostgreSQL server stopped, or on
AWS its node groups at zero nodes and its RDS instance stopped: the lines the cloud does not bill
then drop out, every other line goes on. A schedule (the ``pause.schedule`` setting) pauses part of
each week, so its month is the two blended.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field

from components.data_tables import DATA, Table
from tools.cost import CostEstimate, CostLine

PAUSE_FACTS = DATA / "pause.yaml"
HOURS_PER_WEEK = 7 * 24


class StoppedCharges(Table):
    units: tuple[str, ...]
    source: str
    note: str | None = None


class PostgresStop(Table):
    restarts_after_days: int = Field(gt=0)
    source: str
    stoppable_states: tuple[str, ...]
    states_source: str
    high_availability_stoppable: bool
    high_availability_source: str


class AksStop(Table):
    state_kept_months: int = Field(gt=0)
    source: str


class BilledWhilePaused(Table):
    #: How the plan names the type's lines that go on.
    what: str
    source: str


class RdsStop(Table):
    restarts_after_days: int = Field(gt=0)
    source: str
    stoppable_states: tuple[str, ...]
    states_source: str
    multi_az_stoppable: bool
    limits_source: str


class NodeGroupScaling(Table):
    source: str
    #: Why a paused AWS stack is resumed before ``pulumi up``.
    update_while_paused: str


class PauseFacts(Table):
    """``data/pause.yaml``."""

    stops: dict[str, StoppedCharges]
    billed_while_paused: dict[str, BilledWhilePaused]
    postgres: PostgresStop
    aks: AksStop
    rds: RdsStop
    node_groups: NodeGroupScaling


def load_pause_facts(path: Path = PAUSE_FACTS) -> PauseFacts:
    return PauseFacts.read(path)


#: What ``tools.pause`` does on each cloud (the ``cloud`` setting), and whose bill goes on.
PAUSES = {"azure": ("cluster and database stopped", "Azure"), "aws": ("node groups at zero, database stopped", "AWS")}


@dataclass(frozen=True)
class PausedCost:
    idle_usd: float
    paused_usd: float
    #: None when the stack has no schedule.
    paused_hours_per_week: float | None
    cloud: str = "azure"
    #: What goes on while paused, by what data/pause.yaml ``billed_while_paused`` calls it, dearest first.
    still_billed: tuple[tuple[str, float], ...] = ()

    @property
    def scheduled_usd(self) -> float | None:
        """The month under the schedule: paused for its share of the week, idle for the rest."""
        if self.paused_hours_per_week is None:
            return None
        share = self.paused_hours_per_week / HOURS_PER_WEEK
        return self.paused_usd * share + self.idle_usd * (1 - share)


def stops_when_paused(line: CostLine, stops: Mapping[str, StoppedCharges]) -> bool:
    stopped = stops.get(line.resource.type)
    return stopped is not None and line.unit in stopped.units


def still_billed(kept: list[CostLine], billed: Mapping[str, BilledWhilePaused]) -> tuple[tuple[str, float], ...]:
    """The kept lines summed by what ``billed`` calls their type (types it does not name are left out)."""
    sums: dict[str, float] = {}
    for line in kept:
        if line.resource.type in billed and line.monthly_usd:
            what = billed[line.resource.type].what
            sums[what] = sums.get(what, 0.0) + line.monthly_usd
    return tuple(sorted(sums.items(), key=lambda item: (-item[1], item[0])))


def paused_cost(
    estimate: CostEstimate,
    paused_hours_per_week: float | None,
    facts: PauseFacts | None = None,
    cloud: str = "azure",
) -> PausedCost:
    facts = facts or load_pause_facts()
    kept = [line for line in estimate.lines if not stops_when_paused(line, facts.stops)]
    paused = sum(line.monthly_usd or 0.0 for line in kept)
    billed = still_billed(kept, facts.billed_while_paused)
    return PausedCost(estimate.total_usd, paused, paused_hours_per_week, cloud, billed)


def render_paused(cost: PausedCost) -> list[str]:
    """The plan's lines, under the idle cost."""
    action, biller = PAUSES[cost.cloud]
    lines = [
        f"  paused ({action} by tools.pause): ${cost.paused_usd:,.2f} a month"
        f" (what {biller} bills while paused goes on: data/pause.yaml)"
    ]
    if cost.scheduled_usd is not None and cost.paused_hours_per_week is not None:
        lines.append(
            f"  with the pause.schedule setting ({cost.paused_hours_per_week:g} of {HOURS_PER_WEEK} hours a week"
            f" paused): ${cost.scheduled_usd:,.2f} a month"
        )
    if cost.still_billed:
        billed = ", ".join(f"{what} ${usd:,.2f}" for what, usd in cost.still_billed)
        lines.append(f"  still billed while paused: {billed}")
    return lines

"""What a paused stack still costs per month, from the idle cost's lines and ``data/pause.yaml``.

A paused stack (``python -m tools.pause``) has its AKS cluster and PostgreSQL server stopped: the
lines Azure does not bill while they are stopped drop out, every other line goes on. A schedule
(the ``pause.schedule`` setting) pauses part of each week, so its month is the two blended.
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


class PauseFacts(Table):
    """``data/pause.yaml``."""

    stops: dict[str, StoppedCharges]
    postgres: PostgresStop
    aks: AksStop


def load_pause_facts(path: Path = PAUSE_FACTS) -> PauseFacts:
    return PauseFacts.read(path)


@dataclass(frozen=True)
class PausedCost:
    idle_usd: float
    paused_usd: float
    #: None when the stack has no schedule.
    paused_hours_per_week: float | None

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


def paused_cost(
    estimate: CostEstimate, paused_hours_per_week: float | None, facts: PauseFacts | None = None
) -> PausedCost:
    stops = (facts or load_pause_facts()).stops
    paused = sum(line.monthly_usd or 0.0 for line in estimate.lines if not stops_when_paused(line, stops))
    return PausedCost(estimate.total_usd, paused, paused_hours_per_week)


def render_paused(cost: PausedCost) -> list[str]:
    """The plan's lines, under the idle cost."""
    lines = [
        f"  paused (cluster and database stopped by tools.pause): ${cost.paused_usd:,.2f} a month"
        " (what Azure bills while stopped goes on: data/pause.yaml)"
    ]
    if cost.scheduled_usd is not None and cost.paused_hours_per_week is not None:
        lines.append(
            f"  with the pause.schedule setting ({cost.paused_hours_per_week:g} of {HOURS_PER_WEEK} hours a week"
            f" paused): ${cost.scheduled_usd:,.2f} a month"
        )
    return lines

"""The pause block: when the scheduled workflow stops a stack's cluster and database (``tools.pause``).

A paused stack keeps its state and pays only for what Azure bills while stopped (data/pause.yaml).
The times are local to ``timezone``, so that a stack follows its team's working day through
daylight saving time; the workflow runs hourly in UTC and the tool decides from these settings.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import time
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from components.config.base import Problem, Settings
from components.config.values import _checked, _matching

if TYPE_CHECKING:
    from components.config.stack import StackSettings

ClockTime = Annotated[str, _matching(r"(?:[01]\d|2[0-3]):[0-5]\d", "must be a time of day HH:mm, 00:00 to 23:59")]


def _time_zone(name: str) -> str | None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return "must be an IANA time zone such as Europe/Amsterdam or UTC (the tz database's names)"
    return None


TimeZone = Annotated[str, _checked(_time_zone)]


def clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


class PauseScheduleSettings(Settings):
    """Running from ``resumeAt`` to ``pauseAt`` on working days; paused the rest of the time,
    and all weekend with ``weekends``."""

    enabled: bool = False
    timezone: TimeZone = "Europe/Amsterdam"
    resume_at: ClockTime = "07:00"
    pause_at: ClockTime = "19:00"
    weekends: bool = True

    def problems(self) -> Iterator[Problem]:
        if clock(self.resume_at) >= clock(self.pause_at):
            yield Problem(
                self.key_path("pause_at"),
                self.pause_at,
                f"must be later than resumeAt ({self.resume_at}): the stack runs from resumeAt to pauseAt each day",
            )

    @property
    def paused_hours_per_week(self) -> float:
        """Hours a week the schedule keeps the stack paused (on a week without a clock change)."""
        start, end = clock(self.resume_at), clock(self.pause_at)
        running = (end.hour * 60 + end.minute - start.hour * 60 - start.minute) / 60
        running_days = 5 if self.weekends else 7
        return 7 * 24 - running * running_days


class PauseSettings(Settings):
    schedule: PauseScheduleSettings = PauseScheduleSettings()


def pause_unprotected(settings: StackSettings) -> Iterator[Problem]:
    """A stack whose data is protected (prod) is never paused: a stopped cluster may not start again
    where capacity is short, and its API server address may change (data/pause.yaml)."""
    if settings.protect_data and settings.pause.schedule.enabled:
        yield Problem(
            settings.key_path("pause", "schedule", "enabled"),
            True,
            "must be false while protectData is true: a stack whose data is protected is never paused",
        )

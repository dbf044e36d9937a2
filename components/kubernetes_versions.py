"""AKS's Kubernetes version calendar (``data/aks-versions.yaml``) and the questions a stack asks it.

Which minors AKS supports on a day, for the community plan or long-term support (tier Premium
only), how long a minor has left, the minor a new stack should default to, and what is wrong with
a stack's ``kubernetesVersion`` on a day. The settings ask on the day the program runs
(:func:`check_date`); tests name the day with :func:`checked_on`.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, Self

from pydantic import BeforeValidator, Field, model_validator

from components.azure_facts import Source
from components.data_tables import DATA, Table

if TYPE_CHECKING:
    from components.config import StackSettings

CALENDAR = DATA / "aks-versions.yaml"

SupportPlan = Literal["KubernetesOfficial", "AKSLongTermSupport"]
LTS: SupportPlan = "AKSLongTermSupport"
#: Long-term support is offered on this tier only.
LTS_TIER = "Premium"

#: A new stack's default minor has at least this much support left ("six months").
DEFAULT_RUNWAY_DAYS = 183
#: The plan warns when the stack's minor has this little support left.
WARNING_DAYS = 90


def _calendar_date(text: object) -> object:
    """``Mar 2026``: the last day of the month, the calendar's rule; ``Aug 22, 2025``: that day."""
    if not isinstance(text, str):
        return text
    for pattern in ("%b %d, %Y", "%b %Y"):
        try:
            day = datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        if pattern == "%b %Y":
            day = (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        return day
    raise ValueError(f"not a calendar date such as 'Mar 2026' or 'Aug 22, 2025': {text!r}")


CalendarDate = Annotated[date, BeforeValidator(_calendar_date)]


class CalendarMinor(Table):
    """One minor of a cloud's calendar (AKS's or EKS's): its dates come from named sources, and an
    unconfirmed one says where it comes from."""

    sources: tuple[str, ...] = Field(min_length=1)
    confirmed: bool = True
    estimate_from: str | None = None

    @model_validator(mode="after")
    def _unconfirmed_says_why(self) -> Self:
        if self.confirmed == (self.estimate_from is not None):
            raise ValueError("estimate_from is required when, and only when, confirmed is false")
        return self


class VersionCalendar(Table):
    """A cloud's calendar: the day it was seen, its sources, and its minors by MAJOR.MINOR."""

    seen: date
    sources: dict[str, Source]
    minors: dict[Annotated[str, Field(pattern=r"^\d+\.\d+$")], CalendarMinor] = Field(min_length=1)

    @model_validator(mode="after")
    def _sources_are_named(self) -> Self:
        for name, minor in self.minors.items():
            unknown = set(minor.sources) - set(self.sources)
            if unknown:
                raise ValueError(f"{name}: unknown sources {sorted(unknown)}")
        return self


class Minor(CalendarMinor):
    upstream_release: Annotated[str, Field(pattern=r"^[A-Z][a-z]{2} \d{4}$")]
    aks_ga: CalendarDate
    end_of_support: CalendarDate
    lts_end: CalendarDate | None = None

    def end(self, plan: SupportPlan) -> date | None:
        return self.lts_end if plan == LTS else self.end_of_support


class Calendar(VersionCalendar):
    """``data/aks-versions.yaml``."""

    minors: dict[Annotated[str, Field(pattern=r"^\d+\.\d+$")], Minor] = Field(min_length=1)


@functools.cache
def calendar(path: Path = CALENDAR) -> Calendar:
    return Calendar.read(path)


# -- the day asked about ------------------------------------------------------------------------

_CHECKED_ON: ContextVar[date | None] = ContextVar("kubernetes_versions_checked_on", default=None)


def check_date() -> date:
    """The day the settings are checked on: today, unless a caller named one."""
    return _CHECKED_ON.get() or date.today()


@contextlib.contextmanager
def checked_on(day: date) -> Iterator[None]:
    """Checks the settings as if it were ``day`` (for tests and what-if reviews)."""
    token = _CHECKED_ON.set(day)
    try:
        yield
    finally:
        _CHECKED_ON.reset(token)


# -- questions ----------------------------------------------------------------------------------


def minor_of(version: str) -> str:
    """``1.36.2`` -> ``1.36``."""
    return ".".join(version.split(".")[:2])


def has_patch(version: str) -> bool:
    return re.fullmatch(r"\d+\.\d+\.\d+", version) is not None


def ordered_minors(minors: list[str]) -> list[str]:
    return sorted(minors, key=lambda minor: tuple(int(part) for part in minor.split(".")))


def effective_plan(plan: SupportPlan, tier: str) -> SupportPlan:
    """Long-term support applies only on tier Premium; elsewhere the community window does."""
    return plan if tier == LTS_TIER else "KubernetesOfficial"


def _within(minor: str, on: date, plan: SupportPlan) -> bool:
    known = calendar().minors.get(minor)
    end = known.end(plan) if known else None
    return known is not None and end is not None and known.aks_ga <= on <= end


def is_supported(minor: str, on: date, *, tier: str = "Free", plan: SupportPlan = "KubernetesOfficial") -> bool:
    """Whether AKS creates and supports clusters of ``tier`` and ``plan`` on ``minor`` on ``on``
    (its GA month over, its end not passed)."""
    return _within(minor, on, effective_plan(plan, tier))


def supported_minors(on: date, *, tier: str = "Free", plan: SupportPlan = "KubernetesOfficial") -> list[str]:
    effective = effective_plan(plan, tier)
    return ordered_minors([minor for minor in calendar().minors if _within(minor, on, effective)])


def days_until_end(minor: str, on: date, plan: SupportPlan = "KubernetesOfficial") -> int | None:
    """Days from ``on`` to the last day of support (negative once passed); None if AKS has no date."""
    known = calendar().minors.get(minor)
    end = known.end(plan) if known else None
    return None if end is None else (end - on).days


def default_minor(on: date) -> str:
    """The oldest minor (the most proven) with at least :data:`DEFAULT_RUNWAY_DAYS` of community support."""
    lasting = [m for m in supported_minors(on) if (days_until_end(m, on) or 0) >= DEFAULT_RUNWAY_DAYS]
    if not lasting:
        raise LookupError(f"no minor in {CALENDAR.name} has {DEFAULT_RUNWAY_DAYS} days of support left on {on}")
    return lasting[0]


def newer_minors(minor: str, minors: list[str]) -> list[str]:
    """The ``minors`` after ``minor``: where a stack can move on to."""
    return [m for m in minors if ordered_minors([minor, m])[-1] != minor]


def listed(minors: list[str]) -> str:
    return minors[0] if len(minors) == 1 else f"{', '.join(minors[:-1])} or {minors[-1]}"


def channel_requirement(version: str, channel: str) -> str | None:
    """With the ``patch`` channel AKS owns the patch: the setting names the minor only."""
    if channel != "patch" or not has_patch(version):
        return None
    return (
        f"must be MAJOR.MINOR such as {minor_of(version)} while upgradeChannel is patch: AKS moves the cluster to "
        "each new patch, so a pinned patch turns into a downgrade after the first one (upgradeChannel: none "
        "keeps a pinned patch)"
    )


def plan_requirement(plan: SupportPlan, tier: str) -> str | None:
    if plan == LTS and tier != LTS_TIER:
        return f"requires tier {LTS_TIER} (Long-term support for AKS), but tier is {tier}"
    return None


def version_requirement(version: str, tier: str, plan: SupportPlan, on: date) -> str | None:
    """What is wrong with running ``version`` on ``on`` (unknown, not GA yet, or past its end), or None."""
    minor, effective = minor_of(version), effective_plan(plan, tier)
    supported = supported_minors(on, tier=tier, plan=plan)
    choose = f"use a minor AKS supports on {on}: {listed(supported)}" if supported else "no minor is supported"
    known = calendar().minors.get(minor)
    if known is None:
        return f"is not in AKS's release calendar (data/aks-versions.yaml, seen {calendar().seen}): {choose}"
    if on < known.aks_ga:
        return f"is not generally available on AKS before {known.aks_ga}: {choose}"
    end = known.end(effective)
    if end is not None and on <= end:
        return None
    if effective == LTS:
        return f"reached the end of AKS long-term support on {end}: {choose}"
    lts = known.lts_end
    alternative = (
        f", or tier {LTS_TIER} with supportPlan {LTS} (long-term support until {lts})" if lts and on <= lts else ""
    )
    return (
        f"reached the end of AKS support on {known.end_of_support}, and AKS creates no cluster on it: "
        f"{choose} (an existing cluster upgrades one minor at a time){alternative}"
    )


def support_warnings(settings: StackSettings, on: date) -> list[str]:
    """The plan's warnings: the stack's minor has :data:`WARNING_DAYS` or fewer days of support left."""
    cluster = settings.cluster
    plan = effective_plan(cluster.support_plan, cluster.tier)
    minor = minor_of(cluster.kubernetes_version)
    left = days_until_end(minor, on, plan)
    if left is None or not 0 <= left <= WARNING_DAYS:
        return []
    newer = newer_minors(minor, supported_minors(on, tier=cluster.tier, plan=plan))
    setting = ".".join(settings.key_path("cluster", "kubernetes_version"))
    move = f"; move to {listed(newer)} before then" if newer else ""
    kind = "long-term support" if plan == LTS else "support"
    return [
        f'{setting} = "{cluster.kubernetes_version}": AKS {kind} for {minor} ends on '
        f"{on + timedelta(days=left)}, in {left} days{move}"
    ]

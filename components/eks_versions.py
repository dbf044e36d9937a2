"""EKS's Kubernetes version calendar (``data/eks-versions.yaml``) and the questions a stack asks it.

EKS bills a cluster by its minor's phase: standard support, then extended support (upgrade policy
``EXTENDED``, EKS's default) until the minor's end, when EKS upgrades the control plane itself; a
cluster whose policy is ``STANDARD`` is upgraded at the end of standard support instead, so it never
pays for extended support. The questions are AKS's (:mod:`components.kubernetes_versions`), asked
on the same day (:func:`~components.kubernetes_versions.check_date`), with the same runway for the
default and the same warning window.
"""

from __future__ import annotations

import functools
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field

from components.data_tables import DATA, Table
from components.kubernetes_versions import (
    DEFAULT_RUNWAY_DAYS,
    WARNING_DAYS,
    CalendarDate,
    CalendarMinor,
    VersionCalendar,
    listed,
    minor_of,
    newer_minors,
    ordered_minors,
)

if TYPE_CHECKING:
    from components.config import StackSettings

CALENDAR = DATA / "eks-versions.yaml"

Phase = Literal["standard", "extended"]
#: The cluster's upgrade policy (pulumi-aws ``upgradePolicy.supportType``).
SupportType = Literal["STANDARD", "EXTENDED"]
#: The upgrade policy that keeps a cluster out of extended support.
STANDARD_ONLY: SupportType = "STANDARD"


class EksMinor(CalendarMinor):
    upstream_release: CalendarDate
    eks_release: CalendarDate
    #: The first day of extended support ("Billing for extended support starts at the beginning of the day").
    end_of_support: CalendarDate
    #: The first day the minor can no longer be created.
    extended_end: CalendarDate

    def end(self, support_type: SupportType) -> date:
        """The first day EKS no longer keeps a cluster of ``support_type`` on this minor."""
        return self.end_of_support if support_type == STANDARD_ONLY else self.extended_end


class ControlPlanePricing(Table):
    standard_usd_per_cluster_hour: float
    extended_usd_per_cluster_hour: float
    source: str


class UpgradeFacts(Table):
    minors_per_update: int
    source: str
    node_groups_follow: bool
    node_groups_source: str


class EksCalendar(VersionCalendar):
    """``data/eks-versions.yaml``."""

    pricing: ControlPlanePricing
    upgrade: UpgradeFacts
    minors: dict[Annotated[str, Field(pattern=r"^\d+\.\d+$")], EksMinor] = Field(min_length=1)


@functools.cache
def eks_calendar(path: Path = CALENDAR) -> EksCalendar:
    return EksCalendar.read(path)


def is_offered(minor: str, on: date, support_type: SupportType = "EXTENDED") -> bool:
    """Whether EKS creates and keeps a cluster of ``support_type`` on ``minor`` on ``on``."""
    known = eks_calendar().minors.get(minor)
    return known is not None and known.eks_release <= on < known.end(support_type)


def offered_minors(on: date, support_type: SupportType = "EXTENDED") -> list[str]:
    return ordered_minors([minor for minor in eks_calendar().minors if is_offered(minor, on, support_type)])


def standard_days_left(minor: str, on: date) -> int | None:
    """Days from ``on`` until extended support starts (none left once it has); None if not in the calendar."""
    known = eks_calendar().minors.get(minor)
    return None if known is None else (known.end_of_support - on).days


def default_minor(on: date) -> str:
    """The oldest minor (the most proven) with at least :data:`DEFAULT_RUNWAY_DAYS` of standard support left."""
    lasting = [m for m in offered_minors(on) if (standard_days_left(m, on) or 0) >= DEFAULT_RUNWAY_DAYS]
    if not lasting:
        raise LookupError(f"no minor in {CALENDAR.name} has {DEFAULT_RUNWAY_DAYS} days of standard support on {on}")
    return lasting[0]


def support_phase(version: str, on: date, support_type: str | None = None) -> Phase | None:
    """The phase a cluster on ``version`` (MAJOR.MINOR[.PATCH]) is billed in on ``on``; None when the
    calendar has no such minor or the day is outside its life (before its release, past its end)."""
    minor = minor_of(version)
    if not is_offered(minor, on):
        return None
    if (standard_days_left(minor, on) or 0) > 0 or support_type == STANDARD_ONLY:
        return "standard"
    return "extended"


def _hourly(phase: Phase) -> str:
    """The control plane's price per hour in ``phase``, as the plan writes it."""
    pricing = eks_calendar().pricing
    usd = pricing.extended_usd_per_cluster_hour if phase == "extended" else pricing.standard_usd_per_cluster_hour
    return f"${usd:.2f}"


def version_requirement(version: str, support_type: SupportType, on: date) -> str | None:
    """What is wrong with running ``version`` on ``on`` (unknown, not released, or past its end for
    the upgrade policy), or None."""
    minor = minor_of(version)
    offered = offered_minors(on, support_type)
    choose = f"use a minor EKS offers on {on}: {listed(offered)}" if offered else "EKS offers no minor then"
    known = eks_calendar().minors.get(minor)
    if known is None:
        return f"is not in EKS's release calendar (data/eks-versions.yaml, seen {eks_calendar().seen}): {choose}"
    if on < known.eks_release:
        return f"is not released on EKS before {known.eks_release}: {choose}"
    if on >= known.extended_end:
        return (
            f"reached the end of EKS extended support on {known.extended_end}, and EKS creates no cluster on it: "
            f"{choose} (an existing cluster upgrades one minor at a time)"
        )
    if support_type == STANDARD_ONLY and on >= known.end_of_support:
        return (
            f"reached the end of EKS standard support on {known.end_of_support}, when EKS upgrades a cluster "
            f"whose supportType is STANDARD on its own: {choose}, or aws.cluster.supportType EXTENDED (extended "
            f"support until {known.extended_end} at {_hourly('extended')} an hour instead of {_hourly('standard')})"
        )
    return None


def support_warnings(settings: StackSettings, on: date) -> list[str]:
    """The plan's warnings: :data:`WARNING_DAYS` or fewer days before the stack's minor leaves
    standard support (a dearer hour, or EKS's own upgrade) or extended support (EKS's own upgrade)."""
    cluster = settings.aws.cluster
    minor = minor_of(cluster.kubernetes_version)
    known = eks_calendar().minors.get(minor)
    if known is None:
        return []
    setting = ".".join(settings.key_path("aws", "cluster", "kubernetes_version"))
    newer = newer_minors(minor, offered_minors(on, cluster.support_type))
    move = f"; move to {listed(newer)} before then" if newer else ""
    said = f'{setting} = "{cluster.kubernetes_version}": EKS'
    warnings = []
    standard_left = (known.end_of_support - on).days
    if 0 < standard_left <= WARNING_DAYS:
        then = (
            "EKS then upgrades the control plane itself (supportType STANDARD)"
            if cluster.support_type == STANDARD_ONLY
            else f"extended support from {known.end_of_support} costs {_hourly('extended')} an hour instead of "
            f"{_hourly('standard')}"
        )
        warnings.append(
            f"{said} standard support for {minor} ends on {known.end_of_support}, in {standard_left} days; {then}{move}"
        )
    extended_left = (known.extended_end - on).days
    if cluster.support_type != STANDARD_ONLY and 0 < extended_left <= WARNING_DAYS:
        warnings.append(
            f"{said} extended support for {minor} ends on {known.extended_end}, in {extended_left} days; EKS then "
            f"upgrades the control plane itself and leaves the node groups behind{move}"
        )
    return warnings

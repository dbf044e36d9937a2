"""When AKS may upgrade the cluster and its nodes, and how the cluster autoscaler paces node pools.

The rules are AKS's own (MS Learn, Use planned maintenance to schedule and control upgrades for
your AKS cluster; the azure-native SDK's MaintenanceWindow docstrings), checked here so that a
window Azure would refuse stops the preview with the setting named.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from components.config.base import Settings
from components.config.values import _checked, _matching

WeekDay = Literal["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
#: AKS: "Accepted values are from '00:00' to '23:59'".
StartTime = Annotated[str, _matching(r"(?:[01]\d|2[0-3]):[0-5]\d", "must be a time of day HH:mm, 00:00 to 23:59")]
#: AKS: "The UTC offset in format +/-HH:mm"; the world's offsets run from -12:00 to +14:00.
UtcOffset = Annotated[
    str,
    _matching(
        r"[+-](?:0\d|1[0-1]):[0-5]\d|[+-]12:00|\+1[2-3]:[0-5]\d|\+14:00",
        "must be a UTC offset +HH:mm or -HH:mm between -12:00 and +14:00, e.g. +00:00 or -07:00",
    ),
]
#: The autoscaler profile takes whole minutes ("an integer followed by an 'm'") and whole seconds.
Minutes = Annotated[str, _matching(r"[1-9]\d*m", "must be whole minutes such as 10m (AKS takes no other unit here)")]
Seconds = Annotated[str, _matching(r"[1-9]\d*s", "must be whole seconds such as 10s")]
#: AKS: "Length of maintenance window range from 4 to 24 hours"; automatic upgrades need four or more.
WindowHours = Annotated[
    int,
    _checked(
        lambda hours: (
            None
            if 4 <= hours <= 24
            else "must be 4 to 24 hours: AKS takes windows of 4 to 24 hours, and automatic upgrades need at least four"
        )
    ),
]


class MaintenanceWindowSettings(Settings):
    """A weekly window: AKS starts upgrades of this kind only inside it (best effort)."""

    day_of_week: WeekDay = "Sunday"
    interval_weeks: int = Field(1, ge=1, le=4, description="every 1 to 4 weeks")
    start_time: StartTime = "00:00"
    duration_hours: WindowHours = 4
    utc_offset: UtcOffset = "+00:00"


class MaintenanceSettings(Settings):
    """``aksManagedAutoUpgradeSchedule`` (the upgradeChannel's cluster upgrades) and
    ``aksManagedNodeOSUpgradeSchedule`` (the weekly node images), on different nights."""

    auto_upgrade: MaintenanceWindowSettings = MaintenanceWindowSettings(day_of_week="Sunday")
    node_os: MaintenanceWindowSettings = MaintenanceWindowSettings(day_of_week="Saturday")


class AutoscalerSettings(Settings):
    """The cluster autoscaler profile that matters for batch windows (AKS's defaults)."""

    scale_down_delay_after_add: Minutes = Field("10m", description="no scale-down this long after a scale-up")
    scale_down_unneeded_time: Minutes = Field("10m", description="an idle node is removed after this long")
    scan_interval: Seconds = Field("10s", description="how often pending pods are looked at")
    expander: Literal["random", "least-waste", "most-pods", "priority"] = Field(
        "random", description="which pool grows when several could; priority needs its own ConfigMap"
    )

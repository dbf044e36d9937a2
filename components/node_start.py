"""How long a task pod may wait for a node, and the OS disk each node pool's VM size can take.

Both come from dated tables in ``data/`` (``node-start-times.yaml``, ``vm-sizes.yaml``), so the
settings, the pools and Airflow's timeouts agree on one figure, each with its source.
"""

from __future__ import annotations

import functools
from datetime import date
from pathlib import Path
from typing import Literal, NamedTuple

from pydantic import Field

from components.azure_facts import vm_sizes
from components.data_tables import DATA, Table

NODE_START_TIMES = DATA / "node-start-times.yaml"

#: The OS disk a pool asks for when the VM's local disk holds it (AKS's default for small sizes).
PREFERRED_OS_DISK_GIB = 128
#: Below this, no ephemeral OS disk: the node image itself needs 30 GiB (AKS's smallest OS disk).
SMALLEST_OS_DISK_GIB = 30


class Figure(Table):
    minutes: float = Field(gt=0)
    sources: list[str] = Field(min_length=1)


class ImageSize(Table):
    reference: str
    compressed_mb: float = Field(gt=0)
    sources: list[str] = Field(min_length=1)


class DownloadRate(Table):
    mb_per_second: float = Field(gt=0)
    sources: list[str] = Field(min_length=1)


class ColdStart(Table):
    """Typical figures for a node from zero, step by step (the plan's cold start), not bounds."""

    vm_provisioning: Figure
    node_join: Figure
    image: ImageSize
    download: DownloadRate


class NodeStartTimes(Table):
    seen: date
    node_ready: Figure
    image_pull: Figure
    margin_minutes: float = Field(ge=0)
    margin_source: str
    cold_start: ColdStart

    @property
    def minutes(self) -> float:
        """A node scaling up from zero until a task pod runs on it: the floor of the queued timeout."""
        return self.node_ready.minutes + self.image_pull.minutes


@functools.cache
def node_start_times(path: Path = NODE_START_TIMES) -> NodeStartTimes:
    return NodeStartTimes.read(path)


def task_queued_timeout_seconds(override_seconds: float | None) -> int:
    """``[scheduler] task_queued_timeout``: the override, or the node start figure plus the margin."""
    if override_seconds is not None:
        return int(override_seconds)
    times = node_start_times()
    return int((times.minutes + times.margin_minutes) * 60)


def queued_timeout_requirement(seconds: float) -> str | None:
    """A queued timeout shorter than a node's start would retry tasks whose node is still coming up."""
    times = node_start_times()
    if seconds >= times.minutes * 60:
        return None
    return (
        f"is shorter than a task pool node takes to start from zero ({times.minutes:g} min: "
        f"{times.node_ready.minutes:g} min until the node is Ready, "
        f"{times.image_pull.minutes:g} min to pull the image, data/node-start-times.yaml): "
        f"tasks would be retried while their node comes up; use at least {int(times.minutes)}m, "
        f"or leave it unset ({int(times.minutes + times.margin_minutes)}m)"
    )


class OsDisk(NamedTuple):
    type: Literal["Ephemeral", "Managed"]
    size_gib: int
    #: Why a size falls back to a managed disk (None when ephemeral).
    reason: str | None = None


def os_disk(vm_size: str) -> OsDisk:
    """Ephemeral where the size's cache or temp disk holds the OS disk, managed otherwise."""
    name, series = next((n, s) for n, s in vm_sizes().series.items() if vm_size in s.sizes)
    size = series.sizes[vm_size]
    if series.ephemeral_os is None:
        return OsDisk("Managed", PREFERRED_OS_DISK_GIB, f"the {name} series has no cache or temp disk it goes on here")
    room = size.cache_gib if series.ephemeral_os == "cache" else size.temp_gib
    if room < SMALLEST_OS_DISK_GIB:
        return OsDisk(
            "Managed", PREFERRED_OS_DISK_GIB, f"its {series.ephemeral_os} disk ({room} GiB) cannot hold an OS disk"
        )
    return OsDisk("Ephemeral", min(PREFERRED_OS_DISK_GIB, room))

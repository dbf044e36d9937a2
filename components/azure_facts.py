"""What Azure accepts, from the dated tables in ``data/``: regions and their zones, VM sizes, AKS limits.

The settings (``components/config/``) ask these questions before anything is declared, so a stack
Azure would refuse at ``pulumi up`` is refused at once with the setting named. Each rule here
returns what is wrong with a value (the text after "airflow-platform:<setting> = <value>:"), or
None; the settings attach it to the setting it concerns.
"""

from __future__ import annotations

import difflib
import functools
import ipaddress
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, model_validator

from components.data_tables import DATA, Table

REGIONS = DATA / "regions.yaml"
VM_SIZES = DATA / "vm-sizes.yaml"
AKS_LIMITS = DATA / "aks-limits.yaml"

#: The small System pool the cluster keeps for bootstrapping (components/azure/cluster.py): at most
#: this many nodes. It takes node-subnet addresses and pod /24s like every other pool.
BOOTSTRAP_POOL_MAX_NODES = 3


class Source(Table):
    title: str
    url: str
    revision: str


# -- regions ------------------------------------------------------------------------------------


class Region(Table):
    name: str
    zones: bool
    restricted: bool = False


class RegionTable(Table):
    """``data/regions.yaml``: the public-cloud regions by programmatic name."""

    seen: date
    source: Source
    regions: dict[str, Region] = Field(min_length=1)


@functools.cache
def regions(path: Path = REGIONS) -> RegionTable:
    return RegionTable.read(path)


def closest(name: str, known: Iterable[str], count: int = 1) -> list[str]:
    """The known names a user most likely meant (case and separators ignored)."""
    folded = {"".join(c for c in k.lower() if c.isalnum()): k for k in known}
    wanted = "".join(c for c in name.lower() if c.isalnum())
    return [folded[match] for match in difflib.get_close_matches(wanted, folded, n=count, cutoff=0.6)]


def _did_you_mean(names: list[str]) -> str:
    if not names:
        return ""
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
    return f"; did you mean {listed}?"


def region_requirement(name: str) -> str | None:
    if name in regions().regions:
        return None
    hint = _did_you_mean(closest(name, regions().regions))
    return f"is not an Azure public region{hint} (`az account list-locations -o table` lists them)"


def has_zones(region: str) -> bool:
    known = regions().regions.get(region)
    return known is not None and known.zones


def zones_requirement(region: str, what: str, instead: str) -> str | None:
    """``what`` needs availability zones: refused where the region has none."""
    if has_zones(region):
        return None
    return (
        f"{what} needs availability zones, and {region} has none (Azure regions list, data/regions.yaml): "
        f"{instead}, or use a region with zones such as westeurope"
    )


# -- VM sizes -----------------------------------------------------------------------------------


class VmSize(Table):
    vcpus: int = Field(gt=0)
    memory_gib: float = Field(gt=0)
    #: The local disks an ephemeral OS disk can sit on (none listed: the size has none).
    cache_gib: int = Field(0, ge=0)
    temp_gib: int = Field(0, ge=0)


class Series(Table):
    source: str
    note: str | None = None
    #: Where Azure puts an ephemeral OS disk on this series' sizes (None: not offered here, managed only).
    ephemeral_os: Literal["cache", "temp"] | None = None
    disks_source: str | None = None
    postgres: bool = False
    postgres_except: tuple[str, ...] = ()
    sizes: dict[str, VmSize] = Field(min_length=1)

    @model_validator(mode="after")
    def _exceptions_are_sizes(self) -> Self:
        unknown = set(self.postgres_except) - set(self.sizes)
        if unknown or (self.postgres_except and not self.postgres):
            raise ValueError(f"postgres_except must name sizes of a postgres series: {sorted(unknown)}")
        return self


class PoolMinimum(Table):
    vcpus: int
    memory_gib: float
    source: str
    note: str | None = None


PoolMode = Literal["System", "User"]


class VmSizeTable(Table):
    """``data/vm-sizes.yaml``: the sizes the program accepts, by series."""

    seen: date
    pool_minimum: dict[PoolMode, PoolMinimum] = Field(min_length=2)
    postgres_source: str
    ephemeral_os_source: str
    series: dict[str, Series] = Field(min_length=1)

    @model_validator(mode="after")
    def _each_size_once(self) -> Self:
        names = [size for series in self.series.values() for size in series.sizes]
        twice = sorted({size for size in names if names.count(size) > 1})
        if twice:
            raise ValueError(f"sizes listed in more than one series: {twice}")
        return self

    @functools.cached_property
    def sizes(self) -> dict[str, VmSize]:
        return {name: size for series in self.series.values() for name, size in series.sizes.items()}

    @functools.cached_property
    def postgres_sizes(self) -> frozenset[str]:
        return frozenset(
            name
            for series in self.series.values()
            if series.postgres
            for name in series.sizes
            if name not in series.postgres_except
        )


@functools.cache
def vm_sizes(path: Path = VM_SIZES) -> VmSizeTable:
    return VmSizeTable.read(path)


def vm_size_requirement(size: str) -> str | None:
    if size in vm_sizes().sizes:
        return None
    hint = _did_you_mean(closest(size, vm_sizes().sizes, count=3))
    return f"is not a VM size this program knows{hint} (data/vm-sizes.yaml lists them; add one there with its source)"


def pool_size_requirement(size: str, mode: PoolMode) -> str | None:
    """AKS's smallest VM for a pool of ``mode`` (a size not in the table is reported on its own)."""
    known, minimum = vm_sizes().sizes.get(size), vm_sizes().pool_minimum[mode]
    if known is None or (known.vcpus >= minimum.vcpus and known.memory_gib >= minimum.memory_gib):
        return None
    return (
        f"has {known.vcpus} vCPU{'s' if known.vcpus > 1 else ''} and {known.memory_gib:g} GiB: "
        f"an AKS {mode} pool needs at least {minimum.vcpus} vCPUs and {minimum.memory_gib:g} GiB "
        "(Limits for resources, SKUs, and regions in AKS); use e.g. Standard_D4ds_v5"
    )


def postgres_size_requirement(size: str, family: str) -> str | None:
    """A size flexible server offers; ``family`` is the ``Standard_<letter>`` prefix the tier takes."""
    offered = vm_sizes().postgres_sizes
    if size in offered:
        return None
    hint = _did_you_mean(closest(size, sorted(s for s in offered if s.startswith(family)), count=3))
    return f"is not a compute size flexible server offers{hint} (data/vm-sizes.yaml, postgres: true)"


# -- AKS limits ---------------------------------------------------------------------------------


class Limit(Table):
    value: int
    source: str


class AksLimits(Table):
    """``data/aks-limits.yaml``."""

    seen: date
    overlay_node_prefix: Limit
    upgrade_surge_nodes_per_pool: Limit
    spot_max_price_decimals: Limit


@functools.cache
def aks_limits(path: Path = AKS_LIMITS) -> AksLimits:
    return AksLimits.read(path)


def spot_price_requirement(price: float) -> str | None:
    decimals = -Decimal(str(price)).normalize().as_tuple().exponent
    allowed = aks_limits().spot_max_price_decimals.value
    if decimals <= allowed:
        return None
    return f"has {decimals} decimal places: Azure takes a spot max price with at most {allowed}, e.g. 0.12345"


def overlay_node_capacity(pod_cidr: str) -> int:
    """How many nodes the overlay pod network can address: one fixed-size block per node."""
    prefix = ipaddress.IPv4Network(pod_cidr).prefixlen
    return 2 ** max(aks_limits().overlay_node_prefix.value - prefix, 0)


def pod_network_requirement(pool_max_counts: tuple[int, ...], pod_cidr: str) -> str | None:
    """The overlay gives each node a fixed block of the pod CIDR: the cluster's largest size must fit.

    ``pool_max_counts``: each declared pool's maxCount, the task pool's last (the one named).
    """
    nodes, room = cluster_node_ceiling(pool_max_counts), overlay_node_capacity(pod_cidr)
    if nodes <= room:
        return None
    return (
        f"lets the cluster reach {nodes} nodes (the pools' maxCount, the {BOOTSTRAP_POOL_MAX_NODES}-node "
        f"System pool and one upgrade surge node per pool), but the pod network {pod_cidr} gives each node "
        f"a /{aks_limits().overlay_node_prefix.value} (Azure CNI Overlay) and has room for {room}: "
        f"use at most {pool_max_counts[-1] - (nodes - room)}"
    )


def cluster_node_ceiling(pool_max_counts: Iterable[int]) -> int:
    """The most nodes the cluster reaches: every pool at maxCount plus its upgrade surge, and the
    bootstrap System pool."""
    surge = aks_limits().upgrade_surge_nodes_per_pool.value
    counts = [*pool_max_counts, BOOTSTRAP_POOL_MAX_NODES]
    return sum(counts) + surge * len(counts)

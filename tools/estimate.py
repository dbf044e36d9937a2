"""What a stack's plan implies: how long ``pulumi up`` takes and what the idle stack costs.

Both read only the offline run (resource types, inputs, dependencies, providers) and the dated
tables in ``data/``, never the stack's config: a change to the program or to a figure shows up
in the plan, and in its snapshot.
"""

from __future__ import annotations

import graphlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from tools.offline import ROOT, DeclaredResource, ProgramRun

DATA = ROOT / "data"
PROVISIONING_TIMES = DATA / "provisioning-times.yaml"
PRICES = DATA / "prices.yaml"

MANAGED_CLUSTER = "azure-native:containerservice:ManagedCluster"
AGENT_POOL = "azure-native:containerservice:AgentPool"
POSTGRES_SERVER = "azure-native:dbforpostgresql:Server"
REGISTRY = "azure-native:containerregistry:Registry"
STORAGE_ACCOUNT = "azure-native:storage:StorageAccount"
BLOB_SERVICE = "azure-native:storage:BlobServiceProperties"
MANAGEMENT_POLICY = "azure-native:storage:ManagementPolicy"
PRIVATE_ZONE = "azure-native:privatedns:PrivateZone"
#: Where a lifecycle rule says after how many days a blob is deleted.
DELETE_AFTER_DAYS = "definition.actions.baseBlob.delete.daysAfterModificationGreaterThan"


class _Table(BaseModel):
    """A data file's content: unknown keys refused, so a typo cannot silently drop a figure."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# -- `pulumi up` duration -------------------------------------------------------------------


class TimeVariant(_Table):
    inputs: dict[str, Any] = Field(min_length=1)
    minutes: float = Field(ge=0)
    range: str | None = None
    sources: tuple[str, ...] = Field(min_length=1)


class TypeTime(_Table):
    minutes: float = Field(ge=0)
    range: str | None = None
    sources: tuple[str, ...] = Field(min_length=1)
    when: tuple[TimeVariant, ...] = ()


class ProvisioningTimes(_Table):
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
    return ProvisioningTimes.model_validate(yaml.safe_load(path.read_text()))


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


# -- idle monthly cost ----------------------------------------------------------------------


class Price(_Table):
    usd: float = Field(ge=0)
    per: Literal["hour", "day", "month", "GB-month"]
    source: str = Field(pattern=r"^https://")
    query: str | None = None
    note: str | None = None
    as_of: date
    seen_in: tuple[str, ...] = ()


class Prices(_Table):
    aks_tier: dict[str, Price]
    vm: dict[str, Price]
    load_balancer: Price
    public_ip: Price
    postgres_compute: dict[str, Price]
    postgres_storage: Price
    postgres_backup_lrs: Price
    postgres_backup_geo: Price
    registry: dict[str, Price]
    blob_hot: dict[str, Price]
    private_dns_zone: Price


class Assumptions(_Table):
    task_log_gb_per_day: float = Field(ge=0)
    unexpired_log_days: int = Field(ge=0)
    database_size_gb: float = Field(ge=0)
    database_change_gb_per_day: float = Field(ge=0)


class PriceTable(_Table):
    """``data/prices.yaml``: dated list prices for one region, and the stated usage assumptions."""

    region: str
    currency: Literal["USD"]
    terms: str
    hours_per_month: float = Field(gt=0)
    assumptions: Assumptions
    prices: Prices
    no_charge: dict[str, str]

    def monthly(self, price: Price, quantity: float) -> float:
        per_month = {"hour": self.hours_per_month, "day": self.hours_per_month / 24, "month": 1, "GB-month": 1}
        return price.usd * per_month[price.per] * quantity

    @property
    def as_of(self) -> date:
        """The oldest price's date: the table is at least this old."""
        return min(price.as_of for price in _all_prices(self.prices))


def _all_prices(prices: Prices) -> Iterable[Price]:
    for value in dict(prices).values():
        if isinstance(value, Price):
            yield value
        else:
            yield from value.values()


def load_prices(path: Path = PRICES) -> PriceTable:
    return PriceTable.model_validate(yaml.safe_load(path.read_text()))


@dataclass(frozen=True)
class CostLine:
    resource: DeclaredResource
    charge: str
    quantity: float
    unit: str
    #: None when the table has no price for it.
    monthly_usd: float | None


@dataclass(frozen=True)
class CostEstimate:
    lines: tuple[CostLine, ...]
    #: Types neither priced nor listed as carrying no charge.
    unpriced_types: tuple[str, ...]
    #: Locations of resources outside the table's region (priced at the table's rates).
    other_regions: tuple[str, ...]

    @property
    def total_usd(self) -> float:
        return sum(line.monthly_usd or 0.0 for line in self.lines)


Charges = Callable[[DeclaredResource, ProgramRun, PriceTable], list[CostLine]]


def _priced(table: PriceTable, price: Price | None, quantity: float) -> float | None:
    return None if price is None else table.monthly(price, quantity)


def _idle_nodes(pool: Mapping[str, Any]) -> int:
    """Nodes a pool keeps with nothing to run: the autoscaler's minimum, else its fixed count."""
    return int((pool.get("minCount") if pool.get("enableAutoScaling") else pool.get("count")) or 0)


def _node_line(resource: DeclaredResource, pool: Mapping[str, Any], table: PriceTable) -> CostLine:
    nodes = _idle_nodes(pool)
    size = pool.get("vmSize", "?")
    name = pool.get("name") or pool.get("agentPoolName")
    spot = ", spot: at most this" if pool.get("scaleSetPriority") == "Spot" else ""
    basis = "minCount" if pool.get("enableAutoScaling") else "count"
    monthly = 0.0 if nodes == 0 else _priced(table, table.prices.vm.get(size), nodes)
    return CostLine(resource, f"{nodes} x {size} nodes: pool {name} at {basis}{spot}", nodes, "nodes", monthly)


def _cluster(resource: DeclaredResource, run: ProgramRun, table: PriceTable) -> list[CostLine]:
    tier = resource.input_at("sku.tier") or "Free"
    lines = [CostLine(resource, f"AKS {tier} tier", 1, "cluster", _priced(table, table.prices.aks_tier.get(tier), 1))]
    lines += [_node_line(resource, pool, table) for pool in resource.inputs.get("agentPoolProfiles") or ()]
    outbound_lb = (resource.input_at("networkProfile.outboundType") or "loadBalancer") == "loadBalancer"
    if outbound_lb and (resource.input_at("networkProfile.loadBalancerSku") or "standard").lower() == "standard":
        prices = table.prices
        lines.append(
            CostLine(resource, "outbound load balancer rule", 1, "rule", table.monthly(prices.load_balancer, 1))
        )
        lines.append(CostLine(resource, "outbound public IP", 1, "address", table.monthly(prices.public_ip, 1)))
    return lines


def _agent_pool(resource: DeclaredResource, run: ProgramRun, table: PriceTable) -> list[CostLine]:
    return [_node_line(resource, resource.inputs, table)]


def _postgres(resource: DeclaredResource, run: ProgramRun, table: PriceTable) -> list[CostLine]:
    prices, assumed = table.prices, table.assumptions
    sku = resource.input_at("sku.name")
    standby = (resource.input_at("highAvailability.mode") or "Disabled") != "Disabled"
    copies = 2 if standby else 1
    with_standby = ", primary and HA standby" if standby else ""
    storage_gb = float(resource.input_at("storage.storageSizeGB") or 0)
    retention_days = float(resource.input_at("backup.backupRetentionDays") or 7)
    geo = resource.input_at("backup.geoRedundantBackup") == "Enabled"
    backup_gb = assumed.database_size_gb + assumed.database_change_gb_per_day * retention_days
    billable_backup_gb = max(0.0, backup_gb - storage_gb)
    return [
        CostLine(
            resource,
            f"{copies} x PostgreSQL {sku} compute{with_standby}",
            copies,
            "servers",
            _priced(table, prices.postgres_compute.get(sku), copies),
        ),
        CostLine(
            resource,
            f"{copies} x PostgreSQL storage {storage_gb:g} GB{with_standby}",
            storage_gb * copies,
            "GB",
            table.monthly(prices.postgres_storage, storage_gb * copies),
        ),
        CostLine(
            resource,
            f"{'geo-redundant ' if geo else ''}backups ~{backup_gb:g} GB over {retention_days:g} days,"
            f" {storage_gb:g} GB included",
            billable_backup_gb,
            "GB",
            table.monthly(prices.postgres_backup_geo if geo else prices.postgres_backup_lrs, billable_backup_gb),
        ),
    ]


def _registry(resource: DeclaredResource, run: ProgramRun, table: PriceTable) -> list[CostLine]:
    sku = resource.input_at("sku.name")
    return [
        CostLine(
            resource, f"container registry {sku}", 1, "registry", _priced(table, table.prices.registry.get(sku), 1)
        )
    ]


def _same_account(resource: DeclaredResource, account: DeclaredResource) -> bool:
    return all(resource.inputs.get(k) == account.inputs.get(k) for k in ("resourceGroupName", "accountName"))


def _log_days(account: DeclaredResource, run: ProgramRun, table: PriceTable) -> float:
    """Days a log is kept: the lifecycle policy's delete age, plus blob soft delete."""
    expiries = [
        float(days)
        for policy in run.of_type(MANAGEMENT_POLICY)
        if _same_account(policy, account)
        for index in range(len(policy.input_at("policy.rules") or ()))
        if (days := policy.input_at(f"policy.rules.{index}.{DELETE_AFTER_DAYS}")) is not None
    ]
    soft_delete = [
        float(service.input_at("deleteRetentionPolicy.days") or 0)
        for service in run.of_type(BLOB_SERVICE)
        if _same_account(service, account) and service.input_at("deleteRetentionPolicy.enabled")
    ]
    return (max(expiries) if expiries else table.assumptions.unexpired_log_days) + max(soft_delete, default=0.0)


def _storage_account(resource: DeclaredResource, run: ProgramRun, table: PriceTable) -> list[CostLine]:
    sku = resource.input_at("sku.name")
    days = _log_days(resource, run, table)
    stored_gb = table.assumptions.task_log_gb_per_day * days
    charge = f"task logs {table.assumptions.task_log_gb_per_day:g} GB/day kept {days:g} days, Hot {sku}"
    return [CostLine(resource, charge, stored_gb, "GB", _priced(table, table.prices.blob_hot.get(sku), stored_gb))]


def _private_zone(resource: DeclaredResource, run: ProgramRun, table: PriceTable) -> list[CostLine]:
    return [CostLine(resource, "private DNS zone", 1, "zone", table.monthly(table.prices.private_dns_zone, 1))]


CHARGES: Mapping[str, Charges] = {
    MANAGED_CLUSTER: _cluster,
    AGENT_POOL: _agent_pool,
    POSTGRES_SERVER: _postgres,
    REGISTRY: _registry,
    STORAGE_ACCOUNT: _storage_account,
    PRIVATE_ZONE: _private_zone,
}


def estimate_idle_cost(run: ProgramRun, table: PriceTable) -> CostEstimate:
    """What the declared resources cost per month with nothing running: pools at minCount."""
    lines: list[CostLine] = []
    unpriced: set[str] = set()
    for resource in run.resources:
        if not resource.custom or resource.type in table.no_charge:
            continue
        charges = CHARGES.get(resource.type)
        if charges is None:
            unpriced.add(resource.type)
        else:
            lines += charges(resource, run, table)
    locations = {r.input_at("location") for r in run.resources if r.custom} - {None, "global", table.region}
    return CostEstimate(tuple(lines), tuple(sorted(unpriced)), tuple(sorted(map(str, locations))))

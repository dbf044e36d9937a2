"""What the stack costs per month with nothing running, from the declared resources' inputs and the
dated list prices and usage assumptions in ``data/prices.yaml``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field

from tools.estimate import DATA, Table
from tools.offline import DeclaredResource, ProgramRun

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


class Price(Table):
    usd: float = Field(ge=0)
    per: Literal["hour", "day", "month", "GB-month"]
    source: str = Field(pattern=r"^https://")
    query: str | None = None
    note: str | None = None
    as_of: date
    seen_in: tuple[str, ...] = ()


class Prices(Table):
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


class Assumptions(Table):
    task_log_gb_per_day: float = Field(ge=0)
    unexpired_log_days: int = Field(ge=0)
    database_size_gb: float = Field(ge=0)
    database_change_gb_per_day: float = Field(ge=0)


class PriceTable(Table):
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

"""What the stack costs per month with nothing running, from the declared resources' inputs and the
dated list prices and usage assumptions in ``data/prices.yaml``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from tools.offline import DeclaredResource, ProgramRun
from tools.prices import Price, PriceTable

MANAGED_CLUSTER = "azure-native:containerservice:ManagedCluster"
AGENT_POOL = "azure-native:containerservice:AgentPool"
POSTGRES_SERVER = "azure-native:dbforpostgresql:Server"
REGISTRY = "azure-native:containerregistry:Registry"
STORAGE_ACCOUNT = "azure-native:storage:StorageAccount"
BLOB_SERVICE = "azure-native:storage:BlobServiceProperties"
MANAGEMENT_POLICY = "azure-native:storage:ManagementPolicy"
PRIVATE_ZONE = "azure-native:privatedns:PrivateZone"
PUBLIC_IP = "azure-native:network:PublicIPAddress"
PRIVATE_ENDPOINT = "azure-native:network:PrivateEndpoint"
LOG_WORKSPACE = "azure-native:operationalinsights:Workspace"
METRICS_WORKSPACE = "azure-native:monitor:AzureMonitorWorkspace"
GRAFANA = "azure-native:dashboard:Grafana"
#: Where a lifecycle rule says after how many days a blob is deleted.
DELETE_AFTER_DAYS = "definition.actions.baseBlob.delete.daysAfterModificationGreaterThan"


@dataclass(frozen=True)
class CostLine:
    resource: DeclaredResource
    charge: str
    quantity: float
    unit: str
    #: None when the table has no price for it.
    monthly_usd: float | None
    #: Rests on an estimate: a price no copy confirms for the table's region, or a usage assumption's quantity.
    estimated: bool


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

    @property
    def estimated_usd(self) -> float:
        """The part of the total that rests on unconfirmed prices or usage assumptions."""
        return sum(line.monthly_usd or 0.0 for line in self.lines if line.estimated)


Charges = Callable[[DeclaredResource, ProgramRun, PriceTable], list[CostLine]]


def _priced(table: PriceTable, price: Price | None, quantity: float) -> float | None:
    return None if price is None else table.monthly(price, quantity)


def _estimated(table: PriceTable, price: Price | None, assumed: bool = False) -> bool:
    """Whether a line's figure rests on a price not confirmed for the table's region
    (:meth:`PriceTable.confirmed`) or on a quantity from ``assumptions``."""
    return price is not None and (assumed or not table.confirmed(price))


def _idle_nodes(pool: Mapping[str, Any]) -> int:
    """Nodes a pool keeps with nothing to run: the autoscaler's minimum, else its fixed count."""
    return int((pool.get("minCount") if pool.get("enableAutoScaling") else pool.get("count")) or 0)


def _node_line(resource: DeclaredResource, pool: Mapping[str, Any], table: PriceTable) -> CostLine:
    nodes = _idle_nodes(pool)
    size = pool.get("vmSize", "?")
    name = pool.get("name") or pool.get("agentPoolName")
    spot = ", spot: at most this" if pool.get("scaleSetPriority") == "Spot" else ""
    basis = "minCount" if pool.get("enableAutoScaling") else "count"
    price = table.prices.vm.get(size)
    monthly = 0.0 if nodes == 0 else _priced(table, price, nodes)
    charge = f"{nodes} x {size} nodes: pool {name} at {basis}{spot}"
    return CostLine(resource, charge, nodes, "nodes", monthly, _estimated(table, price))


def _cluster(resource: DeclaredResource, run: ProgramRun, table: PriceTable) -> list[CostLine]:
    tier = resource.input_at("sku.tier") or "Free"
    fee = table.prices.aks_tier.get(tier)
    lines = [CostLine(resource, f"AKS {tier} tier", 1, "cluster", _priced(table, fee, 1), _estimated(table, fee))]
    lines += [_node_line(resource, pool, table) for pool in resource.inputs.get("agentPoolProfiles") or ()]
    outbound_lb = (resource.input_at("networkProfile.outboundType") or "loadBalancer") == "loadBalancer"
    if outbound_lb and (resource.input_at("networkProfile.loadBalancerSku") or "standard").lower() == "standard":
        outbound = (("outbound load balancer rule", "rule", table.prices.load_balancer),)
        outbound += (("outbound public IP", "address", table.prices.public_ip),)
        for charge, unit, price in outbound:
            lines.append(CostLine(resource, charge, 1, unit, table.monthly(price, 1), _estimated(table, price)))
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
    compute = prices.postgres_compute.get(sku)
    backup = prices.postgres_backup_geo if geo else prices.postgres_backup_lrs
    return [
        CostLine(
            resource,
            f"{copies} x PostgreSQL {sku} compute{with_standby}",
            copies,
            "servers",
            _priced(table, compute, copies),
            _estimated(table, compute),
        ),
        CostLine(
            resource,
            f"{copies} x PostgreSQL storage {storage_gb:g} GB{with_standby}",
            storage_gb * copies,
            "GB",
            table.monthly(prices.postgres_storage, storage_gb * copies),
            _estimated(table, prices.postgres_storage),
        ),
        CostLine(
            resource,
            f"{'geo-redundant ' if geo else ''}backups ~{backup_gb:g} GB over {retention_days:g} days,"
            f" {storage_gb:g} GB included",
            billable_backup_gb,
            "GB",
            table.monthly(backup, billable_backup_gb),
            # The backup's size is the assumed database size and daily changes.
            _estimated(table, backup, assumed=True),
        ),
    ]


def _registry(resource: DeclaredResource, run: ProgramRun, table: PriceTable) -> list[CostLine]:
    sku = resource.input_at("sku.name")
    fee = table.prices.registry.get(sku)
    charge = f"container registry {sku}"
    return [CostLine(resource, charge, 1, "registry", _priced(table, fee, 1), _estimated(table, fee))]


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
    price = table.prices.blob_hot.get(sku)
    monthly = _priced(table, price, stored_gb)
    return [CostLine(resource, charge, stored_gb, "GB", monthly, _estimated(table, price, assumed=True))]


def _private_zone(resource: DeclaredResource, run: ProgramRun, table: PriceTable) -> list[CostLine]:
    zone = table.prices.private_dns_zone
    return [CostLine(resource, "private DNS zone", 1, "zone", table.monthly(zone, 1), _estimated(table, zone))]


def _public_ip(resource: DeclaredResource, run: ProgramRun, table: PriceTable) -> list[CostLine]:
    """A Standard static address the program owns (the front door's); its load-balancing rules
    join the cluster's load balancer, whose fee includes the first five."""
    address = table.prices.public_ip
    return [CostLine(resource, "static public IP", 1, "address", table.monthly(address, 1), _estimated(table, address))]


def _private_endpoint(resource: DeclaredResource, run: ProgramRun, table: PriceTable) -> list[CostLine]:
    endpoint = table.prices.private_endpoint
    monthly = table.monthly(endpoint, 1)
    return [CostLine(resource, "private endpoint", 1, "endpoint", monthly, _estimated(table, endpoint))]


def _log_workspace(resource: DeclaredResource, run: ProgramRun, table: PriceTable) -> list[CostLine]:
    """Container insights' logs at the stated daily volume; retention beyond the included days."""
    prices, daily = table.prices, table.assumptions.container_log_gb_per_day
    monthly_gb = daily * table.hours_per_month / 24
    days = float(resource.input_at("retentionInDays") or 30)
    kept_gb = daily * max(0.0, days - table.assumptions.log_analytics_included_days)
    return [
        CostLine(
            resource,
            f"cluster logs {daily:g} GB/day ingested",
            monthly_gb,
            "GB",
            table.monthly(prices.log_analytics_ingestion, monthly_gb),
            _estimated(table, prices.log_analytics_ingestion, assumed=True),
        ),
        CostLine(
            resource,
            f"cluster logs kept {days:g} days, {table.assumptions.log_analytics_included_days} included",
            kept_gb,
            "GB",
            table.monthly(prices.log_analytics_retention, kept_gb),
            _estimated(table, prices.log_analytics_retention, assumed=True),
        ),
    ]


def _metrics_workspace(resource: DeclaredResource, run: ProgramRun, table: PriceTable) -> list[CostLine]:
    per_minute = table.assumptions.prometheus_samples_per_minute
    tens_of_millions = per_minute * 60 * table.hours_per_month / 1e7
    charge = f"Prometheus samples {per_minute:g}/min ingested"
    return [
        CostLine(
            resource,
            charge,
            tens_of_millions,
            "10M samples",
            table.monthly(table.prices.prometheus_ingestion, tens_of_millions),
            _estimated(table, table.prices.prometheus_ingestion, assumed=True),
        )
    ]


def _grafana(resource: DeclaredResource, run: ProgramRun, table: PriceTable) -> list[CostLine]:
    return [
        CostLine(
            resource,
            "Managed Grafana Standard instance",
            1,
            "instance",
            table.monthly(table.prices.grafana_standard, 1),
            _estimated(table, table.prices.grafana_standard),
        )
    ]


CHARGES: Mapping[str, Charges] = {
    MANAGED_CLUSTER: _cluster,
    AGENT_POOL: _agent_pool,
    POSTGRES_SERVER: _postgres,
    REGISTRY: _registry,
    STORAGE_ACCOUNT: _storage_account,
    PRIVATE_ZONE: _private_zone,
    PUBLIC_IP: _public_ip,
    PRIVATE_ENDPOINT: _private_endpoint,
    LOG_WORKSPACE: _log_workspace,
    METRICS_WORKSPACE: _metrics_workspace,
    GRAFANA: _grafana,
}


def charged_lines(
    run: ProgramRun, no_charge: Collection[str], charges: Mapping[str, Callable[..., list[CostLine]]], *args: object
) -> tuple[list[CostLine], set[str]]:
    """Each declared resource's lines by its type's charges (called with ``args`` after the resource
    and the run), and the types that are neither priced nor free."""
    lines: list[CostLine] = []
    unpriced: set[str] = set()
    for resource in run.resources:
        if not resource.custom or resource.type in no_charge:
            continue
        charged = charges.get(resource.type)
        if charged is None:
            unpriced.add(resource.type)
        else:
            lines += charged(resource, run, *args)
    return lines, unpriced


def estimate_idle_cost(run: ProgramRun, table: PriceTable) -> CostEstimate:
    """What the declared resources cost per month with nothing running: pools at minCount."""
    lines, unpriced = charged_lines(run, table.no_charge, CHARGES, table)
    locations = {r.input_at("location") for r in run.resources if r.custom} - {None, "global", table.region}
    return CostEstimate(tuple(lines), tuple(sorted(unpriced)), tuple(sorted(map(str, locations))))

"""What an AWS stack costs per month with nothing running, from the declared resources' inputs and the
dated list prices and usage assumptions in ``data/aws-prices.yaml``: the AWS counterpart of
:mod:`tools.cost`, in the same :class:`~tools.cost.CostLine` shape, so the plan prints both alike.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import date

import yaml

from components.aws.container_logs import is_container_log_group
from components.eks_versions import support_phase
from components.kubernetes_versions import check_date
from tools.aws_prices import AwsPriceTable
from tools.cost import CostEstimate, CostLine, charged_lines
from tools.offline import DeclaredResource, ProgramRun
from tools.prices import Price

EKS_CLUSTER = "aws:eks/cluster:Cluster"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
NAT_GATEWAY = "aws:ec2/natGateway:NatGateway"
ELASTIC_IP = "aws:ec2/eip:Eip"
VPC_ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
RDS_INSTANCE = "aws:rds/instance:Instance"
BUCKET = "aws:s3/bucket:Bucket"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
REPOSITORY = "aws:ecr/repository:Repository"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
KMS_KEY = "aws:kms/key:Key"
PROMETHEUS_WORKSPACE = "aws:amp/workspace:Workspace"
COLLECTOR = "aws:amp/scraper:Scraper"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
GIB = 2**30
#: A Service of the AWS Load Balancer Controller's class (the front door's) is an NLB.
SERVICE = "kubernetes:core/v1:Service"
NLB_CLASS = "service.k8s.aws/nlb"
#: A managed node group's instance types when it names none
#: (pulumi_aws eks/node_group.py: "Defaults to `["t3.medium"]`").
DEFAULT_INSTANCE_TYPES = ("t3.medium",)


def _line(
    resource: DeclaredResource,
    table: AwsPriceTable,
    charge: str,
    price: Price | None,
    quantity: float,
    unit: str,
    assumed: bool = False,
) -> CostLine:
    """A line at ``price`` for ``quantity``; estimated when the price is unconfirmed for the table's
    region or the quantity is a usage assumption; no figure when the table has no price."""
    monthly = None if price is None else table.monthly(price, quantity)
    return CostLine(
        resource, charge, quantity, unit, monthly, price is not None and (assumed or not table.confirmed(price))
    )


def _cluster(resource: DeclaredResource, run: ProgramRun, table: AwsPriceTable, on: date) -> list[CostLine]:
    version = str(resource.inputs.get("version") or "?")
    phase = support_phase(version, on, resource.input_at("upgradePolicy.supportType"))
    support = f"{phase} support on {on}" if phase else f"not in data/eks-versions.yaml on {on}"
    price = table.prices.eks_cluster.get(phase) if phase else None
    return [_line(resource, table, f"EKS control plane, Kubernetes {version}, {support}", price, 1, "cluster")]


def _node_group(resource: DeclaredResource, run: ProgramRun, table: AwsPriceTable, on: date) -> list[CostLine]:
    nodes = int(resource.input_at("scalingConfig.minSize") or 0)
    types = tuple(resource.inputs.get("instanceTypes") or DEFAULT_INSTANCE_TYPES)
    spot = resource.inputs.get("capacityType") == "SPOT"
    name = resource.inputs.get("nodeGroupName") or resource.name
    found = [price for t in types if (price := table.prices.ec2.get(t)) is not None]
    # Spot pays at most the on-demand price of the type it gets: the dearest listed type bounds it.
    price = max(found, key=lambda p: p.usd) if len(found) == len(types) else None
    bound = ", spot: at most the dearest type's on-demand price" if spot else ""
    charge = f"{nodes} x {'/'.join(types)} nodes: node group {name} at minSize{bound}"
    line = _line(resource, table, charge, price, nodes, "nodes")
    if nodes == 0:  # nothing to pay, whatever the types cost
        return [dataclasses.replace(line, monthly_usd=0.0)]
    disk_gb = int(resource.inputs.get("diskSize") or table.assumptions.node_disk_default_gb)
    volumes = f"{nodes} x {disk_gb} GB gp3 root volumes: node group {name}"
    return [line, _line(resource, table, volumes, table.prices.ebs_gp3, nodes * disk_gb, "GB")]


def _nat_gateway(resource: DeclaredResource, run: ProgramRun, table: AwsPriceTable, on: date) -> list[CostLine]:
    charge = "NAT gateway (no traffic counted)"
    return [_line(resource, table, charge, table.prices.nat_gateway, 1, "gateway")]


def _elastic_ip(resource: DeclaredResource, run: ProgramRun, table: AwsPriceTable, on: date) -> list[CostLine]:
    return [_line(resource, table, "public IPv4 address", table.prices.public_ipv4, 1, "address")]


def _vpc_endpoint(resource: DeclaredResource, run: ProgramRun, table: AwsPriceTable, on: date) -> list[CostLine]:
    """An interface endpoint is billed per zone it has a network interface in; a gateway endpoint is free."""
    if resource.inputs.get("vpcEndpointType") != "Interface":
        return []
    zones = len(resource.inputs.get("subnetIds") or ())
    service = str(resource.inputs.get("serviceName") or "?").split(".", 3)[-1]  # com.amazonaws.<region>.<service>
    charge = f"interface endpoint {service} in {zones} zones (no traffic counted)"
    return [_line(resource, table, charge, table.prices.vpc_interface_endpoint, zones, "endpoint-zones")]


def _rds(resource: DeclaredResource, run: ProgramRun, table: AwsPriceTable, on: date) -> list[CostLine]:
    prices, assumed = table.prices, table.assumptions
    size = resource.inputs.get("instanceClass")
    multi_az = bool(resource.inputs.get("multiAz"))
    deployment = "Multi-AZ, primary and standby" if multi_az else "Single-AZ"
    compute = (prices.rds_postgres_multi_az if multi_az else prices.rds_postgres_single_az).get(size)
    storage_gb = float(resource.inputs.get("allocatedStorage") or 0)
    storage = prices.rds_gp3_storage["multi_az" if multi_az else "single_az"]
    retention_days = float(resource.inputs.get("backupRetentionPeriod") or 1)
    backup_gb = assumed.database_size_gb + assumed.database_change_gb_per_day * retention_days
    billable_backup_gb = max(0.0, backup_gb - storage_gb)
    storage_type = resource.inputs.get("storageType") or "gp2"
    return [
        _line(resource, table, f"RDS PostgreSQL {size}, {deployment}", compute, 1, "instance"),
        _line(
            resource, table, f"RDS {storage_type} storage {storage_gb:g} GB, {deployment}", storage, storage_gb, "GB"
        ),
        _line(
            resource,
            table,
            f"backups ~{backup_gb:g} GB over {retention_days:g} days, {storage_gb:g} GB included",
            prices.rds_backup,
            billable_backup_gb,
            "GB",
            assumed=True,  # the backup's size is the assumed database size and daily changes
        ),
    ]


def _expiry_days(bucket: DeclaredResource, run: ProgramRun, table: AwsPriceTable) -> float:
    """Days a log is kept: the longest enabled expiration of the bucket's lifecycle rules."""
    days = [
        float(rule["expiration"]["days"])
        for lifecycle in run.of_type(LIFECYCLE)
        if lifecycle.inputs.get("bucket") in (bucket.inputs.get("bucket"), bucket.state.get("id"))
        for rule in lifecycle.inputs.get("rules") or ()
        if rule.get("status") == "Enabled" and (rule.get("expiration") or {}).get("days")
    ]
    return max(days) if days else float(table.assumptions.unexpired_log_days)


def _bucket(resource: DeclaredResource, run: ProgramRun, table: AwsPriceTable, on: date) -> list[CostLine]:
    daily = table.assumptions.task_log_gb_per_day
    days = _expiry_days(resource, run, table)
    charge = f"task logs {daily:g} GB/day kept {days:g} days, S3 Standard"
    return [_line(resource, table, charge, table.prices.s3_standard, daily * days, "GB", assumed=True)]


def _repository(resource: DeclaredResource, run: ProgramRun, table: AwsPriceTable, on: date) -> list[CostLine]:
    stored = table.assumptions.registry_stored_gb
    charge = f"container images {stored:g} GB stored"
    return [_line(resource, table, charge, table.prices.ecr_storage, stored, "GB", assumed=True)]


def _log_group(resource: DeclaredResource, run: ProgramRun, table: AwsPriceTable, on: date) -> list[CostLine]:
    """The control plane's or the containers' logs at the stated daily volume, kept for the group's retention."""
    containers = is_container_log_group(str(resource.inputs.get("name") or ""))
    assumed = table.assumptions
    daily = assumed.container_log_gb_per_day if containers else assumed.control_plane_log_gb_per_day
    what = "container logs" if containers else "control plane logs"
    monthly_gb = daily * table.hours_per_month / 24
    days = float(resource.inputs.get("retentionInDays") or table.assumptions.unexpired_log_days)
    return [
        _line(
            resource,
            table,
            f"{what} {daily:g} GB/day ingested",
            table.prices.cloudwatch_logs_ingestion,
            monthly_gb,
            "GB",
            assumed=True,
        ),
        _line(
            resource,
            table,
            f"{what} kept {days:g} days",
            table.prices.cloudwatch_logs_storage,
            daily * days,
            "GB",
            assumed=True,
        ),
    ]


def _kms_key(resource: DeclaredResource, run: ProgramRun, table: AwsPriceTable, on: date) -> list[CostLine]:
    return [_line(resource, table, "KMS customer managed key", table.prices.kms_key, 1, "key")]


def _proxy_load_balancer(resource: DeclaredResource, run: ProgramRun, table: AwsPriceTable, on: date) -> list[CostLine]:
    """The NLB the controller makes for a Service of its class: not declared, but the Service asks for it."""
    if resource.input_at("spec.loadBalancerClass") != NLB_CLASS:
        return []
    units = table.assumptions.front_door_nlcu_per_hour
    return [
        _line(resource, table, "front door NLB", table.prices.network_load_balancer, 1, "NLB"),
        _line(
            resource,
            table,
            f"front door NLB capacity {units:g} NLCU",
            table.prices.network_load_balancer_capacity_unit,
            units,
            "NLCU",
            assumed=True,
        ),
    ]


def _samples_per_month(run: ProgramRun, table: AwsPriceTable) -> float:
    """The assumed series, scraped at the interval the declared collector's configuration sets."""
    intervals = [
        yaml.safe_load(str(c.inputs.get("scrapeConfiguration") or "{}"))["global"]["scrape_interval"]
        for c in run.of_type(COLLECTOR)
    ]
    if not intervals:
        return 0.0
    seconds = float(str(intervals[0]).removesuffix("s"))
    return table.assumptions.prometheus_active_series * 60 / seconds * 60 * table.hours_per_month


def _workspace(resource: DeclaredResource, run: ProgramRun, table: AwsPriceTable, on: date) -> list[CostLine]:
    """Samples ingested each month, and those kept for the retention at the stated bytes a sample."""
    assumed = table.assumptions
    samples = _samples_per_month(run, table)
    kept_gb = samples * 12 / 365 * assumed.prometheus_retention_days * assumed.prometheus_bytes_per_sample / GIB
    return [
        _line(
            resource,
            table,
            f"Prometheus samples ingested ({assumed.prometheus_active_series:g} series)",
            table.prices.amp_ingestion,
            samples / 1e7,
            "10M samples",
            assumed=True,
        ),
        _line(
            resource,
            table,
            f"Prometheus samples kept {assumed.prometheus_retention_days} days",
            table.prices.amp_storage,
            kept_gb,
            "GB",
            assumed=True,
        ),
    ]


def _collector(resource: DeclaredResource, run: ProgramRun, table: AwsPriceTable, on: date) -> list[CostLine]:
    """The managed collector's hours, and the samples it collects (the workspace bills them again)."""
    samples = _samples_per_month(run, table)
    return [
        _line(resource, table, "AMP managed collector", table.prices.amp_collector, 1, "collector"),
        _line(
            resource,
            table,
            "samples collected",
            table.prices.amp_collector_samples,
            samples / 1e7,
            "10M samples",
            assumed=True,
        ),
    ]


def _subscription(resource: DeclaredResource, run: ProgramRun, table: AwsPriceTable, on: date) -> list[CostLine]:
    mails = table.assumptions.alert_emails_per_month
    if resource.inputs.get("protocol") != "email":
        return []
    charge = f"alert e-mails, {mails:g} a month"
    return [_line(resource, table, charge, table.prices.sns_email, mails / 1e5, "100k mails", assumed=True)]


Charges = Callable[[DeclaredResource, ProgramRun, AwsPriceTable, date], list[CostLine]]

CHARGES: Mapping[str, Charges] = {
    EKS_CLUSTER: _cluster,
    NODE_GROUP: _node_group,
    NAT_GATEWAY: _nat_gateway,
    ELASTIC_IP: _elastic_ip,
    VPC_ENDPOINT: _vpc_endpoint,
    RDS_INSTANCE: _rds,
    BUCKET: _bucket,
    REPOSITORY: _repository,
    LOG_GROUP: _log_group,
    KMS_KEY: _kms_key,
    PROMETHEUS_WORKSPACE: _workspace,
    COLLECTOR: _collector,
    SUBSCRIPTION: _subscription,
    SERVICE: _proxy_load_balancer,
}


def estimate_aws_idle_cost(run: ProgramRun, table: AwsPriceTable, on: date | None = None) -> CostEstimate:
    """What the declared AWS resources cost per month with nothing running: node groups at minSize,
    the EKS control plane priced by its version's support phase on ``on`` (the check date)."""
    lines, unpriced = charged_lines(run, table.no_charge, CHARGES, table, on or check_date())
    regions = {r.input_at("region") for r in run.resources if r.custom and r.type.startswith("aws:")}
    return CostEstimate(tuple(lines), tuple(sorted(unpriced)), tuple(sorted(map(str, regions - {None, table.region}))))

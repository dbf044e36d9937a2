"""``data/aws-prices.yaml`` as a strict table: AWS's dated list prices for one region, with the same
fields and confirmation rule as Azure's (:class:`tools.prices.ListPrices`), and the usage assumptions
the AWS idle cost (:mod:`tools.aws_cost`) multiplies them by.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from pydantic import Field

from components.data_tables import DATA, Table
from tools.prices import ListPrices, Price

AWS_PRICES = DATA / "aws-prices.yaml"


class AwsPrices(Table):
    #: By the cluster's support phase: ``standard`` or ``extended`` (components/eks_versions.py).
    eks_cluster: dict[str, Price]
    #: By instance type, on-demand; the upper bound of a spot node group's nodes.
    ec2: dict[str, Price]
    nat_gateway: Price
    nat_gateway_data: Price
    public_ipv4: Price
    network_load_balancer: Price
    network_load_balancer_capacity_unit: Price
    vpc_interface_endpoint: Price
    vpc_interface_endpoint_data: Price
    rds_postgres_single_az: dict[str, Price]
    rds_postgres_multi_az: dict[str, Price]
    #: By deployment: ``single_az`` or ``multi_az``.
    rds_gp3_storage: dict[str, Price]
    rds_backup: Price
    s3_standard: Price
    ecr_storage: Price
    cloudwatch_logs_ingestion: Price
    cloudwatch_logs_storage: Price
    ebs_gp3: Price
    kms_key: Price
    amp_ingestion: Price
    amp_storage: Price
    amp_collector: Price
    amp_collector_samples: Price
    sns_email: Price


class AwsAssumptions(Table):
    task_log_gb_per_day: float = Field(ge=0)
    unexpired_log_days: int = Field(ge=0)
    database_size_gb: float = Field(ge=0)
    database_change_gb_per_day: float = Field(ge=0)
    control_plane_log_gb_per_day: float = Field(ge=0)
    registry_stored_gb: float = Field(ge=0)
    prometheus_active_series: int = Field(ge=0)
    container_log_gb_per_day: float = Field(ge=0)
    alert_emails_per_month: int = Field(ge=0)
    prometheus_bytes_per_sample: float = Field(gt=0)
    prometheus_retention_days: int = Field(gt=0)
    front_door_nlcu_per_hour: float = Field(ge=0)
    node_disk_default_gb: int = Field(gt=0)


class AwsPriceTable(ListPrices):
    """``data/aws-prices.yaml``: dated list prices for one AWS region, and the stated usage assumptions."""

    FILE = "data/aws-prices.yaml"

    assumptions: AwsAssumptions
    prices: AwsPrices

    def usage_assumed(self, charges: Collection[str]) -> str:
        """The usage the idle cost assumes, as the plan states it: of what the stack is charged for."""
        assumed = self.assumptions
        text = (
            f"task logs {assumed.task_log_gb_per_day:g} GB/day;"
            f" metadata database {assumed.database_size_gb:g} GB with {assumed.database_change_gb_per_day:g} GB/day"
            f" of changes; control plane logs {assumed.control_plane_log_gb_per_day:g} GB/day;"
            f" {assumed.registry_stored_gb:g} GB of images; no NAT or endpoint traffic"
        )
        if any(charge.startswith("Prometheus") for charge in charges):
            text += (
                f"; monitoring: {assumed.prometheus_active_series:g} Prometheus series, container logs"
                f" {assumed.container_log_gb_per_day:g} GB/day, {assumed.alert_emails_per_month:g} alert mails a month"
            )
        if any(charge.startswith("front door NLB") for charge in charges):
            text += f"; the front door's NLB at {assumed.front_door_nlcu_per_hour:g} NLCU an hour"
        return text


def load_aws_prices(path: Path = AWS_PRICES) -> AwsPriceTable:
    return AwsPriceTable.read(path)

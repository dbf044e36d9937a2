"""The aws block (``airflow-platform:aws``): everything an AWS stack sets besides Airflow and the
settings common to both clouds. The region is the AWS provider's own setting, ``aws:region``.

Defaults are the safe (prod) values; Pulumi.aws-dev.yaml turns the costly ones down.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from typing import Annotated, Literal

from pydantic import Field

from components import aws_facts, aws_monitoring_facts
from components.config.base import Problem, Settings
from components.config.values import Cidr, _checked


def _instance_type(value: str) -> str | None:
    if re.fullmatch(r"[a-z][a-z0-9-]*\.[a-z0-9]+", value):
        return None
    return "must be an EC2 instance type such as m6i.large"


def _db_instance_class(value: str) -> str | None:
    if re.fullmatch(r"db\.[a-z][a-z0-9-]*\.[a-z0-9]+", value):
        return None
    return "must be an RDS instance class such as db.t4g.small"


def _role_arn(value: str) -> str | None:
    if re.fullmatch(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+", value):
        return None
    return "must be an IAM role ARN such as arn:aws:iam::123456789012:role/platform-admins"


InstanceType = Annotated[str, _checked(_instance_type), _checked(aws_facts.instance_type_requirement)]
ControlPlaneInstanceType = Annotated[InstanceType, _checked(aws_facts.burstable_requirement)]
DbInstanceClass = Annotated[str, _checked(_db_instance_class)]
RoleArn = Annotated[str, _checked(_role_arn)]


class AwsNetworkSettings(Settings):
    """A VPC across availability zones: private subnets for nodes and the database, public ones for
    load balancers and the NAT gateways."""

    cidr: Cidr = "10.50.0.0/16"
    zones: int = Field(3, ge=2, le=3, description="availability zones (RDS needs subnets in two)")
    nat_gateways: Literal["single", "per-zone"] = Field(
        "per-zone", description="per-zone: a zone's outage leaves the others their internet egress"
    )
    interface_endpoints: bool = Field(
        True,
        description="ECR, STS and Secrets Manager interface endpoints, so image pulls, token exchanges and "
        "secret reads skip the NAT",
    )

    def problems(self) -> Iterator[Problem]:
        prefix = ipaddress.IPv4Network(self.cidr).prefixlen
        if not 16 <= prefix <= 20:
            yield Problem(self.key_path("cidr"), self.cidr, "must be a /16 to /20: it is cut into two subnets per zone")


class NodeGroupSettings(Settings):
    instance_types: tuple[InstanceType, ...] = Field(("m6i.large",), min_length=1, strict=False)
    min_size: int = Field(1, ge=0, le=450)
    max_size: int = Field(3, ge=1, le=450)

    def problems(self) -> Iterator[Problem]:
        if self.min_size > self.max_size:
            yield Problem(self.key_path("min_size"), self.min_size, f"must not exceed maxSize ({self.max_size})")


class ControlPlaneNodesSettings(NodeGroupSettings):
    """On-demand nodes for the scheduler, API server, triggerer, DAG processor and jobs."""

    #: 4 vCPUs like Azure's control-plane pool: Airflow's default requests and EKS's pods take more
    #: CPU than a 2-vCPU node offers (the plan's capacity line).
    instance_types: tuple[ControlPlaneInstanceType, ...] = Field(
        ("m6i.xlarge",), min_length=1, max_length=1, strict=False
    )
    min_size: int = Field(3, ge=1, le=450)
    max_size: int = Field(4, ge=1, le=450)


class TaskNodesSettings(NodeGroupSettings):
    """Spot nodes only task pods tolerate; several types of one size give spot more pools to draw on."""

    instance_types: tuple[InstanceType, ...] = Field(
        ("m6i.xlarge", "m6a.xlarge", "m5.xlarge"), min_length=1, max_length=20, strict=False
    )
    min_size: int = Field(0, ge=0, le=450)
    max_size: int = Field(10, ge=1, le=450)
    spot: bool = True

    def problems(self) -> Iterator[Problem]:
        yield from super().problems()
        requirement = aws_facts.one_size_requirement(self.instance_types)
        if requirement is not None:
            yield Problem(self.key_path("instance_types"), list(self.instance_types), requirement)


class EksSettings(Settings):
    kubernetes_version: str = Field(
        "1.36", pattern=r"^1\.\d{2}$", description="MAJOR.MINOR, a minor in data/eks-versions.yaml"
    )
    support_type: Literal["STANDARD", "EXTENDED"] = Field(
        "EXTENDED",
        description="EKS's upgrade policy at the end of standard support: EXTENDED keeps the minor (a dearer "
        "hour), STANDARD lets EKS upgrade the control plane outside `pulumi up`",
    )
    #: Where the API server's public endpoint is reachable from; required with protectData.
    public_access_cidrs: tuple[Cidr, ...] = Field((), strict=False)
    #: IAM roles given cluster-admin through access entries (break-glass operators).
    admin_role_arns: tuple[RoleArn, ...] = Field((), strict=False)
    deployer_role_arn: RoleArn | None = Field(
        None,
        description="the role that runs `pulumi up` (the deploy workflow's), made cluster admin; unset: whoever "
        "runs it, so a preview or a person's `pulumi up` would move the admin entry to themselves",
    )
    preview_role_arn: RoleArn | None = Field(
        None, description="the pull-request preview's role: reads (never changes) Airflow's namespaces"
    )
    #: Days CloudWatch keeps the control plane's logs; one of the values PutRetentionPolicy takes.
    control_plane_log_retention_days: Annotated[int, _checked(aws_monitoring_facts.retention_requirement)] = 90
    control_plane_nodes: ControlPlaneNodesSettings = ControlPlaneNodesSettings()
    task_nodes: TaskNodesSettings = TaskNodesSettings()


class RdsSettings(Settings):
    instance_class: DbInstanceClass = "db.m7g.large"
    version: Literal["14", "15", "16", "17"] = "16"
    allocated_storage_gb: int = Field(50, ge=20, le=65536)
    max_allocated_storage_gb: int = Field(200, ge=20, le=65536, description="storage autoscaling's ceiling")
    multi_az: bool = True
    backup_retention_days: int = Field(35, ge=1, le=35)

    def problems(self) -> Iterator[Problem]:
        if self.max_allocated_storage_gb < self.allocated_storage_gb:
            yield Problem(
                self.key_path("max_allocated_storage_gb"),
                self.max_allocated_storage_gb,
                f"must be at least allocatedStorageGb ({self.allocated_storage_gb})",
            )


class AwsLogsSettings(Settings):
    retention_days: int = Field(30, ge=1, le=3650)


class AwsSecretsSettings(Settings):
    enabled: bool = Field(
        True, description="Airflow's secrets backend reading connections and variables from Secrets Manager"
    )


class AwsSettings(Settings):
    network: AwsNetworkSettings = AwsNetworkSettings()
    cluster: EksSettings = EksSettings()
    database: RdsSettings = RdsSettings()
    logs: AwsLogsSettings = AwsLogsSettings()
    secrets: AwsSecretsSettings = AwsSecretsSettings()

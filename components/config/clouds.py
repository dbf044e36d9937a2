"""Which settings belong to which cloud: a stack sets the blocks of its own cloud only, and the
rules of one cloud never run on the other's stacks."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Annotated

from components import aws_facts, aws_monitoring_facts, database_connections, eks_versions
from components.config.access import documentation_range_warnings
from components.config.base import _NOT_GIVEN, Problem
from components.config.monitoring import LOG_RETENTION_MAX_DAYS, LOG_RETENTION_MIN_DAYS
from components.config.sign_in import CALLBACK_PATH
from components.config.ui import AZURE_ZONE_REQUIREMENT, ROUTE53_ZONE_REQUIREMENT
from components.config.values import _checked
from components.kubernetes_versions import check_date
from components.rds_connections import connections_requirement

if TYPE_CHECKING:
    from components.config.stack import StackSettings

#: The stack's fields that only an Azure stack sets (``azure-native:location`` and its blocks);
#: ``monitoring`` and ``pause`` are common to both clouds.
AZURE_FIELDS = ("location", "cluster", "network", "database", "logs", "registry", "secrets")
AWS_FIELDS = ("aws", "aws_region")


def _aws_region(value: str) -> str | None:
    if re.fullmatch(r"[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d", value):
        return None
    return "must be an AWS region name such as eu-west-1"


AwsRegion = Annotated[str, _checked(_aws_region)]

Rule = Callable[["StackSettings"], Iterator[Problem]]


def on_cloud(cloud: str, rule: Rule) -> Rule:
    """A rule across blocks that only means something on ``cloud``'s stacks."""

    def checked(settings: StackSettings) -> Iterator[Problem]:
        if settings.cloud == cloud:
            yield from rule(settings)

    checked.__doc__ = rule.__doc__
    return checked


def cloud_blocks(settings: StackSettings) -> Iterator[Problem]:
    """A setting of the other cloud is a mistake, not something to ignore silently."""
    given = settings.model_fields_set
    foreign = AWS_FIELDS if settings.cloud == "azure" else AZURE_FIELDS
    home = "airflow-platform:aws and aws:region" if settings.cloud == "aws" else "the Azure blocks"
    for name in foreign:
        if name in given:
            yield Problem(
                settings.key_path(name),
                _NOT_GIVEN,
                f"is a setting of the other cloud; this stack's cloud is {settings.cloud} (its settings: {home})",
            )
    if settings.cloud == "aws" and settings.aws_region is None:
        yield Problem(
            settings.key_path("aws_region"), _NOT_GIVEN, "is required on aws: `pulumi config set aws:region eu-west-1`"
        )


def ui_dns_zone_of_the_cloud(settings: StackSettings) -> Iterator[Problem]:
    """airflow.ui.dnsZone names a zone of the stack's own cloud: a resource id on azure, a name on aws."""
    ui = settings.airflow.ui
    if ui.dns_zone is None:
        return
    setting = settings.key_path("airflow", "ui", "dns_zone")
    if settings.cloud == "azure" and not ui.zone_is_azure:
        yield Problem(setting, ui.dns_zone, AZURE_ZONE_REQUIREMENT)
    if settings.cloud == "aws" and ui.zone_is_azure:
        yield Problem(setting, ui.dns_zone, f"{ROUTE53_ZONE_REQUIREMENT}: on aws the zone is Route 53's")


def sign_in_rules(settings: StackSettings) -> Iterator[Problem]:
    """Entra ID sign-in's own rules, once a host name turns it on."""
    ui = ("airflow", "ui")
    for keys, value, requirement in settings.airflow.ui.sign_in_problems():
        yield Problem((*settings.key_path(*ui), *keys), value, requirement)


def aws_sign_in(settings: StackSettings) -> Iterator[Problem]:
    """On aws, Entra ID sign-in goes through an existing registration: the program registers apps only
    with the Entra ID credentials an Azure deployment has."""
    ui = settings.airflow.ui
    sign_in = ui.sign_in
    if ui.hostname is None or not sign_in.enabled:
        return
    block = ("airflow", "ui", "sign_in")
    if sign_in.client_id is None:
        yield Problem(
            settings.key_path(*block, "client_id"),
            _NOT_GIVEN,
            "is required on aws while signIn.enabled is true (the default): the application (client) id of an "
            f"existing Entra ID registration whose redirect URI is https://{ui.hostname}{CALLBACK_PATH}, with "
            "tenantId and `pulumi config set --secret signInClientSecret`; or signIn.enabled: false for "
            "Airflow's own login with the generated admin user",
        )
        return
    if sign_in.tenant_id is None:
        yield Problem(settings.key_path(*block, "tenant_id"), _NOT_GIVEN, "is required on aws with clientId")
    yield from sign_in_rules(settings)


def aws_database_connections(settings: StackSettings) -> Iterator[Problem]:
    """Airflow may not open more connections than the RDS class leaves to users."""
    instance_class = settings.aws.database.instance_class
    need = database_connections.settings_demand(settings.airflow)
    requirement = connections_requirement(instance_class, need)
    if requirement is not None:
        yield Problem(settings.key_path("aws", "database", "instance_class"), instance_class, requirement)


def aws_api_server_restricted(settings: StackSettings) -> Iterator[Problem]:
    """A protected stack's public EKS endpoint answers only the ranges it names."""
    if settings.protect_data and not settings.aws.cluster.public_access_cidrs:
        yield Problem(
            settings.key_path("aws", "cluster", "public_access_cidrs"),
            _NOT_GIVEN,
            "is required while protectData is true: the public ranges (your runners', your office's) that may "
            "reach the cluster's API server",
        )


def eks_kubernetes_support(settings: StackSettings) -> Iterator[Problem]:
    """EKS keeps a cluster only on a minor it offers on the day, for its upgrade policy (data/eks-versions.yaml)."""
    cluster = settings.aws.cluster
    requirement = eks_versions.version_requirement(cluster.kubernetes_version, cluster.support_type, check_date())
    if requirement is not None:
        setting = settings.key_path("aws", "cluster", "kubernetes_version")
        yield Problem(setting, cluster.kubernetes_version, requirement)


def aws_node_architecture(settings: StackSettings) -> Iterator[Problem]:
    """Both node groups take one architecture: a group runs one AMI, and both run the one Airflow image."""
    cluster = settings.aws.cluster
    tasks, control_plane = cluster.task_nodes.instance_types, cluster.control_plane_nodes.instance_types
    requirement = aws_facts.architecture_requirement(tasks, control_plane)
    if requirement is not None:
        yield Problem(settings.key_path("aws", "cluster", "task_nodes", "instance_types"), list(tasks), requirement)


def aws_access_warnings(settings: StackSettings) -> list[str]:
    """The plan's warnings about access: example ranges left in the stack file lock every deployer out."""
    setting = ".".join(settings.key_path("aws", "cluster", "public_access_cidrs"))
    return documentation_range_warnings(setting, settings.aws.cluster.public_access_cidrs)


def aws_monitoring(settings: StackSettings) -> Iterator[Problem]:
    """The monitoring block on aws: container logs keep a retention CloudWatch Logs takes; no Grafana yet."""
    monitoring = settings.monitoring
    days = monitoring.log_retention_days
    requirement = aws_monitoring_facts.retention_requirement(days, LOG_RETENTION_MIN_DAYS, LOG_RETENTION_MAX_DAYS)
    if requirement is not None:
        yield Problem(settings.key_path("monitoring", "log_retention_days"), days, requirement)
    if monitoring.grafana:
        yield Problem(
            settings.key_path("monitoring", "grafana"),
            True,
            "is not available on aws yet (Amazon Managed Grafana is not part of the aws platform): set it "
            "false and query the Prometheus workspace (stack output prometheusEndpoint) from your own Grafana",
        )

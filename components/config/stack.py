"""The whole stack's settings, and the rules across blocks."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator

from pydantic import ConfigDict, Field, SecretStr
from pydantic.alias_generators import to_camel

from components import azure_facts, database_connections, kubernetes_versions
from components.config.access import documentation_range_warnings
from components.config.airflow import AirflowSettings
from components.config.aws import AwsSettings
from components.config.base import _NOT_GIVEN, Problem, Settings
from components.config.clouds import (
    AwsRegion,
    aws_api_server_restricted,
    aws_database_connections,
    aws_monitoring,
    aws_node_architecture,
    aws_sign_in,
    cloud_blocks,
    eks_kubernetes_support,
    on_cloud,
    sign_in_rules,
    ui_dns_zone_of_the_cloud,
)
from components.config.cluster import ClusterSettings
from components.config.monitoring import MonitoringSettings
from components.config.network import NetworkSettings
from components.config.pause import PauseSettings, pause_unprotected
from components.config.secrets import SecretsSettings
from components.config.storage import DatabaseSettings, LogsSettings, RegistrySettings
from components.config.values import AZURE_RESERVED_SUBNET_ADDRESSES, AzureRegion, Cloud, is_ssh_git_url

PROJECT = "airflow-platform"
#: The region is the Azure provider's setting, so resources and provider agree on it.
LOCATION_KEY = "azure-native:location"


class StackSettings(Settings):
    """Everything one stack needs, validated before any resource is declared.

    Each field's alias is the configuration key a user sets: ``airflow-platform:<camelCase>``.
    """

    model_config = ConfigDict(alias_generator=lambda name: f"{PROJECT}:{to_camel(name)}")

    project: str = Field(alias="project")
    stack: str = Field(alias="stack")
    cloud: Cloud = "azure"
    location: AzureRegion = Field("westeurope", alias=LOCATION_KEY)
    protect_data: bool = True
    cluster: ClusterSettings = ClusterSettings()
    network: NetworkSettings = NetworkSettings()
    database: DatabaseSettings = DatabaseSettings()
    logs: LogsSettings = LogsSettings()
    registry: RegistrySettings = RegistrySettings()
    airflow: AirflowSettings = AirflowSettings()
    secrets: SecretsSettings = SecretsSettings()
    monitoring: MonitoringSettings = MonitoringSettings()
    pause: PauseSettings = PauseSettings()
    aws: AwsSettings = AwsSettings()
    #: The AWS provider's region: resources and provider agree on it.
    aws_region: AwsRegion | None = Field(None, alias="aws:region")
    git_ssh_key: SecretStr | None = None
    #: An existing app registration's client secret (airflow.ui.signIn.clientId).
    sign_in_client_secret: SecretStr | None = None

    @property
    def tags(self) -> dict[str, str]:
        """Tags on every cloud resource, so cost reports and clean-ups can find the stack."""
        return {"project": self.project, "stack": self.stack, "managed-by": "pulumi"}

    def problems(self) -> Iterator[Problem]:
        for _, rule in RULES_ACROSS_BLOCKS:
            yield from rule(self)


def _node_subnet_room(settings: StackSettings) -> Iterator[Problem]:
    """Each node takes one address of the node subnet (pods live on the overlay)."""
    subnet = ipaddress.IPv4Network(settings.network.node_subnet)
    room = subnet.num_addresses - AZURE_RESERVED_SUBNET_ADDRESSES
    nodes = azure_facts.cluster_node_ceiling(settings.cluster.pool_max_counts)
    if nodes > room:
        needed = 32 - (nodes + AZURE_RESERVED_SUBNET_ADDRESSES - 1).bit_length()
        yield Problem(
            settings.key_path("network", "node_subnet"),
            settings.network.node_subnet,
            f"has room for {room} nodes (Azure keeps 5 addresses of a subnet), but the pools reach {nodes} "
            f"(maxCount, the bootstrap pool and one upgrade surge node each): use a /{needed} or larger, "
            "or lower maxCount",
        )


def _deploy_key_pairing(settings: StackSettings) -> Iterator[Problem]:
    """git-sync clones over SSH with the deploy key only, and checks the host against knownHosts."""
    git_sync = settings.airflow.git_sync
    if git_sync.repo is not None and is_ssh_git_url(git_sync.repo) and settings.git_ssh_key is None:
        yield Problem(
            settings.key_path("airflow", "git_sync", "repo"),
            git_sync.repo,
            "is an SSH URL, which needs a deploy key: `pulumi config set --secret gitSshKey < deploy_key`",
        )
    if settings.git_ssh_key is not None and git_sync.repo is None:
        yield Problem(settings.key_path("git_ssh_key"), _NOT_GIVEN, "is set but airflow.gitSync.repo is not: set both")
    if settings.git_ssh_key is not None and not git_sync.known_hosts:
        yield Problem(
            settings.key_path("airflow", "git_sync", "known_hosts"),
            _NOT_GIVEN,
            "is required with gitSshKey: pin the git host's keys (the output of `ssh-keyscan github.com`)",
        )


def _sign_in_secret_pairing(settings: StackSettings) -> Iterator[Problem]:
    """An existing app registration signs Airflow in with its secret; the program's own needs none."""
    ui = settings.airflow.ui
    existing = ui.sign_in.client_id is not None
    if ui.hostname is not None and ui.sign_in.enabled and existing and settings.sign_in_client_secret is None:
        yield Problem(
            settings.key_path("airflow", "ui", "sign_in", "client_id"),
            ui.sign_in.client_id,
            "needs the registration's client secret: `pulumi config set --secret signInClientSecret`",
        )
    if settings.sign_in_client_secret is not None and not existing:
        yield Problem(
            settings.key_path("sign_in_client_secret"),
            _NOT_GIVEN,
            "is set but airflow.ui.signIn.clientId is not: the program creates its own secret; set both or neither",
        )


def _pool_zones_offered(settings: StackSettings) -> Iterator[Problem]:
    """Zones exist only in regions with availability zones."""
    zones = settings.cluster.control_plane_pool.zones
    requirement = azure_facts.zones_requirement(settings.location, "a pool across zones", "leave zones empty")
    if requirement is not None and zones:
        yield Problem(settings.key_path("cluster", "control_plane_pool", "zones"), zones, requirement)


def _database_zones_offered(settings: StackSettings) -> Iterator[Problem]:
    """High availability is zone-redundant here: a standby in another zone."""
    ha = settings.database.high_availability
    requirement = azure_facts.zones_requirement(settings.location, "zone-redundant high availability", "turn it off")
    if requirement is not None and ha:
        yield Problem(settings.key_path("database", "high_availability"), ha, requirement)


def _kubernetes_support(settings: StackSettings) -> Iterator[Problem]:
    """AKS creates clusters only on a minor in support on the day (data/aks-versions.yaml)."""
    cluster = settings.cluster
    requirement = kubernetes_versions.version_requirement(
        cluster.kubernetes_version, cluster.tier, cluster.support_plan, kubernetes_versions.check_date()
    )
    if requirement is not None:
        yield Problem(settings.key_path("cluster", "kubernetes_version"), cluster.kubernetes_version, requirement)


def _registry_private_endpoint(settings: StackSettings) -> Iterator[Problem]:
    """Only a Premium registry takes a private endpoint (data/azure-private-link.yaml)."""
    if settings.network.private_endpoints and settings.registry.sku != "Premium":
        yield Problem(
            settings.key_path("registry", "sku"),
            settings.registry.sku,
            "must be Premium while network.privateEndpoints is true: only a Premium registry takes a private "
            "endpoint (Connect privately to an Azure container registry using Azure Private Link); "
            "set registry.sku to Premium, or network.privateEndpoints to false",
        )


def _api_server_restricted(settings: StackSettings) -> Iterator[Problem]:
    """A stack whose data is protected (prod) keeps its API server off the open internet."""
    if settings.protect_data and not settings.cluster.access.restricted:
        yield Problem(
            settings.key_path("cluster", "access", "authorized_ip_ranges"),
            _NOT_GIVEN,
            "is required when protectData is true (unless access.private is true): list the public ranges "
            "of your deployers and CI runners, so that the API server is not open to the whole internet",
        )


def _database_connections(settings: StackSettings) -> Iterator[Problem]:
    """Airflow may not open more connections than the server leaves to users (components/database_connections.py)."""
    sku = settings.database.sku_name
    need = database_connections.settings_demand(settings.airflow)
    requirement = database_connections.connections_requirement(sku, need)
    if requirement is not None:
        yield Problem(settings.key_path("database", "sku_name"), sku, requirement)


def access_warnings(settings: StackSettings) -> list[str]:
    """The plan's warnings about access: example ranges left in the stack file lock every deployer out."""
    setting = ".".join(settings.key_path("cluster", "access", "authorized_ip_ranges"))
    return documentation_range_warnings(setting, settings.cluster.access.authorized_ip_ranges)


#: Rules across blocks, each with the settings it reads. When some settings are wrong, the rules
#: that read only sound ones still run, so that one mistake does not hide another.
RULES_ACROSS_BLOCKS: tuple[tuple[tuple[str, ...], Callable[[StackSettings], Iterator[Problem]]], ...] = (
    (("cloud", "aws", "aws_region", "airflow"), cloud_blocks),
    (("cloud", "airflow"), ui_dns_zone_of_the_cloud),
    (("airflow",), on_cloud("azure", sign_in_rules)),
    (("airflow",), on_cloud("aws", aws_sign_in)),
    (("airflow", "git_ssh_key"), _deploy_key_pairing),
    (("airflow", "sign_in_client_secret"), _sign_in_secret_pairing),
    (("network", "cluster"), on_cloud("azure", _node_subnet_room)),
    (("location", "cluster"), on_cloud("azure", _pool_zones_offered)),
    (("location", "database"), on_cloud("azure", _database_zones_offered)),
    (("cluster",), on_cloud("azure", _kubernetes_support)),
    (("network", "registry"), on_cloud("azure", _registry_private_endpoint)),
    (("protect_data", "cluster"), on_cloud("azure", _api_server_restricted)),
    (("protect_data", "pause"), pause_unprotected),
    (("database", "airflow"), on_cloud("azure", _database_connections)),
    (("protect_data", "aws"), on_cloud("aws", aws_api_server_restricted)),
    (("aws",), on_cloud("aws", eks_kubernetes_support)),
    (("aws",), on_cloud("aws", aws_node_architecture)),
    (("aws", "airflow"), on_cloud("aws", aws_database_connections)),
    (("monitoring",), on_cloud("aws", aws_monitoring)),
)

"""The stack's public interface: every setting, typed, with its default, read and validated once.

Structured settings live under the ``airflow-platform:`` namespace in camelCase
(``airflow-platform:cluster`` -> ``{"taskPool": {"maxCount": 20}}``); the region is the Azure
provider's own ``azure-native:location``. Defaults live here and only here, so a stack file
carries only what differs from them.

A wrong stack file stops the program before it declares anything, with one message that lists
every problem: the setting's path as a user writes it, the value given (never a secret's) and
what is allowed. Unknown keys are refused, with the closest known key suggested.
"""

from __future__ import annotations

from components.config.access import ClusterAccessSettings, ObjectId
from components.config.airflow import (
    AirflowSettings,
    GitSyncSettings,
    ImageSettings,
    ResourceQuantities,
    TaskPodSettings,
)
from components.config.base import Found, Problem, Settings
from components.config.cluster import (
    CLUSTER_POD_CIDR,
    CLUSTER_SERVICE_CIDR,
    MAX_POOL_NODES,
    ClusterSettings,
    ControlPlanePoolSettings,
    SystemPoolSettings,
    TaskPoolSettings,
)
from components.config.monitoring import MonitoringSettings
from components.config.network import NetworkSettings
from components.config.report import SECRET_MARK, ConfigurationError, load_settings, settings_from_config
from components.config.secrets import SecretsSettings
from components.config.stack import LOCATION_KEY, PROJECT, RULES_ACROSS_BLOCKS, StackSettings, access_warnings
from components.config.storage import DatabaseSettings, LogsSettings, RegistrySettings
from components.config.values import (
    _VM_SIZE,
    AZURE_RESERVED_SUBNET_ADDRESSES,
    PRIVATE_RANGES,
    SMALLEST_SUBNET_PREFIX,
    AzureRegion,
    ChartVersion,
    Cidr,
    Cloud,
    CpuQuantity,
    DatabaseSku,
    Duration,
    GitBranch,
    GitUrl,
    ImageRepository,
    KubernetesNamespace,
    KubernetesVersion,
    MemoryQuantity,
    PostgresVersion,
    RepositoryPath,
    SpotPrice,
    StorageSizeGb,
    Subnet,
    VmSize,
    Zone,
    duration_seconds,
    is_ssh_git_url,
    parse_quantity,
)

__all__ = [
    "AZURE_RESERVED_SUBNET_ADDRESSES",
    "CLUSTER_POD_CIDR",
    "CLUSTER_SERVICE_CIDR",
    "LOCATION_KEY",
    "MAX_POOL_NODES",
    "PRIVATE_RANGES",
    "PROJECT",
    "RULES_ACROSS_BLOCKS",
    "SECRET_MARK",
    "SMALLEST_SUBNET_PREFIX",
    "_VM_SIZE",
    "AirflowSettings",
    "AzureRegion",
    "ChartVersion",
    "Cidr",
    "Cloud",
    "ClusterAccessSettings",
    "ClusterSettings",
    "ConfigurationError",
    "ControlPlanePoolSettings",
    "CpuQuantity",
    "DatabaseSettings",
    "DatabaseSku",
    "Duration",
    "Found",
    "GitBranch",
    "GitSyncSettings",
    "GitUrl",
    "ImageRepository",
    "ImageSettings",
    "KubernetesNamespace",
    "KubernetesVersion",
    "LogsSettings",
    "MemoryQuantity",
    "MonitoringSettings",
    "NetworkSettings",
    "ObjectId",
    "PostgresVersion",
    "Problem",
    "RegistrySettings",
    "RepositoryPath",
    "ResourceQuantities",
    "SecretsSettings",
    "Settings",
    "SpotPrice",
    "StackSettings",
    "StorageSizeGb",
    "Subnet",
    "SystemPoolSettings",
    "TaskPodSettings",
    "TaskPoolSettings",
    "VmSize",
    "Zone",
    "access_warnings",
    "duration_seconds",
    "is_ssh_git_url",
    "load_settings",
    "parse_quantity",
    "settings_from_config",
]

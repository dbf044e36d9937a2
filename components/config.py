"""The stack's public interface: every setting, typed, with its default, read once.

Structured settings live under the ``airflow-platform:`` namespace in camelCase
(``airflow-platform:cluster`` -> ``{"taskPool": {"maxCount": 20}}``). Defaults live here and
only here, so a stack file carries only what differs from them.
"""

from __future__ import annotations

from typing import Literal

import pulumi
from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic.alias_generators import to_camel

PROJECT = "airflow-platform"


class ConfigurationError(pulumi.RunError):
    """The stack's settings are wrong; raised before any resource is declared.

    A ``RunError`` is shown by the Pulumi CLI as its message alone, without a traceback.
    """


class Settings(BaseModel):
    """Base for every settings block: camelCase keys, unknown keys refused, immutable."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        frozen=True,
    )


class ControlPlanePoolSettings(Settings):
    """The on-demand System pool that runs scheduler, API server, triggerer, DAG processor, jobs."""

    vm_size: str = "Standard_D4ds_v5"
    min_count: int = 1
    max_count: int = 3
    zones: tuple[str, ...] = ()


class TaskPoolSettings(Settings):
    """The tainted pool only KubernetesExecutor task pods may use; scales to zero when idle."""

    vm_size: str = "Standard_D4ds_v5"
    min_count: int = 0
    max_count: int = 10
    spot: bool = True
    spot_max_price: float = -1


class ClusterSettings(Settings):
    kubernetes_version: str = "1.33"
    tier: Literal["Free", "Standard", "Premium"] = "Free"
    control_plane_pool: ControlPlanePoolSettings = ControlPlanePoolSettings()
    task_pool: TaskPoolSettings = TaskPoolSettings()


class NetworkSettings(Settings):
    """Address plan; the pod network is an overlay, so only nodes and PostgreSQL use the VNet."""

    address_space: str = "10.40.0.0/16"
    node_subnet: str = "10.40.0.0/20"
    database_subnet: str = "10.40.16.0/24"


class DatabaseSettings(Settings):
    sku_name: str = "Standard_B2s"
    tier: Literal["Burstable", "GeneralPurpose", "MemoryOptimized"] = "Burstable"
    version: str = "16"
    storage_size_gb: int = 32
    high_availability: bool = False
    backup_retention_days: int = 7
    geo_redundant_backup: bool = False


class LogsSettings(Settings):
    retention_days: int = 30
    redundancy: Literal["LRS", "ZRS", "GRS", "GZRS"] = "LRS"
    soft_delete_days: int = Field(default=0, description="0 turns blob soft delete off")


class RegistrySettings(Settings):
    sku: Literal["Basic", "Standard", "Premium"] = "Basic"


class ImageSettings(Settings):
    repository: str = "apache/airflow"
    tag: str = "3.1.8"


class ResourceQuantities(Settings):
    cpu: str
    memory: str


class TaskPodSettings(Settings):
    requests: ResourceQuantities = ResourceQuantities(cpu="500m", memory="1Gi")
    limits: ResourceQuantities = ResourceQuantities(cpu="2", memory="4Gi")


class GitSyncSettings(Settings):
    repo: str | None = None
    branch: str = "main"
    sub_path: str = ""
    period: str = "60s"
    known_hosts: str | None = None


class AirflowSettings(Settings):
    chart_version: str = "1.20.0"
    namespace: str = "airflow"
    image: ImageSettings = ImageSettings()
    task_pod: TaskPodSettings = TaskPodSettings()
    git_sync: GitSyncSettings = GitSyncSettings()
    parallelism: int = 64
    max_active_tasks_per_dag: int = 32
    worker_pods_creation_batch_size: int = 16


class StackSettings(Settings):
    """Everything one stack needs, validated before any resource is declared."""

    project: str
    stack: str
    cloud: Literal["azure", "aws"] = "azure"
    location: str = "westeurope"
    protect_data: bool = True
    cluster: ClusterSettings = ClusterSettings()
    network: NetworkSettings = NetworkSettings()
    database: DatabaseSettings = DatabaseSettings()
    logs: LogsSettings = LogsSettings()
    registry: RegistrySettings = RegistrySettings()
    airflow: AirflowSettings = AirflowSettings()
    git_ssh_key: SecretStr | None = None

    @property
    def tags(self) -> dict[str, str]:
        """Tags on every cloud resource, so cost reports and clean-ups can find the stack."""
        return {"project": self.project, "stack": self.stack, "managed-by": "pulumi"}


STRUCTURED_KEYS = ("cluster", "network", "database", "logs", "registry", "airflow")


def load_settings() -> StackSettings:
    """Read the stack's configuration once into a validated :class:`StackSettings`."""
    config = pulumi.Config(PROJECT)
    raw: dict[str, object] = {
        "project": pulumi.get_project(),
        "stack": pulumi.get_stack(),
    }
    for key in STRUCTURED_KEYS:
        value = config.get_object(key)
        if value is not None:
            raw[key] = value
    cloud = config.get("cloud")
    if cloud is not None:
        raw["cloud"] = cloud
    protect = config.get_bool("protectData")
    if protect is not None:
        raw["protect_data"] = protect
    location = pulumi.Config("azure-native").get("location")
    if location is not None:
        raw["location"] = location
    ssh_key = config.get("gitSshKey")
    if ssh_key:
        raw["git_ssh_key"] = ssh_key
    return StackSettings.model_validate(raw)

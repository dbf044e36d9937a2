"""The airflow block: chart, image, task pods, git-sync and the scheduler's limits."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from components import chart_facts
from components.config.availability import ReplicaSettings, Rollout, TaskRetrySettings, queued_timeout_problems
from components.config.base import Problem, Settings
from components.config.database_pool import DatabasePoolSettings
from components.config.resources import AirflowResources
from components.config.ui import UiSettings
from components.config.values import (
    ChartVersion,
    Cidr,
    CpuQuantity,
    Duration,
    GitBranch,
    GitUrl,
    ImageRepository,
    KubernetesNamespace,
    MemoryQuantity,
    RepositoryPath,
    parse_quantity,
)


class ImageSettings(Settings):
    repository: ImageRepository = "apache/airflow"
    tag: str = Field(
        default="3.1.8",
        pattern=r"^(?:[\w.-]*\d+\.\d+\.\d+[\w.-]*|[0-9a-f]{7,64})$",
        description="an exact version (X.Y.Z) or a commit hash; moving tags such as latest are refused "
        "(the tag's first X.Y.Z must be of the chart's Airflow major; a commit hash cannot be checked)",
    )


class ResourceQuantities(Settings):
    cpu: CpuQuantity
    memory: MemoryQuantity


class TaskPodSettings(Settings):
    requests: ResourceQuantities = ResourceQuantities(cpu="500m", memory="1Gi")
    limits: ResourceQuantities = ResourceQuantities(cpu="2", memory="4Gi")

    def problems(self) -> Iterator[Problem]:
        for resource in ("cpu", "memory"):
            request, limit = getattr(self.requests, resource), getattr(self.limits, resource)
            if parse_quantity(request) > parse_quantity(limit):
                yield Problem(
                    self.key_path("requests", resource), request, f"must not exceed limits.{resource} ({limit})"
                )


class EgressRule(Settings):
    """Where task pods may connect besides the platform's own services: the systems DAGs work with."""

    cidrs: tuple[Cidr, ...] = Field(min_length=1, strict=False)
    ports: tuple[int, ...] = Field(min_length=1, strict=False)

    def problems(self) -> Iterator[Problem]:
        for port in self.ports:
            if not 1 <= port <= 65535:
                yield Problem(self.key_path("ports"), port, "must be a TCP port from 1 to 65535")


class GitSyncSettings(Settings):
    repo: GitUrl | None = None
    branch: GitBranch = "main"
    sub_path: RepositoryPath = ""
    period: Duration = "60s"
    known_hosts: str | None = None


#: Kubernetes names a namespace with a DNS-1123 label.
MAX_NAMESPACE_LENGTH = 63
DATABASE_SETUP_SUFFIX = "-db-setup"


class AirflowSettings(Settings):
    chart_version: ChartVersion = "1.20.0"
    namespace: KubernetesNamespace = "airflow"
    image: ImageSettings = ImageSettings()
    task_pod: TaskPodSettings = TaskPodSettings()
    git_sync: GitSyncSettings = GitSyncSettings()
    #: Default deny in the namespace, then only the flows Airflow needs (free: the cluster's Cilium enforces them).
    network_policies: bool = True
    #: With network policies on, task pods reach only Airflow and the platform; DAGs' own data
    #: sources (a warehouse, an on-premises database, an API on another port) are listed here.
    task_egress: tuple[EgressRule, ...] = Field((), strict=False)
    parallelism: int = Field(64, ge=1)
    max_active_tasks_per_dag: int = Field(32, ge=1)
    worker_pods_creation_batch_size: int = Field(16, ge=1)
    replicas: ReplicaSettings = ReplicaSettings()
    rollout: Rollout = "surge"
    database_pool: DatabasePoolSettings = DatabasePoolSettings()
    resources: AirflowResources = AirflowResources()
    task_retries: TaskRetrySettings = TaskRetrySettings()
    task_queued_timeout: Duration | None = Field(
        None, description="unset: derived from data/node-start-times.yaml; never shorter than a node's start"
    )
    ui: UiSettings = UiSettings()

    @property
    def database_setup_namespace(self) -> str:
        """The namespace of the Job that sets up Airflow's database role, apart from Airflow's own."""
        return f"{self.namespace}{DATABASE_SETUP_SUFFIX}"

    def problems(self) -> Iterator[Problem]:
        yield from queued_timeout_problems(self, "task_queued_timeout", self.task_queued_timeout)
        if len(self.database_setup_namespace) > MAX_NAMESPACE_LENGTH:
            longest = MAX_NAMESPACE_LENGTH - len(DATABASE_SETUP_SUFFIX)
            yield Problem(
                self.key_path("namespace"),
                self.namespace,
                f"must be at most {longest} characters: the database role Job's namespace adds "
                f"{DATABASE_SETUP_SUFFIX!r} to it, and a namespace name has at most {MAX_NAMESPACE_LENGTH}",
            )
        if self.worker_pods_creation_batch_size > self.parallelism:
            yield Problem(
                self.key_path("worker_pods_creation_batch_size"),
                self.worker_pods_creation_batch_size,
                f"must not exceed parallelism ({self.parallelism})",
            )
        tag = chart_facts.image_tag_requirement(self.image.tag, self.chart_version)
        if tag is not None:
            yield Problem(self.key_path("image", "tag"), self.image.tag, tag)

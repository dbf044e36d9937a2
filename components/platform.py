"""The cloud-neutral handles the Airflow release consumes.

A cloud's components (``components/azure``, later ``components/aws``) build a :class:`Platform`;
the release reads only these facts, so it never needs to know which cloud it runs on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

#: Names of the service accounts of the Airflow components that read or write task logs.
#: The release names them explicitly in the chart values and the cloud's identity binds each
#: one (``system:serviceaccount:<namespace>:<name>``); both read this one table.
AIRFLOW_SERVICE_ACCOUNTS: Mapping[str, str] = {
    "scheduler": "airflow-scheduler",
    "workers": "airflow-worker",
    "triggerer": "airflow-triggerer",
    "apiServer": "airflow-api-server",
    "dagProcessor": "airflow-dag-processor",
}


def service_account_subjects(namespace: str) -> list[str]:
    """Kubernetes token subjects of the Airflow service accounts, in a stable order."""
    return [f"system:serviceaccount:{namespace}:{name}" for name in AIRFLOW_SERVICE_ACCOUNTS.values()]


@dataclass(frozen=True)
class Toleration:
    key: str
    value: str
    effect: str = "NoSchedule"
    operator: str = "Equal"

    def as_dict(self) -> dict[str, str]:
        return {
            "key": self.key,
            "operator": self.operator,
            "value": self.value,
            "effect": self.effect,
        }


@dataclass(frozen=True)
class NodePlacement:
    """Where a class of pods goes: the node selector that picks the pool, the taints it tolerates."""

    pool_name: str
    node_selector: Mapping[str, str]
    tolerations: Sequence[Toleration] = ()

    def toleration_dicts(self) -> list[dict[str, str]]:
        return [t.as_dict() for t in self.tolerations]


@dataclass(frozen=True)
class Destination:
    """Where the Airflow pods reach one of the platform's services: address ranges and TCP ports.

    The namespace's network policies allow egress to exactly these; a cloud fills them from the
    addresses it chose (subnets, private endpoints) or, where the address is not the program's
    to know, the widest range that still leaves the cluster's private networks out.
    """

    cidrs: Sequence[str]
    ports: Sequence[int]
    #: Ranges inside ``cidrs`` that stay closed (the private networks, when ``cidrs`` is the internet).
    excluded: Sequence[str] = ()


@dataclass(frozen=True)
class KubernetesCluster:
    name: pulumi.Output[str]
    provider: k8s.Provider
    kubeconfig: pulumi.Output[str]
    control_plane: NodePlacement
    tasks: NodePlacement
    #: The Kubernetes API server as pods reach it (the scheduler launches task pods through it).
    api_server: Destination
    #: What a workload on the control-plane pool must wait for (the cluster with its System pool).
    ready: Sequence[pulumi.Resource]


@dataclass(frozen=True)
class Database:
    host: pulumi.Output[str]
    port: int
    name: str
    user: str
    password: pulumi.Output[str]
    network: Destination
    ready: Sequence[pulumi.Resource]


@dataclass(frozen=True)
class WorkloadIdentity:
    """A cloud identity that Kubernetes service accounts assume through federated tokens."""

    client_id: pulumi.Output[str]
    tenant_id: pulumi.Output[str]
    #: Annotations every Airflow service account carries to be bound to the identity.
    service_account_annotations: Mapping[str, pulumi.Output[str]]
    #: Labels every pod that uses the identity carries.
    pod_labels: Mapping[str, str]
    ready: Sequence[pulumi.Resource]


@dataclass(frozen=True)
class LogStore:
    """Blob storage for remote task logs, reached with the workload identity."""

    kind: str  # "wasb" or "s3": the Airflow remote logging handler to use
    account_name: pulumi.Output[str]
    container: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    identity: WorkloadIdentity
    network: Destination


@dataclass(frozen=True)
class ImageRegistry:
    """The private registry the cluster's nodes pull images from, with no pull secret."""

    login_server: pulumi.Output[str]
    #: What a pod pulling from it waits for: the registry and the nodes' grant to pull from it.
    ready: Sequence[pulumi.Resource]


@dataclass(frozen=True)
class Platform:
    """Everything the Airflow release stands on."""

    cluster: KubernetesCluster
    database: Database
    logs: LogStore
    registry: ImageRegistry
    outputs: Mapping[str, pulumi.Input[object]] = field(default_factory=dict)

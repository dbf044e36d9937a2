"""The cloud-neutral handles the Airflow release consumes.

A cloud's components (``components/azure``, later ``components/aws``) build a :class:`Platform`;
the release reads only these facts, so it never needs to know which cloud it runs on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pulumi
import pulumi_kubernetes as k8s

from components.config.values import PRIVATE_RANGES

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


#: The node label that names the Airflow pool a node belongs to (``control-plane`` or ``tasks``), on every cloud.
POOL_LABEL = "airflow-platform/pool"
#: Our own taint on task nodes: nothing but Airflow task pods tolerate it.
TASK_TAINT = Toleration(key="airflow-platform/dedicated", value="airflow-tasks")


@dataclass(frozen=True)
class NodePlacement:
    """Where a class of pods goes: the node selector that picks the pool, the taints it tolerates."""

    pool_name: str
    node_selector: Mapping[str, str]
    tolerations: Sequence[Toleration] = ()
    #: The availability zones the pool spans (none: one zone, or a region without zones).
    zones: Sequence[str] = ()

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

    @classmethod
    def public(cls, port: int) -> Destination:
        """A service behind public addresses its operator owns and may change: the internet on ``port``,
        the private networks left out."""
        return cls(cidrs=["0.0.0.0/0"], ports=[port], excluded=list(PRIVATE_RANGES))


@dataclass(frozen=True)
class KubernetesCluster:
    name: pulumi.Output[str]
    provider: k8s.Provider
    kubeconfig: pulumi.Output[str]
    control_plane: NodePlacement
    tasks: NodePlacement
    #: The Kubernetes API server as pods reach it (the scheduler launches task pods through it).
    api_server: Destination
    #: Groups, as the API server names them, that may read (never change) the Airflow namespace:
    #: the pull-request preview identity's, for `pulumi preview` of the release.
    reader_groups: Sequence[str]
    #: What a workload on the control-plane pool must wait for (the cluster with its System pool).
    ready: Sequence[pulumi.Resource]
    #: The API server's addresses lie in a range Airflow's pods may reach (AKS's public endpoint, inside
    #: the public HTTPS range): only a Cilium deny policy keeps the other pods from it. On EKS pods reach
    #: it inside the VPC, which their NetworkPolicies never allow.
    api_server_needs_cilium_deny: bool = False


@dataclass(frozen=True)
class Credentials:
    """A database login; the password is a Pulumi secret."""

    user: str
    password: pulumi.Output[str]


@dataclass(frozen=True)
class Database:
    #: The server's name as its certificate carries it, so ``sslmode=verify-full`` can check it.
    host: pulumi.Output[str]
    port: int
    name: str
    #: The server administrator: only the Job that sets up ``airflow_role`` logs in with it.
    admin: Credentials
    #: What Airflow logs in as: owns the database ``name`` and nothing else.
    airflow_role: Credentials
    #: PEM root certificates that the server's certificate chains up to.
    ca_certificates: str
    network: Destination
    ready: Sequence[pulumi.Resource]


@dataclass(frozen=True)
class WorkloadIdentity:
    """A cloud identity that the Airflow service accounts act as, with no stored key."""

    #: Annotations every Airflow service account carries to be bound to the identity.
    service_account_annotations: Mapping[str, pulumi.Output[str]]
    #: Labels every pod that uses the identity carries.
    pod_labels: Mapping[str, str]
    ready: Sequence[pulumi.Resource]
    #: Where the pods exchange their service account token for the identity's credentials.
    network: Destination


@dataclass(frozen=True)
class EntraIdentity:
    """An Azure managed identity as Azure SDK clients name it (``managed_identity_client_id``)."""

    client_id: pulumi.Output[str]
    tenant_id: pulumi.Output[str]


@dataclass(frozen=True)
class BlobFolder:
    """Task logs in an Azure Blob Storage container, written as a managed identity (Airflow's WASB handler)."""

    kind: ClassVar[str] = "wasb"
    container: pulumi.Output[str]
    #: The account's blob endpoint, ``https://<account>.blob.core.windows.net/``.
    endpoint: pulumi.Output[str]
    writer: EntraIdentity


@dataclass(frozen=True)
class S3Folder:
    """Task logs under a prefix of an S3 bucket (Airflow's S3 handler); credentials come from the pod's environment."""

    kind: ClassVar[str] = "s3"
    bucket: pulumi.Output[str]
    #: The key prefix, without slashes at either end.
    prefix: str
    region: str


@dataclass(frozen=True)
class LogStore:
    """Object storage for remote task logs, reached with the workload identity."""

    location: BlobFolder | S3Folder
    identity: WorkloadIdentity
    network: Destination
    #: What a pod writing logs waits for besides the identity (the private endpoint and its DNS records).
    ready: Sequence[pulumi.Resource] = ()

    @property
    def kind(self) -> str:
        """The Airflow remote logging handler to use: "wasb" or "s3"."""
        return self.location.kind


@dataclass(frozen=True)
class SecretsBackend:
    """Where Airflow reads connections and variables, as ``[secrets]`` takes it; the release imports
    no cloud SDK, so the cloud names the backend class and its arguments."""

    #: Full class name, e.g. ``airflow.providers.microsoft.azure.secrets.key_vault.AzureKeyVaultBackend``.
    backend: str
    #: The class's constructor arguments (``backend_kwargs``); None turns a lookup off.
    kwargs: pulumi.Input[Mapping[str, str | None]]
    #: Where every Airflow pod reaches the store (task pods too: they read it directly).
    network: Destination
    #: What a pod reading it waits for: the identity's grant on the store, its private endpoint.
    ready: Sequence[pulumi.Resource]


@dataclass(frozen=True)
class ImageRegistry:
    """The private registry the cluster's nodes pull images from, with no pull secret."""

    login_server: pulumi.Output[str]
    #: What a pod pulling from it waits for: the registry and the nodes' grant to pull from it.
    ready: Sequence[pulumi.Resource]


@dataclass(frozen=True)
class MetricsScraping:
    """The cluster's metrics collector: it scrapes a pod that carries these annotations, from pods of
    a namespace (a collector in the cluster) or from address ranges (one outside it, as AWS's)."""

    #: The annotations that ask the collector to scrape a pod's Prometheus endpoint on a port.
    pod_annotations: Callable[[int], Mapping[str, str]]
    #: The namespace the collector's pods run in, and their labels ({} for any pod there).
    collector_namespace: str | None = None
    collector_labels: Mapping[str, str] = field(default_factory=dict)
    #: The ranges a collector outside the cluster scrapes from.
    collector_ranges: Sequence[str] = ()


@dataclass(frozen=True)
class FrontDoor:
    """The way in from the internet when a stack names a host: the cloud has installed a Gateway API
    controller and cert-manager; the release declares its Gateway, certificate and routes."""

    hostname: str
    #: The GatewayClass the cloud's controller serves, with the proxy placement and public address.
    gateway_class: pulumi.Input[str]
    #: The namespace of the controller's proxies: the only pods outside Airflow's that reach the API server.
    controller_namespace: str
    #: The ACME DNS-01 solver (cert-manager's ``solvers[].dns01``), or None: HTTP-01 through the Gateway.
    dns01: pulumi.Input[Mapping[str, object]] | None
    #: What the Gateway and the certificate wait for: both controllers and their CRDs.
    ready: Sequence[pulumi.Resource]
    #: The proxy's LoadBalancer Service as the program declares it, where the cloud's load balancer
    #: controller must remove the load balancer before it goes itself (its ``loadBalancerClass`` and
    #: annotations); None: the Gateway controller's own Service is the load balancer's.
    load_balancer: pulumi.Input[Mapping[str, Any]] | None = None


@dataclass(frozen=True)
class SignInProvider:
    """An OpenID Connect provider the API server signs users in with (FAB's OAuth), and the app it knows."""

    #: FAB's name for the provider; its security manager reads each provider's user info its own way.
    name: str
    client_id: pulumi.Output[str]
    #: A Pulumi secret: reaches the API server only through a Kubernetes Secret.
    client_secret: pulumi.Output[str]
    authorize_url: pulumi.Output[str]
    token_url: pulumi.Output[str]
    #: OpenID Connect discovery: authlib checks the id token's signature, issuer and audience against it.
    metadata_url: pulumi.Output[str]
    issuer: pulumi.Output[str]
    #: Where the API server reaches the provider: its token endpoint, discovery document and signing keys.
    network: Destination
    #: What the API server waits for: the registration's service principal and secret.
    ready: Sequence[pulumi.Resource] = ()


@dataclass(frozen=True)
class Platform:
    """Everything the Airflow release stands on."""

    cluster: KubernetesCluster
    database: Database
    logs: LogStore
    registry: ImageRegistry
    outputs: Mapping[str, pulumi.Input[object]] = field(default_factory=dict)
    #: Connections and variables from the cloud's secret store; None keeps them in the database.
    secrets: SecretsBackend | None = None
    #: Who scrapes Airflow's metrics; None: nothing does, and the release exports none.
    metrics: MetricsScraping | None = None
    #: Entra ID (or another OIDC provider) sign-in for the UI; None: the generated admin user only.
    sign_in: SignInProvider | None = None
    #: The UI and API on a host name over HTTPS; None: not exposed (``kubectl port-forward``).
    front_door: FrontDoor | None = None

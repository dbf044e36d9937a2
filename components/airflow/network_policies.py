"""Default deny in the Airflow namespace, then exactly the flows Airflow 3 with the KubernetesExecutor needs.

Plain ``networking.k8s.io/v1`` NetworkPolicies, enforced by the cluster's Cilium, and one Cilium deny
policy for what an ipBlock cannot say: the public API server lies inside the public HTTPS range that
blob storage and the identity provider need. Why, with sources: ``data/network-policies.yaml``.
The chart's own ``networkPolicies`` stay off (ingress only, and written for Airflow 2's webserver).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pulumi
import pulumi_kubernetes as k8s
import yaml

from components.airflow.metrics import STATSD_SCRAPE_PORT
from components.airflow.values import API_SERVER_PORT, RELEASE_NAME
from components.config import PRIVATE_RANGES, AirflowSettings
from components.platform import Destination, Platform

FACTS = yaml.safe_load((Path(__file__).resolve().parents[2] / "data" / "network-policies.yaml").read_text())
DNS = FACTS["dns"]
#: Every namespace carries its name in this label (Kubernetes sets it).
NAMESPACE_NAME = "kubernetes.io/metadata.name"
# Chart 1.20.0's ports and pod labels (``component``); see data/network-policies.yaml.
TRIGGERER_LOGS_PORT = 8794
STATSD_INGEST_PORT = 9125
SCHEDULER, API_SERVER, TRIGGERER, DAG_PROCESSOR = "scheduler", "api-server", "triggerer", "dag-processor"
WORKER, MIGRATE, CREATE_USER, STATSD = "worker", "run-airflow-migrations", "create-user-job", "statsd"
#: Who uses each service: the metadata DB never reaches task pods, Airflow 3 tasks use the execution API.
EXECUTION_API_CLIENTS = (SCHEDULER, TRIGGERER, DAG_PROCESSOR, WORKER)
DATABASE_CLIENTS = (SCHEDULER, API_SERVER, TRIGGERER, DAG_PROCESSOR, MIGRATE, CREATE_USER)
LOG_CLIENTS = (SCHEDULER, API_SERVER, TRIGGERER, DAG_PROCESSOR, WORKER)
#: The pods bound to the workload identity read logs and secrets with it.
IDENTITY_CLIENTS = SECRETS_CLIENTS = LOG_CLIENTS
#: The scheduler launches task pods; the API server reads running task pods' logs.
KUBERNETES_API_CLIENTS = (SCHEDULER, API_SERVER)
GIT_SYNC_PODS = (DAG_PROCESSOR, TRIGGERER, WORKER)
DEFAULT_DENY = "default-deny"


@dataclass(frozen=True)
class PodPeer:
    """Pods of another namespace: the namespace's name and the pods' labels."""

    namespace: str
    labels: Mapping[str, str]

    def peer(self) -> dict[str, Any]:
        return {
            "namespaceSelector": {"matchLabels": {NAMESPACE_NAME: self.namespace}},
            "podSelector": {"matchLabels": dict(self.labels)},
        }


@dataclass(frozen=True)
class Flows:
    """What the Airflow pods may reach and who may reach them; the plain inputs of :func:`policy_specs`."""

    release: str
    api_server_port: int
    database: Destination
    logs: Destination
    #: Where pods exchange their service account token for the cloud identity's.
    identity: Destination
    kubernetes_api: Destination
    #: The DAG repository, when git-sync is on.
    git: Destination | None
    statsd: bool
    #: The connections and variables store, when Airflow reads them from one.
    secrets: Destination | None = None
    #: What scrapes the statsd exporter (a metrics agent in another namespace), if anything.
    scraper: PodPeer | None = None
    #: Where a scraper outside the cluster comes from (its network interfaces' ranges).
    scraper_ranges: Sequence[str] = ()
    #: What DAG code in task pods connects to (``airflow.taskEgress``): nothing else of the Airflow pods'.
    task_egress: Sequence[Destination] = ()
    #: Hook for an ingress controller: its namespace's pods may reach the API server. Off by default.
    ingress_controller_namespace: str | None = None
    #: The OpenID Connect provider the API server signs users in with, when sign-in is on.
    sign_in: Destination | None = None


def git_destination(repo: str) -> Destination:
    """The public internet on the repository URL's port: 22 for SSH (``git@host:…``), 443 for HTTPS."""
    parts = urlsplit(repo if "://" in repo else f"ssh://{repo.replace(':', '/', 1)}")
    port = parts.port or (443 if parts.scheme == "https" else 22)
    return Destination(cidrs=["0.0.0.0/0"], ports=[port], excluded=list(PRIVATE_RANGES))


def statsd_enabled(values: Mapping[str, Any]) -> bool:
    """Whether the chart runs its statsd exporter: ``statsd.enabled``, true in chart 1.20.0's defaults."""
    return bool(values.get("statsd", {}).get("enabled", True))


def _pods(release: str, *components: str) -> dict[str, Any]:
    selector: dict[str, Any] = {"matchLabels": {"tier": "airflow", "release": release}}
    if components:
        selector["matchExpressions"] = [{"key": "component", "operator": "In", "values": list(components)}]
    return selector


def _ports(numbers: Sequence[int], protocol: str = "TCP") -> list[dict[str, Any]]:
    return [{"protocol": protocol, "port": port} for port in numbers]


def _to(destination: Destination) -> dict[str, Any]:
    """An egress rule to a service outside the cluster (ipBlock never selects pods or nodes on Cilium)."""
    return {
        "to": [_ip_block(cidr, destination.excluded) for cidr in destination.cidrs],
        "ports": _ports(destination.ports),
    }


def _ip_block(cidr: str, excluded: Sequence[str]) -> dict[str, Any]:
    return {"ipBlock": {"cidr": cidr, "except": list(excluded)} if excluded else {"cidr": cidr}}


def _egress(selector: dict[str, Any], *rules: dict[str, Any]) -> dict[str, Any]:
    return {"podSelector": selector, "policyTypes": ["Egress"], "egress": list(rules)}


def _ingress(selector: dict[str, Any], *rules: dict[str, Any]) -> dict[str, Any]:
    return {"podSelector": selector, "policyTypes": ["Ingress"], "ingress": list(rules)}


def policy_specs(flows: Flows) -> dict[str, dict[str, Any]]:
    """The NetworkPolicy specs by name: default deny, then one policy per flow."""
    r = flows.release
    everyone: dict[str, Any] = {}
    api_server = _pods(r, API_SERVER)
    dns = PodPeer(DNS["namespace"], DNS["labels"]).peer()
    api_clients: list[dict[str, Any]] = [{"podSelector": everyone}]
    if flows.ingress_controller_namespace is not None:
        api_clients.append({"namespaceSelector": {"matchLabels": {NAMESPACE_NAME: flows.ingress_controller_namespace}}})
    specs = {
        DEFAULT_DENY: {"podSelector": everyone, "policyTypes": ["Ingress", "Egress"]},
        "dns": _egress(everyone, {"to": [dns], "ports": _ports([DNS["port"]], "UDP") + _ports([DNS["port"]])}),
        "api-server-ingress": _ingress(api_server, {"from": api_clients, "ports": _ports([flows.api_server_port])}),
        "execution-api": _egress(
            _pods(r, *EXECUTION_API_CLIENTS),
            {"to": [{"podSelector": api_server}], "ports": _ports([flows.api_server_port])},
        ),
        "database": _egress(_pods(r, *DATABASE_CLIENTS), _to(flows.database)),
        "log-store": _egress(_pods(r, *LOG_CLIENTS), _to(flows.logs)),
        "identity": _egress(_pods(r, *IDENTITY_CLIENTS), _to(flows.identity)),
        "kubernetes-api": _egress(_pods(r, *KUBERNETES_API_CLIENTS), _to(flows.kubernetes_api)),
        # The UI shows a running trigger's log from the triggerer's log server.
        "triggerer-logs-ingress": _ingress(
            _pods(r, TRIGGERER), {"from": [{"podSelector": api_server}], "ports": _ports([TRIGGERER_LOGS_PORT])}
        ),
        "triggerer-logs": _egress(
            api_server, {"to": [{"podSelector": _pods(r, TRIGGERER)}], "ports": _ports([TRIGGERER_LOGS_PORT])}
        ),
    }
    if flows.secrets is not None:
        specs["secrets"] = _egress(_pods(r, *SECRETS_CLIENTS), _to(flows.secrets))
    if flows.sign_in is not None:
        # Token, discovery document and signing keys: the API server's own, not the cloud identity's.
        specs["sign-in"] = _egress(api_server, _to(flows.sign_in))
    if flows.task_egress:
        specs["task-egress"] = _egress(_pods(r, WORKER), *(_to(destination) for destination in flows.task_egress))
    if flows.git is not None:
        specs["git-sync"] = _egress(_pods(r, *GIT_SYNC_PODS), _to(flows.git))
    if flows.statsd:
        statsd = _pods(r, STATSD)
        ingest = _ports([STATSD_INGEST_PORT], "UDP")
        rules = [{"from": [{"podSelector": _pods(r)}], "ports": ingest}]
        scrapers = [] if flows.scraper is None else [flows.scraper.peer()]
        scrapers += [_ip_block(cidr, ()) for cidr in flows.scraper_ranges]
        if scrapers:
            rules.append({"from": scrapers, "ports": _ports([STATSD_SCRAPE_PORT])})
        specs["statsd-ingress"] = _ingress(statsd, *rules)
        specs["statsd"] = _egress(_pods(r), {"to": [{"podSelector": statsd}], "ports": ingest})
    return specs


def database_only_specs(database: Destination) -> dict[str, dict[str, Any]]:
    """A namespace whose pods reach the database and DNS and nothing else, and take no traffic."""
    everyone: dict[str, Any] = {}
    dns = PodPeer(DNS["namespace"], DNS["labels"]).peer()
    return {
        DEFAULT_DENY: {"podSelector": everyone, "policyTypes": ["Ingress", "Egress"]},
        "dns": _egress(everyone, {"to": [dns], "ports": _ports([DNS["port"]], "UDP") + _ports([DNS["port"]])}),
        "database": _egress(everyone, _to(database)),
    }


def declare_policies(
    specs: Mapping[str, dict[str, Any]], namespace: pulumi.Input[str], parent: pulumi.Resource
) -> list[pulumi.Resource]:
    """The policies of ``specs`` in ``namespace``, the default deny last: a pod already running (a
    re-created namespace's) never loses a flow it needs. The last one is what pods wait for."""
    allowed = {policy: spec for policy, spec in specs.items() if policy != DEFAULT_DENY}
    declared: list[pulumi.Resource] = [
        _policy(policy, spec, namespace, pulumi.ResourceOptions(parent=parent)) for policy, spec in allowed.items()
    ]
    deny = _policy(
        DEFAULT_DENY, specs[DEFAULT_DENY], namespace, pulumi.ResourceOptions(parent=parent, depends_on=declared)
    )
    return [*declared, deny]


def _policy(
    policy: str, spec: dict[str, Any], namespace: pulumi.Input[str], opts: pulumi.ResourceOptions
) -> k8s.networking.v1.NetworkPolicy:
    metadata = k8s.meta.v1.ObjectMetaArgs(name=f"airflow-{policy}", namespace=namespace)
    return k8s.networking.v1.NetworkPolicy(policy, metadata=metadata, spec=spec, opts=opts)


def kubernetes_api_deny(flows: Flows) -> dict[str, Any]:
    """A Cilium deny policy: every Airflow pod but the Kubernetes API's clients is kept from it, whatever allows it."""
    selector = _pods(flows.release)
    selector["matchExpressions"] = [{"key": "component", "operator": "NotIn", "values": list(KUBERNETES_API_CLIENTS)}]
    return {"endpointSelector": selector, "egressDeny": [{"toEntities": ["kube-apiserver"]}]}


@dataclass(frozen=True)
class NetworkPoliciesArgs:
    namespace: pulumi.Input[str]
    flows: Flows
    #: The cluster runs Cilium and its API server needs the deny policy (KubernetesCluster).
    kubernetes_api_deny: bool


class NetworkPolicies(pulumi.ComponentResource):
    """The namespace's policies; the release's pods start only after all of them exist."""

    def __init__(self, name: str, args: NetworkPoliciesArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("airflow-platform:airflow:NetworkPolicies", name, None, opts)
        # Children inherit the provider from this component.
        *self.allowed, self.default_deny = declare_policies(policy_specs(args.flows), args.namespace, self)
        self.kubernetes_api_deny = (
            k8s.apiextensions.CustomResource(
                "deny-kubernetes-api",
                api_version="cilium.io/v2",
                kind="CiliumNetworkPolicy",
                metadata=k8s.meta.v1.ObjectMetaArgs(name="airflow-deny-kubernetes-api", namespace=args.namespace),
                spec=kubernetes_api_deny(args.flows),
                opts=pulumi.ResourceOptions(parent=self),
            )
            if args.kubernetes_api_deny
            else None
        )
        self.register_outputs({})


def declare_network_policies(
    namespace: pulumi.Input[str],
    settings: AirflowSettings,
    platform: Platform,
    values: Mapping[str, Any],
    opts: pulumi.ResourceOptions,
) -> list[pulumi.Resource]:
    """What the release's pods wait for: the namespace's policies, or nothing with ``networkPolicies`` off."""
    if not settings.network_policies:
        return []
    repo = settings.git_sync.repo
    metrics = platform.metrics
    flows = Flows(
        release=RELEASE_NAME,
        api_server_port=API_SERVER_PORT,
        database=platform.database.network,
        logs=platform.logs.network,
        identity=platform.logs.identity.network,
        kubernetes_api=platform.cluster.api_server,
        git=None if repo is None else git_destination(repo),
        statsd=statsd_enabled(values),
        secrets=None if platform.secrets is None else platform.secrets.network,
        scraper=None
        if metrics is None or metrics.collector_namespace is None
        else PodPeer(metrics.collector_namespace, metrics.collector_labels),
        scraper_ranges=() if metrics is None else tuple(metrics.collector_ranges),
        task_egress=[Destination(cidrs=rule.cidrs, ports=rule.ports) for rule in settings.task_egress],
        ingress_controller_namespace=None if platform.front_door is None else platform.front_door.controller_namespace,
        sign_in=None if platform.sign_in is None else platform.sign_in.network,
    )
    deny = platform.cluster.api_server_needs_cilium_deny
    return [NetworkPolicies("network-policies", NetworkPoliciesArgs(namespace, flows, deny), opts=opts)]

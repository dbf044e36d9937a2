"""The Airflow namespace's network policies, evaluated as Cilium enforces them on the policies the program declares.

The evaluator follows the Kubernetes NetworkPolicy rules (a pod selected by no policy of a direction is
open in it; policies add up; a flow between two pods of the namespace needs the sender's egress and the
receiver's ingress) with Cilium's reading of ipBlock (it never selects pods) and its deny policies,
which win over every allow (data/network-policies.yaml).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from components.airflow.network_policies import (
    NAMESPACE_NAME,
    Flows,
    PodPeer,
    git_destination,
    policy_specs,
    statsd_enabled,
)
from components.platform import Destination
from tests.helpers import plain
from tests.test_airflow_chart import chart_file
from tests.test_airflow_secrets import private_repo_run
from tests.test_airflow_sign_in import signed_in
from tests.test_guards import with_settings
from tools.offline import ProgramRun, run_program

POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
CILIUM_POLICY = "kubernetes:cilium.io/v2:CiliumNetworkPolicy"
NAMESPACE = "airflow"


@dataclass(frozen=True)
class Pod:
    labels: Mapping[str, str]
    namespace: str = NAMESPACE


@dataclass(frozen=True)
class Address:
    ip: str
    #: Cilium entities the address belongs to (``kube-apiserver``).
    entities: frozenset[str] = field(default_factory=frozenset)


def airflow(component: str) -> Pod:
    return Pod({"tier": "airflow", "release": "airflow", "component": component})


SCHEDULER, API_SERVER, TRIGGERER = airflow("scheduler"), airflow("api-server"), airflow("triggerer")
DAG_PROCESSOR, TASK, STATSD = airflow("dag-processor"), airflow("worker"), airflow("statsd")
MIGRATE, CREATE_USER = airflow("run-airflow-migrations"), airflow("create-user-job")
COREDNS = Pod({"k8s-app": "kube-dns"}, "kube-system")
KUBERNETES_API = Address("20.50.2.10", frozenset({"kube-apiserver"}))
INTERNET = Address("203.0.113.7")
GITHUB = Address("140.82.121.3")
STRANGER = Pod({"app": "anything"}, "default")


def selects(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for e in selector.get("matchExpressions", []):
        has, value = e["key"] in labels, labels.get(e["key"])
        ok = {
            "In": has and value in e.get("values", []),
            "NotIn": not has or value not in e.get("values", []),
            "Exists": has,
            "DoesNotExist": not has,
        }[e["operator"]]
        if not ok:
            return False
    return True


def peer_matches(peer: Mapping[str, Any], other: Pod | Address) -> bool:
    if "ipBlock" in peer:  # on Cilium an ipBlock selects addresses outside the cluster only
        block = peer["ipBlock"]
        if not isinstance(other, Address):
            return False
        ip = ipaddress.ip_address(other.ip)
        inside = ip in ipaddress.ip_network(block["cidr"])
        return inside and not any(ip in ipaddress.ip_network(c) for c in block.get("except", []))
    if not isinstance(other, Pod):
        return False
    if "namespaceSelector" in peer:
        in_namespace = selects(peer["namespaceSelector"], {NAMESPACE_NAME: other.namespace})
    else:
        in_namespace = other.namespace == NAMESPACE
    return in_namespace and selects(peer.get("podSelector", {}), other.labels)


def port_matches(ports: list[Mapping[str, Any]] | None, port: int, protocol: str) -> bool:
    return not ports or any(
        p.get("protocol", "TCP") == protocol and p.get("port", port) <= port <= p.get("endPort", p.get("port", port))
        for p in ports
    )


def admits(specs: list[Mapping[str, Any]], pod: Pod, other: Pod | Address, port: int, protocol: str, kind: str) -> bool:
    """Whether the namespace's policies let ``pod`` send to (Egress) or receive from (Ingress) ``other``."""
    rules_key, peers_key = ("egress", "to") if kind == "Egress" else ("ingress", "from")
    selecting = [s for s in specs if kind in s.get("policyTypes", []) and selects(s["podSelector"], pod.labels)]
    if not selecting:
        return True
    return any(
        port_matches(rule.get("ports"), port, protocol)
        and (not rule.get(peers_key) or any(peer_matches(peer, other) for peer in rule[peers_key]))
        for spec in selecting
        for rule in spec.get(rules_key, [])
    )


@dataclass(frozen=True)
class Policies:
    specs: list[Mapping[str, Any]]
    denies: list[Mapping[str, Any]]

    def allow(self, src: Pod | Address, dst: Pod | Address, port: int, protocol: str = "TCP") -> bool:
        if isinstance(src, Pod) and src.namespace == NAMESPACE:
            if not admits(self.specs, src, dst, port, protocol, "Egress"):
                return False
            for deny in self.denies:
                entities = {e for rule in deny.get("egressDeny", []) for e in rule.get("toEntities", [])}
                if (
                    selects(deny["endpointSelector"], src.labels)
                    and isinstance(dst, Address)
                    and dst.entities & entities
                ):
                    return False
        if isinstance(dst, Pod) and dst.namespace == NAMESPACE:
            return admits(self.specs, dst, src, port, protocol, "Ingress")
        return True


def in_airflow_namespace(run: ProgramRun, type_token: str) -> list:
    """The Airflow namespace's own (the database role Job's namespace has its policies apart)."""
    return [r for r in run.of_type(type_token) if plain(r.inputs["metadata"])["namespace"] == NAMESPACE]


def declared(run: ProgramRun) -> Policies:
    specs = [plain(r.inputs["spec"]) for r in in_airflow_namespace(run, POLICY)]
    return Policies(specs, [plain(r.inputs["spec"]) for r in in_airflow_namespace(run, CILIUM_POLICY)])


def first_host(cidr: str) -> Address:
    return Address(str(next(ipaddress.ip_network(cidr).hosts())))


def database_address(run: ProgramRun) -> Address:
    (subnet,) = [s for s in run.of_type("azure-native:network:Subnet") if s.inputs.get("delegations")]
    return first_host(subnet.inputs["addressPrefix"])


def blob_address(run: ProgramRun) -> Address:
    """An address of the log store: in its private endpoint's subnet, or a public one when it is public."""
    (policy,) = [plain(r.inputs["spec"]) for r in in_airflow_namespace(run, POLICY) if r.name == "log-store"]
    cidr = policy["egress"][0]["to"][0]["ipBlock"]["cidr"]
    return Address("20.60.40.4") if cidr == "0.0.0.0/0" else first_host(cidr)


def test_every_needed_flow_is_allowed(stack_run) -> None:
    p = declared(stack_run)
    everyone = [SCHEDULER, API_SERVER, TRIGGERER, DAG_PROCESSOR, TASK, MIGRATE, CREATE_USER]
    for pod in everyone:
        assert p.allow(pod, COREDNS, 53, "UDP") and p.allow(pod, COREDNS, 53), pod
    for pod in (SCHEDULER, TRIGGERER, DAG_PROCESSOR, TASK):
        assert p.allow(pod, API_SERVER, 8080), pod
    for pod in (SCHEDULER, API_SERVER, TRIGGERER, DAG_PROCESSOR, MIGRATE, CREATE_USER):
        assert p.allow(pod, database_address(stack_run), 5432), pod
    for pod in (SCHEDULER, API_SERVER, TRIGGERER, DAG_PROCESSOR, TASK):
        assert p.allow(pod, blob_address(stack_run), 443), pod
        assert p.allow(pod, Address("20.190.160.1"), 443), pod  # Microsoft Entra ID's token endpoint
    for pod in (SCHEDULER, API_SERVER):
        assert p.allow(pod, KUBERNETES_API, 443), pod
    assert p.allow(API_SERVER, TRIGGERER, 8794)


def test_unneeded_flows_are_denied(stack_run) -> None:
    p = declared(stack_run)
    assert not p.allow(TASK, database_address(stack_run), 5432)
    for pod in (TASK, TRIGGERER, DAG_PROCESSOR, MIGRATE, CREATE_USER, STATSD):
        assert not p.allow(pod, KUBERNETES_API, 443), pod
    assert not p.allow(TASK, INTERNET, 80)
    assert not p.allow(TASK, SCHEDULER, 8793)
    for target, port in ((API_SERVER, 8080), (SCHEDULER, 8793), (TRIGGERER, 8794), (STATSD, 9102), (TASK, 8793)):
        assert not p.allow(STRANGER, target, port), target
    assert not p.allow(INTERNET, API_SERVER, 8080)
    assert not p.allow(DAG_PROCESSOR, GITHUB, 22), "git-sync is off"


def test_git_sync_reaches_its_repository_from_the_pods_that_run_it() -> None:
    p = declared(private_repo_run())  # git@github.com:…, SSH
    for pod in (DAG_PROCESSOR, TRIGGERER, TASK):
        assert p.allow(pod, GITHUB, 22), pod
    for pod in (SCHEDULER, API_SERVER, MIGRATE):
        assert not p.allow(pod, GITHUB, 22), pod
    assert not p.allow(TASK, Address("10.1.2.3"), 22), "private networks stay closed"


@pytest.mark.parametrize(
    ("repo", "port"),
    [
        ("git@github.com:org/dags.git", 22),
        ("ssh://git@git.example.com:2222/org/dags.git", 2222),
        ("ssh://git@git.example.com/org/dags.git", 22),
        ("https://github.com/org/dags.git", 443),
    ],
)
def test_git_port_follows_the_url(repo: str, port: int) -> None:
    assert list(git_destination(repo).ports) == [port]


def test_release_waits_for_every_policy(stack_run) -> None:
    release = stack_run.one("kubernetes:helm.sh/v3:Release")
    policies = {r.urn for r in stack_run.resources if r.type in (POLICY, CILIUM_POLICY)}
    assert policies and policies <= stack_run.waits_for(release)
    (deny,) = [r for r in in_airflow_namespace(stack_run, POLICY) if r.name == "default-deny"]
    allows = {r.urn for r in in_airflow_namespace(stack_run, POLICY)} - {deny.urn}
    assert set(deny.dependencies) >= allows, "default deny comes after every allow"


def test_setting_off_declares_no_policy() -> None:
    run = run_program("dev", overrides=with_settings("dev", "airflow", networkPolicies=False))
    assert not [r for r in run.resources if r.type in (POLICY, CILIUM_POLICY)]


def test_statsd_default_is_the_charts() -> None:
    assert statsd_enabled({}) is chart_file("values.yaml")["statsd"]["enabled"]


def _flows(**changes: Any) -> Flows:
    public = Destination(cidrs=["0.0.0.0/0"], ports=[443], excluded=["10.0.0.0/8"])
    return Flows(
        release="airflow",
        api_server_port=8080,
        database=Destination(cidrs=["10.40.16.0/24"], ports=[5432]),
        logs=public,
        identity=public,
        kubernetes_api=public,
        git=None,
        statsd=True,
        **changes,
    )


def _evaluated(flows: Flows) -> Policies:
    return Policies(list(policy_specs(flows).values()), [])


def test_only_the_scraper_reaches_the_exporter_and_all_airflow_pods_send_to_it() -> None:
    scraper = Pod({"rsName": "ama-metrics"}, "kube-system")
    p = _evaluated(_flows(scraper=PodPeer("kube-system", {"rsName": "ama-metrics"})))
    assert p.allow(scraper, STATSD, 9102)
    assert not p.allow(scraper, STATSD, 9125, "UDP") and not p.allow(scraper, API_SERVER, 8080)
    assert not p.allow(Pod({"rsName": "ama-metrics"}, "default"), STATSD, 9102)
    for pod in (SCHEDULER, TRIGGERER, DAG_PROCESSOR, TASK, API_SERVER):
        assert p.allow(pod, STATSD, 9125, "UDP"), pod
    assert not _evaluated(_flows()).allow(scraper, STATSD, 9102), "no scraper given, none let in"


def test_ingress_controller_hook_is_off_by_default() -> None:
    controller = Pod({"app": "ingress-nginx"}, "ingress")
    assert not _evaluated(_flows()).allow(controller, API_SERVER, 8080)
    hooked = _evaluated(_flows(ingress_controller_namespace="ingress"))
    assert hooked.allow(controller, API_SERVER, 8080)
    assert not hooked.allow(controller, SCHEDULER, 8793) and not hooked.allow(controller, API_SERVER, 9090)
    assert not hooked.allow(STRANGER, API_SERVER, 8080)


def test_prods_metrics_collector_scrapes_the_exporter_and_every_airflow_pod_sends_to_it(prod_run) -> None:
    """Monitoring is on in prod: the collector in kube-system scrapes; task pods count failures (Airflow 3)."""
    p = declared(prod_run)
    collector = Pod({"rsName": "ama-metrics"}, "kube-system")
    assert p.allow(collector, STATSD, 9102)
    assert not p.allow(STRANGER, STATSD, 9102)
    for pod in (SCHEDULER, API_SERVER, TRIGGERER, DAG_PROCESSOR, TASK):
        assert p.allow(pod, STATSD, 9125, "UDP"), pod


def test_devs_policies_admit_no_scraper_without_monitoring(dev_run) -> None:
    assert not declared(dev_run).allow(Pod({"rsName": "ama-metrics"}, "kube-system"), STATSD, 9102)


def test_dag_data_sources_listed_in_task_egress_are_reached_by_task_pods_only() -> None:
    """A warehouse in a peered network: task pods may connect, on the listed port only; nothing else may."""
    warehouse = Address("10.60.4.20")
    before = declared(run_program("dev"))
    assert not before.allow(TASK, warehouse, 5432)
    egress = [{"cidrs": ["10.60.0.0/16"], "ports": [5432, 5433]}]
    p = declared(run_program("dev", overrides=with_settings("dev", "airflow", taskEgress=egress)))
    assert p.allow(TASK, warehouse, 5432) and p.allow(TASK, warehouse, 5433)
    assert not p.allow(TASK, warehouse, 22)
    assert not p.allow(TASK, Address("10.61.0.1"), 5432)
    for pod in (SCHEDULER, API_SERVER, TRIGGERER, DAG_PROCESSOR):
        assert not p.allow(pod, warehouse, 5432), pod
    # Listing the API server's addresses does not open it: Cilium's deny wins.
    api = [{"cidrs": ["0.0.0.0/0"], "ports": [443]}]
    assert not declared(run_program("dev", overrides=with_settings("dev", "airflow", taskEgress=api))).allow(
        TASK, KUBERNETES_API, 443
    )


ENTRA_ID = Address("20.190.160.1")  # login.microsoftonline.com: token endpoint, discovery document, keys


def test_sign_in_lets_only_the_api_server_reach_the_identity_provider_whatever_the_cloud_identity_needs() -> None:
    private_identity = Destination(cidrs=["10.40.32.0/24"], ports=[443])
    elsewhere = {
        "identity": private_identity,
        "logs": private_identity,
        "kubernetes_api": Destination(["20.50.2.10/32"], [443]),
    }
    without = _evaluated(replace(_flows(), **elsewhere))
    assert not without.allow(API_SERVER, ENTRA_ID, 443)
    public = Destination(cidrs=["0.0.0.0/0"], ports=[443], excluded=["10.0.0.0/8"])
    p = _evaluated(replace(_flows(), **elsewhere, sign_in=public))
    assert p.allow(API_SERVER, ENTRA_ID, 443)
    assert not p.allow(API_SERVER, ENTRA_ID, 80) and not p.allow(API_SERVER, Address("10.1.2.3"), 443)
    for pod in (SCHEDULER, TRIGGERER, DAG_PROCESSOR, TASK):
        assert not p.allow(pod, ENTRA_ID, 443), pod


def test_a_signed_in_stack_declares_the_api_servers_sign_in_flow(prod_run) -> None:
    run = signed_in()
    (policy,) = [plain(r.inputs["spec"]) for r in in_airflow_namespace(run, POLICY) if r.name == "sign-in"]
    (api_server_only,) = policy["podSelector"]["matchExpressions"]
    assert api_server_only == {"key": "component", "operator": "In", "values": ["api-server"]}
    assert policy["egress"][0]["ports"] == [{"protocol": "TCP", "port": 443}]
    assert declared(run).allow(API_SERVER, ENTRA_ID, 443)
    assert not [r for r in in_airflow_namespace(prod_run, POLICY) if r.name == "sign-in"]

"""A pull request's preview of an existing stack shows what the update really does.

azure-native previews an update of a resource with its computed outputs unknown, except those an
input of the same name gives and its name, location and ID (tools.mocks.update_preview). Whatever
the Kubernetes side consumes must not depend on those unknowns: an unknown kubeconfig makes
pulumi-kubernetes preview a replacement of its provider and of everything it manages, and an
unknown Secret or value an update of them. Each case previews an update of every resource of one
azure-native type and requires the Kubernetes side to be fully known.
"""

from __future__ import annotations

import functools

import pytest

from tests.conftest import STACKS, planned
from tests.helpers import is_unknown
from tests.test_guards import with_settings
from tools import mocks
from tools.mock_names import AZURE_NAMES
from tools.mocks import PlatformMocks
from tools.offline import ProgramRun, RecordingMonitor, run_program

CLUSTER = "azure-native:containerservice:ManagedCluster"
CREDENTIALS = "azure-native:containerservice:listManagedClusterUserCredentials"
#: Every azure-native type the mocks answer for, i.e. every one the program may declare.
AZURE_TYPES = sorted(AZURE_NAMES)


def preview_updating(stack: str, *types: str, mock: PlatformMocks | None = None) -> ProgramRun:
    monitor = RecordingMonitor(mock or PlatformMocks(location="westeurope", updating=frozenset(types)))
    return run_program(stack, preview=True, monitor=monitor)


def unsettled_kubernetes_inputs(run: ProgramRun) -> list[str]:
    """What pulumi-kubernetes would not know in this preview: provider, namespaces, Secrets, release,
    and the other objects the program puts in the cluster."""
    watched = {
        "pulumi:providers:kubernetes": ("kubeconfig",),
        "kubernetes:core/v1:Namespace": ("metadata",),
        "kubernetes:core/v1:Secret": ("metadata", "data", "stringData"),
        "kubernetes:helm.sh/v3:Release": ("name", "namespace", "chart", "version", "values"),
        # What issue 9 added in the cluster: an unknown here would preview a spurious replacement
        # (the role Job is named after its spec) or an update of a policy or Role.
        "kubernetes:batch/v1:Job": ("metadata", "spec"),
        "kubernetes:core/v1:ConfigMap": ("metadata", "data"),
        "kubernetes:networking.k8s.io/v1:NetworkPolicy": ("metadata", "spec"),
        "kubernetes:cilium.io/v2:CiliumNetworkPolicy": ("metadata", "spec"),
        "kubernetes:rbac.authorization.k8s.io/v1:Role": ("metadata", "rules"),
        "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": ("metadata", "subjects", "roleRef"),
        # Issue 10's front door: the DNS-01 solver's identity and the proxy's address by name.
        "kubernetes:cert-manager.io/v1:ClusterIssuer": ("metadata", "spec"),
        "kubernetes:cert-manager.io/v1:Certificate": ("metadata", "spec"),
        "kubernetes:gateway.envoyproxy.io/v1alpha1:EnvoyProxy": ("metadata", "spec"),
        "kubernetes:gateway.networking.k8s.io/v1:GatewayClass": ("metadata", "spec"),
        "kubernetes:gateway.networking.k8s.io/v1:Gateway": ("metadata", "spec"),
        "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute": ("metadata", "spec"),
    }
    found = [
        f"{r.type} {r.name}: {key}"
        for r in run.resources
        for key in watched.get(r.type, ())
        if is_unknown(r.inputs.get(key))
    ]
    assert any(r.type == "kubernetes:helm.sh/v3:Release" for r in run.resources), "the release was not declared"
    return found


def test_every_azure_type_the_program_declares_is_previewed(stack_run):
    declared = {r.type for r in stack_run.resources if r.type.startswith("azure-native:")}
    assert declared <= set(AZURE_TYPES)


@pytest.mark.parametrize("type_token", AZURE_TYPES)
@pytest.mark.parametrize("stack", STACKS)
def test_an_update_of_any_azure_resource_leaves_the_kubernetes_side_known(stack, type_token):
    if type_token not in {r.type for r in planned(stack).resources}:
        pytest.skip(f"{stack} declares no {type_token}")
    assert unsettled_kubernetes_inputs(preview_updating(stack, type_token)) == []


def test_the_update_preview_mock_really_leaves_computed_outputs_unknown():
    """The cases above can fail: the cluster's own computed outputs are unknown in its update preview."""
    state = preview_updating("dev", CLUSTER).one(CLUSTER).state
    assert is_unknown(state["fqdn"]) and is_unknown(state["oidcIssuerProfile"]["issuerURL"])
    assert is_unknown(state["identity"]["principalId"]) and is_unknown(state["identityProfile"])
    assert state["oidcIssuerProfile"]["enabled"] is True  # given by the input of the same name
    assert not is_unknown(state["name"]) and not is_unknown(state["id"])


@pytest.mark.parametrize("stack", STACKS)
def test_a_cluster_update_previews_no_new_grant_and_no_new_federated_credential(stack):
    """The cluster's identities and issuer are read live, so the role assignments (whose principal
    is fixed at creation) and the federated credentials keep their inputs in the preview."""
    before, run = planned(stack), preview_updating(stack, CLUSTER, "azure-native:containerservice:AgentPool")
    for type_token, key in (
        ("azure-native:authorization:RoleAssignment", "principalId"),
        ("azure-native:managedidentity:FederatedIdentityCredential", "issuer"),
    ):
        previewed = {r.urn: r.inputs[key] for r in run.of_type(type_token)}
        assert previewed == {r.urn: r.inputs[key] for r in before.of_type(type_token)}


def test_the_kubeconfig_does_not_rest_on_the_cluster_name_output(monkeypatch):
    """Even were azure-native's preview to drop the old name, the credentials call keys on the
    names the program chose (released by the cluster's id), so the kubeconfig stays known."""
    monkeypatch.setattr(mocks, "UPDATE_PREVIEW_STABLE", ("id", "location"))
    run = preview_updating("dev", CLUSTER, "azure-native:containerservice:AgentPool")
    assert is_unknown(run.one(CLUSTER).state["name"])
    assert unsettled_kubernetes_inputs(run) == []


class NewClusterMocks(PlatformMocks):
    """A new stack's preview: the cluster does not exist yet, so its id is unknown."""

    def __init__(self) -> None:
        super().__init__(location="westeurope")
        self.calls: list[str] = []

    def new_resource(self, args):
        resource_id, state = super().new_resource(args)
        # The engine answers a create in preview with an empty id: not known yet.
        return ("" if args.typ == CLUSTER else resource_id), state

    def call(self, args):
        self.calls.append(args.token)
        return super().call(args)


def test_a_new_stacks_preview_does_not_ask_a_cluster_that_does_not_exist_for_credentials():
    mock = NewClusterMocks()
    run = preview_updating("dev", mock=mock)
    assert CREDENTIALS not in mock.calls
    assert is_unknown(run.one("pulumi:providers:kubernetes").inputs["kubeconfig"])


def test_an_update_of_the_alerts_action_group_leaves_the_kubernetes_side_known():
    """No committed stack names an alert address, so no stack above declares the action group."""
    action_group = "azure-native:monitor:ActionGroup"
    monitor = RecordingMonitor(PlatformMocks(location="westeurope", updating=frozenset({action_group})))
    overrides = with_settings("prod", "monitoring", alertEmail="oncall@contoso.com")
    run = run_program("prod", overrides=overrides, preview=True, monitor=monitor)
    assert run.of_type(action_group), "the action group was not declared"
    assert unsettled_kubernetes_inputs(run) == []


#: A stack with the front door, its DNS zone and Entra ID sign-in: no committed stack names a host.
FRONT_DOOR_UI = {
    "hostname": "airflow.contoso.com",
    "dnsZone": f"/subscriptions/{mocks.SUBSCRIPTION_ID}/resourceGroups/rg-dns/providers/"
    "Microsoft.Network/dnszones/contoso.com",
    "signIn": {"groupRoles": {"3f2504e0-4f89-41d3-9a0c-0305e82c3301": "Admin"}, "secretEndDate": "2027-06-30"},
}


def _front_door_overrides() -> dict:
    return with_settings("prod", "airflow", ui=FRONT_DOOR_UI)


@functools.cache
def _front_door_types() -> frozenset[str]:
    return frozenset(r.type for r in run_program("prod", overrides=_front_door_overrides()).resources)


def test_the_front_door_stack_declares_what_the_preview_watches():
    declared = _front_door_types()
    watched = {"kubernetes:cert-manager.io/v1:ClusterIssuer", "kubernetes:gateway.networking.k8s.io/v1:Gateway"}
    assert watched <= declared
    assert {"azure-native:network:PublicIPAddress", "azure-native:dns:RecordSet"} <= declared


@pytest.mark.parametrize("type_token", AZURE_TYPES)
def test_with_a_front_door_and_sign_in_an_azure_update_leaves_the_kubernetes_side_known(type_token):
    overrides = _front_door_overrides()
    if type_token not in _front_door_types():
        pytest.skip(f"the front door stack declares no {type_token}")
    monitor = RecordingMonitor(PlatformMocks(location="westeurope", updating=frozenset({type_token})))
    run = run_program("prod", overrides=overrides, preview=True, monitor=monitor)
    assert run.of_type("azuread:index/application:Application"), "sign-in was not declared"
    assert unsettled_kubernetes_inputs(run) == []

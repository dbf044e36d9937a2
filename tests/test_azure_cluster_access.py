"""Cluster access: Entra ID sign-in with Azure RBAC, no static credential, a restricted API server,
the deployer's admin grant before the cluster, and a read-only namespace role for previews."""

from __future__ import annotations

import base64

import pytest
import yaml

from components.azure.access import deployer_type
from components.azure.kubeconfig import STATIC_CREDENTIALS, unattended
from components.config import ClusterAccessSettings, ConfigurationError, access_warnings, settings_from_config
from components.guards import refused_changes
from tests.conftest import planned
from tests.helpers import plain
from tests.test_guards import GUARD, with_settings
from tests.test_transitions import assert_acceptable, run_with
from tools.mock_values import kubeconfig
from tools.mocks import CLIENT_OBJECT_ID, TENANT_ID
from tools.offline import ProgramRun, run_program, stack_config
from tools.transitions import REFUSED, UPDATE, plan_update

CLUSTER = "azure-native:containerservice:ManagedCluster"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
AKS_RBAC_CLUSTER_ADMIN = "b1ff04bb-8a4e-4dc4-8eb5-8693c0ce7f2b"
PREVIEW_GROUP = "5c1f0a7e-2b4d-4e8f-9a6b-3d2c1e0f9a8b"


def cluster_guard(run: ProgramRun):
    (found,) = [g for g in run.of_type(GUARD) if run.by_urn(g.parent).type == "airflow-platform:azure:Cluster"]
    return found


def test_entra_id_with_azure_rbac_and_no_local_accounts(stack_run):
    inputs = stack_run.one(CLUSTER).inputs
    assert inputs["aadProfile"] == {"managed": True, "enableAzureRBAC": True, "tenantID": TENANT_ID}
    assert inputs["disableLocalAccounts"] is True


def test_kubeconfig_signs_in_through_entra_id_without_a_static_credential(stack_run):
    document = yaml.safe_load(stack_run.outputs["kubeconfig"].value)
    (user,) = document["users"]
    assert [key for key in STATIC_CREDENTIALS if key in user["user"]] == []
    exec_spec = user["user"]["exec"]
    assert exec_spec["command"] == "kubelogin"
    args = exec_spec["args"]
    # Non-interactive: the Azure CLI session of `az login` or of the workflow's azure/login.
    assert args[args.index("--login") + 1] == "azurecli" and args.count("--login") == 1
    assert args[args.index("--tenant-id") + 1] == TENANT_ID
    fqdn = stack_run.one(CLUSTER).state["fqdn"]
    assert document["clusters"][0]["cluster"]["server"] == f"https://{fqdn}:443"
    # Nothing in it grants access, so it is an ordinary output, and the provider uses the same.
    assert not stack_run.outputs["kubeconfig"].secret
    provider = stack_run.one("pulumi:providers:kubernetes")
    assert yaml.safe_load(provider.inputs["kubeconfig"]) == document


def test_a_kubeconfig_with_a_static_credential_is_refused():
    """What AKS returns for a cluster without Entra ID (client certificate and token) never reaches state."""
    static = base64.b64encode(kubeconfig("aks", "aks.hcp.westeurope.azmk8s.io").encode()).decode()
    with pytest.raises(ValueError, match="static credential"):
        unattended(static)


def test_local_accounts_are_refused_by_aks_without_entra_id():
    """The mock answers as ARM does: local accounts can be disabled only on an Entra ID cluster."""
    from tools.mocks import PlatformMocks

    mocks = PlatformMocks()
    with pytest.raises(ValueError, match="AAD-enabled"):
        mocks._cluster_outputs("aks", {"disableLocalAccounts": True, "dnsPrefix": "aks"})


def test_deployer_is_cluster_admin_on_the_resource_group_before_the_cluster_exists(stack_run):
    (grant,) = [
        r for r in stack_run.of_type(ROLE_ASSIGNMENT) if r.inputs["roleDefinitionId"].endswith(AKS_RBAC_CLUSTER_ADMIN)
    ]
    group = stack_run.one("azure-native:resources:ResourceGroup")
    assert grant.inputs["scope"] == group.state["id"]
    assert grant.inputs["principalId"] == CLIENT_OBJECT_ID
    # The mocks' deployer signed in with its own application id: a workflow's service principal.
    assert grant.inputs["principalType"] == "ServicePrincipal"
    # Its only dependency is the resource group, so it propagates while the cluster is created.
    cluster = stack_run.one(CLUSTER)
    assert cluster.urn not in grant.dependencies
    for namespace in stack_run.of_type("kubernetes:core/v1:Namespace"):
        assert grant.urn in namespace.dependencies, namespace.name


@pytest.mark.parametrize(
    ("client_id", "setting", "kind"),
    [
        ("04b07795-8ddb-461a-bbee-02f9e1bf7b46", None, "User"),  # signed in with `az login`
        ("1950a258-227b-4e31-a9cf-717495945fc2", None, "User"),  # Azure PowerShell
        ("3f1e2d4c-5b6a-4789-8a0b-1c2d3e4f5a6b", None, "ServicePrincipal"),  # a deploy app's own id
        ("04b07795-8ddb-461a-bbee-02f9e1bf7b46", "ServicePrincipal", "ServicePrincipal"),
    ],
)
def test_the_deployers_kind_follows_how_it_signed_in(client_id, setting, kind):
    """The provider would send principalType User for anyone, which ARM refuses for a service principal."""
    access = ClusterAccessSettings(deployer_type=setting)
    assert deployer_type(access, client_id) == kind


def test_a_pinned_deployer_is_the_one_granted():
    deployer = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
    access = {"deployerObjectId": deployer, "deployerType": "User"}
    run = run_program("dev", overrides=with_settings("dev", "cluster", access=access))
    (grant,) = [
        r for r in run.of_type(ROLE_ASSIGNMENT) if r.inputs["roleDefinitionId"].endswith(AKS_RBAC_CLUSTER_ADMIN)
    ]
    assert grant.inputs["principalId"] == deployer
    assert grant.inputs["principalType"] == "User"


def test_prod_restricts_the_api_server_and_the_plan_warns_of_the_example_range(dev_run, prod_run):
    prod = prod_run.one(CLUSTER).inputs["apiServerAccessProfile"]
    assert prod == {"authorizedIPRanges": ["203.0.113.0/24"], "enablePrivateCluster": False}
    assert dev_run.one(CLUSTER).inputs["apiServerAccessProfile"] == {"enablePrivateCluster": False}
    settings = settings_from_config("airflow-platform", "prod", *stack_config("prod"))
    (warning,) = access_warnings(settings)
    assert "airflow-platform:cluster.access.authorizedIpRanges lists 203.0.113.0/24" in warning
    dev = settings_from_config("airflow-platform", "dev", *stack_config("dev"))
    assert access_warnings(dev) == []


@pytest.mark.parametrize(
    ("access", "protect", "setting", "message"),
    [
        ({}, True, "cluster.access.authorizedIpRanges", "is required when protectData is true"),
        ({"private": True, "authorizedIpRanges": ["20.1.2.0/24"]}, False, "authorizedIpRanges", "must be empty"),
        ({"authorizedIpRanges": ["10.1.0.0/16"]}, False, "authorizedIpRanges", "must be a public range"),
        ({"authorizedIpRanges": ["20.1.2.3/33"]}, False, "authorizedIpRanges", ""),
        ({"previewGroupObjectId": "airflow-previewers"}, False, "previewGroupObjectId", "Entra ID object id"),
        ({"adminGroupObjectIds": [PREVIEW_GROUP, PREVIEW_GROUP]}, False, "adminGroupObjectIds", "twice"),
    ],
)
def test_bad_access_settings_are_refused_naming_the_setting(access, protect, setting, message):
    overrides = {
        **with_settings("dev", "cluster", access=access),
        **with_settings("dev", "pause", schedule={"enabled": not protect}),
        "airflow-platform:protectData": protect,
    }
    with pytest.raises(ConfigurationError) as refused:
        run_program("dev", overrides=overrides)
    assert setting in str(refused.value) and message in str(refused.value)


def test_a_private_api_server_is_enough_for_protected_data_and_reached_in_the_node_subnet():
    overrides = {
        **with_settings("dev", "cluster", access={"private": True}),
        **with_settings("dev", "pause", schedule={"enabled": False}),
        "airflow-platform:protectData": True,
    }
    run = run_program("dev", overrides=overrides)
    assert run.one(CLUSTER).inputs["apiServerAccessProfile"]["enablePrivateCluster"] is True


def test_turning_private_on_or_off_stops_the_preview():
    """AKS makes a cluster private only when it creates it: the guard refuses the change."""
    before = planned("dev")
    after = run_with("dev", {"cluster.access": {"private": True}})
    (refusal,) = refused_changes(cluster_guard(before).inputs, cluster_guard(after).inputs)
    assert "airflow-platform:cluster.access.private" in refusal
    assert plan_update(before, after).refused


@pytest.mark.parametrize(
    "access",
    [
        {"authorizedIpRanges": ["198.51.100.0/24", "20.30.40.0/28"]},
        {"authorizedIpRanges": []},
        {"localAccounts": True, "authorizedIpRanges": ["203.0.113.0/24"]},
        {"adminGroupObjectIds": [PREVIEW_GROUP], "authorizedIpRanges": ["203.0.113.0/24"]},
    ],
    ids=["ranges", "open-unprotected", "local-accounts", "admin-group"],
)
def test_access_changes_update_the_cluster_in_place(access):
    stack = "prod"
    changes = {"cluster.access": access}
    if access.get("authorizedIpRanges") == []:
        changes["protectData"] = False
    plan = plan_update(planned(stack), run_with(stack, changes))
    assert_acceptable(plan)
    assert not plan.refused
    steps = {(s.resource.type, s.action) for s in plan.steps if s.changes}
    assert (CLUSTER, UPDATE) in steps
    assert all(action != REFUSED for _, action in steps)


def test_the_preview_group_reads_the_airflow_namespace_and_nothing_else():
    run = run_program("dev", overrides=with_settings("dev", "cluster", access={"previewGroupObjectId": PREVIEW_GROUP}))
    roles = run.of_type("kubernetes:rbac.authorization.k8s.io/v1:Role")
    bindings = run.of_type("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding")
    # The stack's two namespaces: Airflow's and the database role Job's, whose objects `--refresh` reads.
    namespaces = {n.inputs["metadata"]["name"] for n in run.of_type("kubernetes:core/v1:Namespace")}
    assert {plain(r.inputs["metadata"])["namespace"] for r in roles} == namespaces
    assert {plain(b.inputs["metadata"])["namespace"] for b in bindings} == namespaces
    for role in roles:
        assert {verb for rule in role.inputs["rules"] for verb in rule["verbs"]} == {"get", "list", "watch"}
    for binding in bindings:
        assert binding.inputs["subjects"] == [
            {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": PREVIEW_GROUP}
        ]
        assert binding.inputs["roleRef"] == {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "Role",
            "name": roles[0].inputs["metadata"]["name"],
        }
    assert run.of_type("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding") == []


def test_no_preview_role_without_a_preview_group(stack_run):
    assert stack_run.of_type("kubernetes:rbac.authorization.k8s.io/v1:Role") == []


def test_the_preview_group_gets_only_the_metrics_settings_in_kube_system():
    """prod writes ama-metrics' settings ConfigMap in kube-system; a refresh reads it back, by name."""
    access = {"previewGroupObjectId": PREVIEW_GROUP, "authorizedIpRanges": ["203.0.113.0/24"]}
    run = run_program("prod", overrides=with_settings("prod", "cluster", access=access))
    (role,) = [
        r
        for r in run.of_type("kubernetes:rbac.authorization.k8s.io/v1:Role")
        if plain(r.inputs["metadata"])["namespace"] == "kube-system"
    ]
    configmap = next(c for c in run.of_type("kubernetes:core/v1:ConfigMap") if c.name == "metrics-settings")
    (rule,) = role.inputs["rules"]
    assert rule == {
        "apiGroups": [""],
        "resources": ["configmaps"],
        "resourceNames": [configmap.inputs["metadata"]["name"]],
        "verbs": ["get"],
    }

"""Cluster: on-demand System pool for Airflow's control plane, tainted spot pool for task pods."""

import yaml

from components.azure.cluster import control_plane_placement, task_placement
from tests.helpers import component_of, is_secret, parse_taint, plain, tolerates
from tools.offline import run_program

CLUSTER = "azure-native:containerservice:ManagedCluster"
POOL = "azure-native:containerservice:AgentPool"
SPOT_TAINT = "kubernetes.azure.com/scalesetpriority=spot:NoSchedule"


def system_pool(run):
    (profile,) = run.one(CLUSTER).inputs["agentPoolProfiles"]
    return profile


def test_cluster_has_managed_identity_oidc_workload_identity_and_network_policy(stack_run):
    aks = stack_run.one(CLUSTER).inputs
    assert aks["identity"]["type"] == "SystemAssigned"
    assert aks["oidcIssuerProfile"]["enabled"] is True
    assert aks["securityProfile"]["workloadIdentity"]["enabled"] is True
    assert aks["networkProfile"]["networkPolicy"] in {"azure", "calico", "cilium"}
    assert aks["enableRBAC"] is True


def test_control_plane_pool_is_the_on_demand_system_pool(stack_run):
    pool = system_pool(stack_run)
    assert pool["mode"] == "System"
    assert pool["scaleSetPriority"] == "Regular"
    assert pool["enableAutoScaling"] is True
    assert 1 <= pool["minCount"] <= pool["maxCount"]
    assert pool["nodeLabels"] == dict(control_plane_placement().node_selector)
    assert not pool.get("nodeTaints")


def test_prod_spreads_the_control_plane_across_zones_and_pays_for_the_sla(prod_run, dev_run):
    prod = system_pool(prod_run)
    assert sorted(prod["availabilityZones"]) == ["1", "2", "3"]
    assert prod["minCount"] >= 2
    assert prod_run.one(CLUSTER).inputs["sku"]["tier"] == "Standard"
    assert "availabilityZones" not in system_pool(dev_run)
    assert dev_run.one(CLUSTER).inputs["sku"]["tier"] == "Free"


def test_task_pool_is_a_separate_spot_user_pool_that_scales_to_zero(stack_run):
    pool = stack_run.one(POOL)
    assert component_of(stack_run, pool) == "airflow-platform:azure:Cluster"
    inputs = pool.inputs
    assert inputs["resourceName"] == stack_run.one(CLUSTER).state["name"]
    assert inputs["mode"] == "User"
    assert inputs["scaleSetPriority"] == "Spot"
    assert inputs["scaleSetEvictionPolicy"] == "Delete"
    assert inputs["spotMaxPrice"] == -1
    assert inputs["enableAutoScaling"] is True
    assert inputs["minCount"] == 0 < inputs["maxCount"]
    assert inputs["nodeLabels"] == dict(task_placement(spot=True).node_selector)
    # The autoscaler owns the node count; an update must not reset it.
    assert "count" in pool.ignore_changes


def test_task_pool_taints_keep_everything_but_task_pods_off(stack_run):
    taints = [parse_taint(t) for t in stack_run.one(POOL).inputs["nodeTaints"]]
    assert SPOT_TAINT in stack_run.one(POOL).inputs["nodeTaints"]
    assert any(t["key"] == "airflow-platform/dedicated" for t in taints)
    handed_out = task_placement(spot=True).toleration_dicts()
    assert all(tolerates(handed_out, t) for t in taints)
    # Control-plane pods tolerate none of them, so they can never land on spot nodes.
    assert not any(tolerates(control_plane_placement().toleration_dicts(), t) for t in taints)


def test_on_demand_task_pool_when_spot_is_off():
    run = run_program("dev", overrides={"airflow-platform:cluster": {"taskPool": {"spot": False, "maxCount": 4}}})
    inputs = run.one(POOL).inputs
    assert inputs["scaleSetPriority"] == "Regular"
    assert "spotMaxPrice" not in inputs and "scaleSetEvictionPolicy" not in inputs
    assert [parse_taint(t)["key"] for t in inputs["nodeTaints"]] == ["airflow-platform/dedicated"]
    assert [t["key"] for t in task_placement(spot=False).toleration_dicts()] == ["airflow-platform/dedicated"]


def test_kubernetes_provider_uses_the_cluster_credentials_as_a_secret(stack_run):
    provider = stack_run.one("pulumi:providers:kubernetes")
    assert is_secret(provider.inputs["kubeconfig"])
    kubeconfig = yaml.safe_load(plain(provider.inputs["kubeconfig"]))
    (cluster,) = kubeconfig["clusters"]
    assert cluster["cluster"]["server"] == f"https://{stack_run.one(CLUSTER).state['fqdn']}:443"
    assert stack_run.outputs["kubeconfig"].secret


def test_cluster_identity_may_use_the_subnet_it_was_brought_into(stack_run):
    network_contributor = "4d97b98b-1d4f-4787-a291-c67834d212e7"
    (grant,) = [
        r
        for r in stack_run.of_type("azure-native:authorization:RoleAssignment")
        if r.inputs["roleDefinitionId"].endswith(network_contributor)
    ]
    nodes = next(s for s in stack_run.of_type("azure-native:network:Subnet") if s.name == "nodes")
    assert grant.inputs["scope"] == nodes.state["id"]
    assert grant.inputs["principalId"] == stack_run.one(CLUSTER).state["identity"]["principalId"]
    assert grant.inputs["principalType"] == "ServicePrincipal"
    # New task nodes join that subnet: the pool waits for the permission.
    assert grant.urn in stack_run.one(POOL).dependencies

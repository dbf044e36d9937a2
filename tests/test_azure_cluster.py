"""Cluster: a fixed bootstrap System pool inline, Airflow's control-plane and task pools as AgentPools
named by what AKS fixes at their creation, so every pool setting works on an existing stack."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from components.azure.pools import control_plane_placement, task_placement
from components.config import CLUSTER_POD_CIDR
from components.naming import AKS_POOLS, POOL_NAME_PATTERN
from tests.conftest import planned
from tests.helpers import component_of, is_secret, named, parse_taint, plain, tolerates
from tools.mocks import PlatformMocks
from tools.offline import RecordingMonitor, run_program, stack_config

CLUSTER = "azure-native:containerservice:ManagedCluster"
POOL = "azure-native:containerservice:AgentPool"
SPOT_TAINT = "kubernetes.azure.com/scalesetpriority=spot:NoSchedule"
CREATE_ONLY = yaml.safe_load((Path(__file__).parent.parent / "data" / "create-only.yaml").read_text())


def control_plane_pool(run):
    return named(run, POOL, "control-plane-pool")


def task_pool(run):
    return named(run, POOL, "task-pool")


def bootstrap(run):
    (profile,) = run.one(CLUSTER).inputs["agentPoolProfiles"]
    return profile


def with_cluster(stack: str, **pools) -> dict:
    """Overrides that change the stack file's pool settings, the rest of the cluster kept."""
    config, _ = stack_config(stack)
    cluster = yaml.safe_load(config.get("airflow-platform:cluster", "{}"))
    for pool, changes in pools.items():
        cluster[pool] = {**cluster.get(pool, {}), **changes}
    return {"airflow-platform:cluster": cluster}


def inputs_by_urn(run) -> dict:
    return {r.urn: r.inputs for r in run.resources}


def changed(stack: str, **pools):
    return run_program(stack, overrides=with_cluster(stack, **pools))


def test_cluster_has_managed_identity_oidc_workload_identity_and_network_policy(stack_run):
    aks = stack_run.one(CLUSTER).inputs
    assert aks["identity"]["type"] == "SystemAssigned"
    assert aks["oidcIssuerProfile"]["enabled"] is True
    assert aks["securityProfile"]["workloadIdentity"]["enabled"] is True
    assert aks["networkProfile"]["networkPolicy"] in {"azure", "calico", "cilium"}
    assert aks["networkProfile"]["podCidr"] == CLUSTER_POD_CIDR
    assert aks["enableRBAC"] is True


# -- the bootstrap pool ------------------------------------------------------------------------


def test_the_inline_pool_is_a_fixed_tainted_system_pool_for_aks_add_ons(stack_run):
    pool = bootstrap(stack_run)
    assert pool["mode"] == "System" and pool["osType"] == "Linux" and pool["scaleSetPriority"] == "Regular"
    assert pool["name"] == "system" and re.fullmatch(POOL_NAME_PATTERN, pool["name"])
    assert pool["nodeTaints"] == [AKS_POOLS["critical_addons_only"]["taint"]]
    assert 1 <= AKS_POOLS["system_pool"]["min_nodes"] <= pool["minCount"] <= pool["maxCount"]
    # A pinned version would make AKS refuse the cluster's later updates (data/aks-pools.yaml).
    assert "orchestratorVersion" not in pool
    # No Airflow pod selects it: it carries no pool label.
    assert not pool.get("nodeLabels")


def test_the_inline_pool_is_the_same_whatever_the_pool_settings():
    """ARM never changes it through the cluster, so no setting may pretend to."""
    base = bootstrap(planned("prod"))
    other = changed(
        "prod",
        controlPlanePool={"vmSize": "Standard_D8ds_v5", "minCount": 2, "maxCount": 9, "zones": ["1", "2"]},
        taskPool={"vmSize": "Standard_D16ds_v5", "spot": False},
    )
    assert bootstrap(other) == base


def test_the_cluster_ignores_its_pool_list(stack_run):
    assert "agentPoolProfiles" in stack_run.one(CLUSTER).ignore_changes


class RefreshedMocks(PlatformMocks):
    """The cluster as `pulumi refresh` reads it: ARM's GET lists every pool, autoscaled, versioned."""

    def _cluster_outputs(self, name: str, state: dict) -> None:
        super()._cluster_outputs(name, state)
        pools = [dict(p) for p in state.get("agentPoolProfiles") or ()]
        pools += [
            {"name": "cp1a2b3c", "mode": "System", "vmSize": "Standard_D4ds_v5", "count": 3},
            {"name": "tasks9f8e7d", "mode": "User", "vmSize": "Standard_D8ds_v5", "count": 17},
        ]
        for p in pools:
            p.update(count=p.get("count", 2), currentOrchestratorVersion="1.34.2", provisioningState="Succeeded")
        state["agentPoolProfiles"] = pools


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_refresh_then_preview_shows_no_diff(stack):
    """After a refresh the cluster's state lists every pool: the ignored list is the only
    difference, and nothing else the program declares is derived from it."""
    refreshed = run_program(stack, monitor=RecordingMonitor(PlatformMocks(location="westeurope")))
    after = run_program(stack, monitor=RecordingMonitor(RefreshedMocks(location="westeurope")))
    aks = after.one(CLUSTER)
    old_inputs = {**aks.inputs, "agentPoolProfiles": aks.state["agentPoolProfiles"]}  # what refresh stores
    new_inputs = {k: (old_inputs[k] if k in aks.ignore_changes else v) for k, v in aks.inputs.items()}
    assert new_inputs == old_inputs
    assert inputs_by_urn(after) == inputs_by_urn(refreshed)


# -- the control-plane pool --------------------------------------------------------------------


def test_control_plane_pool_is_an_on_demand_system_agent_pool(prod_run):
    stack_run = prod_run
    pool = control_plane_pool(stack_run)
    inputs = pool.inputs
    assert component_of(stack_run, pool) == "airflow-platform:azure:Cluster"
    assert inputs["resourceName"] == stack_run.one(CLUSTER).state["name"]
    assert inputs["mode"] == "System" and inputs["scaleSetPriority"] == "Regular"
    assert inputs["enableAutoScaling"] is True and 1 <= inputs["minCount"] <= inputs["maxCount"]
    assert inputs["nodeLabels"] == dict(control_plane_placement(inputs["agentPoolName"]).node_selector)
    assert not inputs.get("nodeTaints")
    assert inputs["orchestratorVersion"] == stack_run.one(CLUSTER).inputs["kubernetesVersion"]
    assert re.fullmatch(r"cp[0-9a-f]{6}", inputs["agentPoolName"])
    assert stack_run.outputs["controlPlanePoolName"].value == inputs["agentPoolName"]


def test_prod_spreads_the_control_plane_across_zones_and_pays_for_the_sla(prod_run, dev_run):
    prod = control_plane_pool(prod_run).inputs
    assert sorted(prod["availabilityZones"]) == ["1", "2", "3"] and prod["minCount"] >= 2
    assert prod_run.one(CLUSTER).inputs["sku"]["tier"] == "Standard"
    assert dev_run.one(CLUSTER).inputs["sku"]["tier"] == "Free"


@pytest.mark.parametrize(
    "change",
    [{"vmSize": "Standard_D8ds_v5"}, {"zones": ["1", "2"]}, {"zones": []}],
    ids=["vm-size", "fewer-zones", "no-zones"],
)
def test_a_fixed_control_plane_setting_gives_a_new_pool_under_a_new_name(change):
    before, after = control_plane_pool(planned("prod")), control_plane_pool(changed("prod", controlPlanePool=change))
    assert after.inputs["agentPoolName"] != before.inputs["agentPoolName"]
    # Same logical resource, a new ARM name: Pulumi replaces it creating the new pool first.
    assert after.urn == before.urn and not after.delete_before_replace
    assert after.inputs["mode"] == "System"
    assert after.inputs["nodeLabels"] == before.inputs["nodeLabels"]


def test_control_plane_bounds_change_in_place():
    before = control_plane_pool(planned("prod")).inputs
    after = control_plane_pool(changed("prod", controlPlanePool={"minCount": 4, "maxCount": 12})).inputs
    assert after["agentPoolName"] == before["agentPoolName"]
    assert (after["minCount"], after["maxCount"]) == (4, 12)


# -- the task pool -----------------------------------------------------------------------------


def test_task_pool_is_a_separate_spot_user_pool_that_scales_to_zero(stack_run):
    pool = task_pool(stack_run)
    inputs = pool.inputs
    assert inputs["resourceName"] == stack_run.one(CLUSTER).state["name"]
    assert inputs["mode"] == "User"
    assert inputs["scaleSetPriority"] == "Spot" and inputs["scaleSetEvictionPolicy"] == "Delete"
    assert inputs["spotMaxPrice"] == -1
    assert inputs["enableAutoScaling"] is True and inputs["minCount"] == 0 < inputs["maxCount"]
    assert inputs["nodeLabels"] == dict(task_placement(inputs["agentPoolName"], spot=True).node_selector)
    assert re.fullmatch(r"tasks[0-9a-f]{6}", inputs["agentPoolName"])
    assert stack_run.outputs["taskPoolName"].value == inputs["agentPoolName"]


def test_task_pool_taints_keep_everything_but_task_pods_off(stack_run):
    inputs = task_pool(stack_run).inputs
    taints = [parse_taint(t) for t in inputs["nodeTaints"]]
    assert SPOT_TAINT in inputs["nodeTaints"]
    assert any(t["key"] == "airflow-platform/dedicated" for t in taints)
    assert all(tolerates(task_placement(inputs["agentPoolName"], spot=True).toleration_dicts(), t) for t in taints)
    # Control-plane pods tolerate none of them, so they can never land on spot nodes.
    assert not any(tolerates(control_plane_placement("cp").toleration_dicts(), t) for t in taints)


def test_on_demand_task_pool_when_spot_is_off():
    inputs = task_pool(changed("dev", taskPool={"spot": False, "maxCount": 4})).inputs
    assert inputs["scaleSetPriority"] == "Regular"
    assert "spotMaxPrice" not in inputs and "scaleSetEvictionPolicy" not in inputs
    assert [parse_taint(t)["key"] for t in inputs["nodeTaints"]] == ["airflow-platform/dedicated"]


@pytest.mark.parametrize(
    "change",
    [{"vmSize": "Standard_D16ds_v5"}, {"spot": False}, {"spotMaxPrice": 0.25}],
    ids=["vm-size", "spot-off", "max-price"],
)
def test_a_fixed_task_pool_setting_gives_a_new_pool_under_a_new_name(change):
    before, after = task_pool(planned("prod")), task_pool(changed("prod", taskPool=change))
    assert after.inputs["agentPoolName"] != before.inputs["agentPoolName"]
    assert after.urn == before.urn and not after.delete_before_replace
    assert after.inputs["nodeLabels"] == before.inputs["nodeLabels"]


def test_task_pool_bounds_change_in_place():
    before = task_pool(planned("prod")).inputs
    after = task_pool(changed("prod", taskPool={"minCount": 2, "maxCount": 50})).inputs
    assert after["agentPoolName"] == before["agentPoolName"]


# -- both pools --------------------------------------------------------------------------------


def test_every_fixed_setting_a_pool_sets_is_named_in_its_replacement_reason(stack_run):
    """Azure's create-only inputs (data/create-only.yaml) of each pool: the preview names them as
    the reason for the replacement. The subnet is fixed too, but an Output: it cannot name a pool;
    the OS disk follows the VM size (which names the pool) and is kept as the pool was created."""
    rows = CREATE_ONLY["types"][POOL]
    for pool in stack_run.of_type(POOL):
        fixed = {
            key
            for key in pool.inputs
            if rows.get(key, {}).get("update") == "create-only" and not rows[key].get("arm_id")
        }
        assert {"osDiskType", "osDiskSizeGB"} <= set(pool.ignore_changes), pool.name
        assert fixed - {"vnetSubnetID", "osDiskType", "osDiskSizeGB"} <= set(pool.replace_on_changes), pool.name
        assert set(pool.replace_on_changes) <= set(pool.inputs), pool.name
        # The autoscaler owns the node count; an update must not reset it.
        assert "count" in pool.ignore_changes


def test_pools_wait_for_the_cluster_and_its_subnet_grant(stack_run):
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
    for pool in stack_run.of_type(POOL):
        # New nodes join that subnet; upgrades reach the pools after the control plane.
        assert {grant.urn, stack_run.one(CLUSTER).urn} <= set(pool.dependencies)
        assert pool.inputs["vnetSubnetID"] == nodes.state["id"]


def test_the_release_waits_for_the_control_plane_pool_its_pods_select(stack_run):
    """Its own pool where it has one, else the System pool, created with the cluster."""
    release = stack_run.one("kubernetes:helm.sh/v3:Release")
    dedicated = [p for p in stack_run.of_type(POOL) if p.name == "control-plane-pool"]
    creates_it = dedicated[0] if dedicated else stack_run.one(CLUSTER)
    assert creates_it.urn in stack_run.waits_for(release)
    assert task_pool(stack_run).urn not in stack_run.waits_for(release)


def test_kubernetes_provider_uses_the_clusters_entra_id_kubeconfig(stack_run):
    """No static credential in it (tests/test_azure_cluster_access.py), so nothing to keep secret."""
    provider = stack_run.one("pulumi:providers:kubernetes")
    assert not is_secret(provider.inputs["kubeconfig"])
    kubeconfig = yaml.safe_load(plain(provider.inputs["kubeconfig"]))
    (cluster,) = kubeconfig["clusters"]
    assert cluster["cluster"]["server"] == f"https://{stack_run.one(CLUSTER).state['fqdn']}:443"
    assert not stack_run.outputs["kubeconfig"].secret
    assert stack_run.outputs["clusterName"].value == stack_run.one(CLUSTER).inputs["resourceName"]


def test_changing_pools_touches_nothing_but_the_pools():
    """A new VM size replaces the pools; the cluster and everything on it keep their inputs."""
    before = planned("prod")
    after = changed("prod", controlPlanePool={"vmSize": "Standard_D8ds_v5"}, taskPool={"vmSize": "Standard_D16ds_v5"})
    old, new = inputs_by_urn(before), inputs_by_urn(after)
    assert old.keys() == new.keys()
    touched = {urn.rsplit("::", 1)[1] for urn in old if old[urn] != new[urn]}
    # The "task pool at its maximum" alert names the pool, so it follows the pool's new name.
    assert touched == {"control-plane-pool", "task-pool", "airflow-alerts"}

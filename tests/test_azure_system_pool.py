"""The cluster's System pool: its size is a setting fixed at creation, and dev runs Airflow's control
plane on it instead of a pool of its own (one node idles)."""

from __future__ import annotations

import copy

import pytest
import yaml

from components.azure.pools import SYSTEM_POOL_SIZE_BEFORE_SETTING
from components.config import ConfigurationError, SystemPoolSettings
from components.guards import refused_changes
from components.node_start import os_disk
from tests.conftest import planned
from tests.test_guards import guard_of, with_settings
from tools.offline import ROOT, run_program

CLUSTER = "azure-native:containerservice:ManagedCluster"
SETTING = "airflow-platform:cluster.systemPool.vmSize"
COMPONENT = "airflow-platform:azure:Cluster"


def system_pool(run):
    (pool,) = run.one(CLUSTER).inputs["agentPoolProfiles"]
    return pool


def test_the_system_pool_has_the_size_the_stack_sets_with_its_os_disk(stack_run):
    config = yaml.safe_load((ROOT / f"Pulumi.{stack_run.stack}.yaml").read_text())["config"]
    cluster = config["airflow-platform:cluster"]
    pool = system_pool(stack_run)
    assert pool["vmSize"] == cluster.get("systemPool", {}).get("vmSize", SystemPoolSettings().vm_size)
    disk = os_disk(pool["vmSize"])
    assert (pool["osDiskType"], pool["osDiskSizeGB"]) == (disk.type, disk.size_gib)


def test_dev_idles_on_one_system_node_that_has_room_for_an_ephemeral_os_disk(dev_run):
    pool = system_pool(dev_run)
    assert pool["vmSize"] == "Standard_D2ads_v5" and pool["osDiskType"] == "Ephemeral"
    assert pool["minCount"] == 1
    assert not [p for p in dev_run.of_type("azure-native:containerservice:AgentPool") if p.inputs["mode"] == "System"]
    assert dev_run.outputs["controlPlanePoolName"].value == pool["name"]


def test_a_new_system_pool_size_stops_the_preview():
    after = run_program("dev", overrides=with_settings("dev", "cluster", systemPool={"vmSize": "Standard_D4ds_v5"}))
    (refusal,) = refused_changes(guard_of(planned("dev"), COMPONENT), guard_of(after, COMPONENT))
    assert refusal.startswith(f"{SETTING}: Standard_D2ads_v5 -> Standard_D4ds_v5 is refused")


def test_a_cluster_created_before_the_setting_is_checked_against_the_size_it_was_given():
    """Its guard recorded no size: every such cluster was created with the one size then fixed."""
    news = guard_of(planned("dev"), COMPONENT)
    olds = copy.deepcopy(news)
    del olds["settings"][SETTING]
    (refusal,) = refused_changes(olds, news)
    assert refusal.startswith(f"{SETTING}: {SYSTEM_POOL_SIZE_BEFORE_SETTING} -> Standard_D2ads_v5 is refused")
    kept = run_program(
        "dev", overrides=with_settings("dev", "cluster", systemPool={"vmSize": SYSTEM_POOL_SIZE_BEFORE_SETTING})
    )
    assert refused_changes(olds, guard_of(kept, COMPONENT)) == []


@pytest.mark.parametrize(
    ("block", "key"),
    [
        ({"systemPool": {"vmSize": "Standard_B2ms"}}, "systemPool.vmSize"),
        ({"systemPool": {"vmSize": "Standard_DS1_v2"}}, "systemPool.vmSize"),
        ({"controlPlanePool": {"dedicated": False, "vmSize": "Standard_D4ds_v5"}}, "controlPlanePool.vmSize"),
        ({"controlPlanePool": {"dedicated": False, "zones": ["1", "2"]}}, "controlPlanePool.zones"),
    ],
    ids=["burstable", "one-vcpu", "size-of-no-pool", "zones-of-no-pool"],
)
def test_bad_pool_settings_are_refused_naming_the_setting(block, key):
    with pytest.raises(ConfigurationError) as refused:
        run_program("prod", overrides=with_settings("prod", "cluster", **block))
    assert f"airflow-platform:cluster.{key}" in str(refused.value)

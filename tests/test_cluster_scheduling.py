"""Tasks that survive spot and scale-from-zero, and when AKS may upgrade: the cluster side and
Airflow's timeouts, per stack, from the data files' figures; and what a change does to a live stack."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from components import node_start
from components.azure.maintenance import AUTO_UPGRADE_SCHEDULE, NODE_OS_UPGRADE_SCHEDULE
from components.azure.pools import OS_DISK_INPUTS
from components.azure_facts import vm_sizes
from tests.test_airflow_chart import user_values
from tests.test_guards import with_settings
from tests.test_transitions import AGENT_POOL, assert_acceptable, overrides, run_with
from tools.offline import ROOT, run_program
from tools.plan_text import os_disk_notes
from tools.transitions import CREATE, DELETE, REFUSED, REPLACE, UPDATE, plan_update, preview_update

MAINTENANCE = "azure-native:containerservice:MaintenanceConfiguration"
CLUSTER = "azure-native:containerservice:ManagedCluster"
#: Real Airflow 3.1.8 (scripts/airflow-venv.sh), whose config template names every option it reads.
AIRFLOW_CONFIG = next((ROOT / ".venv-airflow" / "lib").glob("python3*/site-packages/airflow/config_templates"), None)


# -- Airflow: timeouts and retries -------------------------------------------------------------


def test_the_queued_timeout_is_the_node_start_figure_plus_the_margin(stack_run):
    times = node_start.node_start_times()
    expected = (times.node_ready.minutes + times.image_pull.minutes + times.margin_minutes) * 60
    config = user_values(stack_run)["config"]
    assert config["scheduler"]["task_queued_timeout"] == expected == 23 * 60
    assert config["scheduler"]["task_queued_timeout"] > times.minutes * 60


def test_an_override_of_the_queued_timeout_is_used():
    run = run_program("prod", with_settings("prod", "airflow", taskQueuedTimeout="45m"))
    assert user_values(run)["config"]["scheduler"]["task_queued_timeout"] == 45 * 60


def test_evicted_tasks_are_retried(stack_run):
    core = user_values(stack_run)["config"]["core"]
    assert (core["default_task_retries"], core["default_task_retry_delay"]) == (2, 300)


def test_no_option_airflow_3_lacks_is_set(stack_run):
    """worker_pods_pending_timeout was Airflow 2's; 3.1.8 retries a Pending pod's task by task_queued_timeout."""
    assert "worker_pods_pending_timeout" not in user_values(stack_run)["config"]["kubernetes_executor"]


@pytest.mark.skipif(AIRFLOW_CONFIG is None, reason="real Airflow not installed (bash scripts/airflow-venv.sh)")
def test_the_options_set_are_airflow_3_1_8s_own():
    template = yaml.safe_load((Path(AIRFLOW_CONFIG) / "config.yml").read_text())
    assert template["scheduler"]["options"]["task_queued_timeout"]["type"] == "float"
    # Several schedulers share the database through SELECT ... FOR UPDATE, on by default.
    assert template["scheduler"]["options"]["use_row_level_locking"]["default"] == "True"
    assert template["core"]["options"]["default_task_retries"]["type"] == "integer"
    assert template["core"]["options"]["default_task_retry_delay"]["type"] == "integer"
    assert "worker_pods_pending_timeout" not in template.get("kubernetes_executor", {}).get("options", {})


# -- the cluster autoscaler and planned maintenance --------------------------------------------


def test_the_autoscaler_profile_is_on_the_cluster(stack_run):
    profile = stack_run.one(CLUSTER).inputs["autoScalerProfile"]
    assert profile == {
        "scaleDownDelayAfterAdd": "10m",
        "scaleDownUnneededTime": "10m",
        "scanInterval": "10s",
        "expander": "random",
    }


def test_an_autoscaler_setting_reaches_the_cluster():
    run = run_program("dev", with_settings("dev", "cluster", autoscaler={"scaleDownUnneededTime": "5m"}))
    assert run.one(CLUSTER).inputs["autoScalerProfile"]["scaleDownUnneededTime"] == "5m"


def test_both_upgrade_kinds_have_a_weekly_window(stack_run):
    windows = {r.inputs["configName"]: r.inputs["maintenanceWindow"] for r in stack_run.of_type(MAINTENANCE)}
    assert set(windows) == {AUTO_UPGRADE_SCHEDULE, NODE_OS_UPGRADE_SCHEDULE}
    assert windows[AUTO_UPGRADE_SCHEDULE]["schedule"] == {"weekly": {"dayOfWeek": "Sunday", "intervalWeeks": 1}}
    assert windows[NODE_OS_UPGRADE_SCHEDULE]["schedule"]["weekly"]["dayOfWeek"] == "Saturday"
    for window in windows.values():
        assert window["durationHours"] >= 4
        assert (window["startTime"], window["utcOffset"]) == ("00:00", "+00:00")
    (cluster,) = stack_run.of_type(CLUSTER)
    assert all(cluster.urn in r.dependencies for r in stack_run.of_type(MAINTENANCE))


def test_a_window_setting_reaches_its_configuration():
    window = {"dayOfWeek": "Wednesday", "startTime": "22:30", "durationHours": 6, "utcOffset": "-07:00"}
    run = run_program("prod", with_settings("prod", "cluster", maintenance={"nodeOs": window}))
    (node_os,) = [r for r in run.of_type(MAINTENANCE) if r.inputs["configName"] == NODE_OS_UPGRADE_SCHEDULE]
    given = node_os.inputs["maintenanceWindow"]
    assert (given["startTime"], given["durationHours"], given["utcOffset"]) == ("22:30", 6, "-07:00")
    assert given["schedule"]["weekly"]["dayOfWeek"] == "Wednesday"


# -- OS disks ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "disk"),
    [
        ("Standard_D4ds_v5", ("Ephemeral", 128)),  # 150 GiB temp disk
        ("Standard_D2ds_v5", ("Ephemeral", 75)),  # 75 GiB temp disk: the OS disk shrinks to it
        ("Standard_E8ads_v5", ("Ephemeral", 128)),
        ("Standard_D4s_v5", ("Managed", 128)),  # no temp disk
        ("Standard_D8ds_v6", ("Managed", 128)),  # NVMe temp disk, not relied on
        ("Standard_DS2_v2", ("Managed", 128)),  # cache size not on the series page
    ],
)
def test_an_ephemeral_os_disk_where_the_size_holds_it(size, disk):
    assert node_start.os_disk(size)[:2] == disk


def test_every_size_of_an_ephemeral_series_lists_its_disk():
    for name, series in vm_sizes().series.items():
        if series.ephemeral_os is not None:
            assert series.disks_source, name
            room = "cache_gib" if series.ephemeral_os == "cache" else "temp_gib"
            assert all(getattr(size, room) > 0 for size in series.sizes.values()), name


def test_the_stacks_pools_take_ephemeral_os_disks(stack_run):
    for pool in stack_run.of_type(AGENT_POOL):
        disk = node_start.os_disk(pool.inputs["vmSize"])
        assert (pool.inputs["osDiskType"], pool.inputs["osDiskSizeGB"]) == ("Ephemeral", disk.size_gib)
        # Fixed when AKS creates the pool: kept as created, and renewed with a new VM size (a new pool).
        assert {"osDiskType", "osDiskSizeGB"} <= set(pool.ignore_changes)
        assert "vmSize" in pool.replace_on_changes
    assert os_disk_notes(stack_run) == []


def test_the_plan_says_where_a_size_falls_back_to_a_managed_disk():
    run = run_program("dev", with_settings("dev", "cluster", taskPool={"vmSize": "Standard_D4s_v5", "maxCount": 5}))
    (task_pool,) = [p for p in run.of_type(AGENT_POOL) if p.inputs["mode"] == "User"]
    assert task_pool.inputs["osDiskType"] == "Managed"
    (note,) = os_disk_notes(run)
    assert task_pool.inputs["agentPoolName"] in note and "Standard_D4s_v5" in note and "managed OS disk" in note


# -- changes to a live stack -------------------------------------------------------------------

IN_PLACE, NEW_POOL = "in place", "new pool"
CHANGES = [
    ("ephemeral-to-managed", "prod", {"cluster.taskPool.vmSize": "Standard_D8s_v5"}, NEW_POOL),
    ("os-disk-shrinks", "prod", {"cluster.controlPlanePool.vmSize": "Standard_D2ds_v5"}, NEW_POOL),
    ("maintenance-window", "prod", {"cluster.maintenance": {"autoUpgrade": {"durationHours": 8}}}, IN_PLACE),
    ("autoscaler", "dev", {"cluster.autoscaler": {"scanInterval": "30s", "expander": "least-waste"}}, IN_PLACE),
    ("replicas", "prod", {"airflow.replicas": {"scheduler": 3, "apiServer": 3, "triggerer": 2}}, IN_PLACE),
    ("retries", "dev", {"airflow.taskRetries": {"count": 4, "delay": "2m"}}, IN_PLACE),
]


@pytest.mark.parametrize(("stack", "after", "outcome"), [c[1:] for c in CHANGES], ids=[c[0] for c in CHANGES])
def test_a_change_is_one_azure_accepts(stack, after, outcome):
    plan, _ = preview_update(run_with(stack, {}), stack, overrides(stack, after))
    assert_acceptable(plan)
    assert plan.of(REFUSED) == []
    assert plan.of(UPDATE, REPLACE, CREATE, DELETE), "the change must show in the plan"
    if outcome == IN_PLACE:
        assert plan.of(REPLACE, CREATE, DELETE) == []
    else:
        assert {s.resource.type for s in plan.of(REPLACE, CREATE, DELETE)} == {AGENT_POOL}


def test_pools_made_before_the_os_disk_was_stated_are_kept(stack_run):
    """Pools created while AKS chose the OS disk itself keep their names and are not touched."""

    def unstated(pool):
        return dataclasses.replace(pool, inputs={k: v for k, v in pool.inputs.items() if k not in OS_DISK_INPUTS})

    resources = [unstated(r) if r.type == AGENT_POOL else r for r in stack_run.resources]
    before = dataclasses.replace(stack_run, resources=resources)
    plan = plan_update(before, stack_run)
    assert [s for s in plan.steps if s.resource.type == AGENT_POOL and s.changes] == []

"""The second `pulumi up`: ordinary pull-request changes to an existing dev or prod stack.

Each change runs the program with the stack's settings before and after it, and plans the
update as `pulumi preview` would (tools.transitions.preview_update). Whatever the change, the plan
must be one Azure accepts: nothing updated in place that Azure fixes at creation (the table in
data/create-only.yaml), no create-before-delete under an ARM id that stays, no generated secret
regenerated, nothing that holds data replaced or deleted; and each change does what its kind
needs: updated in place, replaced (a new pool, say), or stopped at preview.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import json
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from components.config import ConfigurationError
from tests.conftest import planned
from tools.offline import ROOT, DeclaredResource, ProgramRun, run_program
from tools.transitions import (
    CREATE,
    DELETE,
    REFUSED,
    REPLACE,
    UPDATE,
    UpdatePlan,
    matches,
    plan_update,
    preview_update,
)

PROJECT = "airflow-platform"
#: What holds data: never replaced or deleted by an update.
DATA_TYPES = frozenset(
    {
        "azure-native:dbforpostgresql:Server",
        "azure-native:dbforpostgresql:Database",
        "azure-native:storage:StorageAccount",
        "azure-native:storage:BlobContainer",
    }
)
AGENT_POOL = "azure-native:containerservice:AgentPool"
IN_PLACE, NEW_POOL, STOPPED, UNCHANGED = "in place", "new pool", "stopped at preview", "unchanged"
POOL_REMOVED = "pool removed"


def stack_settings(stack: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]


def overrides(stack: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Whole-key overrides for ``changes`` ({"cluster.taskPool.vmSize": ...}) on the stack's file."""
    config = stack_settings(stack)
    result: dict[str, Any] = {}
    for dotted, value in changes.items():
        key, *path = dotted.split(".")
        full = f"{PROJECT}:{key}"
        top = result.setdefault(full, copy.deepcopy(config.get(full, {})))
        if not path:
            result[full] = value
            continue
        for part in path[:-1]:
            top = top.setdefault(part, {})
        top[path[-1]] = value
    return result


@functools.cache
def _run(stack: str, frozen: str) -> ProgramRun:
    return run_program(stack, overrides(stack, json.loads(frozen))) if frozen != "{}" else planned(stack)


def run_with(stack: str, changes: dict[str, Any]) -> ProgramRun:
    return _run(stack, json.dumps(changes, sort_keys=True))


def assert_acceptable(plan: UpdatePlan) -> None:
    """What every plan must be, whatever the change (a preview that stops changes nothing)."""
    assert plan.violations == []
    if plan.refused:
        return
    lost = [f"{s.action} {s.resource.type} {s.resource.name}" for s in plan.of(REPLACE, DELETE)]
    assert [x for x in lost if x.split()[1] in DATA_TYPES] == [], "a data store would be replaced or deleted"
    assert [x for x in lost if x.split()[1].startswith("random:")] == [], "a generated secret would be regenerated"


def minor_bump() -> tuple[dict[str, Any], dict[str, Any]]:
    """The default Kubernetes minor and the next one, or the one before and the default."""
    default = planned("dev").one("azure-native:containerservice:ManagedCluster").inputs["kubernetesVersion"]
    major, minor = (int(p) for p in default.split(".")[:2])
    try:
        run_with("dev", {"cluster.kubernetesVersion": f"{major}.{minor + 1}"})
    except ConfigurationError:
        return {"cluster.kubernetesVersion": f"{major}.{minor - 1}"}, {"cluster.kubernetesVersion": default}
    return {}, {"cluster.kubernetesVersion": f"{major}.{minor + 1}"}


GP = {"database.tier": "GeneralPurpose", "database.skuName": "Standard_D2ds_v5"}
#: dev shares the System pool; these give it a control-plane pool of its own.
OWN_POOL = {"cluster.controlPlanePool.dedicated": True}
FIXED_SIZE = {"database.storageAutoGrow": False}
DEV_ON_B2S = {
    "database.skuName": "Standard_B2s",
    "airflow.rollout": "surge",
    "airflow.databasePool": {"size": 5, "maxOverflow": 10},
}
#: (id, stack, settings before, settings after, what the change must do)
CHANGES = [
    ("cp-vm-size", "dev", OWN_POOL, {**OWN_POOL, "cluster.controlPlanePool.vmSize": "Standard_D8ds_v5"}, NEW_POOL),
    ("cp-vm-size", "prod", {}, {"cluster.controlPlanePool.vmSize": "Standard_D8ds_v5"}, NEW_POOL),
    ("cp-bounds", "dev", OWN_POOL, {**OWN_POOL, "cluster.controlPlanePool.maxCount": 4}, IN_PLACE),
    ("cp-own-pool", "dev", {}, OWN_POOL, NEW_POOL),
    # Its pods move to the System pool with the release's update; then the pool goes.
    ("cp-share-system-pool", "dev", OWN_POOL, {}, POOL_REMOVED),
    ("system-pool-size", "dev", {}, {"cluster.systemPool.vmSize": "Standard_D4ds_v5"}, STOPPED),
    (
        "cp-bounds",
        "prod",
        {},
        {"cluster.controlPlanePool.minCount": 4, "cluster.controlPlanePool.maxCount": 8},
        IN_PLACE,
    ),
    (
        "cp-zones",
        "dev",
        OWN_POOL,
        {**OWN_POOL, "cluster.controlPlanePool.zones": ["1", "2", "3"], "cluster.controlPlanePool.minCount": 2},
        NEW_POOL,
    ),
    ("cp-zones", "prod", {}, {"cluster.controlPlanePool.zones": ["1", "2"]}, NEW_POOL),
    ("task-vm-size", "dev", {}, {"cluster.taskPool.vmSize": "Standard_D8ds_v5"}, NEW_POOL),
    ("task-vm-size", "prod", {}, {"cluster.taskPool.vmSize": "Standard_D16ds_v5"}, NEW_POOL),
    ("spot-off", "prod", {}, {"cluster.taskPool.spot": False}, NEW_POOL),
    ("spot-on", "dev", {"cluster.taskPool.spot": False}, {"cluster.taskPool.spot": True}, NEW_POOL),
    ("spot-price", "prod", {}, {"cluster.taskPool.spotMaxPrice": 0.5}, NEW_POOL),
    ("task-bounds", "dev", {}, {"cluster.taskPool.maxCount": 8}, IN_PLACE),
    ("task-bounds", "prod", {}, {"cluster.taskPool.minCount": 1, "cluster.taskPool.maxCount": 40}, IN_PLACE),
    ("db-sku", "dev", {}, {"database.skuName": "Standard_B2ms"}, IN_PLACE),
    ("db-sku", "prod", {}, {"database.skuName": "Standard_D8ds_v5"}, IN_PLACE),
    # dev as it was (B2s, the chart's rollout, Airflow's pools) to its file: the server scaled down in place.
    ("db-sku-down", "dev", DEV_ON_B2S, {}, IN_PLACE),
    ("rollout-replace", "prod", {}, {"airflow.rollout": "replace"}, IN_PLACE),
    # With autogrow on, Azure owns the size after creation: the setting is the initial size.
    ("db-storage-autogrow", "dev", {}, {"database.storageSizeGb": 64}, UNCHANGED),
    ("db-storage", "prod", FIXED_SIZE, {**FIXED_SIZE, "database.storageSizeGb": 256}, IN_PLACE),
    ("db-storage-shrink", "prod", FIXED_SIZE, {**FIXED_SIZE, "database.storageSizeGb": 64}, STOPPED),
    ("db-ha-on", "dev", GP, {**GP, "database.highAvailability": True}, IN_PLACE),
    ("db-ha-off", "prod", {}, {"database.highAvailability": False}, IN_PLACE),
    ("db-geo-on", "dev", {}, {"database.geoRedundantBackup": True}, STOPPED),
    ("db-geo-off", "prod", {}, {"database.geoRedundantBackup": False}, STOPPED),
    ("db-major", "prod", {}, {"database.version": "17"}, IN_PLACE),
    ("db-downgrade", "dev", {"database.version": "17"}, {"database.version": "16"}, STOPPED),
    ("log-retention", "dev", {}, {"logs.retentionDays": 30}, IN_PLACE),
    ("log-redundancy", "dev", {}, {"logs.redundancy": "GRS"}, IN_PLACE),
    ("log-redundancy", "prod", {}, {"logs.redundancy": "GZRS"}, IN_PLACE),
    ("log-redundancy-two-steps", "prod", {}, {"logs.redundancy": "GRS"}, STOPPED),
    ("registry-sku", "dev", {}, {"registry.sku": "Standard"}, IN_PLACE),
    ("registry-sku", "dev", {}, {"registry.sku": "Premium"}, IN_PLACE),
    ("purge-protection-on", "dev", {}, {"secrets.purgeProtection": True}, IN_PLACE),
    ("purge-protection-off", "prod", {}, {"secrets.purgeProtection": False}, STOPPED),
    ("airflow-image", "prod", {}, {"airflow.image.tag": "3.1.9"}, IN_PLACE),
]


@pytest.mark.parametrize(
    ("stack", "before", "after", "outcome"), [c[1:] for c in CHANGES], ids=[f"{c[0]}-{c[1]}" for c in CHANGES]
)
def test_pull_request_change_declares_what_azure_accepts(stack, before, after, outcome) -> None:
    old = run_with(stack, before)
    plan, _ = preview_update(old, stack, overrides(stack, after))
    assert_acceptable(plan)
    changed = plan.of(UPDATE, REPLACE, CREATE, DELETE, REFUSED)
    if outcome == UNCHANGED:
        assert changed == []
        return
    assert changed, "the change must show in the plan"
    if outcome == STOPPED:
        assert plan.refused, "Azure fixes this setting: `pulumi preview` must stop"
        return
    assert plan.of(REFUSED) == []
    # The database role Job is named after its spec (the image and the pool it selects are in it): a new
    # one runs the idempotent SQL again.
    rebuilt = [s for s in plan.of(REPLACE, CREATE, DELETE) if s.resource.type != "kubernetes:batch/v1:Job"]
    if outcome == POOL_REMOVED:
        assert [(s.action, s.resource.type) for s in rebuilt] == [(DELETE, AGENT_POOL)]
    elif outcome == IN_PLACE:
        assert rebuilt == [], [s.resource.name for s in rebuilt]
    else:
        pools = [s for s in plan.of(REPLACE, CREATE) if s.resource.type == AGENT_POOL]
        assert pools, "a create-only pool setting needs a new pool"
        assert {s.resource.type for s in rebuilt} <= {AGENT_POOL}, rebuilt


def test_kubernetes_minor_bump_updates_in_place() -> None:
    before, after = minor_bump()
    plan, _ = preview_update(run_with("dev", before), "dev", overrides("dev", after))
    assert_acceptable(plan)
    assert plan.of(REFUSED, REPLACE, CREATE, DELETE) == []
    updated = {s.resource.type for s in plan.of(UPDATE)}
    assert {"azure-native:containerservice:ManagedCluster", AGENT_POOL} <= updated


def test_kubernetes_two_minor_jump_stops_at_preview() -> None:
    """AKS upgrades one minor at a time (the SDK's own docstring): a jump must not reach ARM."""
    default = planned("dev").one("azure-native:containerservice:ManagedCluster").inputs["kubernetesVersion"]
    major, minor = (int(p) for p in default.split(".")[:2])
    for low, high in ((m, m + 2) for m in range(minor - 2, minor + 1)):
        try:
            old = run_with("dev", {"cluster.kubernetesVersion": f"{major}.{low}"})
            new = overrides("dev", {"cluster.kubernetesVersion": f"{major}.{high}"})
            plan, _ = preview_update(old, "dev", new)
        except ConfigurationError:
            continue
        assert plan.violations == []
        assert plan.refused, f"{major}.{low} -> {major}.{high} would be sent to AKS, which refuses it"
        return
    pytest.skip(f"no two minors two apart around {default} are accepted by the configuration")


# -- the checker itself ------------------------------------------------------------------------


def _as_on_main(pool: DeclaredResource, old: DeclaredResource) -> DeclaredResource:
    """The task pool as main declared it: one fixed name and no replaceOnChanges."""
    inputs = {**pool.inputs, "agentPoolName": old.inputs["agentPoolName"]}
    return dataclasses.replace(pool, inputs=inputs, replace_on_changes=[], delete_before_replace=False)


def _task_pool(run: ProgramRun) -> DeclaredResource:
    return next(r for r in run.of_type(AGENT_POOL) if r.inputs.get("mode") == "User")


@pytest.mark.parametrize(
    ("change", "caught"),
    [
        ({"cluster.taskPool.spot": False}, "scaleSetPriority"),
        ({"cluster.taskPool.vmSize": "Standard_D16ds_v5"}, "same ARM id"),
    ],
)
def test_checker_catches_what_main_declared(change, caught) -> None:
    """main's task pool: spot off was an in-place update of a create-only property, and a VM size
    change (which azure-native replaces) a create-before-delete under the same name."""
    old, new = planned("prod"), run_with("prod", change)
    main_pool = _as_on_main(_task_pool(new), _task_pool(old))
    resources = [main_pool if r.urn == main_pool.urn else r for r in new.resources]
    plan = plan_update(old, dataclasses.replace(new, resources=resources))
    assert any(caught in v for v in plan.violations), plan.violations


def test_replacing_a_protected_resource_is_refused() -> None:
    old = planned("prod")
    server = old.one("azure-native:dbforpostgresql:Server")
    moved = dataclasses.replace(server, inputs={**server.inputs, "administratorLogin": "someoneelse"})
    plan = plan_update(old, dataclasses.replace(old, resources=[moved if r is server else r for r in old.resources]))
    assert [s.resource.name for s in plan.of(REFUSED)] == [server.name]


def test_ignore_changes_paths_use_pulumi_syntax() -> None:
    assert matches("agentPoolProfiles.0.count", ["agentPoolProfiles[0].count"])
    assert matches("agentPoolProfiles.1.vmSize", ["agentPoolProfiles"])
    assert matches("agentPoolProfiles.1.count", ["agentPoolProfiles[*].count"])
    assert not matches("agentPoolProfiles.0.vmSize", ["agentPoolProfiles[0].count"])
    assert not matches("countMax", ["count"])


# -- any two valid settings ----------------------------------------------------------------------

DATABASE = st.sampled_from(
    [
        {"database.tier": "Burstable", "database.skuName": "Standard_B2s", "database.highAvailability": False},
        {"database.tier": "GeneralPurpose", "database.skuName": "Standard_D2ds_v5", "database.highAvailability": True},
        {"database.tier": "GeneralPurpose", "database.skuName": "Standard_D4ds_v5", "database.highAvailability": False},
    ]
)
TASK_POOL = st.sampled_from(
    [
        {"cluster.taskPool.spot": True, "cluster.taskPool.spotMaxPrice": -1},
        {"cluster.taskPool.spot": True, "cluster.taskPool.spotMaxPrice": 0.5},
        {"cluster.taskPool.spot": False, "cluster.taskPool.spotMaxPrice": -1},
    ]
)
SETTINGS = st.fixed_dictionaries(
    {
        "cluster.controlPlanePool.dedicated": st.just(True),
        "cluster.controlPlanePool.vmSize": st.sampled_from(["Standard_D4ds_v5", "Standard_D8ds_v5"]),
        "cluster.controlPlanePool.maxCount": st.sampled_from([3, 6]),
        "cluster.taskPool.vmSize": st.sampled_from(["Standard_D4ds_v5", "Standard_D8ds_v5"]),
        "cluster.taskPool.maxCount": st.sampled_from([5, 30]),
        "database.storageSizeGb": st.sampled_from([32, 64, 128]),
        "database.geoRedundantBackup": st.booleans(),
        "database.version": st.sampled_from(["16", "17"]),
        "logs.retentionDays": st.sampled_from([14, 90]),
        "logs.redundancy": st.sampled_from(["LRS", "ZRS", "GRS", "GZRS"]),
    }
)
#: Private endpoints need a Premium registry; without them any tier goes.
PRIVATE_PATHS = st.one_of(
    st.just({"network.privateEndpoints": True, "registry.sku": "Premium"}),
    st.fixed_dictionaries(
        {"network.privateEndpoints": st.just(False), "registry.sku": st.sampled_from(["Basic", "Standard", "Premium"])}
    ),
)
VALID_SETTINGS = st.tuples(SETTINGS, DATABASE, TASK_POOL, PRIVATE_PATHS).map(
    lambda parts: {k: v for part in parts for k, v in part.items()}
)


# Each example runs the program twice (~2 s each): no shrinking, whose reruns would take minutes.
@settings(
    max_examples=12,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow],
)
@given(stack=st.sampled_from(["dev", "prod"]), before=VALID_SETTINGS, after=VALID_SETTINGS)
def test_any_change_between_valid_settings_is_acceptable(stack, before, after) -> None:
    plan = plan_update(run_with(stack, before), run_with(stack, after))
    assert_acceptable(plan)

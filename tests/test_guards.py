"""The create-only guard: what it records, what its provider's diff refuses, and that it survives
the trip through Pulumi's state (the dynamic provider is stored serialized with dill)."""

from __future__ import annotations

import base64
import copy
import json
import subprocess
import sys
from typing import Any

import dill
import pytest
import yaml
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import rpc

from components.guards import (
    PROVIDER_KEY,
    ChangeRefusedError,
    Guarded,
    GuardProvider,
    refused_changes,
    row_for,
)
from tests.conftest import planned
from tools.offline import ROOT, DeclaredResource, ProgramRun, run_program

GUARD = "pulumi-python:dynamic:Resource"
DATABASE = "airflow-platform:azure:Database"
LOGS = "airflow-platform:azure:LogStorage"
NETWORK = "airflow-platform:azure:Network"
SERVER = "azure-native:dbforpostgresql:Server"
SUBNET_ID = (SERVER, "network.delegatedSubnetResourceId")


def with_settings(stack: str, block: str, **changes: Any) -> dict[str, Any]:
    """Overrides that change some keys of one settings block of a committed stack file."""
    config = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    key = f"airflow-platform:{block}"
    return {key: {**copy.deepcopy(config.get(key, {})), **changes}}


def guard(run: ProgramRun, component: str) -> DeclaredResource:
    """The guard a component declares."""
    (found,) = [r for r in run.of_type(GUARD) if run.by_urn(r.parent).type == component]
    return found


def guard_of(run: ProgramRun, component: str) -> dict[str, Any]:
    """The recorded inputs of the guard a component declares."""
    return guard(run, component).inputs


def refusals(stack: str, component: str, block: str, **changes: Any) -> list[str]:
    """What the guard refuses when a pull request changes ``changes`` in the stack file."""
    after = run_program(stack, overrides=with_settings(stack, block, **changes))
    return refused_changes(guard_of(planned(stack), component), guard_of(after, component))


# -- the provider, as the engine drives it ------------------------------------------------------


def test_create_records_the_settings_as_outputs(prod_run):
    inputs = guard_of(prod_run, DATABASE)
    result = GuardProvider().create(dict(inputs))
    assert result.id
    assert result.outs == {k: v for k, v in inputs.items() if k != PROVIDER_KEY}
    assert result.outs["settings"]["airflow-platform:database.geoRedundantBackup"]["value"] == "Enabled"


def test_no_change_is_no_diff(prod_run):
    inputs = guard_of(prod_run, DATABASE)
    olds = GuardProvider().create(dict(inputs)).outs
    diff = GuardProvider().diff("id", {**olds, PROVIDER_KEY: "old"}, dict(inputs))
    assert diff.changes is False
    assert not diff.replaces


def test_an_allowed_change_is_an_update_that_moves_the_record_forward(prod_run):
    olds = GuardProvider().create(dict(guard_of(prod_run, DATABASE))).outs
    after = run_program("prod", overrides=with_settings("prod", "database", version="17"))
    news = guard_of(after, DATABASE)
    diff = GuardProvider().diff("id", olds, news)
    assert diff.changes is True and not diff.replaces
    updated = GuardProvider().update("id", olds, news).outs
    assert updated["settings"]["airflow-platform:database.version"]["value"] == "17"
    assert PROVIDER_KEY not in updated


def test_a_refused_change_raises_in_diff_with_setting_values_reason_and_source(prod_run):
    olds = GuardProvider().create(dict(guard_of(prod_run, DATABASE))).outs
    after = run_program("prod", overrides=with_settings("prod", "database", geoRedundantBackup=False))
    with pytest.raises(ChangeRefusedError) as refused:
        GuardProvider().diff("id", olds, guard_of(after, DATABASE))
    message = str(refused.value)
    assert "airflow-platform:database.geoRedundantBackup: true -> false is refused" in message
    assert "when the PostgreSQL server was created" in message
    assert "concepts-backup-restore" in message  # the row's source
    assert "Instead:" in message


def test_a_value_unknown_at_preview_is_refused_not_waved_through():
    olds = {"resource": "PostgreSQL server", "settings": {"subnet": Guarded("subnet", *SUBNET_ID, "/a").recorded()}}
    news = copy.deepcopy(olds)
    news["settings"]["subnet"]["value"] = rpc.UNKNOWN
    (refusal,) = refused_changes(olds, news)
    assert refusal.startswith("subnet: /a -> (unknown) is refused")


def test_a_setting_that_starts_being_guarded_is_not_compared():
    recorded = Guarded(
        "airflow-platform:database.storageSizeGb", "azure-native:dbforpostgresql:Server", "storage.storageSizeGB", 64
    ).recorded()
    assert refused_changes({"settings": {}}, {"settings": {"size": recorded}}) == []


def test_rules_come_from_the_data_table():
    assert Guarded("s", *SUBNET_ID, "x").recorded()["rule"] == "fixed"
    assert Guarded("s", "azure-native:dbforpostgresql:Server", "version", "16").recorded()["rule"] == "no-decrease"
    assert Guarded("s", "azure-native:storage:StorageAccount", "sku.name", "x").recorded()["rule"] == "transitions"
    with pytest.raises(ValueError, match="updates in place"):
        Guarded("s", "azure-native:dbforpostgresql:Server", "sku", "x").recorded()
    with pytest.raises(KeyError, match="no row"):
        row_for("azure-native:dbforpostgresql:Server", "noSuchInput")


def test_every_recorded_setting_names_a_row_with_a_source(stack_run):
    for guard in stack_run.of_type(GUARD):
        for setting, entry in guard.inputs["settings"].items():
            assert row_for(entry["type"], entry["path"]).source, setting


# -- the serialized provider ----------------------------------------------------------------------


def test_the_recorded_provider_is_the_guard_provider_by_reference_and_not_a_secret(dev_run):
    for guard in dev_run.of_type(GUARD):
        blob = guard.inputs[PROVIDER_KEY]
        assert blob == serialize_provider(GuardProvider())  # no state, so every guard stores the same
        assert not rpc.is_rpc_secret(blob)
        assert isinstance(dill.loads(base64.b64decode(blob)), GuardProvider)


def test_the_serialized_provider_refuses_in_a_fresh_process_like_the_dynamic_provider_host(prod_run):
    """The engine runs dynamic providers in `python -m pulumi.dynamic` from the program's directory."""
    olds = GuardProvider().create(dict(guard_of(prod_run, DATABASE))).outs
    news = copy.deepcopy(olds)
    news["settings"]["airflow-platform:database.version"]["value"] = "15"
    script = (
        "import base64, json, sys, dill\n"
        "provider = dill.loads(base64.b64decode(sys.argv[1]))\n"
        "olds, news = json.loads(sys.argv[2]), json.loads(sys.argv[3])\n"
        "assert provider.diff('id', olds, olds).changes is False\n"
        "provider.diff('id', olds, news)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, serialize_provider(GuardProvider()), json.dumps(olds), json.dumps(news)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert "ChangeRefusedError" in done.stderr
    assert "airflow-platform:database.version: 16 -> 15 is refused" in done.stderr

"""Airflow's connections to the metadata database fit what each stack's server leaves to users.

Demand comes from the values each release declares (merged with the chart's own values.yaml), the
limits from data/postgres-connections.yaml, and the per-process constants are checked against the
sources they come from: the installed Airflow 3.1.8 (``.venv-airflow``) and chart 1.20.0.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from components import azure_facts
from components.config import PROJECT, ConfigurationError, settings_from_config
from components.config.database_pool import DatabasePoolSettings
from components.database_connections import (
    AIRFLOW_API_WORKERS,
    AIRFLOW_MAX_OVERFLOW,
    AIRFLOW_POOL_SIZE,
    ASYNC_ENGINE_CONNECTIONS,
    CHART_DEFAULTS,
    postgres_connections,
    settings_demand,
    values_demand,
)
from tests.test_airflow_availability import chart_template
from tests.test_airflow_chart import chart_file, template_values, user_values
from tests.test_guards import with_settings
from tools.connections import SERVER, connection_lines
from tools.offline import ROOT, ProgramRun, run_program, stack_config
from tools.transitions import DELETE, REFUSED, REPLACE, UPDATE, preview_update

AIRFLOW_PYTHON = ROOT / ".venv-airflow" / "bin" / "python"


def server_limit(run: ProgramRun):
    return postgres_connections().limit(run.one(SERVER).inputs["sku"]["name"])


def stack_settings(stack: str, overrides: dict | None = None):
    config, secret_keys = stack_config(stack, overrides)
    return settings_from_config(PROJECT, stack, config, set(secret_keys))


def test_every_size_the_settings_accept_has_a_figure():
    table = postgres_connections()
    assert {s for s in azure_facts.vm_sizes().postgres_sizes if table.limit(s) is None} == set()
    assert set(table.max_connections).isdisjoint(table.assumed.max_connections)
    assert table.limit("Standard_B1ms").available == 35
    assert table.limit("Standard_B2s").available == 414


def test_each_process_gets_the_pool_through_the_chart_config(stack_run):
    values, pool = user_values(stack_run), stack_settings(stack_run.stack).airflow.database_pool
    assert values["config"]["database"] == {
        "sql_alchemy_pool_size": pool.size,
        "sql_alchemy_max_overflow": pool.max_overflow,
    }
    # Nothing overrides airflow.cfg through the environment, in any pod.
    for env in (values["env"], values["workers"]["env"], values["createUserJob"]["env"]):
        assert not [e for e in env if e["name"].startswith("AIRFLOW__DATABASE__SQL_ALCHEMY_POOL")]


#: Each stack with the other rollout than its file's (dev on B2s: B1ms holds dev's Airflow only without surge).
OTHER_ROLLOUT = {
    "dev": {
        **with_settings("dev", "airflow", rollout="surge"),
        **with_settings("dev", "database", skuName="Standard_B2s"),
    },
    "prod": with_settings("prod", "airflow", rollout="replace"),
}


def test_the_rule_counts_what_the_release_runs(stack_run):
    """The settings' demand (checked before anything is declared) is the release's, with the chart's
    defaults for what the values leave out (strategies, the DAG processor's replicas)."""
    declared, merged = values_demand(user_values(stack_run)), values_demand(template_values(stack_run))
    assert declared == merged
    assert settings_demand(stack_settings(stack_run.stack).airflow) == declared


@pytest.mark.parametrize("stack", sorted(OTHER_ROLLOUT))
def test_the_rule_counts_the_other_rollout_as_the_release_runs_it(stack):
    run = run_program(stack, overrides=OTHER_ROLLOUT[stack])
    declared, merged = values_demand(user_values(run)), values_demand(template_values(run))
    assert declared == merged
    assert settings_demand(stack_settings(stack, OTHER_ROLLOUT[stack]).airflow) == declared
    surges = {key: c.surge for key, c in declared.components.items()}
    if stack_settings(stack, OTHER_ROLLOUT[stack]).airflow.rollout == "replace":
        assert surges == dict.fromkeys(CHART_DEFAULTS, 0)
    else:
        assert all(surges.values()), surges


def test_a_recreate_strategy_surges_no_pod():
    """``Recreate`` stops every old pod first, whatever maxSurge the chart's defaults leave beside it."""
    values = template_values(run_program("dev", overrides=OTHER_ROLLOUT["dev"]))
    surging = values_demand(values)
    for key in CHART_DEFAULTS:
        values[key]["strategy"] = {**(values[key].get("strategy") or {}), "type": "Recreate"}
    recreated = values_demand(values)
    assert {c.surge for c in recreated.components.values()} == {0}
    assert recreated.running == surging.running and recreated.peak < surging.peak


def test_dev_and_prod_fit_their_servers(stack_run):
    need, limit = values_demand(template_values(stack_run)), server_limit(stack_run)
    assert need.peak <= limit.available
    assert connection_lines(stack_run)[0] == (
        f"Database connections: Airflow may open {need.peak} of {limit.available} ({limit.describe()}) "
        f"on {limit.sku}: fits"
    )


def test_prod_holds_more_than_dev(dev_run, prod_run):
    """prod runs two schedulers, API servers and triggerers: each adds its pool, and surges with it."""
    dev, prod = values_demand(template_values(dev_run)), values_demand(template_values(prod_run))
    assert dev.components["scheduler"].replicas == 1 and prod.components["scheduler"].replicas == 2
    assert prod.running > dev.running and prod.peak > dev.peak


def test_dev_fits_standard_b1ms_only_because_nothing_surges(dev_run):
    """dev's release on Standard_B1ms: every pod up plus the larger hook, no second pod of anything."""
    need, limit = values_demand(template_values(dev_run)), server_limit(dev_run)
    assert limit.sku == "Standard_B1ms" and limit.available == 35
    assert {c.surge for c in need.components.values()} == {0}
    assert need.peak == need.running + need.hook_job <= limit.available


def test_a_live_dev_server_moves_from_b2s_to_b1ms_in_place():
    """dev as it ran before (Standard_B2s, the chart's surge, Airflow's pools) to its file: the server's sku
    changes in place (data/create-only.yaml), nothing is replaced, and the release takes the new values."""
    before = {
        **with_settings("dev", "database", skuName="Standard_B2s"),
        **with_settings("dev", "airflow", rollout="surge", databasePool={"size": 5, "maxOverflow": 10}),
    }
    plan, _ = preview_update(run_program("dev", overrides=before), "dev")
    assert plan.violations == [] and plan.of(REFUSED, REPLACE, DELETE) == []
    (server,) = [s for s in plan.of(UPDATE) if s.resource.type == SERVER]
    assert [c.shown() for c in server.changes] == ["sku.name: Standard_B2s -> Standard_B1ms"]
    assert [s.resource.name for s in plan.of(UPDATE) if s.resource.type.startswith("kubernetes:helm")] == ["airflow"]


def test_a_server_too_small_for_airflow_is_refused_with_both_numbers():
    """dev's Airflow with the chart's surging rollout on Standard_B1ms: the numbers come from that
    release's own values (on the B2s it fits), not from the test."""
    need = values_demand(template_values(run_program("dev", overrides=OTHER_ROLLOUT["dev"])))
    overrides = with_settings("dev", "airflow", rollout="surge")
    with pytest.raises(ConfigurationError) as refused:
        run_program("dev", overrides=overrides)
    message = str(refused.value)
    assert f'{PROJECT}:database.skuName = "Standard_B1ms": leaves Airflow 35 connections' in message
    assert f"Airflow may open {need.peak} ({need.running} with every pod up" in message
    assert "use Standard_B2s or larger" in message
    assert "or set airflow.rollout to replace" in message


def test_even_the_smallest_pool_does_not_fit_standard_b1ms_with_a_surge():
    """One connection per process still leaves the API server's async engine (15), FAB's engine and the
    rollout's second pods: with a surge, B1ms's 35 cannot hold dev's Airflow, whatever the pool."""
    overrides = with_settings("dev", "airflow", rollout="surge", databasePool={"size": 1, "maxOverflow": 0})
    with pytest.raises(ConfigurationError, match="leaves Airflow 35 connections"):
        stack_settings("dev", overrides)


def test_a_smaller_pool_lowers_the_demand_it_reaches_the_release():
    overrides = with_settings("dev", "airflow", databasePool={"size": 1, "maxOverflow": 0})
    run = run_program("dev", overrides=overrides)
    assert user_values(run)["config"]["database"] == {"sql_alchemy_pool_size": 1, "sql_alchemy_max_overflow": 0}
    assert values_demand(template_values(run)).peak < values_demand(template_values(run_program("dev"))).peak


# -- the constants against their sources -------------------------------------------------------------


def test_the_chart_defaults_are_the_charts():
    values = chart_file("values.yaml")
    for key, (replicas, _) in CHART_DEFAULTS.items():
        assert values[key]["replicas"] == replicas, key
    assert values["scheduler"]["strategy"] is None  # Kubernetes' own default: 25% surge
    for key in ("triggerer", "dagProcessor"):
        assert values[key]["strategy"]["rollingUpdate"]["maxSurge"] == CHART_DEFAULTS[key][1]
    assert "maxSurge: 1\n" in chart_template("api-server/api-server-deployment.yaml")
    # `airflow api-server` without --workers runs [api] workers processes.
    assert values["apiServer"]["args"] == ["bash", "-c", "exec airflow api-server"]
    helpers = chart_template("_helpers.yaml")
    for job_type in ("SchedulerJob", "TriggererJob", "DagProcessorJob"):
        assert f"--job-type {job_type}" in helpers


def airflow_facts() -> dict:
    """What the installed Airflow 3.1.8 and its SQLAlchemy say about pools, asked in their own venv."""
    if not AIRFLOW_PYTHON.exists():
        pytest.skip(f"no Airflow in {AIRFLOW_PYTHON.parent}: run `bash scripts/airflow-venv.sh` first")
    script = """
import inspect, json, pathlib, yaml, airflow, sqlalchemy.pool
from airflow import settings
from airflow.sdk.execution_time import execute_workload
root = pathlib.Path(airflow.__file__).parent
options = yaml.safe_load((root / "config_templates" / "config.yml").read_text())
database, api = options["database"]["options"], options["api"]["options"]
queue = inspect.signature(sqlalchemy.pool.QueuePool.__init__).parameters
print(json.dumps({
    "version": airflow.__version__,
    "pool_size": int(database["sql_alchemy_pool_size"]["default"]),
    "max_overflow": int(database["sql_alchemy_max_overflow"]["default"]),
    "pool_enabled": database["sql_alchemy_pool_enabled"]["default"],
    "api_workers": int(api["workers"]["default"]),
    "queue_pool": queue["pool_size"].default + queue["max_overflow"].default,
    "async_engine": inspect.getsource(settings._configure_async_session),
    "execute_workload": inspect.getsource(execute_workload.execute_workload),
}))
"""
    result = subprocess.run([str(AIRFLOW_PYTHON), "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_the_constants_are_the_installed_airflows():
    facts = airflow_facts()
    assert facts["version"] == "3.1.8"
    assert (facts["pool_size"], facts["max_overflow"]) == (AIRFLOW_POOL_SIZE, AIRFLOW_MAX_OVERFLOW)
    default = DatabasePoolSettings()
    assert (default.size, default.max_overflow) == (AIRFLOW_POOL_SIZE, AIRFLOW_MAX_OVERFLOW)
    assert facts["pool_enabled"] == "True"
    assert facts["api_workers"] == AIRFLOW_API_WORKERS
    # The async engine gets no pool arguments: SQLAlchemy's QueuePool defaults bound it.
    assert "pool_size" not in facts["async_engine"] and "create_async_engine(" in facts["async_engine"]
    assert facts["queue_pool"] == ASYNC_ENGINE_CONNECTIONS


def test_task_pods_reach_the_api_server_not_the_database():
    source = airflow_facts()["execute_workload"]
    assert source.index("dispose_orm(") < source.index("supervise(")
    assert "server=server" in source and "execution_api_server_url" in source

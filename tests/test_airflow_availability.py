"""Highly available Airflow: replicas, disruption budgets and spread, as chart 1.20.0 renders them.

The values are checked against the chart's own schema and defaults (Helm's merge, as in
test_airflow_chart), and the labels the spread selects are read from the chart's templates.
"""

from __future__ import annotations

import re

import pytest

from components.airflow.availability import HIGHLY_AVAILABLE, HOSTNAME_KEY, REPLACE_STRATEGY, ROLLED, ZONE_KEY
from components.airflow.values import RELEASE_NAME
from tests.test_airflow_chart import chart_file, chart_source, schema_validator, template_values, user_values
from tests.test_guards import with_settings
from tools.offline import run_program

DEPLOYMENTS = {
    "scheduler": "scheduler/scheduler-deployment.yaml",
    "apiServer": "api-server/api-server-deployment.yaml",
    "triggerer": "triggerer/triggerer-deployment.yaml",
}


def chart_template(path: str) -> str:
    return chart_source(f"templates/{path}")


@pytest.mark.parametrize("component", sorted(HIGHLY_AVAILABLE))
def test_prod_runs_two_of_each_with_a_budget(prod_run, component):
    values = template_values(prod_run)[component]
    assert values["replicas"] == 2
    # Helm merges the chart's default config ({maxUnavailable: 1}) with ours: never both keys,
    # which a PodDisruptionBudget refuses.
    assert values["podDisruptionBudget"] == {"enabled": True, "config": {"maxUnavailable": 1}}


@pytest.mark.parametrize("component", sorted(HIGHLY_AVAILABLE))
def test_dev_runs_one_of_each_without_a_budget(dev_run, component):
    values = template_values(dev_run)[component]
    assert values["replicas"] == 1
    assert values["podDisruptionBudget"]["enabled"] is False


def test_the_dag_processor_stays_single(stack_run):
    """Several DAG processors would parse the same bundles twice; it is not on the task path."""
    assert template_values(stack_run)["dagProcessor"]["replicas"] == 1
    assert "replicas" not in user_values(stack_run)["dagProcessor"]


def spread_of(run, component):
    return {c["topologyKey"]: c for c in template_values(run)[component]["topologySpreadConstraints"]}


@pytest.mark.parametrize("component", sorted(HIGHLY_AVAILABLE))
def test_prod_spreads_across_zones_as_a_rule_and_across_nodes_as_a_preference(prod_run, component):
    spread = spread_of(prod_run, component)
    assert set(spread) == {ZONE_KEY, HOSTNAME_KEY}
    assert spread[ZONE_KEY]["whenUnsatisfiable"] == "DoNotSchedule"
    assert spread[HOSTNAME_KEY]["whenUnsatisfiable"] == "ScheduleAnyway"
    assert all(c["maxSkew"] == 1 for c in spread.values())


def test_a_pool_without_zones_only_prefers_the_spread(dev_run):
    """dev's pool has no zones: a rule on the zone label would leave pods Pending."""
    for component in HIGHLY_AVAILABLE:
        assert {c["whenUnsatisfiable"] for c in spread_of(dev_run, component).values()} == {"ScheduleAnyway"}


@pytest.mark.parametrize("component", sorted(HIGHLY_AVAILABLE))
def test_the_spread_selects_the_pods_the_chart_labels(prod_run, component):
    template = chart_template(DEPLOYMENTS[component])
    labels = re.search(r"template:\s*\n\s*metadata:\s*\n\s*labels:\s*\n((?:\s+\w+: .+\n)+)", template)
    assert labels, "the pod template's labels were not found"
    pod_labels = dict(line.strip().split(": ", 1) for line in labels.group(1).splitlines())
    rendered = {k: v.replace("{{ .Release.Name }}", RELEASE_NAME) for k, v in pod_labels.items()}
    for constraint in spread_of(prod_run, component).values():
        assert constraint["labelSelector"]["matchLabels"].items() <= rendered.items()
    # The chart copies the value into the pod spec as it is.
    assert f".Values.{component}.topologySpreadConstraints" in template


@pytest.mark.parametrize("component", sorted(HIGHLY_AVAILABLE))
def test_the_budget_template_copies_the_config(component):
    folder = DEPLOYMENTS[component].split("/")[0]
    template = chart_template(f"{folder}/{folder}-poddisruptionbudget.yaml")
    assert f"toYaml .Values.{component}.podDisruptionBudget.config" in template
    assert f".Values.{component}.podDisruptionBudget.enabled" in template


def test_more_replicas_validate_against_the_chart_schema():
    # Six Airflow processes outgrow dev's Standard_B1ms (tests/test_database_connections.py): on a B2s.
    overrides = {
        **with_settings("dev", "airflow", replicas={"scheduler": 3, "apiServer": 2, "triggerer": 1}),
        **with_settings("dev", "database", skuName="Standard_B2s"),
    }
    run = run_program("dev", overrides)
    values = template_values(run)
    assert [values[c]["replicas"] for c in ("scheduler", "apiServer", "triggerer")] == [3, 2, 1]
    assert [values[c]["podDisruptionBudget"]["enabled"] for c in ("scheduler", "apiServer", "triggerer")] == [
        True,
        True,
        False,
    ]
    assert sorted(e.message for e in schema_validator().iter_errors(values)) == []


def test_a_broken_spread_is_caught_by_the_schema(dev_run):
    values = template_values(dev_run)
    values["scheduler"]["topologySpreadConstraints"][0].pop("whenUnsatisfiable")
    assert any("whenUnsatisfiable" in e.message for e in schema_validator().iter_errors(values))


# -- airflow.rollout ---------------------------------------------------------------------------------


@pytest.mark.parametrize("component", ROLLED)
def test_dev_replaces_pods_and_prod_keeps_the_charts_surge(dev_run, prod_run, component):
    """dev (rollout: replace) stops an old pod before its replacement; prod sets no strategy, so each
    Deployment keeps the chart's (the API server's template default, the others' values.yaml)."""
    assert template_values(dev_run)[component]["strategy"] == REPLACE_STRATEGY
    assert "strategy" not in user_values(prod_run)[component]
    assert template_values(prod_run)[component]["strategy"] == chart_file("values.yaml")[component]["strategy"]


@pytest.mark.parametrize("component", ROLLED)
def test_the_chart_copies_the_strategy_into_a_deployment(dev_run, component):
    """The strategy reaches the spec only of a Deployment: the scheduler is one unless the executor is a
    local one, the triggerer unless its persistence is on (a StatefulSet reads ``updateStrategy``)."""
    folder = {"apiServer": "api-server", "dagProcessor": "dag-processor"}.get(component, component)
    template = chart_template(f"{folder}/{folder}-deployment.yaml")
    assert f"toYaml .Values.{component}.strategy" in template
    values = template_values(dev_run)
    assert "Local" not in values["executor"] and values["triggerer"]["persistence"]["enabled"] is False


def test_replace_with_two_replicas_keeps_the_budget_and_the_schema():
    """One pod at a time: a component of two keeps one serving, and drains stay bounded by the budget."""
    run = run_program("prod", with_settings("prod", "airflow", rollout="replace"))
    values = template_values(run)
    for component in HIGHLY_AVAILABLE:
        assert values[component]["replicas"] == 2
        assert values[component]["strategy"]["rollingUpdate"] == {"maxSurge": 0, "maxUnavailable": 1}
        assert values[component]["podDisruptionBudget"]["enabled"] is True
    assert sorted(e.message for e in schema_validator().iter_errors(values)) == []

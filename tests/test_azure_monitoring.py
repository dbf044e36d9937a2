"""Metrics and alerts: Container insights and managed Prometheus on the cluster, Airflow's statsd
exporter scraped, and the alert rules naming series the exporter and kube-state-metrics export."""

from __future__ import annotations

import re

import pytest
import yaml

from components.airflow.metrics import STATSD_EXTRA_MAPPINGS, STATSD_SCRAPE_PORT
from tests.conftest import planned
from tests.test_airflow_chart import chart_dir, chart_file, chart_source, coalesce, schema_validator, user_values
from tests.test_guards import with_settings
from tests.test_transitions import overrides
from tools.offline import run_program
from tools.transitions import CREATE, DELETE, REPLACE, UPDATE, preview_update

CLUSTER = "azure-native:containerservice:ManagedCluster"
LOG_WORKSPACE = "azure-native:operationalinsights:Workspace"
RULE = "azure-native:monitor:DataCollectionRule"
ASSOCIATION = "azure-native:monitor:DataCollectionRuleAssociation"
ACTION_GROUP = "azure-native:monitor:ActionGroup"
RULE_GROUP = "azure-native:alertsmanagement:PrometheusRuleGroup"
GRAFANA = "azure-native:dashboard:Grafana"
MONITORING_TYPES = (
    LOG_WORKSPACE,
    RULE,
    ASSOCIATION,
    ACTION_GROUP,
    RULE_GROUP,
    GRAFANA,
    "azure-native:monitor:AzureMonitorWorkspace",
    "azure-native:monitor:DataCollectionEndpoint",
)
MAIL = "oncall@contoso.com"
#: The statsd names Airflow 3.1.8 emits (scheduler_job_runner, task_runner), with the chart's prefix.
EMITTED = {
    "scheduler heartbeat": "airflow.scheduler_heartbeat",
    "task finished failed": "airflow.ti.finish.etl.load.failed",
}


def with_mail(stack: str):
    return run_program(stack, overrides=with_settings(stack, "monitoring", alertEmail=MAIL))


def exported_name(statsd: str, mappings: list[dict]) -> tuple[str, dict[str, str]]:
    """What the statsd exporter exports for a statsd name: glob mappings first, then regex ones,
    else the name with every character Prometheus refuses replaced by ``_``."""
    for mapping in (m for m in mappings if m.get("match_type", "glob") == "glob"):
        pattern = "^" + re.escape(mapping["match"]).replace(r"\*", "([^.]+)") + "$"
        if found := re.match(pattern, statsd):
            labels = {
                k: re.sub(r"\$(\d)", lambda g: found.group(int(g.group(1))), v)
                for k, v in mapping.get("labels", {}).items()
            }
            return mapping["name"], labels
    for mapping in (m for m in mappings if m.get("match_type") == "regex"):
        if re.search(mapping["match"], statsd):
            return mapping["name"], dict(mapping.get("labels", {}))
    return re.sub(r"[^a-zA-Z0-9_]", "_", statsd), {}


def exporter_mappings() -> list[dict]:
    """The chart 1.20.0 statsd mapping file (from the chart, else its source at the release commit)."""
    path = chart_dir() / "files" / "statsd-mappings.yml"
    text = path.read_text() if path.exists() else chart_source("files/statsd-mappings.yml")
    return yaml.safe_load(text)["mappings"] + STATSD_EXTRA_MAPPINGS


def named(run, type_token: str, name: str):
    (found,) = [r for r in run.of_type(type_token) if r.name == name]
    return found


def rules(run) -> dict[str, dict]:
    return {r["alert"]: r for r in run.one(RULE_GROUP).inputs["rules"]}


def test_log_retention_per_stack(prod_run):
    assert prod_run.one(LOG_WORKSPACE).inputs["retentionInDays"] == 90
    assert prod_run.one(LOG_WORKSPACE).inputs["sku"] == {"name": "PerGB2018"}


def test_the_cluster_runs_both_agents(prod_run):
    cluster = prod_run.one(CLUSTER).inputs
    workspace = prod_run.one(LOG_WORKSPACE).state
    assert cluster["azureMonitorProfile"]["metrics"]["enabled"] is True
    assert cluster["azureMonitorProfile"]["metrics"]["kubeStateMetrics"]["metricLabelsAllowlist"] == (
        "nodes=[kubernetes.azure.com/agentpool]"
    )
    oms = cluster["addonProfiles"]["omsagent"]
    assert oms["enabled"] is True
    assert oms["config"] == {"logAnalyticsWorkspaceResourceID": workspace["id"], "useAADAuth": "true"}


def test_both_rules_are_associated_with_the_cluster(prod_run):
    cluster_id = prod_run.one(CLUSTER).state["id"]
    by_rule = {a.inputs["dataCollectionRuleId"]: a for a in prod_run.of_type(ASSOCIATION)}
    assert sorted(by_rule) == sorted(r.state["id"] for r in prod_run.of_type(RULE))
    for association in by_rule.values():
        assert association.inputs["resourceUri"] == cluster_id
        assert association.state["id"].startswith(f"{cluster_id}/providers/Microsoft.Insights/")
    prometheus = next(r for r in prod_run.of_type(RULE) if "prometheusForwarder" in r.inputs["dataSources"])
    amw = prod_run.one("azure-native:monitor:AzureMonitorWorkspace").state
    assert prometheus.inputs["destinations"]["monitoringAccounts"][0]["accountResourceId"] == amw["id"]


def test_statsd_exporter_is_on_and_scraped_in_prod(prod_run):
    values = user_values(prod_run)
    assert values["statsd"]["enabled"] is True
    annotations = values["statsd"]["podAnnotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == str(STATSD_SCRAPE_PORT) == str(int(values["ports"]["statsdScrape"]))
    errors = list(schema_validator().iter_errors(coalesce(chart_file("values.yaml"), values)))
    assert not errors, [e.message for e in errors]
    settings = named(prod_run, "kubernetes:core/v1:ConfigMap", "metrics-settings").inputs
    assert settings["metadata"] == {"name": "ama-metrics-settings-configmap", "namespace": "kube-system"}
    assert settings["data"]["pod-annotation-based-scraping"] == 'podannotationnamespaceregex = "airflow"'


def test_alert_rules_name_series_the_exporter_exports(prod_run):
    mappings = exporter_mappings()
    heartbeat, _ = exported_name(EMITTED["scheduler heartbeat"], mappings)
    finish, labels = exported_name(EMITTED["task finished failed"], mappings)
    assert labels == {"dag_id": "etl", "task_id": "load", "state": "failed"}
    found = rules(prod_run)
    assert sorted(found) == [
        "AirflowSchedulerHeartbeatMissing",
        "AirflowTaskFailed",
        "AirflowTaskPodPendingTooLong",
        "AirflowTaskPoolAtMaximum",
    ]
    assert f"rate({heartbeat}[5m])" in found["AirflowSchedulerHeartbeatMissing"]["expression"]
    assert f'{finish}{{state="failed"}}' in found["AirflowTaskFailed"]["expression"]
    pending = found["AirflowTaskPodPendingTooLong"]
    assert 'kube_pod_status_phase{namespace="airflow", phase="Pending"}' in pending["expression"]
    queued = int(user_values(prod_run)["config"]["scheduler"]["task_queued_timeout"])
    assert pending["for"] == f"PT{queued // 60}M" + (f"{queued % 60}S" if queued % 60 else "")
    pool = named(prod_run, "azure-native:containerservice:AgentPool", "task-pool").inputs
    nodes = f'kube_node_labels{{label_kubernetes_azure_com_agentpool="{pool["agentPoolName"]}"}}'
    assert found["AirflowTaskPoolAtMaximum"]["expression"] == f"count({nodes}) >= {int(pool['maxCount'])}"


def test_rule_group_is_scoped_to_the_cluster(prod_run):
    group = prod_run.one(RULE_GROUP).inputs
    cluster = prod_run.one(CLUSTER).state
    assert group["clusterName"] == cluster["name"]
    assert group["scopes"] == [prod_run.one("azure-native:monitor:AzureMonitorWorkspace").state["id"], cluster["id"]]


def test_without_an_address_no_action_group(prod_run):
    assert prod_run.of_type(ACTION_GROUP) == []
    assert all("actions" not in r for r in rules(prod_run).values())


def test_every_rule_mails_the_action_group():
    run = with_mail("prod")
    group = run.one(ACTION_GROUP)
    assert group.inputs["emailReceivers"] == [{"name": "on-call", "emailAddress": MAIL, "useCommonAlertSchema": True}]
    for rule in rules(run).values():
        assert rule["actions"] == [{"actionGroupId": group.state["id"]}]


def test_grafana_in_prod_only(dev_run, prod_run):
    assert dev_run.of_type(GRAFANA) == []
    (grafana,) = prod_run.of_type(GRAFANA)
    amw = prod_run.one("azure-native:monitor:AzureMonitorWorkspace").state["id"]
    integrations = grafana.inputs["properties"]["grafanaIntegrations"]["azureMonitorWorkspaceIntegrations"]
    assert integrations == [{"azureMonitorWorkspaceResourceId": amw}]


def test_monitoring_off_declares_none_of_it(dev_run):
    assert [r.type for r in dev_run.resources if r.type in MONITORING_TYPES] == []
    cluster = dev_run.one(CLUSTER).inputs
    assert cluster["azureMonitorProfile"]["metrics"]["enabled"] is False
    assert cluster["addonProfiles"] == {"omsagent": {"enabled": False}}
    assert user_values(dev_run)["statsd"]["enabled"] is False


@pytest.mark.parametrize(
    ("stack", "change", "outcome"),
    [
        ("prod", {"monitoring.logRetentionDays": 180}, UPDATE),
        ("prod", {"monitoring.alertEmail": MAIL}, CREATE),
        ("prod", {"monitoring.grafana": False}, DELETE),
        ("dev", {"monitoring.enabled": True}, CREATE),
    ],
)
def test_settings_changes_keep_what_exists(stack, change, outcome):
    plan, _ = preview_update(planned(stack), stack, overrides(stack, change))
    assert plan.violations == [] and not plan.refused
    assert plan.of(REPLACE) == [], [s.resource.name for s in plan.of(REPLACE)]
    steps = {s.resource.type for s in plan.of(outcome)}
    assert steps & set(MONITORING_TYPES), steps

"""Monitoring on AWS: Amazon Managed Service for Prometheus with an AWS managed collector scraping
Airflow's statsd exporter and kube-state-metrics, the alert rules Azure has, mailed through SNS, and
every container's logs in CloudWatch Logs with the monitoring block's retention."""

from __future__ import annotations

import json
import os
import re
import subprocess
from datetime import date
from pathlib import Path

import pytest
import yaml

from components.airflow.values import RELEASE_NAME
from components.alert_rules import AlertFacts, alert_rules, node_label_series_label
from components.aws_monitoring_facts import MONITORING
from components.config import ConfigurationError
from components.platform import POOL_LABEL, TASK_TAINT
from tests.conftest import planned
from tests.test_airflow_chart import chart_source
from tests.test_azure_monitoring import EMITTED, exported_name, exporter_mappings
from tests.test_config_clouds import problems, settings
from tests.test_guards import with_settings
from tests.test_transitions import overrides
from tools.capacity import airflow_release
from tools.cloud_figures import plan_warnings
from tools.offline import ROOT, run_program
from tools.transitions import CREATE, DELETE, REPLACE, UPDATE, plain, preview_update

WORKSPACE = "aws:amp/workspace:Workspace"
COLLECTOR = "aws:amp/scraper:Scraper"
RULES = "aws:amp/ruleGroupNamespace:RuleGroupNamespace"
ALERT_MANAGER = "aws:amp/alertManagerDefinition:AlertManagerDefinition"
TOPIC = "aws:sns/topic:Topic"
TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
RELEASE = "kubernetes:helm.sh/v3:Release"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
MONITORING_TYPES = (WORKSPACE, COLLECTOR, RULES, ALERT_MANAGER, TOPIC, TOPIC_POLICY, SUBSCRIPTION)
MAIL = "oncall@contoso.com"
#: Keys a Prometheus alerting rule may have (Prometheus docs, Alerting rules / rule file format).
ALERTING_RULE_KEYS = {"alert", "expr", "for", "keep_firing_for", "labels", "annotations"}
PROMETHEUS_DURATION = re.compile(r"^((\d+)y)?((\d+)w)?((\d+)d)?((\d+)h)?((\d+)m)?((\d+)s)?((\d+)ms)?$")
#: The kube-state-metrics chart read (data/aws-monitoring.yaml), mirrored with `fetch`.
KSM_CHART_COMMIT = "cf408a29"


def airflow_values(run) -> dict:
    """The Airflow chart's values (the stack's other releases are the autoscaler's and monitoring's)."""
    return plain(airflow_release(run).inputs["values"])


def with_mail(stack: str):
    return run_program(stack, overrides=with_settings(stack, "monitoring", alertEmail=MAIL))


def named(run, type_token: str, name: str):
    (found,) = [r for r in run.of_type(type_token) if r.name == name]
    return found


def rule_file(run) -> dict:
    return yaml.safe_load(run.one(RULES).inputs["data"])


def scrape_jobs(run) -> dict[str, dict]:
    config = yaml.safe_load(run.one(COLLECTOR).inputs["scrapeConfiguration"])
    return {job["job_name"]: job for job in config["scrape_configs"]}


def kept_service(job: dict) -> tuple[str, str]:
    """The Service and port name a job's keep rule lets through."""
    (keep,) = [r for r in job["relabel_configs"] if r["action"] == "keep"]
    assert keep["source_labels"] == ["__meta_kubernetes_service_name", "__meta_kubernetes_endpoint_port_name"]
    service, port = keep["regex"].split(";")
    return service, port


def ksm_chart_source(path: str) -> str:
    repo = Path(os.environ.get("KSM_CHART_REPO", ROOT.parent / ".mirror" / "prometheus-community+helm-charts" / "repo"))
    shown = subprocess.run(
        ["git", "-C", str(repo), "show", f"{KSM_CHART_COMMIT}:charts/kube-state-metrics/{path}"],
        capture_output=True,
        text=True,
    )
    if shown.returncode != 0:
        pytest.skip(f"kube-state-metrics chart {path} not found in {repo} at {KSM_CHART_COMMIT} (set KSM_CHART_REPO)")
    return shown.stdout


@pytest.mark.parametrize("stack", ["aws-dev", "aws-prod"])
def test_monitoring_declares_workspace_collector_and_rules_but_no_mail_without_an_address(stack):
    run = run_program(stack, overrides=with_settings(stack, "monitoring", enabled=True))
    workspace = run.one(WORKSPACE)
    assert workspace.inputs["alias"] == run.one("aws:eks/cluster:Cluster").state["name"]
    assert workspace.inputs["tags"][MONITORING.collector.workspace_tag] == ""
    assert run.one(COLLECTOR).inputs["destination"] == {"amp": {"workspaceArn": workspace.state["arn"]}}
    assert run.one(RULES).inputs["workspaceId"] == workspace.state["id"]
    assert [r.type for r in run.resources if r.type in (ALERT_MANAGER, TOPIC, TOPIC_POLICY, SUBSCRIPTION)] == []
    assert run.outputs["prometheusEndpoint"].value == workspace.state["prometheusEndpoint"]


def test_monitoring_off_declares_none_of_it():
    run = run_program("aws-dev", overrides=with_settings("aws-dev", "monitoring", enabled=False, alertEmail=MAIL))
    assert [r.type for r in run.resources if r.type in MONITORING_TYPES] == []
    assert [r.inputs["name"] for r in run.of_type(LOG_GROUP)] == [
        f"/aws/eks/{run.outputs['clusterName'].value}/cluster"
    ]
    assert not {"kube-state-metrics", "fluent-bit"} & {r.name for r in run.of_type(RELEASE)}
    assert airflow_values(run)["statsd"]["enabled"] is False
    assert "prometheusEndpoint" not in run.outputs


def test_every_alert_mails_the_on_call_address_through_sns():
    run = with_mail("aws-prod")
    topic, workspace = run.one(TOPIC).state, run.one(WORKSPACE).state
    subscription = run.one(SUBSCRIPTION).inputs
    assert (subscription["topic"], subscription["protocol"], subscription["endpoint"]) == (topic["arn"], "email", MAIL)
    (statement,) = json.loads(run.one(TOPIC_POLICY).inputs["policy"])["Statement"]
    assert statement["Principal"] == {"Service": "aps.amazonaws.com"}
    assert statement["Action"] == ["sns:Publish", "sns:GetTopicAttributes"]
    assert statement["Resource"] == topic["arn"]
    assert statement["Condition"] == {
        "ArnEquals": {"aws:SourceArn": workspace["arn"]},
        "StringEquals": {"AWS:SourceAccount": run.outputs["accountId"].value},
    }
    definition = run.one(ALERT_MANAGER)
    assert definition.inputs["workspaceId"] == workspace["id"]
    # Alert manager sends only once SNS lets it publish.
    assert run.one(TOPIC_POLICY).urn in definition.dependencies
    config = yaml.safe_load(yaml.safe_load(definition.inputs["definition"])["alertmanager_config"])
    (receiver,) = config["receivers"]
    assert config["route"]["receiver"] == receiver["name"]
    (sns,) = receiver["sns_configs"]
    assert sns["topic_arn"] == topic["arn"] and sns["sigv4"] == {"region": "eu-west-1"}
    assert run.outputs["alertTopicArn"].value == topic["arn"]


def test_the_rule_file_is_prometheus_rules_with_azures_expressions():
    run, azure = planned("aws-prod"), planned("prod")
    (group,) = rule_file(run)["groups"]
    assert PROMETHEUS_DURATION.match(group["interval"])
    rules = {rule["alert"]: rule for rule in group["rules"]}
    for rule in rules.values():
        assert set(rule) <= ALERTING_RULE_KEYS and isinstance(rule["expr"], str)
        assert "for" not in rule or PROMETHEUS_DURATION.match(rule["for"])
        assert rule["labels"]["namespace"] == "airflow"
    on_azure = {
        r["alert"]: r["expression"]
        for r in azure.one("azure-native:alertsmanagement:PrometheusRuleGroup").inputs["rules"]
    }
    assert sorted(rules) == sorted(on_azure)
    pool_rule = "AirflowTaskPoolAtMaximum"
    assert {a: r["expr"] for a, r in rules.items() if a != pool_rule} == {
        a: e for a, e in on_azure.items() if a != pool_rule
    }
    (tasks,) = [g.inputs for g in run.of_type(NODE_GROUP) if g.inputs["labels"][POOL_LABEL] == "tasks"]
    nodes = f'kube_node_labels{{{node_label_series_label(POOL_LABEL)}="tasks"}}'
    assert rules[pool_rule]["expr"] == f"count({nodes}) >= {int(tasks['scalingConfig']['maxSize'])}"
    queued = int(airflow_values(run)["config"]["scheduler"]["task_queued_timeout"])
    pending = rules["AirflowTaskPodPendingTooLong"]["for"]
    assert pending == f"{queued // 60}m" + (f"{queued % 60}s" if queued % 60 else "")


def test_the_rules_name_what_the_statsd_exporter_exports():
    """Airflow's statsd names through the chart's mapping file, as on Azure (test_azure_monitoring)."""
    mappings = exporter_mappings()
    heartbeat, _ = exported_name(EMITTED["scheduler heartbeat"], mappings)
    finish, labels = exported_name(EMITTED["task finished failed"], mappings)
    assert labels["state"] == "failed"
    expressions = {r["alert"]: r["expr"] for r in rule_file(planned("aws-prod"))["groups"][0]["rules"]}
    assert f"rate({heartbeat}[5m])" in expressions["AirflowSchedulerHeartbeatMissing"]
    assert f'{finish}{{state="failed"}}' in expressions["AirflowTaskFailed"]


def test_one_definition_of_the_rules_renders_both_clouds():
    """The expressions come from components/alert_rules.py alone: other facts give other expressions."""
    facts = AlertFacts("etl", "pool", "big", 7, "maxSize", 90)
    expressions = [rule.expression for rule in alert_rules(facts)]
    assert 'namespace="etl"' in expressions[2] and expressions[3] == 'count(kube_node_labels{label_pool="big"}) >= 7'
    assert [rule.for_seconds for rule in alert_rules(facts)][2] == 90


def test_the_scrape_configuration_names_the_services_the_charts_create():
    run = planned("aws-prod")
    config = yaml.safe_load(run.one(COLLECTOR).inputs["scrapeConfiguration"])
    interval = config["global"]["scrape_interval"]
    assert int(interval.removesuffix("s")) >= MONITORING.collector.scrape_interval_seconds
    jobs = scrape_jobs(run)
    for job in jobs.values():
        assert set(job) == {"job_name", "kubernetes_sd_configs", "relabel_configs"}
        assert [sd["role"] for sd in job["kubernetes_sd_configs"]] == ["endpoints"]
    # Chart 1.20.0: `{{ include "airflow.fullname" . }}-statsd`, the release's name, port statsd-scrape.
    service = chart_source("templates/statsd/statsd-service.yaml")
    assert 'name: {{ include "airflow.fullname" . }}-statsd' in service
    assert re.search(r"- name: statsd-scrape\n\s+protocol: TCP", service)
    assert kept_service(jobs["airflow-statsd"]) == (f"{RELEASE_NAME}-statsd", "statsd-scrape")
    assert jobs["airflow-statsd"]["kubernetes_sd_configs"][0]["namespaces"] == {"names": ["airflow"]}
    assert airflow_values(run)["statsd"]["enabled"] is True
    # kube-state-metrics' chart names the Service after a release whose name contains the chart's.
    ksm = named(run, RELEASE, "kube-state-metrics").inputs
    assert ksm["chart"] in ksm["name"]
    assert "If release name contains chart name it will be used as a full name" in ksm_chart_source(
        "templates/_helpers.tpl"
    )
    assert re.search(r"ports:\n  - name: http\n", ksm_chart_source("templates/service.yaml"))
    assert kept_service(jobs["kube-state-metrics"]) == (ksm["name"], "http")
    assert jobs["kube-state-metrics"]["kubernetes_sd_configs"][0]["namespaces"] == {"names": [ksm["namespace"]]}


def test_the_collector_reaches_the_cluster_as_amp_requires_and_the_exporter_admits_it():
    run = planned("aws-prod")
    cluster = run.one("aws:eks/cluster:Cluster")
    eks = run.one(COLLECTOR).inputs["source"]["eks"]
    assert eks["clusterArn"] == cluster.state["arn"]
    assert eks["securityGroupIds"] == [cluster.state["vpcConfig"]["clusterSecurityGroupId"]]
    private = [s for s in run.of_type("aws:ec2/subnet:Subnet") if s.name.startswith("private-")]
    assert sorted(eks["subnetIds"]) == sorted(s.state["id"] for s in private)
    assert len({s.inputs["availabilityZone"] for s in private}) >= MONITORING.collector.min_subnet_zones
    # AMP gives the collector its access entry itself: API authentication, private endpoint access.
    assert cluster.inputs["accessConfig"]["authenticationMode"] == "API"
    assert cluster.inputs["vpcConfig"]["endpointPrivateAccess"] is True
    assert not [r for r in run.resources if "aps-collector" in json.dumps(r.inputs)]
    policy = named(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "statsd-ingress").inputs["spec"]
    (scrape,) = [rule for rule in policy["ingress"] if rule["ports"] == [{"protocol": "TCP", "port": 9102}]]
    assert sorted(peer["ipBlock"]["cidr"] for peer in scrape["from"]) == sorted(s.inputs["cidrBlock"] for s in private)


def test_kube_state_metrics_keeps_only_what_the_rules_read_on_control_plane_nodes():
    run = planned("aws-prod")
    values = named(run, RELEASE, "kube-state-metrics").inputs["values"]
    assert values["metricLabelsAllowlist"] == [f"nodes=[{POOL_LABEL}]"]
    assert sorted(values["metricAllowlist"]) == ["kube_node_labels", "kube_pod_status_phase"]
    assert values["collectors"] == ["pods", "nodes"]
    (control_plane,) = [g.inputs for g in run.of_type(NODE_GROUP) if g.inputs["labels"][POOL_LABEL] == "control-plane"]
    assert values["nodeSelector"] == {POOL_LABEL: control_plane["labels"][POOL_LABEL]}
    assert values["tolerations"] == []


def test_container_logs_go_to_one_group_with_the_monitoring_retention():
    run = run_program("aws-prod", overrides=with_settings("aws-prod", "monitoring", logRetentionDays=90))
    group = named(run, LOG_GROUP, "container-logs")
    assert group.inputs["retentionInDays"] == 90
    assert group.inputs["name"] == f"/aws/eks/{run.outputs['clusterName'].value}/containers"
    fluent_bit = named(run, RELEASE, "fluent-bit").inputs
    output = fluent_bit["values"]["cloudWatchLogs"]
    assert output == {
        "enabled": True,
        "region": "eu-west-1",
        "logGroupName": group.inputs["name"],
        "autoCreateGroup": False,
    }
    assert TASK_TAINT.as_dict() in fluent_bit["values"]["tolerations"]
    association = named(run, "aws:eks/podIdentityAssociation:PodIdentityAssociation", "fluent-bit").inputs
    assert (association["namespace"], association["serviceAccount"]) == (
        fluent_bit["namespace"],
        fluent_bit["values"]["serviceAccount"]["name"],
    )
    role = named(run, "aws:iam/role:Role", "fluent-bit-role")
    assert association["roleArn"] == role.state["arn"]
    (trust,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert trust["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    (grant,) = json.loads(named(run, "aws:iam/rolePolicy:RolePolicy", "fluent-bit-writes").inputs["policy"])[
        "Statement"
    ]
    assert grant["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert grant["Resource"] == f"{group.state['arn']}:*"


def test_log_retention_must_be_one_cloudwatch_keeps_on_aws_only():
    key = "airflow-platform:monitoring"
    assert problems("aws-prod", **{key: {"logRetentionDays": 100}}) == [f"{key}.logRetentionDays"]
    assert settings("aws-prod", **{key: {"logRetentionDays": 545}}).monitoring.log_retention_days == 545
    assert settings("prod", **{key: {"logRetentionDays": 100}}).monitoring.log_retention_days == 100
    with pytest.raises(ConfigurationError, match=r"30, 60, 90, 120, 150, 180, 365, 400, 545 \(PutRetentionPolicy"):
        settings("aws-prod", **{key: {"logRetentionDays": 700}})


def test_grafana_is_refused_by_name_on_aws():
    found = problems("aws-prod", **{"airflow-platform:monitoring": {"grafana": True}})
    assert found == ["airflow-platform:monitoring.grafana"]


def test_the_alert_mail_warning_names_the_stacks_own_alert_service():
    (aws,) = [w for w in plan_warnings(settings("aws-prod"), date(2026, 12, 6)) if "alertEmail" in w]
    assert "Amazon Managed Service for Prometheus" in aws and "Azure" not in aws
    (azure,) = [w for w in plan_warnings(settings("prod"), date(2026, 12, 6)) if "alertEmail" in w]
    assert "Azure Monitor" in azure


@pytest.mark.parametrize(
    ("change", "outcome", "types"),
    [
        ({"monitoring.logRetentionDays": 180}, UPDATE, {LOG_GROUP}),
        ({"monitoring.alertEmail": MAIL}, CREATE, {TOPIC, TOPIC_POLICY, SUBSCRIPTION, ALERT_MANAGER}),
        ({"monitoring.enabled": False}, DELETE, {WORKSPACE, COLLECTOR, RULES, LOG_GROUP}),
    ],
)
def test_settings_changes_keep_what_exists(change, outcome, types):
    plan, _ = preview_update(planned("aws-prod"), "aws-prod", overrides("aws-prod", change))
    assert plan.violations == [] and not plan.refused
    assert plan.of(REPLACE) == [], [s.resource.name for s in plan.of(REPLACE)]
    assert types <= {s.resource.type for s in plan.of(outcome)}


def test_the_control_plane_log_retention_is_checked_against_the_same_cloudwatch_list():
    key = "airflow-platform:aws"
    with pytest.raises(ConfigurationError, match=r"controlPlaneLogRetentionDays = 100: is not a retention CloudWatch"):
        settings("aws-prod", **{key: {"cluster": {"controlPlaneLogRetentionDays": 100}}})
    cluster = settings("aws-dev", **{key: {"cluster": {"controlPlaneLogRetentionDays": 3653}}}).aws.cluster
    assert cluster.control_plane_log_retention_days == 3653

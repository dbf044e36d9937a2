"""The three YAML documents Amazon Managed Service for Prometheus takes (data/aws-monitoring.yaml):
the managed collector's scrape configuration, the rule file of the alert rules, and the alert
manager definition that sends them to an SNS topic.

The collector resolves no name but the API server's, so both jobs find their targets through the
``endpoints`` role (its access entry may list endpoints) and keep the one Service they are for.
"""

from __future__ import annotations

from typing import Any

import yaml

from components.airflow.values import RELEASE_NAME
from components.alert_rules import NODE_LABELS, POD_PHASE, AlertFacts, AlertRule, alert_rules
from components.aws_monitoring_facts import MONITORING

#: How often the rule group is evaluated, as Azure's rule group (PT1M).
RULE_EVALUATION_INTERVAL = "1m"
RULE_GROUP = "airflow"
RECEIVER = "on-call"
#: What kube-state-metrics exports: only the series the alert rules read.
KUBE_STATE_METRICS = (POD_PHASE, NODE_LABELS)


class _Block(str):
    """A multi-line string written as a YAML literal block (``|``), as AMP's examples write the config."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Block, lambda dumper, text: dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|"))


def _yaml(document: dict[str, Any]) -> str:
    """Keys in the order written, no line folded (a PromQL expression stays on one line)."""
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, width=1000)


def prometheus_duration(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    return (f"{minutes}m" if minutes else "") + (f"{rest}s" if rest or not minutes else "")


def statsd_service() -> str:
    """The Service chart 1.20.0 puts in front of its statsd exporter (``<fullname>-statsd``)."""
    return f"{RELEASE_NAME}{MONITORING.airflow_statsd.service_suffix}"


def _service_job(name: str, namespace: str, service: str, port_name: str) -> dict[str, Any]:
    """A job scraping the endpoints of one Service's named port, over plain HTTP at /metrics."""
    return {
        "job_name": name,
        "kubernetes_sd_configs": [{"role": "endpoints", "namespaces": {"names": [namespace]}}],
        "relabel_configs": [
            {
                "action": "keep",
                "source_labels": ["__meta_kubernetes_service_name", "__meta_kubernetes_endpoint_port_name"],
                "regex": f"{service};{port_name}",
            }
        ],
    }


def scrape_configuration(airflow_namespace: str) -> str:
    """Airflow's statsd exporter and kube-state-metrics, every 30 s (the collector's shortest interval)."""
    ksm = MONITORING.kube_state_metrics
    interval = f"{MONITORING.collector.scrape_interval_seconds}s"
    document = {
        "global": {"scrape_interval": interval, "evaluation_interval": interval},
        "scrape_configs": [
            _service_job("airflow-statsd", airflow_namespace, statsd_service(), MONITORING.airflow_statsd.port_name),
            _service_job("kube-state-metrics", ksm.namespace, ksm.service, ksm.port_name),
        ],
    }
    return _yaml(document)


def _rule(rule: AlertRule, namespace: str) -> dict[str, Any]:
    rendered: dict[str, Any] = {"alert": rule.name, "expr": rule.expression}
    if rule.for_seconds is not None:
        rendered["for"] = prometheus_duration(rule.for_seconds)
    rendered["labels"] = {"namespace": namespace, "severity": rule.severity}
    rendered["annotations"] = {"summary": rule.summary}
    return rendered


def rule_file(facts: AlertFacts) -> str:
    """The alert rules as a Prometheus rule file, one group evaluated every minute."""
    rules = [_rule(rule, facts.namespace) for rule in alert_rules(facts)]
    return _yaml({"groups": [{"name": RULE_GROUP, "interval": RULE_EVALUATION_INTERVAL, "rules": rules}]})


def alertmanager_definition(topic_arn: str, region: str) -> str:
    """Every alert to the on-call topic, one mail per alert name and state change."""
    config = {
        "route": {"receiver": RECEIVER, "group_by": ["alertname"]},
        "receivers": [
            {
                "name": RECEIVER,
                "sns_configs": [
                    {
                        "topic_arn": topic_arn,
                        "sigv4": {"region": region},
                        "subject": "[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }}",
                        "message": "{{ range .Alerts }}{{ .Annotations.summary }}\n{{ end }}",
                    }
                ],
            }
        ],
    }
    return _yaml({"alertmanager_config": _Block(_yaml(config))})

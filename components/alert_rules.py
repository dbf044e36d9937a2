"""The alert rules on Airflow and its task pool, as PromQL over what each cloud's managed Prometheus
collects; each cloud renders them its own way (Azure: PrometheusRuleArgs, AWS: a Prometheus rule file).

Airflow's metric names are the chart's statsd exporter's (``files/statsd-mappings.yml`` of chart
1.20.0, plus :data:`components.airflow.metrics.STATSD_EXTRA_MAPPINGS`); the Kubernetes ones are
kube-state-metrics'. The test suite maps the names Airflow 3 emits through the chart's mapping
file and checks every expression names what the exporter exports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

#: ``airflow.scheduler_heartbeat`` (a counter the scheduler bumps every loop), as the chart maps it.
SCHEDULER_HEARTBEAT = "airflow_scheduler_heartbeat"
#: ``airflow.ti.finish.<dag_id>.<task_id>.<state>``, as the release's extra mapping labels it.
TASK_FINISH = "airflow_ti_finish"
#: kube-state-metrics: one series per pod and phase, 1 for the pod's current phase.
POD_PHASE = "kube_pod_status_phase"
#: kube-state-metrics: one series per node, with the labels its allowlist keeps.
NODE_LABELS = "kube_node_labels"
#: How long a task pool at its maximum must stay there before it is worth a mail.
POOL_AT_MAXIMUM_FOR_SECONDS = 15 * 60

Severity = Literal["error", "warning", "informational"]


def node_label_series_label(node_label: str) -> str:
    """How kube-state-metrics names an allowed node label on ``kube_node_labels``: ``label_`` and the
    key with every character a Prometheus label name refuses replaced by ``_``."""
    return "label_" + re.sub(r"[^a-zA-Z0-9_]", "_", node_label)


@dataclass(frozen=True)
class AlertFacts:
    """What the rules compare against, all known when the stack is deployed."""

    namespace: str
    #: The node label whose value names the task pool (kube-state-metrics must be allowed to keep it).
    pool_label: str
    #: The task pool's value of ``pool_label``.
    task_pool: str
    task_pool_max_count: int
    #: The setting that bounds the pool, as the stack names it (``maxCount`` on AKS, ``maxSize`` on EKS).
    max_count_setting: str
    #: Airflow 3's ``[scheduler] task_queued_timeout`` (the rename of ``[kubernetes_executor]
    #: worker_pods_pending_timeout``): a task whose pod pends longer is retried or failed, so a
    #: pod pending that long means the task pool could not take it.
    pending_timeout_seconds: int


@dataclass(frozen=True)
class AlertRule:
    name: str
    expression: str
    severity: Severity
    #: How long the expression must hold before the alert fires; None: at once.
    for_seconds: int | None
    summary: str


def alert_rules(facts: AlertFacts) -> list[AlertRule]:
    pending = f'{POD_PHASE}{{namespace="{facts.namespace}", phase="Pending"}}'
    pool_nodes = f'count({NODE_LABELS}{{{node_label_series_label(facts.pool_label)}="{facts.task_pool}"}})'
    return [
        AlertRule(
            "AirflowSchedulerHeartbeatMissing",
            # No scheduler beat for 5 minutes; `or vector(0)` also fires when the series is gone.
            f"(sum(rate({SCHEDULER_HEARTBEAT}[5m])) or vector(0)) == 0",
            "error",
            5 * 60,
            "No Airflow scheduler has sent a heartbeat for 10 minutes",
        ),
        AlertRule(
            "AirflowTaskFailed",
            f'sum by (dag_id, task_id) (increase({TASK_FINISH}{{state="failed"}}[10m])) > 0',
            "warning",
            None,
            "Airflow task {{ $labels.dag_id }}.{{ $labels.task_id }} failed (no retries left)",
        ),
        AlertRule(
            "AirflowTaskPodPendingTooLong",
            f"max by (pod) ({pending}) == 1",
            "warning",
            facts.pending_timeout_seconds,
            f"Pod {{{{ $labels.pod }}}} in {facts.namespace} pending longer than Airflow's pending timeout",
        ),
        AlertRule(
            "AirflowTaskPoolAtMaximum",
            f"{pool_nodes} >= {facts.task_pool_max_count}",
            "informational",
            POOL_AT_MAXIMUM_FOR_SECONDS,
            f"Task pool {facts.task_pool} is at its {facts.max_count_setting} of {facts.task_pool_max_count} nodes",
        ),
    ]

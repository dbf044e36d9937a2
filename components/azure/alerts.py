"""The alert rules on Airflow and its task pool, as PromQL over what managed Prometheus collects.

Airflow's metric names are the chart's statsd exporter's (``files/statsd-mappings.yml`` of chart
1.20.0, plus :data:`components.airflow.values.STATSD_EXTRA_MAPPINGS`); the Kubernetes ones are
kube-state-metrics'. The test suite maps the names Airflow 3 emits through the chart's mapping
file and checks every expression names what the exporter exports.
"""

from __future__ import annotations

from dataclasses import dataclass

from pulumi_azure_native import alertsmanagement

#: ``airflow.scheduler_heartbeat`` (a counter the scheduler bumps every loop), as the chart maps it.
SCHEDULER_HEARTBEAT = "airflow_scheduler_heartbeat"
#: ``airflow.ti.finish.<dag_id>.<task_id>.<state>``, as the release's extra mapping labels it.
TASK_FINISH = "airflow_ti_finish"
#: kube-state-metrics: one series per pod and phase, 1 for the pod's current phase.
POD_PHASE = "kube_pod_status_phase"
#: kube-state-metrics: one series per node, with the labels the cluster profile allows.
NODE_LABELS = "kube_node_labels"
#: How kube-state-metrics names the allowed node label ``kubernetes.azure.com/agentpool``.
POOL_LABEL = "label_kubernetes_azure_com_agentpool"
#: How long a task pool at its maximum must stay there before it is worth a mail.
POOL_AT_MAXIMUM_FOR = "PT15M"


@dataclass(frozen=True)
class AlertFacts:
    """What the rules compare against, all known when the stack is deployed."""

    namespace: str
    task_pool: str
    task_pool_max_count: int
    #: Airflow 3's ``[scheduler] task_queued_timeout`` (the rename of ``[kubernetes_executor]
    #: worker_pods_pending_timeout``): a task whose pod pends longer is retried or failed, so a
    #: pod pending that long means the task pool could not take it.
    pending_timeout_seconds: int


def iso_duration(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"PT{minutes}M{rest}S" if rest else f"PT{minutes}M"


def alert_rules(facts: AlertFacts, action_group_id: object | None) -> list[alertsmanagement.PrometheusRuleArgs]:
    actions = (
        [alertsmanagement.PrometheusRuleGroupActionArgs(action_group_id=action_group_id)]
        if action_group_id is not None
        else None
    )
    resolve = alertsmanagement.PrometheusRuleResolveConfigurationArgs(auto_resolved=True, time_to_resolve="PT10M")

    def rule(alert: str, expression: str, severity: int, for_: str | None, summary: str):
        return alertsmanagement.PrometheusRuleArgs(
            alert=alert,
            expression=expression,
            for_=for_,
            severity=severity,
            enabled=True,
            annotations={"summary": summary},
            labels={"namespace": facts.namespace},
            resolve_configuration=resolve,
            actions=actions,
        )

    pending = f'{POD_PHASE}{{namespace="{facts.namespace}", phase="Pending"}}'
    pool_nodes = f'count({NODE_LABELS}{{{POOL_LABEL}="{facts.task_pool}"}})'
    return [
        rule(
            "AirflowSchedulerHeartbeatMissing",
            # No scheduler beat for 5 minutes; `or vector(0)` also fires when the series is gone.
            f"(sum(rate({SCHEDULER_HEARTBEAT}[5m])) or vector(0)) == 0",
            1,
            "PT5M",
            "No Airflow scheduler has sent a heartbeat for 10 minutes",
        ),
        rule(
            "AirflowTaskFailed",
            f'sum by (dag_id, task_id) (increase({TASK_FINISH}{{state="failed"}}[10m])) > 0',
            2,
            None,
            "Airflow task {{ $labels.dag_id }}.{{ $labels.task_id }} failed (no retries left)",
        ),
        rule(
            "AirflowTaskPodPendingTooLong",
            f"max by (pod) ({pending}) == 1",
            2,
            iso_duration(facts.pending_timeout_seconds),
            f"Pod {{{{ $labels.pod }}}} in {facts.namespace} pending longer than Airflow's pending timeout",
        ),
        rule(
            "AirflowTaskPoolAtMaximum",
            f"{pool_nodes} >= {facts.task_pool_max_count}",
            3,
            POOL_AT_MAXIMUM_FOR,
            f"Task pool {facts.task_pool} is at its maxCount of {facts.task_pool_max_count} nodes",
        ),
    ]

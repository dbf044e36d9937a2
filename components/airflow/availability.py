"""Chart values that keep Airflow up through node drains and zone losses, and tasks through spot.

Chart 1.20.0 reads, per component, ``replicas``, ``podDisruptionBudget`` ({enabled, config}, the
config copied verbatim into the PodDisruptionBudget's spec), ``topologySpreadConstraints``
(copied into the pod spec) and ``strategy`` (copied into the Deployment's spec); its pods carry the
labels ``tier``, ``component`` and ``release``.
"""

from __future__ import annotations

import copy
from typing import Any

from components import node_start
from components.config import AirflowSettings, duration_seconds
from components.platform import NodePlacement

#: Chart value key -> the ``component`` label the chart puts on that component's pods.
HIGHLY_AVAILABLE = {"scheduler": "scheduler", "apiServer": "api-server", "triggerer": "triggerer"}
#: The chart's Deployments an upgrade rolls: the scheduler (a Deployment unless the executor is a local
#: one), the triggerer (unless its persistence is on; both are off here), API server and DAG processor.
ROLLED = (*HIGHLY_AVAILABLE, "dagProcessor")
#: ``airflow.rollout: replace``. Not ``Recreate``: Helm merges our strategy into the chart's default
#: (the triggerer's and DAG processor's ``rollingUpdate``), and Kubernetes refuses ``rollingUpdate`` beside
#: ``Recreate``; one pod at a time also keeps a component of two or more replicas serving.
REPLACE_STRATEGY = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}}
ZONE_KEY = "topology.kubernetes.io/zone"
HOSTNAME_KEY = "kubernetes.io/hostname"


def _replicas(settings: AirflowSettings, component: str) -> int:
    return {
        "scheduler": settings.replicas.scheduler,
        "apiServer": settings.replicas.api_server,
        "triggerer": settings.replicas.triggerer,
    }[component]


def spread(label: str, release: str, placement: NodePlacement) -> list[dict[str, Any]]:
    """One pod per zone, then per node, as far as the pool allows.

    Across zones it is a rule where the pool spans zones (the autoscaler adds a node in the zone
    that lacks one), a preference where it does not; across nodes always a preference, so a
    pool at one node still runs every replica. ``pod-template-hash`` counts only the pods of
    one rollout, so a rolling update is not held back by the pods it replaces.
    """
    selector = {"matchLabels": {"tier": "airflow", "component": label, "release": release}}
    zone_rule = "DoNotSchedule" if len(placement.zones) > 1 else "ScheduleAnyway"
    return [
        {
            "maxSkew": 1,
            "topologyKey": key,
            "whenUnsatisfiable": rule,
            "labelSelector": selector,
            "matchLabelKeys": ["pod-template-hash"],
        }
        for key, rule in ((ZONE_KEY, zone_rule), (HOSTNAME_KEY, "ScheduleAnyway"))
    ]


def rollout_values(settings: AirflowSettings) -> dict[str, dict[str, Any]]:
    """Per rolled Deployment: its ``strategy`` under ``airflow.rollout: replace``, nothing under ``surge``
    (the chart's own: maxSurge 1 for the API server, 100% for the triggerer and DAG processor,
    Kubernetes' 25% for the scheduler; components/database_connections.py counts both)."""
    if settings.rollout == "surge":
        return {key: {} for key in ROLLED}
    return {key: {"strategy": copy.deepcopy(REPLACE_STRATEGY)} for key in ROLLED}


def availability_values(settings: AirflowSettings, release: str, placement: NodePlacement) -> dict[str, Any]:
    """Per component: replicas, a disruption budget when there are two or more, the spread, and how an
    upgrade replaces its pods (``dagProcessor``: only the latter).

    ``maxUnavailable: 1`` (the chart's own config) lets a drain take one pod at a time; with one
    replica a budget would either block drains (minAvailable 1) or protect nothing, so it is off.
    """
    values: dict[str, Any] = rollout_values(settings)
    for component, label in HIGHLY_AVAILABLE.items():
        replicas = _replicas(settings, component)
        values[component] = {
            "replicas": replicas,
            "podDisruptionBudget": {"enabled": replicas > 1, "config": {"maxUnavailable": 1}},
            "topologySpreadConstraints": spread(label, release, placement),
            **values[component],
        }
    return values


def task_recovery_config(settings: AirflowSettings) -> dict[str, dict[str, Any]]:
    """Airflow 3.1.8 config: retries for evicted tasks, and a queued timeout above a node's start.

    ``[kubernetes_executor] worker_pods_pending_timeout`` is no option of Airflow 3.1.8 nor of the
    cncf-kubernetes provider: a task whose pod is Pending stays queued, and
    ``[scheduler] task_queued_timeout`` is what retries or fails it.
    """
    override = settings.task_queued_timeout
    queued = node_start.task_queued_timeout_seconds(None if override is None else float(duration_seconds(override)))
    return {
        "core": {
            "default_task_retries": settings.task_retries.count,
            "default_task_retry_delay": int(duration_seconds(settings.task_retries.delay)),
        },
        "scheduler": {"task_queued_timeout": queued},
    }

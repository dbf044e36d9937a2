"""Airflow's replicas, and how tasks survive spot evictions and nodes starting from zero."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from pydantic import Field

from components import node_start
from components.config.base import Problem, Settings
from components.config.values import Duration, duration_seconds

#: More replicas than this buys nothing a pool of a few nodes can spread.
MAX_REPLICAS = 10


class ReplicaSettings(Settings):
    """Pods per Airflow component. Airflow runs several schedulers, API servers and triggerers against
    one PostgreSQL database (``[scheduler] use_row_level_locking``, on by default; Airflow docs,
    Scheduler: Running more than one scheduler), so two of each survive a node or zone loss."""

    scheduler: int = Field(2, ge=1, le=MAX_REPLICAS)
    api_server: int = Field(2, ge=1, le=MAX_REPLICAS)
    triggerer: int = Field(2, ge=1, le=MAX_REPLICAS)


#: ``airflow.rollout``: how an upgrade replaces the pods of the scheduler, API server, triggerer and DAG
#: processor. ``surge`` (the chart's strategies): a new pod starts before an old one stops, so a component
#: at one replica stays up, but each rollout runs extra pods, each with its database connections.
#: ``replace``: an old pod stops before its replacement starts; no pod or connection beyond the replicas,
#: and a component at one replica is down for its new pod's start (about a minute).
Rollout = Literal["surge", "replace"]


class TaskRetrySettings(Settings):
    """``[core] default_task_retries`` and ``default_task_retry_delay``: a task evicted with its spot
    node, or failed after waiting too long for one, runs again (a DAG or task may set its own)."""

    count: int = Field(2, ge=0, le=100)
    delay: Duration = "5m"


def queued_timeout_problems(settings: Settings, field: str, value: str | None) -> Iterator[Problem]:
    """An override of ``[scheduler] task_queued_timeout`` may not be shorter than a node's start."""
    if value is None:
        return
    requirement = node_start.queued_timeout_requirement(float(duration_seconds(value)))
    if requirement is not None:
        yield Problem(settings.key_path(field), value, requirement)

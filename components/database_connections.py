"""How many connections Airflow may hold on its metadata database, against what the server allows.

Why: a smaller flexible server allows far fewer connections (Standard_B1ms: 35 for users), and a
process that opens one more fails with "FATAL: sorry, too many clients already". So a stack whose
Airflow could exceed its server is refused before anything is declared, and the plan prints both
numbers. The count is the most each process can hold, from the sources of Airflow 3.1.8 and chart
1.20.0 (tests/test_database_connections.py checks the constants below against both):

- Every Airflow process has one engine (``airflow.settings.configure_orm``) whose QueuePool holds at
  most ``[database] sql_alchemy_pool_size + sql_alchemy_max_overflow`` (``prepare_engine_args``):
  ``airflow.databasePool``, sent as the chart's ``config.database``.
- The scheduler, triggerer and DAG processor each run one such process; their children do not use
  the database (KubernetesExecutor's pod watcher talks to Kubernetes; the trigger runner and the DAG
  parsers talk to their parent over a pipe, which answers through the in-process execution API on
  the parent's engine). Each also runs an exec probe, ``airflow jobs check`` (one connection).
- The API server runs ``[api] workers`` uvicorn processes (the chart runs ``airflow api-server``
  without ``--workers``). Each also builds an async engine with no pool arguments
  (``_configure_async_session``), so SQLAlchemy's QueuePool defaults, used by the DAG-run wait
  endpoint, and FAB's Flask-SQLAlchemy engine, which checks its session table once at start.
- Task pods hold none: ``execute_workload`` disposes the ORM and runs the task through the execution
  API (the values also hide the connection from them).
- During a rolling update old and new pods run side by side (each Deployment's ``maxSurge``; none under
  ``airflow.rollout: replace``, maxSurge 0, nor with ``Recreate``) while Helm runs the migration, then
  the create-user hook. The database role Job (one connection, as the
  administrator) runs before the release, beside the old pods only: never more than a hook adds.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field

from components import azure_facts
from components.data_tables import DATA, Table

if TYPE_CHECKING:
    from components.config.airflow import AirflowSettings

POSTGRES_CONNECTIONS = DATA / "postgres-connections.yaml"

#: Airflow 3.1.8 config.yml defaults: [database] sql_alchemy_pool_size, sql_alchemy_max_overflow; [api] workers.
AIRFLOW_POOL_SIZE = 5
AIRFLOW_MAX_OVERFLOW = 10
AIRFLOW_API_WORKERS = 1
#: SQLAlchemy's QueuePool defaults (pool_size 5, max_overflow 10): the API server's async engine.
ASYNC_ENGINE_CONNECTIONS = 5 + 10
#: FAB's Flask-SQLAlchemy engine in the API server, and in the create-user Job: one checkout at start.
FAB_ENGINE_CONNECTIONS = 1
#: ``airflow jobs check`` in the exec probe of the scheduler, triggerer and DAG processor.
PROBE_CONNECTIONS = 1
#: Chart 1.20.0's Deployments with their ``replicas`` default and ``maxSurge`` when no ``strategy`` is
#: given (api-server: the template's 1; triggerer, DAG processor: values.yaml's 100%; scheduler: none,
#: so Kubernetes' default 25%, rounded up).
CHART_DEFAULTS: Mapping[str, tuple[int, int | str]] = {
    "scheduler": (1, "25%"),
    "apiServer": (1, 1),
    "triggerer": (1, "100%"),
    "dagProcessor": (1, "100%"),
}


class Source(Table):
    title: str
    url: str
    revision: str
    quote: str


class Assumed(Table):
    note: str
    max_connections: dict[str, int] = Field(min_length=1)


class PostgresConnections(Table):
    """``data/postgres-connections.yaml``: flexible server's default max_connections per size."""

    seen: date
    source: Source
    reserved: int = Field(ge=0)
    max_connections: dict[str, int] = Field(min_length=1)
    assumed: Assumed

    def limit(self, sku: str) -> ServerLimit | None:
        if sku in self.max_connections:
            return ServerLimit(sku, self.max_connections[sku], self.reserved, assumed=False)
        if sku in self.assumed.max_connections:
            return ServerLimit(sku, self.assumed.max_connections[sku], self.reserved, assumed=True)
        return None


@functools.cache
def postgres_connections(path: Path = POSTGRES_CONNECTIONS) -> PostgresConnections:
    return PostgresConnections.read(path)


@dataclass(frozen=True)
class ServerLimit:
    sku: str
    max_connections: int
    reserved: int
    #: The figure is not on the page read (data/postgres-connections.yaml `assumed`).
    assumed: bool

    @property
    def available(self) -> int:
        return self.max_connections - self.reserved

    def describe(self) -> str:
        mark = " ~assumed" if self.assumed else ""
        return f"max_connections {self.max_connections}{mark} minus {self.reserved} reserved"


@dataclass(frozen=True)
class Component:
    """Pods of one Deployment and what each holds at most."""

    replicas: int
    surge: int
    per_pod: int


@dataclass(frozen=True)
class Demand:
    components: Mapping[str, Component]
    #: The larger of the two Helm hooks, which run one after the other.
    hook_job: int

    @property
    def running(self) -> int:
        """Every pod up, nothing rolling."""
        return sum(c.replicas * c.per_pod for c in self.components.values())

    @property
    def peak(self) -> int:
        """The most at once: an upgrade's rollout (old and surge pods) with a hook running."""
        return self.running + sum(c.surge * c.per_pod for c in self.components.values()) + self.hook_job


def _surge(max_surge: float | str, replicas: int) -> int:
    """Kubernetes rounds a percentage maxSurge up (a number may come back from the engine as a float)."""
    if not isinstance(max_surge, str):
        return int(max_surge)
    return math.ceil(replicas * int(max_surge.rstrip("%")) / 100)


def demand(
    pool_limit: int,
    api_workers: int,
    replicas: Mapping[str, int],
    max_surge: Mapping[str, float | str] | None = None,
) -> Demand:
    """The connections of chart 1.20.0's Airflow 3 Deployments and hooks; ``replicas`` and ``max_surge``
    by chart key (missing ones take the chart's defaults)."""
    surges = max_surge or {}
    per_pod = {
        "scheduler": pool_limit + PROBE_CONNECTIONS,
        "apiServer": api_workers * (pool_limit + ASYNC_ENGINE_CONNECTIONS + FAB_ENGINE_CONNECTIONS),
        "triggerer": pool_limit + PROBE_CONNECTIONS,
        "dagProcessor": pool_limit + PROBE_CONNECTIONS,
    }
    components = {}
    for key, (default_replicas, default_surge) in CHART_DEFAULTS.items():
        count = replicas.get(key, default_replicas)
        components[key] = Component(count, _surge(surges.get(key, default_surge), count), per_pod[key])
    # The create-user hook (one process and FAB's engine) holds more than the migration (one process).
    return Demand(components, pool_limit + FAB_ENGINE_CONNECTIONS)


def values_demand(values: Mapping[str, Any]) -> Demand:
    """The demand of the chart values a release declares (what its pods will run with)."""
    config = values.get("config") or {}
    database, api = config.get("database") or {}, config.get("api") or {}
    pool = int(database.get("sql_alchemy_pool_size", AIRFLOW_POOL_SIZE)) + int(
        database.get("sql_alchemy_max_overflow", AIRFLOW_MAX_OVERFLOW)
    )
    replicas, surges = {}, {}
    for key in CHART_DEFAULTS:
        component = values.get(key) or {}
        if "replicas" in component:
            replicas[key] = int(component["replicas"])
        strategy = component.get("strategy") or {}
        rolling = strategy.get("rollingUpdate") or {}
        if strategy.get("type") == "Recreate":
            surges[key] = 0
        elif "maxSurge" in rolling:
            surges[key] = rolling["maxSurge"]
    return demand(pool, int(api.get("workers", AIRFLOW_API_WORKERS)), replicas, surges)


def settings_demand(airflow: AirflowSettings) -> Demand:
    """The demand of the airflow settings, before any value is built: under ``rollout: surge`` the values
    set no strategy (the chart's), under ``replace`` every Deployment's maxSurge is 0
    (components/airflow/availability.py; tests/test_database_connections.py checks both agree)."""
    r = airflow.replicas
    replicas = {"scheduler": r.scheduler, "apiServer": r.api_server, "triggerer": r.triggerer}
    surges: dict[str, float | str] = {key: 0 for key in CHART_DEFAULTS} if airflow.rollout == "replace" else {}
    return demand(airflow.database_pool.limit, AIRFLOW_API_WORKERS, replicas, surges)


def database_pool_config(size: int, max_overflow: int) -> dict[str, int]:
    """The chart's ``config.database``: the same pool in every process the chart runs."""
    return {"sql_alchemy_pool_size": size, "sql_alchemy_max_overflow": max_overflow}


def smallest_fitting(sku: str, needed: int) -> str | None:
    """The smallest size of ``sku``'s tier (same ``Standard_<letter>``) that leaves ``needed`` to users."""
    table, sizes = postgres_connections(), azure_facts.vm_sizes().sizes
    family = sku[: len("Standard_") + 1]
    fitting = [
        name
        for name in azure_facts.vm_sizes().postgres_sizes
        if name.startswith(family) and (limit := table.limit(name)) is not None and limit.available >= needed
    ]
    if not fitting:
        return None
    return min(fitting, key=lambda name: (sizes[name].vcpus, sizes[name].memory_gib, name))


def connections_requirement(sku: str, need: Demand) -> str | None:
    """What is wrong with ``sku`` for Airflow's demand, or None when it fits (or the size is unknown,
    which the size's own rule reports)."""
    limit = postgres_connections().limit(sku)
    if limit is None or need.peak <= limit.available:
        return None
    larger = smallest_fitting(sku, need.peak)
    instead = f"use {larger} or larger" if larger else "use a larger tier"
    surging = any(c.surge for c in need.components.values())
    rollout = ", or set airflow.rollout to replace (no extra pods during an upgrade)" if surging else ""
    return (
        f"leaves Airflow {limit.available} connections ({limit.describe()} by Azure; Limits in Azure "
        f"Database for PostgreSQL), but Airflow may open {need.peak} ({need.running} with every pod up, "
        f"more during an upgrade's rolling update and migration): {instead}, or lower "
        f"airflow.databasePool (size, maxOverflow) or airflow.replicas{rollout}"
    )

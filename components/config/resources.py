"""airflow.resources: what each Airflow process on the control-plane pool requests, and its memory limit.

Chart 1.20.0 sets ``resources: {}`` for every component (its values.yaml only shows 100m / 128Mi as
a commented example), so without these the scheduler would place Airflow's pods by nothing and a
node could be overcommitted. The defaults follow Amazon MWAA's smallest class, mw1.small (MWAA User
Guide, "Configuring the Amazon MWAA environment class", https://docs.aws.amazon.com/mwaa/latest/userguide/
environment-class.html: scheduler 1 vCPU / 2 GB, web server 0.5 vCPU / 1 GB; figures as last read, not
re-read 2026-12-06), as limits: each process requests about half of that, what an idle Airflow 3.1 uses with room,
and may grow to the limit. Memory has a limit (a leak kills the pod, not the node); CPU has none, so
an idle node's spare CPU is used (Airflow docs, Production Deployment: size by your DAGs' load).
tests/test_node_capacity.py checks the sum fits the pool's nodes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from components.config.base import Problem, Settings
from components.config.values import CpuQuantity, MemoryQuantity, parse_quantity


class ProcessResources(Settings):
    cpu: CpuQuantity
    memory: MemoryQuantity
    memory_limit: MemoryQuantity

    def problems(self) -> Iterator[Problem]:
        if parse_quantity(self.memory) > parse_quantity(self.memory_limit):
            yield Problem(self.key_path("memory"), self.memory, f"must not exceed memoryLimit ({self.memory_limit})")

    def chart_value(self) -> dict[str, Any]:
        """The chart's per-container ``resources``."""
        return {"requests": {"cpu": self.cpu, "memory": self.memory}, "limits": {"memory": self.memory_limit}}


def _process(cpu: str, memory: str, limit: str) -> ProcessResources:
    return ProcessResources(cpu=cpu, memory=memory, memory_limit=limit)


class AirflowResources(Settings):
    """Per process; the chart multiplies by airflow.replicas where a component has several."""

    scheduler: ProcessResources = _process("500m", "1Gi", "2Gi")
    api_server: ProcessResources = _process("250m", "1Gi", "2Gi")
    triggerer: ProcessResources = _process("250m", "512Mi", "1Gi")
    dag_processor: ProcessResources = _process("250m", "1Gi", "2Gi")
    statsd: ProcessResources = _process("50m", "64Mi", "128Mi")
    #: ``airflow db migrate`` and ``airflow users create``: one Airflow CLI process each, one at a time.
    migrate_database_job: ProcessResources = _process("250m", "512Mi", "1Gi")
    create_user_job: ProcessResources = _process("250m", "512Mi", "1Gi")
    #: Sidecars: git-sync (when a DAG repository is set) and the chart's local log groomer.
    git_sync: ProcessResources = _process("50m", "64Mi", "256Mi")
    log_groomer: ProcessResources = _process("10m", "32Mi", "128Mi")

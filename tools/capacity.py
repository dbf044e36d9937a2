"""The control-plane pool's busiest node as a run declares it: its size, zones, minimum and version
from the ``AgentPool``, monitoring from the cluster's add-ons, Airflow's requests from the release's
values and the database role Job (components/node_capacity.py does the sums)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from components.config.values import parse_quantity
from components.node_capacity import MIB, Fit, busiest_node, spread_domains, task_pods_per_node
from tools.offline import DeclaredResource, ProgramRun
from tools.transitions import plain

RELEASE = "kubernetes:helm.sh/v3:Release"
ROLE_JOB = "kubernetes:batch/v1:Job"


def agent_pool(run: ProgramRun, mode: str) -> dict[str, Any]:
    (pool,) = [p.inputs for p in run.of_type("azure-native:containerservice:AgentPool") if p.inputs["mode"] == mode]
    return pool


def control_plane_pool(run: ProgramRun) -> dict[str, Any]:
    """Where Airflow's control plane runs: its own System pool, else the cluster's inline one
    (``controlPlanePool.dedicated: false``), whose nodes take the cluster's version."""
    pools = [p.inputs for p in run.of_type("azure-native:containerservice:AgentPool") if p.inputs["mode"] == "System"]
    if pools:
        (pool,) = pools
        return pool
    cluster = run.one("azure-native:containerservice:ManagedCluster").inputs
    (inline,) = cluster["agentPoolProfiles"]
    return {**inline, "agentPoolName": inline["name"], "orchestratorVersion": cluster["kubernetesVersion"]}


def monitoring_on(run: ProgramRun) -> bool:
    addons = run.one("azure-native:containerservice:ManagedCluster").inputs.get("addonProfiles") or {}
    return bool((addons.get("omsagent") or {}).get("enabled"))


def role_job_resources(run: ProgramRun) -> Mapping[str, Any] | None:
    jobs = run.of_type(ROLE_JOB)
    if not jobs:
        return None
    (job,) = jobs
    (container,) = plain(job.inputs["spec"])["template"]["spec"]["containers"]
    return container.get("resources")


def control_plane_fit(run: ProgramRun, values: Mapping[str, Any] | None = None) -> Fit:
    """``values``: what the chart's templates see (tests pass the chart's defaults merged in); by
    default the release's own values, which set every request the chart's pods make."""
    pool = control_plane_pool(run)
    zones = len(pool.get("availabilityZones") or [])
    return busiest_node(
        values if values is not None else plain(airflow_release(run).inputs["values"]),
        pool["vmSize"],
        pool["orchestratorVersion"],
        spread_domains(zones, int(pool["minCount"])),
        monitoring_on(run),
        role_job_resources(run),
    )


def capacity_lines(run: ProgramRun) -> list[str]:
    """A line per Airflow pool: the control-plane pool's busiest node, and task pods per task node."""
    pool, fit = control_plane_pool(run), control_plane_fit(run)
    verdict = "fits" if fit.fits else "DOES NOT FIT"
    tasks = agent_pool(run, "User")
    requests, cpu, memory = task_requests(run)
    per_node = task_pods_per_node(tasks["vmSize"], tasks["orchestratorVersion"], monitoring_on(run), cpu, memory)
    return [
        f"Control-plane pool {pool['agentPoolName']} ({pool['vmSize']}), busiest node: {fit.summary()}: {verdict}",
        f"Task pool {tasks['agentPoolName']} ({tasks['vmSize']}): {per_node} task pods of {requests['cpu']} CPU /"
        f" {requests['memory']} per node beside AKS's DaemonSets",
        "  (AKS's reservations and system pods: data/aks-reservations.yaml)",
    ]


def task_requests(run: ProgramRun) -> tuple[dict[str, str], float, float]:
    """A task pod's requests as the release sets them, and in millicores and MiB."""
    requests = plain(airflow_release(run).inputs["values"])["workers"]["kubernetes"]["resources"]["requests"]
    return requests, float(parse_quantity(requests["cpu"]) * 1000), float(parse_quantity(requests["memory"]) / MIB)


def airflow_release(run: ProgramRun) -> DeclaredResource:
    """The Airflow chart's release: a stack with a front door also has its controllers' releases."""
    (release,) = [r for r in run.of_type(RELEASE) if r.inputs.get("chart") == "airflow"]
    return release

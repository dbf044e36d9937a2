"""The control-plane node group's busiest node as an AWS run declares it: its instance type, zones
and minimum from the ``NodeGroup``, Airflow's requests from the release's values and the database
role Job (components/eks_capacity.py and components/node_capacity.py do the sums)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from components import eks_capacity
from components.node_capacity import Fit, node_fit, spread_domains
from components.platform import POOL_LABEL
from tools.capacity import airflow_release, role_job_resources, task_requests
from tools.offline import ProgramRun
from tools.transitions import plain

NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
PROMETHEUS_WORKSPACE = "aws:amp/workspace:Workspace"


def node_group(run: ProgramRun, pool: str) -> dict[str, Any]:
    """The managed node group whose nodes carry the pool label ``pool`` (control-plane, tasks)."""
    (group,) = [g.inputs for g in run.of_type(NODE_GROUP) if (g.inputs.get("labels") or {}).get(POOL_LABEL) == pool]
    return group


def monitoring_on(run: ProgramRun) -> bool:
    """The monitoring block declares its workspace with kube-state-metrics and Fluent Bit."""
    return bool(run.of_type(PROMETHEUS_WORKSPACE))


def control_plane_fit(run: ProgramRun, values: Mapping[str, Any] | None = None) -> Fit:
    """``values``: what the chart's templates see; by default the release's own values."""
    group = node_group(run, "control-plane")
    (instance_type,) = group["instanceTypes"]
    domains = spread_domains(len(group["subnetIds"]), int(group["scalingConfig"]["minSize"]))
    return node_fit(
        eks_capacity.allocatable(instance_type),
        eks_capacity.system_pods(monitoring_on(run)),
        values if values is not None else plain(airflow_release(run).inputs["values"]),
        domains,
        role_job_resources(run),
    )


def capacity_lines(run: ProgramRun) -> list[str]:
    """A line per node group: the control-plane group's busiest node, and task pods per task node."""
    group, fit = node_group(run, "control-plane"), control_plane_fit(run)
    verdict = "fits" if fit.fits else "DOES NOT FIT"
    tasks = node_group(run, "tasks")
    requests, cpu, memory = task_requests(run)
    per_node = eks_capacity.task_pods_per_node(tasks["instanceTypes"], monitoring_on(run), cpu, memory)
    return [
        f"Control-plane node group {group['nodeGroupName']} ({group['instanceTypes'][0]}), busiest node: "
        f"{fit.summary()}: {verdict}",
        f"Task node group {tasks['nodeGroupName']} ({'/'.join(tasks['instanceTypes'])}): {per_node} task pods of "
        f"{requests['cpu']} CPU / {requests['memory']} per node beside the DaemonSets",
        "  (EKS's reservations and system pods: data/aws-reservations.yaml; monitoring's: data/aws-monitoring.yaml)",
    ]

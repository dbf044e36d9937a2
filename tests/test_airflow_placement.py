"""Where Airflow's pods land, computed from the values the way the chart's templates compute it.

Each component's template takes ``or .Values.<component>.<key> .Values.<key>``; the task pod
template (files/pod-template-file.kubernetes-helm-yaml in chart 1.20.0) takes the node selector from
``workers.kubernetes``, then ``workers``, then the global key, and tolerations and affinity from
``workers`` then the global key only. The pools are read from the Azure resources the run declared.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass
from typing import Any

import pytest

from components.config import TaskPodSettings
from components.naming import AKS_POOLS
from tests.helpers import parse_taint, tolerates
from tests.test_airflow_chart import chart_file, coalesce, go_or, template_values
from tools.capacity import control_plane_pool
from tools.offline import ProgramRun, run_program

#: Everything the chart runs besides task pods: all of it belongs on the control-plane pool.
CONTROL_PLANE_COMPONENTS = (
    "scheduler",
    "apiServer",
    "triggerer",
    "dagProcessor",
    "statsd",
    "migrateDatabaseJob",
    "createUserJob",
)


@dataclass(frozen=True)
class Pool:
    name: str
    labels: dict[str, str]
    taints: list[dict[str, str]]


@dataclass(frozen=True)
class Scheduling:
    node_selector: dict[str, str]
    affinity: dict[str, Any]
    tolerations: list[dict[str, Any]]


def pool(name: str, profile: dict[str, Any]) -> Pool:
    """A pool's nodes: its own labels, the one AKS adds with the pool's name, and its taints."""
    labels = {**profile.get("nodeLabels", {}), AKS_POOLS["pool_label"]["key"]: name}
    return Pool(name, labels, [parse_taint(t) for t in profile.get("nodeTaints", [])])


def agent_pool(run: ProgramRun, mode: str) -> dict[str, Any]:
    """The inputs of the run's one ``AgentPool`` in that mode (System: control plane, User: tasks)."""
    (found,) = [p.inputs for p in run.of_type("azure-native:containerservice:AgentPool") if p.inputs["mode"] == mode]
    return found


def pools(run: ProgramRun) -> dict[str, Pool]:
    """The cluster's pools: the inline bootstrap pool, and the Airflow pools by their mode (the
    control plane's is the bootstrap pool itself when it has none of its own)."""
    (bootstrap,) = run.one("azure-native:containerservice:ManagedCluster").inputs["agentPoolProfiles"]
    agent_pools = run.of_type("azure-native:containerservice:AgentPool")
    dedicated = [p.inputs for p in agent_pools if p.inputs["mode"] == "System"]
    task = agent_pool(run, "User")
    system = pool(bootstrap["name"], bootstrap)
    return {
        "bootstrap": system,
        "control-plane": pool(dedicated[0]["agentPoolName"], dedicated[0]) if dedicated else system,
        "tasks": pool(task["agentPoolName"], task),
    }


def component_scheduling(values: dict[str, Any], component: str) -> Scheduling:
    section = values[component]
    return Scheduling(
        node_selector=go_or(section.get("nodeSelector"), values["nodeSelector"]),
        affinity=go_or(section.get("affinity"), values["affinity"]),
        tolerations=go_or(section.get("tolerations"), values["tolerations"]),
    )


def task_pod_scheduling(values: dict[str, Any]) -> Scheduling:
    workers = values["workers"]
    return Scheduling(
        node_selector=go_or(workers["kubernetes"].get("nodeSelector"), workers["nodeSelector"], values["nodeSelector"]),
        affinity=go_or(workers["affinity"], values["affinity"]),
        tolerations=go_or(workers["tolerations"], values["tolerations"]),
    )


def matches(term: dict[str, Any], labels: dict[str, str]) -> bool:
    for expression in term.get("matchExpressions", []):
        value, operator = labels.get(expression["key"]), expression["operator"]
        if operator == "In" and value not in expression["values"]:
            return False
        if operator == "NotIn" and value in expression["values"]:
            return False
        if operator == "Exists" and value is None:
            return False
        if operator == "DoesNotExist" and value is not None:
            return False
    return True


def unschedulable_because(pod: Scheduling, pool: Pool) -> list[str]:
    """Why the scheduler would refuse ``pod`` on ``pool``'s nodes; empty when it fits."""
    reasons = [
        f"nodeSelector {key}={value}" for key, value in pod.node_selector.items() if pool.labels.get(key) != value
    ]
    reasons += [
        f"taint {t['key']}={t['value']}:{t['effect']} not tolerated"
        for t in pool.taints
        if t["effect"] in ("NoSchedule", "NoExecute") and not tolerates(pod.tolerations, t)
    ]
    required = (pod.affinity.get("nodeAffinity") or {}).get("requiredDuringSchedulingIgnoredDuringExecution")
    if required and not any(matches(term, pool.labels) for term in required["nodeSelectorTerms"]):
        reasons.append("required node affinity")
    return reasons


@functools.cache
def on_demand_task_pool_run() -> ProgramRun:
    return run_program("dev", overrides={"airflow-platform:cluster": {"taskPool": {"spot": False}}})


@pytest.mark.parametrize("component", CONTROL_PLANE_COMPONENTS)
def test_control_plane_components_run_on_the_control_plane_pool_never_on_spot(stack_run, component):
    values = template_values(stack_run)
    pod = component_scheduling(values, component)
    by_name = pools(stack_run)
    assert unschedulable_because(pod, by_name["control-plane"]) == []
    assert unschedulable_because(pod, by_name["tasks"]), f"{component} could land on the spot task pool"
    if by_name["control-plane"] is not by_name["bootstrap"]:
        assert unschedulable_because(pod, by_name["bootstrap"]), f"{component} could land on the add-on pool"
    # Selected, not merely kept off the tainted pool: a pool added later would not attract it either.
    assert unschedulable_because(pod, Pool("any-other", {}, [])), f"{component} selects no pool"


def test_control_plane_pool_is_on_demand(stack_run):
    assert control_plane_pool(stack_run)["scaleSetPriority"] == "Regular"


def test_dev_runs_the_control_plane_on_the_system_pool_and_prod_on_its_own(dev_run, prod_run):
    """dev idles on one node; prod keeps Airflow apart from AKS's add-ons."""
    dev, prod = pools(dev_run), pools(prod_run)
    assert dev["control-plane"] is dev["bootstrap"]
    assert prod["control-plane"] is not prod["bootstrap"]


def test_task_pods_fit_the_task_pool_and_only_it(stack_run):
    pod = task_pod_scheduling(template_values(stack_run))
    by_name = pools(stack_run)
    assert by_name["tasks"].taints, "the task pool is tainted, so tolerations are actually exercised"
    assert unschedulable_because(pod, by_name["tasks"]) == []
    assert unschedulable_because(pod, by_name["control-plane"])
    assert unschedulable_because(pod, by_name["bootstrap"])


def test_task_pods_fit_an_on_demand_task_pool_too():
    run = on_demand_task_pool_run()
    assert agent_pool(run, "User")["scaleSetPriority"] == "Regular"
    assert unschedulable_because(task_pod_scheduling(template_values(run)), pools(run)["tasks"]) == []


def test_tolerations_under_workers_kubernetes_would_not_reach_task_pods(dev_run):
    """The trap the chart sets: it has no such key, so the pod template never reads it."""
    values = template_values(dev_run)
    misplaced = copy.deepcopy(values)
    misplaced["workers"]["kubernetes"]["tolerations"] = misplaced["workers"].pop("tolerations")
    misplaced = coalesce(chart_file("values.yaml"), misplaced)
    reasons = unschedulable_because(task_pod_scheduling(misplaced), pools(dev_run)["tasks"])
    assert reasons and all("not tolerated" in r for r in reasons)


def test_task_pod_resources_come_from_the_settings(dev_run):
    resources = template_values(dev_run)["workers"]["kubernetes"]["resources"]
    assert resources == TaskPodSettings().model_dump()
    assert resources["requests"] and resources["limits"]

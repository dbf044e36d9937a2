"""The control-plane node group's busiest node holds what lands on it: EKS's system pods, Cluster
Autoscaler and Airflow's pods, by their requests, within what nodeadm leaves allocatable
(components/eks_capacity.py, tools/aws_capacity.py); and how many task pods a task node takes."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from components.aws_facts import node_type_table
from components.eks_capacity import allocatable, eks_reservations, kube_reserved_cpu, kube_reserved_memory
from tests.conftest import planned
from tests.test_airflow_chart import chart_file, coalesce
from tools.aws_capacity import capacity_lines, control_plane_fit
from tools.capacity import airflow_release
from tools.offline import ROOT, ProgramRun, run_program
from tools.transitions import plain

AWS_STACKS = ("aws-dev", "aws-prod")


def chart_sees(run: ProgramRun) -> dict[str, Any]:
    """``.Values`` as the Airflow chart's templates see it: its defaults under the release's values."""
    return coalesce(chart_file("values.yaml"), plain(airflow_release(run).inputs["values"]))


def test_cpu_tiers_give_the_worked_table():
    listed = eks_reservations().kube_reserved_cpu_millicores
    assert {cores: kube_reserved_cpu(cores) for cores in listed} == listed


def test_memory_reservation_follows_nodeadm():
    # m5.large: 29 pods (3 ENIs x 9 + 2), 11 x 29 + 255 = 574 MiB, plus the 100Mi eviction threshold.
    assert kube_reserved_memory(29) == 574 + 100
    m6i = allocatable("m6i.large")
    assert (m6i.cpu_m, m6i.memory_mi) == (2000 - 70, 8192 - 574 - 100)


def test_max_pods_follow_the_eni_formula():
    wrong = {
        name: (node.max_pods, node.enis * (node.ipv4_per_eni - 1) + 2)
        for name, node in node_type_table().types.items()
        if node.max_pods != node.enis * (node.ipv4_per_eni - 1) + 2
    }
    assert wrong == {}


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_busiest_control_plane_node_fits(stack):
    run = planned(stack)
    fit = control_plane_fit(run, chart_sees(run))
    assert fit.fits, f"{stack}'s control-plane group's busiest node is over its allocatable:\n{fit.report()}"
    assert "fits" in capacity_lines(run)[0]


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_the_plan_reads_the_same_requests_as_the_chart_sees(stack):
    run = planned(stack)
    seen, planned_fit = control_plane_fit(run, chart_sees(run)), control_plane_fit(run)
    assert (planned_fit.cpu_m, planned_fit.memory_mi) == (seen.cpu_m, seen.memory_mi)


def test_eks_pods_and_the_autoscaler_are_counted():
    by_name = {pod.name: pod.count for pod in control_plane_fit(planned("aws-prod")).pods}
    assert {"aws-node", "kube-proxy", "eks-pod-identity-agent", "cluster-autoscaler"} <= set(by_name)
    assert by_name["coredns"] == 2, "EKS runs two CoreDNS replicas; both are counted on the busiest node"
    assert by_name["scheduler"] == 1, "two schedulers across three zones: one per node at most"


def test_a_node_too_small_for_prod_fails_with_the_numbers():
    """prod's replicas and default requests on a 2-vCPU type: over by CPU."""
    aws = copy.deepcopy(yaml.safe_load((ROOT / "Pulumi.aws-prod.yaml").read_text())["config"]["airflow-platform:aws"])
    aws["cluster"]["controlPlaneNodes"] = {"instanceTypes": ["m6i.large"]}
    run = run_program("aws-prod", overrides={"airflow-platform:aws": aws})
    fit = control_plane_fit(run, chart_sees(run))
    assert not fit.fits
    report = fit.report()
    assert "1 x cluster-autoscaler: 100m, 600Mi" in report
    assert "1 x scheduler: 510m, 1056Mi" in report
    assert "m6i.large allocatable 1930m, 7518Mi" in report
    assert "DOES NOT FIT" in capacity_lines(run)[0]


def test_task_pods_per_task_node():
    # aws-dev's xlarge types: 4000m - 80m reserved - 150m of DaemonSets = 3770m, 7 pods of 500m; memory
    # 16384 - (11 x 58 + 255) - 100 = 15391Mi takes 15 of 1Gi: CPU decides.
    line = capacity_lines(planned("aws-dev"))[1]
    assert "(m6i.xlarge/m6a.xlarge/m5.xlarge): 7 task pods of 500m CPU / 1Gi per node" in line

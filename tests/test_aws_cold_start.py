"""The AWS plan's cold start, idle tail and database connections follow the declared task node group,
the autoscaler's release, the RDS class and the data files, not figures of their own."""

from __future__ import annotations

import dataclasses

import pytest

from components.aws.autoscaler import AUTOSCALER
from components.config import PROJECT
from components.database_connections import values_demand
from components.node_start import node_start_times, task_queued_timeout_seconds
from components.rds_connections import rds_postgres
from tests.conftest import planned
from tools import plan
from tools.aws_capacity import node_group
from tools.aws_cold_start import autoscaler_flags, eks_node_start, estimate_eks_cold_start
from tools.aws_prices import load_aws_prices
from tools.capacity import RELEASE, airflow_release
from tools.cold_start import duration_minutes
from tools.offline import ProgramRun
from tools.transitions import plain

TABLE = load_aws_prices()
AWS_STACKS = ("aws-dev", "aws-prod")


def with_autoscaler_args(run: ProgramRun, **extra_args: str) -> ProgramRun:
    (release,) = [r for r in run.of_type(RELEASE) if r.inputs.get("chart") == AUTOSCALER.chart.name]
    values = plain(release.inputs["values"])
    values["extraArgs"] = {**values.get("extraArgs", {}), **extra_args}
    changed = dataclasses.replace(release, inputs={**release.inputs, "values": values})
    return dataclasses.replace(run, resources=[changed if r is release else r for r in run.resources])


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_the_wait_is_the_scan_interval_plus_the_data_files_typical_figures(stack):
    run = planned(stack)
    estimate = estimate_eks_cold_start(run, TABLE)
    eks, typical = eks_node_start(), node_start_times().cold_start
    scan = duration_minutes(eks.autoscaler_defaults.scan_interval)
    pull = typical.image.compressed_mb / typical.download.mb_per_second / 60
    expected = scan + eks.cold_start.vm_provisioning.minutes + eks.cold_start.node_join.minutes + pull
    assert estimate.wait_minutes == pytest.approx(expected)
    group = node_group(run, "tasks")
    assert (estimate.pool, estimate.vm_size) == (group["nodeGroupName"], "/".join(group["instanceTypes"]))
    assert estimate.spot and estimate.max_count == group["scalingConfig"]["maxSize"]


def test_the_autoscalers_extra_args_win_over_its_defaults():
    run = with_autoscaler_args(
        planned("aws-dev"),
        **{"scan-interval": "30s", "scale-down-unneeded-time": "5m", "max-node-provision-time": "20m"},
    )
    estimate = estimate_eks_cold_start(run, TABLE)
    assert estimate.steps[0].minutes == pytest.approx(0.5) and "scan-interval 30s" in estimate.steps[0].basis
    delay = duration_minutes(eks_node_start().autoscaler_defaults.scale_down_delay_after_add)
    assert estimate.kept_minutes == max(5, delay)
    assert estimate.bound_minutes == 20 + node_start_times().image_pull.minutes


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_the_queued_timeout_is_above_the_eks_bound(stack):
    """CA gives a node up after max-node-provision-time: Airflow must not retry its task earlier."""
    run = planned(stack)
    bound = duration_minutes(autoscaler_flags(run)["max-node-provision-time"]) + node_start_times().image_pull.minutes
    assert estimate_eks_cold_start(run, TABLE).bound_minutes == bound
    assert task_queued_timeout_seconds(None) >= bound * 60


def test_a_priced_group_costs_its_dearest_types_on_demand_hour_per_kept_window():
    run = planned("aws-dev")
    group = next(r for r in run.of_type("aws:eks/nodeGroup:NodeGroup") if r.inputs["nodeGroupName"].startswith("tasks"))
    priced = sorted(TABLE.prices.ec2)[:2]
    changed = dataclasses.replace(group, inputs={**group.inputs, "instanceTypes": priced})
    run = dataclasses.replace(run, resources=[changed if r is group else r for r in run.resources])
    estimate = estimate_eks_cold_start(run, TABLE)
    dearest = max(TABLE.prices.ec2[t].usd for t in priced)
    assert estimate.node_hour_usd == pytest.approx(dearest)
    assert estimate.node_window_usd == pytest.approx(dearest * estimate.kept_minutes / 60)


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_the_plan_prints_the_cold_start_and_the_rds_connections(stack, capsys):
    run = planned(stack)
    assert plan.main([stack]) == 0
    out = capsys.readouterr().out
    assert f"Stack {PROJECT}/{stack}:" in out
    need = values_demand(plain(airflow_release(run).inputs["values"]))
    instance_class = run.one("aws:rds/instance:Instance").inputs["instanceClass"]
    limit = rds_postgres().limit(instance_class)
    verdict = "fits" if need.peak <= limit.available else "DOES NOT FIT"
    assert f"Database connections: Airflow may open {need.peak} of {limit.available} (" in out
    assert f"on {instance_class}: {verdict}" in out
    estimate = estimate_eks_cold_start(run, TABLE)
    assert f"waits about {estimate.wait_minutes:.1f} min for a spot {estimate.vm_size} node of node group" in out
    assert f"Idle nodes kept after the last task: up to {estimate.kept_minutes:g} min (scale-down-unneeded-time" in out

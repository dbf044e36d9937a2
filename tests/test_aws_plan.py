"""The offline plan of the AWS stacks: the idle cost from the declared inputs and data/aws-prices.yaml,
the `pulumi up` estimate from data/aws-provisioning-times.yaml, and `python -m tools.plan` for
aws-dev and aws-prod with AWS's figures only."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, timedelta

import pytest

from components.eks_versions import eks_calendar
from tests.conftest import planned
from tools import plan, snapshots
from tools.aws_cost import (
    EKS_CLUSTER,
    ELASTIC_IP,
    NAT_GATEWAY,
    NODE_GROUP,
    RDS_INSTANCE,
    VPC_ENDPOINT,
    estimate_aws_idle_cost,
)
from tools.aws_prices import load_aws_prices
from tools.cloud_figures import load_price_tables
from tools.duration import AWS_PROVISIONING_TIMES, estimate_duration, floor_minutes, load_provisioning_times
from tools.offline import ROOT, DeclaredResource, ProgramRun
from tools.plan_document import plan_document, resource_keys

TABLE = load_aws_prices()
TIMES = load_provisioning_times()
AWS_STACKS = ("aws-dev", "aws-prod")
HOURS = TABLE.hours_per_month


def lines_of(run: ProgramRun, resource: DeclaredResource, on: date | None = None) -> dict[str, float | None]:
    return {
        line.charge: line.monthly_usd
        for line in estimate_aws_idle_cost(run, TABLE, on).lines
        if line.resource.urn == resource.urn
    }


def with_inputs(run: ProgramRun, resource: DeclaredResource, **inputs) -> ProgramRun:
    changed = dataclasses.replace(resource, inputs={**resource.inputs, **inputs})
    return dataclasses.replace(run, resources=[changed if r is resource else r for r in run.resources])


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_every_aws_type_is_priced_or_free(stack):
    estimate = estimate_aws_idle_cost(planned(stack), TABLE)
    assert [t for t in estimate.unpriced_types if t.startswith("aws:")] == []
    assert estimate.other_regions == ()


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_cost_lines_follow_the_declared_inputs_and_the_price_table(stack):
    run = planned(stack)
    prices = TABLE.prices
    (database,) = run.of_type(RDS_INSTANCE)
    multi_az = bool(database.inputs.get("multiAz"))
    compute = (prices.rds_postgres_multi_az if multi_az else prices.rds_postgres_single_az)[
        database.inputs["instanceClass"]
    ]
    storage = prices.rds_gp3_storage["multi_az" if multi_az else "single_az"]
    database_lines = lines_of(run, database)
    assert sorted(database_lines.values())[-2:] == pytest.approx(
        sorted([compute.usd * HOURS, storage.usd * database.inputs["allocatedStorage"]])
    )

    for group in run.of_type(NODE_GROUP):
        nodes = int(group.inputs["scalingConfig"]["minSize"])
        (node_line, *volume) = lines_of(run, group).values()
        if nodes == 0:
            assert node_line == 0 and volume == []
        else:
            dearest = max(prices.ec2[t].usd for t in group.inputs["instanceTypes"])
            assert node_line == pytest.approx(nodes * dearest * HOURS)
            assert volume == [pytest.approx(nodes * TABLE.assumptions.node_disk_default_gb * prices.ebs_gp3.usd)]

    estimate = estimate_aws_idle_cost(run, TABLE)
    per_type = {
        NAT_GATEWAY: prices.nat_gateway.usd * HOURS,
        ELASTIC_IP: prices.public_ipv4.usd * HOURS,
    }
    for type_token, monthly in per_type.items():
        charged = [line.monthly_usd for line in estimate.lines if line.resource.type == type_token]
        assert charged == [pytest.approx(monthly)] * len(run.of_type(type_token))
    interface_zones = sum(
        len(e.inputs["subnetIds"]) for e in run.of_type(VPC_ENDPOINT) if e.inputs.get("vpcEndpointType") == "Interface"
    )
    endpoints = [line.monthly_usd for line in estimate.lines if line.resource.type == VPC_ENDPOINT]
    assert sum(endpoints) == pytest.approx(interface_zones * prices.vpc_interface_endpoint.usd * HOURS)
    assert estimate.total_usd == pytest.approx(sum(line.monthly_usd or 0 for line in estimate.lines))
    assert 0 < estimate.estimated_usd <= estimate.total_usd


def test_prod_pays_for_a_nat_gateway_and_its_address_per_zone_and_dev_for_one():
    assert len(planned("aws-dev").of_type(NAT_GATEWAY)) == len(planned("aws-dev").of_type(ELASTIC_IP)) == 1
    assert len(planned("aws-prod").of_type(NAT_GATEWAY)) == len(planned("aws-prod").of_type(ELASTIC_IP)) == 3


def test_the_cluster_hour_follows_the_versions_support_phase_on_the_day():
    run = planned("aws-dev")
    (cluster,) = run.of_type(EKS_CLUSTER)
    minor = eks_calendar().minors[cluster.inputs["version"]]
    standard = lines_of(run, cluster, minor.end_of_support - timedelta(days=1))
    extended = lines_of(run, cluster, minor.end_of_support)
    assert list(standard.values()) == [pytest.approx(TABLE.prices.eks_cluster["standard"].usd * HOURS)]
    assert list(extended.values()) == [pytest.approx(TABLE.prices.eks_cluster["extended"].usd * HOURS)]
    assert "extended support" in next(iter(extended))
    # With upgradePolicy STANDARD, EKS upgrades the cluster at the end of standard support instead.
    upgraded = with_inputs(run, cluster, upgradePolicy={"supportType": "STANDARD"})
    assert list(lines_of(upgraded, cluster, minor.end_of_support).values()) == list(standard.values())
    # Past extended support the minor is gone: no price rather than a guess.
    assert list(lines_of(run, cluster, minor.extended_end).values()) == [None]


def test_a_spot_group_above_zero_is_counted_at_the_dearest_types_on_demand_price():
    run = planned("aws-dev")
    (tasks,) = [g for g in run.of_type(NODE_GROUP) if g.inputs.get("capacityType") == "SPOT"]
    types = ["m6i.xlarge", "m6a.xlarge"]
    scaled = with_inputs(run, tasks, instanceTypes=types, scalingConfig={**tasks.inputs["scalingConfig"], "minSize": 2})
    node_line = next(iter(lines_of(scaled, tasks).values()))
    assert node_line == pytest.approx(2 * TABLE.prices.ec2["m6i.xlarge"].usd * HOURS)


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_the_duration_chain_ends_with_the_airflow_release_or_the_collector_nothing_waits_for(stack):
    run = planned(stack)
    estimate = estimate_duration(run, TIMES)
    releases = [(r, m) for r, m, _ in estimate.steps if r.type == "kubernetes:helm.sh/v3:Release"]
    ((release, minutes),) = [(r, m) for r, m in releases if r.inputs["chart"] == "airflow"]
    last, _ = estimate.chain[-1]
    # Only the monitoring block's managed collector, which nothing waits for, may finish after Airflow.
    assert last.urn == release.urn or last.type == "aws:amp/scraper:Scraper"
    assert estimate.unlisted_types == ()
    done = {r.urn: at for r, _, at in estimate.steps}
    infrastructure = [
        done[r.urn]
        for r in run.resources
        if r.type in (EKS_CLUSTER, RDS_INSTANCE)
        or (r.type == NODE_GROUP and r.inputs["labels"].get("airflow-platform/pool") == "control-plane")
    ]
    assert len(infrastructure) == 3
    assert floor_minutes(estimate) == pytest.approx(max(infrastructure) + minutes)
    assert estimate.minutes >= floor_minutes(estimate)


def test_a_type_in_both_provisioning_times_files_is_an_error(tmp_path):
    twice = tmp_path / "twice.yaml"
    twice.write_text(AWS_PROVISIONING_TIMES.read_text())
    with pytest.raises(ValueError, match="aws:eks/cluster:Cluster"):
        load_provisioning_times((AWS_PROVISIONING_TIMES, twice))


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_the_plan_command_prints_aws_figures_only(stack, capsys):
    assert plan.main([stack]) == 0
    out = capsys.readouterr().out
    assert f"Stack airflow-platform/{stack}:" in out
    assert "Estimated `pulumi up` from scratch" in out
    assert f"({TABLE.FILE})" in out and "eu-west-1" in out
    for azure_only in ("Control-plane pool", "data/prices.yaml"):  # paused: tests/test_pause_aws.py
        assert azure_only not in out
    assert "types neither priced nor free" not in out or "aws:" not in out.split("types neither priced nor free")[1]


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_the_plan_document_is_priced_with_the_aws_table(stack, tmp_path, capsys):
    snapshots.update_snapshots([stack], ROOT, TIMES, load_price_tables(), directory=tmp_path)
    document = json.loads((tmp_path / f"{stack}.json").read_text())
    cost = document["estimates"]["idleMonthlyCost"]
    assert (cost["region"], cost["pricesAsOf"]) == (TABLE.region, TABLE.as_of.isoformat())
    assert document["estimates"]["coldStart"]["pool"].startswith("tasks-")
    keys = resource_keys(planned(stack))
    assert {line["resource"] for line in cost["lines"]} <= set(keys.values())
    assert plan_document(planned(stack), TIMES, TABLE) == document


@pytest.mark.parametrize(("stack", "monitored"), [("aws-dev", False), ("aws-prod", True)])
def test_the_plan_states_the_usage_assumed_of_what_the_stack_is_charged_for(stack, monitored):
    """aws-dev has no monitoring (and neither stack a front door): no assumption about their usage is stated."""
    charges = {line.charge for line in estimate_aws_idle_cost(planned(stack), TABLE).lines}
    assumed = TABLE.usage_assumed(charges)
    assert "task logs" in assumed and "metadata database" in assumed
    assert ("Prometheus series" in assumed) is monitored
    assert "NLB" not in assumed
    assert "NLB" in TABLE.usage_assumed({*charges, "front door NLB"})

"""`pulumi up` from scratch stays within 3 minutes of its floor: the slower of the cluster (with its
System pool) and the database server, then the Helm release. Nothing that is not needed sits between
them and the release (issue 11); what does (the database's TLS settings, the role Job) is small."""

from __future__ import annotations

import dataclasses

import pytest

from tests.conftest import planned
from tools.duration import estimate_duration, floor_minutes, load_provisioning_times
from tools.plan_text import render_duration

#: How far above its floor a stack's `pulumi up` may be.
MARGIN_MINUTES = 3
RELEASE = "kubernetes:helm.sh/v3:Release"
TIMES = load_provisioning_times()


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_pulumi_up_is_within_three_minutes_of_its_floor(stack):
    estimate = estimate_duration(planned(stack), TIMES)
    floor = floor_minutes(estimate)
    chain = ", ".join(f"{r.name} {m:g}" for r, m in estimate.chain)
    assert estimate.minutes - floor <= MARGIN_MINUTES, (
        f"{estimate.minutes:.1f} min against a floor of {floor:.1f}: {chain}"
    )


def test_the_floor_is_the_slower_of_cluster_and_database_then_the_release(prod_run):
    estimate = estimate_duration(prod_run, TIMES)
    done = {r.type + "/" + r.name: at for r, _, at in estimate.steps}
    release = next(m for r, m, _ in estimate.steps if r.type == RELEASE)
    slower = max(
        done["azure-native:dbforpostgresql:Server/server"],
        done["azure-native:containerservice:AgentPool/control-plane-pool"],
    )
    assert floor_minutes(estimate) == pytest.approx(slower + release)
    # The task pool is no part of it: Airflow does not wait for it.
    slower_tasks = dataclasses.replace(
        estimate,
        steps=tuple((r, m, at + 100 if r.name == "task-pool" else at) for r, m, at in estimate.steps),
    )
    assert floor_minutes(slower_tasks) == floor_minutes(estimate)


def test_the_plan_prints_the_floor_and_the_distance_to_it(dev_run):
    estimate = estimate_duration(dev_run, TIMES)
    keys = {r.urn: r.name for r in dev_run.resources}
    (line,) = [line for line in render_duration(estimate, keys) if "floor:" in line]
    assert f"floor: {floor_minutes(estimate):.1f} min" in line
    assert f"{estimate.minutes - floor_minutes(estimate):.1f} min above it" in line

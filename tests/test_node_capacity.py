"""The control-plane pool's busiest node holds what lands on it: AKS's system pods and Airflow's, by
their requests, within what AKS leaves allocatable (components/node_capacity.py, tools/capacity.py)."""

from __future__ import annotations

import pytest

from components.node_capacity import allocatable, kube_reserved_cpu, kube_reserved_memory, reservations
from tests.test_airflow_chart import template_values
from tests.test_airflow_placement import CONTROL_PLANE_COMPONENTS
from tests.test_guards import with_settings
from tools.capacity import capacity_lines, control_plane_fit
from tools.offline import run_program


def test_memory_reservation_matches_ms_learn_examples():
    # "8 GB of memory and the node supports up to 30 pods": 20 MB * 30 + 50 MB = 650 MB, plus the
    # 100 Mi eviction threshold; 7.25 GB or 90.625% allocatable.
    reserved = kube_reserved_memory(8000, 30, "1.29")
    assert reserved == 650 + 100
    assert (8000 - reserved) / 8000 == 0.90625
    # "4 GB of memory and the node supports up to 70 pods": 25% * 4 GB = 1000 MB, less than 1450 MB.
    assert kube_reserved_memory(4000, 70, "1.36") == 1000 + 100
    # Before 1.29, "if a node offers 7 GB": 0.75 + (0.25*4) + (0.20*3) = 2.35 GB.
    assert kube_reserved_memory(7000, 30, "1.28", per_gib=1000) == pytest.approx(2350)


def test_cpu_reservation_follows_the_table():
    assert [kube_reserved_cpu(cores) for cores in (1, 2, 4, 8, 16, 32, 64)] == [60, 100, 140, 180, 260, 420, 740]
    assert kube_reserved_cpu(20) == 420, "a core count the table skips takes the next larger entry"


def test_allocatable_of_the_sizes_in_use():
    # 250 pods (Azure CNI Overlay's default) caps the reservation at 25% of memory on these sizes.
    d4 = allocatable("Standard_D4ds_v5", "1.36")
    assert (d4.cpu_m, d4.memory_mi) == (3860, 16384 - 4096 - 100)
    d2 = allocatable("Standard_D2ds_v5", "1.36")
    assert (d2.cpu_m, d2.memory_mi) == (1900, 8192 - 2048 - 100)
    assert reservations().max_pods.azure_cni_overlay == 250


@pytest.mark.parametrize("component", CONTROL_PLANE_COMPONENTS)
def test_every_control_plane_component_requests_cpu_and_memory(stack_run, component):
    """Chart 1.20.0 requests nothing by default: without ours the sum below would prove nothing."""
    requests = template_values(stack_run)[component]["resources"].get("requests", {})
    assert {"cpu", "memory"} <= set(requests), f"{component} requests {requests}"


def test_busiest_control_plane_node_fits(stack_run):
    fit = control_plane_fit(stack_run, template_values(stack_run))
    assert fit.fits, f"the control-plane pool's busiest node is over its allocatable:\n{fit.report()}"


def test_the_plan_reads_the_same_requests_as_the_chart_sees(stack_run):
    seen, planned = control_plane_fit(stack_run, template_values(stack_run)), control_plane_fit(stack_run)
    assert (planned.cpu_m, planned.memory_mi) == (seen.cpu_m, seen.memory_mi)


def test_replicas_spread_across_zones_share_the_busiest_node_only_in_part(prod_run):
    by_name = {pod.name: pod.count for pod in control_plane_fit(prod_run, template_values(prod_run)).pods}
    assert template_values(prod_run)["scheduler"]["replicas"] == 2
    assert by_name["scheduler"] == 1, "two schedulers across three zones: one per node at most"


def test_a_node_too_small_fails_with_the_numbers():
    run = run_program(
        "dev",
        overrides=with_settings(
            "dev", "airflow", resources={"scheduler": {"cpu": "2", "memory": "1Gi", "memoryLimit": "2Gi"}}
        ),
    )
    fit = control_plane_fit(run, template_values(run))
    assert not fit.fits
    report = fit.report()
    assert "1 x scheduler: 2010m, 1056Mi" in report
    assert "allocatable 1900m, 6044Mi" in report
    assert "DOES NOT FIT" in capacity_lines(run)[0]

"""The facts the settings are checked against: regions, VM sizes, AKS limits, the chart's Airflow.

Each table is checked for what its rules rely on, against the program's own constants and, where
the project holds it, against the primary source itself (the chart's Chart.yaml).
"""

from __future__ import annotations

import json
import re

import pytest
import yaml
from pydantic import ValidationError

from components import azure_facts, chart_facts
from components.azure import pools
from components.config import (
    _VM_SIZE,
    CLUSTER_POD_CIDR,
    PROJECT,
    AirflowSettings,
    ClusterSettings,
    ConfigurationError,
    DatabaseSettings,
    settings_from_config,
)
from components.naming import REGION_NAME_BUDGET
from tests.test_airflow_chart import chart_file

CLUSTER = f"{PROJECT}:cluster"

# -- regions ---------------------------------------------------------------------------------------


def test_regions_are_programmatic_names_the_settings_accept():
    table = azure_facts.regions().regions
    assert len(table) > 50
    for name, region in table.items():
        assert re.fullmatch(rf"[a-z][a-z0-9]{{1,{REGION_NAME_BUDGET - 1}}}", name), name
        assert re.sub(r"[^a-z0-9]", "", region.name.lower()) == name, name  # display name, spelled together


@pytest.mark.parametrize(("region", "zones"), [("westeurope", True), ("uksouth", True), ("northcentralus", False)])
def test_zones_per_region(region, zones):
    assert azure_facts.has_zones(region) is zones


@pytest.mark.parametrize(
    ("typo", "meant"), [("westeurpoe", "westeurope"), ("eastus3", "eastus"), ("uksouht", "uksouth")]
)
def test_a_misspelt_region_names_the_one_meant(typo, meant):
    assert f"did you mean {meant}" in azure_facts.region_requirement(typo)


# -- VM sizes --------------------------------------------------------------------------------------


def test_every_size_is_spelled_as_azure_spells_it_and_has_a_source():
    table = azure_facts.vm_sizes()
    for series in table.series.values():
        assert series.source.startswith("https://learn.microsoft.com/")
        for name in series.sizes:
            assert re.fullmatch(_VM_SIZE, name), name
    assert len(table.sizes) > 100


def test_the_defaults_and_committed_sizes_are_known():
    sizes = azure_facts.vm_sizes().sizes
    cluster, database = ClusterSettings(), DatabaseSettings()
    for name in (cluster.control_plane_pool.vm_size, cluster.task_pool.vm_size, "Standard_D8ds_v5"):
        assert name in sizes
    assert {database.sku_name, "Standard_D4ds_v5"} <= azure_facts.vm_sizes().postgres_sizes


def test_flexible_server_sizes_match_their_tier_families():
    for name in azure_facts.vm_sizes().postgres_sizes:
        assert re.match(r"Standard_[BDE]\d", name), name


def test_a_size_listed_twice_is_refused():
    document = yaml.safe_load(azure_facts.VM_SIZES.read_text())
    document["series"]["Copy"] = {"source": "x", "sizes": {"Standard_D4ds_v5": {"vcpus": 4, "memory_gib": 16}}}
    with pytest.raises(ValidationError, match="more than one series"):
        azure_facts.VmSizeTable.model_validate(document)


def test_the_bootstrap_pool_is_counted_as_the_cluster_declares_it():
    """The pool count in the pod-network and node-subnet rules is the bootstrap pool's own maximum."""
    assert azure_facts.BOOTSTRAP_POOL_MAX_NODES == pools.BOOTSTRAP_MAX_COUNT
    default = ClusterSettings().system_pool.vm_size
    assert default == pools.SYSTEM_POOL_SIZE_BEFORE_SETTING
    assert azure_facts.pool_size_requirement(default, "System") is None


# -- AKS limits ------------------------------------------------------------------------------------


@pytest.mark.parametrize("price", [-1, 0.5, 0.98765, 1, 12.5])
def test_spot_prices_with_up_to_five_decimals_are_accepted(price):
    assert azure_facts.spot_price_requirement(price) is None


@pytest.mark.parametrize(("price", "decimals"), [(0.123456, 6), (1e-06, 6), (0.1234567891, 10)])
def test_spot_prices_with_more_decimals_are_refused(price, decimals):
    assert azure_facts.spot_price_requirement(price).startswith(f"has {decimals} decimal places")


def test_the_pod_network_gives_each_node_a_slash_24():
    assert azure_facts.overlay_node_capacity(CLUSTER_POD_CIDR) == 256
    assert azure_facts.overlay_node_capacity("10.244.0.0/20") == 16
    # Both pools at maxCount and the bootstrap pool, each with one surge node.
    assert azure_facts.cluster_node_ceiling((3, 10)) == 3 + 10 + 3 + 3


def task_pool(max_count: int) -> dict[str, str]:
    pools = {"controlPlanePool": {"maxCount": 3}, "taskPool": {"maxCount": max_count}}
    # Settings are protected by default, so the API server needs its authorized ranges.
    return {CLUSTER: json.dumps({**pools, "access": {"authorizedIpRanges": ["198.51.100.0/24"]}})}


def test_the_largest_task_pool_the_pod_network_addresses_is_accepted_and_one_more_is_not():
    largest = 256 - (3 + 3) - 3  # the pod network, less the control-plane and bootstrap pools, less surge
    assert settings_from_config(PROJECT, "dev", task_pool(largest)).cluster.task_pool.max_count == 247
    with pytest.raises(ConfigurationError, match="use at most 247"):
        settings_from_config(PROJECT, "dev", task_pool(largest + 1))


# -- the chart's Airflow ---------------------------------------------------------------------------


def test_the_chart_table_matches_the_charts_own_chart_yaml():
    chart = chart_file("Chart.yaml")
    assert chart_facts.charts().charts[chart["version"]].app_version == str(chart["appVersion"])


def test_the_default_chart_is_in_the_table():
    assert chart_facts.airflow_major(AirflowSettings().chart_version) == 3


@pytest.mark.parametrize("tag", ["3.1.8", "3.1.8-python3.12", "slim-3.1.8", "3.2.0-dags.1", "0a1b2c3d", "64875d3eb95e"])
def test_tags_of_the_charts_major_and_commit_hashes_pass(tag):
    """A commit hash carries no version: it cannot be checked, and is let through (README says so)."""
    assert chart_facts.image_tag_requirement(tag, "1.20.0") is None


@pytest.mark.parametrize("tag", ["2.10.5", "slim-2.11.0-python3.12", "4.0.0"])
def test_tags_of_another_major_are_refused(tag):
    assert "chart 1.20.0 runs Airflow 3.1.8" in chart_facts.image_tag_requirement(tag, "1.20.0")


def test_a_chart_not_in_the_table_is_not_checked():
    assert chart_facts.image_tag_requirement("2.10.5", "9.9.9") is None

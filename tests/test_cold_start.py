"""The plan's cold start and idle tail follow the data and the autoscaler settings; the idle cost says
which of its lines rest on estimates."""

import pytest
import yaml

from components.node_start import NODE_START_TIMES, NodeStartTimes
from tests.conftest import planned
from tests.test_guards import with_settings
from tools import plan_document, plan_text
from tools.cold_start import estimate_cold_start
from tools.cost import estimate_idle_cost
from tools.offline import run_program
from tools.prices import PRICES, PriceTable, load_prices


def with_autoscaler(stack: str, **profile: str):
    return run_program(stack, overrides=with_settings(stack, "cluster", autoscaler=profile))


def times_with(**cold_start) -> NodeStartTimes:
    data = yaml.safe_load(NODE_START_TIMES.read_text())
    for key, value in cold_start.items():
        data["cold_start"][key].update(value)
    return NodeStartTimes.model_validate(data)


def table_with_vm(size: str, **price) -> PriceTable:
    data = yaml.safe_load(PRICES.read_text())
    data["prices"]["vm"][size].update(price)
    return PriceTable.model_validate(data)


def copy_for(region: str) -> dict[str, str]:
    return {"url": "https://example.org/copy", "said": "$0.272/hour", "region": region}


def test_wait_is_the_sum_of_the_data_files_figures_and_the_scan_interval(dev_run):
    times = times_with()
    typical = times.cold_start
    estimate = estimate_cold_start(dev_run, load_prices(), times)
    pull = typical.image.compressed_mb / typical.download.mb_per_second / 60
    assert estimate.wait_minutes == pytest.approx(
        10 / 60 + typical.vm_provisioning.minutes + typical.node_join.minutes + pull
    )
    assert estimate.bound_minutes == times.node_ready.minutes + times.image_pull.minutes


def test_a_bigger_image_or_a_slower_download_waits_longer(dev_run):
    table = load_prices()
    base = estimate_cold_start(dev_run, table, times_with()).wait_minutes
    bigger = estimate_cold_start(dev_run, table, times_with(image={"compressed_mb": 1800})).wait_minutes
    slower = estimate_cold_start(dev_run, table, times_with(download={"mb_per_second": 10})).wait_minutes
    slower_vm = estimate_cold_start(dev_run, table, times_with(vm_provisioning={"minutes": 6})).wait_minutes
    assert bigger == pytest.approx(base + (1800 - 550) / 30 / 60)
    assert slower == pytest.approx(base + 550 / 10 / 60 - 550 / 30 / 60)
    assert slower_vm == pytest.approx(base + 3)


def test_scan_interval_setting_moves_the_wait(dev_run):
    table = load_prices()
    slower = estimate_cold_start(with_autoscaler("dev", scanInterval="70s"), table)
    assert slower.wait_minutes == pytest.approx(estimate_cold_start(dev_run, table).wait_minutes + 1)


def test_kept_time_and_its_cost_follow_the_scale_down_settings(dev_run):
    table = load_prices()
    hourly = table.prices.vm["Standard_D4ds_v5"].usd
    default = estimate_cold_start(dev_run, table)
    assert default.kept_minutes == 10
    assert default.node_window_usd == pytest.approx(hourly * 10 / 60)

    unneeded = estimate_cold_start(with_autoscaler("dev", scaleDownUnneededTime="30m"), table)
    assert unneeded.kept_minutes == 30
    assert unneeded.node_window_usd == pytest.approx(hourly * 30 / 60)

    # A node is never removed within scale-down-delay-after-add of the scale-up that brought it.
    after_add = estimate_cold_start(
        with_autoscaler("dev", scaleDownUnneededTime="5m", scaleDownDelayAfterAdd="20m"), table
    )
    assert (after_add.scale_down_unneeded_minutes, after_add.kept_minutes) == (5, 20)


def test_prod_spot_pool_is_priced_at_its_on_demand_upper_bound():
    estimate = estimate_cold_start(planned("prod"), load_prices())
    assert estimate.spot and estimate.vm_size == "Standard_D8ds_v5"
    assert estimate.node_hour_usd == pytest.approx(load_prices().prices.vm["Standard_D8ds_v5"].usd)
    assert estimate.price_confirmed is False
    cheaper = estimate_cold_start(planned("prod"), table_with_vm("Standard_D8ds_v5", usd=0.1))
    assert cheaper.node_window_usd == pytest.approx(0.1 * estimate.kept_minutes / 60)


def lines_of(run, table):
    return {line.charge: line for line in estimate_idle_cost(run, table).lines}


def system_pool(run, table):
    """The idle system pool's cost line and its VM size (whatever size the stack declares)."""
    line = next(line for line in estimate_idle_cost(run, table).lines if "nodes: pool system" in line.charge)
    return line, line.charge.split()[2]


def test_a_confirmed_price_does_not_count_as_an_estimate_and_an_unconfirmed_one_does(dev_run):
    table = load_prices()
    registry = lines_of(dev_run, table)["container registry Basic"]
    assert table.confirmed(table.prices.registry["Basic"]) and not registry.estimated
    nodes, size = system_pool(dev_run, table)
    assert not table.prices.vm[size].seen_in and nodes.estimated and nodes.monthly_usd > 0

    estimate = estimate_idle_cost(dev_run, table)
    assert estimate.estimated_usd == pytest.approx(
        sum(line.monthly_usd or 0 for line in estimate.lines if line.estimated)
    )
    for region in ("westeurope", "global"):
        after = estimate_idle_cost(dev_run, table_with_vm(size, seen_in=[copy_for(region)]))
        assert after.total_usd == pytest.approx(estimate.total_usd)
        assert after.estimated_usd == pytest.approx(estimate.estimated_usd - nodes.monthly_usd)


def test_a_price_whose_only_copy_is_for_another_region_is_an_estimate_in_the_plan(dev_run):
    table = load_prices()
    # The data's own case: the LRS backup price was seen only in a copy for westus.
    assert [copy.region for copy in table.prices.postgres_backup_lrs.seen_in] == ["westus"]
    assert not table.confirmed(table.prices.postgres_backup_lrs)

    before = estimate_idle_cost(dev_run, table)
    nodes, size = system_pool(dev_run, table)
    keys = plan_document.resource_keys(dev_run)
    for region in ("westus", "unnamed"):
        elsewhere = table_with_vm(size, seen_in=[copy_for(region)])
        estimate = estimate_idle_cost(dev_run, elsewhere)
        assert estimate.estimated_usd == pytest.approx(before.estimated_usd)
        [row] = [row for row in plan_text.render_cost(estimate, elsewhere, keys) if row.endswith(nodes.charge)]
        assert row.lstrip().startswith("~")
    # Unless a source shows the price is one figure in every region: then any copy confirms it.
    everywhere = {"url": "https://example.org/one-price", "said": "the same in every region"}
    same = table_with_vm(size, seen_in=[copy_for("westus")], same_in_every_region=everywhere)
    assert estimate_idle_cost(dev_run, same).estimated_usd == pytest.approx(before.estimated_usd - nodes.monthly_usd)


def test_a_quantity_from_the_usage_assumptions_counts_even_with_a_confirmed_price(dev_run):
    data = yaml.safe_load(PRICES.read_text())
    data["prices"]["postgres_backup_lrs"]["seen_in"] = [copy_for("westeurope")]
    table = PriceTable.model_validate(data)
    backups = next(line for charge, line in lines_of(dev_run, table).items() if "backups" in charge)
    assert table.confirmed(table.prices.postgres_backup_lrs) and backups.estimated

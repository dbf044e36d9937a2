"""What the first task after an idle window waits for, and what the task pool's idle nodes cost after the
last task: the figures a user tunes with the ``cluster.autoscaler`` settings.

The wait is a task pool node from zero, step by step: the autoscaler noticing the pending pod (its
scan interval), the VM, the node joining, the Airflow image's download. The typical figures come from
``data/node-start-times.yaml`` (each with its sources; the image's download from its compressed size and
a download rate); the autoscaler's settings and the pool are read from the declared resources, like
the idle cost, so the figures follow what the program really declares.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from components.azure.pools import POOL_LABEL
from components.node_start import ColdStart, NodeStartTimes, node_start_times
from tools.capacity import airflow_release
from tools.cost import AGENT_POOL, MANAGED_CLUSTER
from tools.offline import DeclaredResource, ProgramRun
from tools.prices import PriceTable

#: The autoscaler profile's units: whole minutes ("10m") and whole seconds ("10s").
UNIT_MINUTES = {"m": 1.0, "s": 1 / 60}


@dataclass(frozen=True)
class Step:
    name: str
    minutes: float
    #: Where the figure comes from (a setting, or the data file).
    basis: str


@dataclass(frozen=True)
class AutoscalerTerms:
    """What a cloud calls the task group and the autoscaler settings the plan names, and its price file."""

    group: str
    max_count: str
    scale_down_unneeded: str
    scale_down_delay_after_add: str
    prices_file: str


AKS_TERMS = AutoscalerTerms("pool", "maxCount", "scaleDownUnneededTime", "scaleDownDelayAfterAdd", "data/prices.yaml")


@dataclass(frozen=True)
class ColdStartEstimate:
    terms: AutoscalerTerms
    pool: str
    vm_size: str
    spot: bool
    max_count: int
    #: The wait of the first task after an idle window, step by step.
    steps: tuple[Step, ...]
    #: The queued timeout's floor: the bounds in the data file, not typical figures.
    bound_minutes: float
    #: The image the stack runs, and the one whose size the data file gives.
    image: str
    sized_image: str
    scale_down_unneeded_minutes: float
    scale_down_delay_after_add_minutes: float
    #: The task pool VM's on-demand hourly price (None when unpriced); for a spot pool, at most this.
    node_hour_usd: float | None
    #: Whether a copy confirms that price for the table's region (``PriceTable.confirmed``); else an estimate.
    price_confirmed: bool

    @property
    def wait_minutes(self) -> float:
        return sum(step.minutes for step in self.steps)

    @property
    def kept_minutes(self) -> float:
        """Idle nodes stay this long after the last task at most: unneeded for ``scale-down-unneeded-time``,
        and never removed within ``scale-down-delay-after-add`` of the scale-up that brought them."""
        return max(self.scale_down_unneeded_minutes, self.scale_down_delay_after_add_minutes)

    @property
    def node_window_usd(self) -> float | None:
        """What one node kept idle after a batch window costs."""
        return None if self.node_hour_usd is None else self.node_hour_usd * self.kept_minutes / 60


def duration_minutes(value: str) -> float:
    """An autoscaler profile duration ("10m", "10s") in minutes."""
    return float(value[:-1]) * UNIT_MINUTES[value[-1]]


def task_pool(run: ProgramRun) -> DeclaredResource | None:
    pools = [r for r in run.of_type(AGENT_POOL) if (r.inputs.get("nodeLabels") or {}).get(POOL_LABEL) == "tasks"]
    if len(pools) > 1:
        raise ValueError(f"{len(pools)} task pools declared, expected one")
    return pools[0] if pools else None


def _profile(run: ProgramRun, key: str) -> str:
    (cluster,) = run.of_type(MANAGED_CLUSTER)
    value = cluster.input_at(f"autoScalerProfile.{key}")
    if value is None:
        raise ValueError(f"the cluster declares no autoScalerProfile.{key}")
    return str(value)


def release_image(run: ProgramRun) -> str:
    values: dict[str, Any] = airflow_release(run).inputs.get("values") or {}
    return f"{values.get('defaultAirflowRepository')}:{values.get('defaultAirflowTag')}"


def scan_step(value: str, setting: str) -> Step:
    return Step("autoscaler notices the pending task pod", duration_minutes(value), f"{setting} {value}")


def wait_steps(
    scan: Step, times: NodeStartTimes, node: ColdStart | None = None, node_basis: str = "data/node-start-times.yaml"
) -> tuple[Step, ...]:
    """The autoscaler's scan, the node's start (``node``: another cloud's typical figures), the image's download."""
    typical = times.cold_start
    node = node or typical
    pull_minutes = typical.image.compressed_mb / typical.download.mb_per_second / 60
    return (
        scan,
        Step("VM provisioning", node.vm_provisioning.minutes, f"typical, {node_basis}"),
        Step("node joins and is Ready", node.node_join.minutes, f"typical, {node_basis}"),
        Step(
            "Airflow image download",
            pull_minutes,
            f"{typical.image.compressed_mb:g} MB compressed at {typical.download.mb_per_second:g} MB/s,"
            " data/node-start-times.yaml",
        ),
    )


def estimate_cold_start(
    run: ProgramRun, table: PriceTable, times: NodeStartTimes | None = None
) -> ColdStartEstimate | None:
    """The task pool's cold start and idle tail, from the declared cluster, pool and release (None: no task pool)."""
    times = times or node_start_times()
    pool = task_pool(run)
    if pool is None:
        return None
    vm_size = pool.inputs["vmSize"]
    price = table.prices.vm.get(vm_size)
    return ColdStartEstimate(
        terms=AKS_TERMS,
        pool=pool.inputs["agentPoolName"],
        vm_size=vm_size,
        spot=pool.inputs.get("scaleSetPriority") == "Spot",
        max_count=int(pool.inputs.get("maxCount") or 0),
        steps=wait_steps(scan_step(_profile(run, "scanInterval"), "scanInterval"), times),
        bound_minutes=times.minutes,
        image=release_image(run),
        sized_image=times.cold_start.image.reference,
        scale_down_unneeded_minutes=duration_minutes(_profile(run, "scaleDownUnneededTime")),
        scale_down_delay_after_add_minutes=duration_minutes(_profile(run, "scaleDownDelayAfterAdd")),
        node_hour_usd=None if price is None else table.monthly(price, 1) / table.hours_per_month,
        price_confirmed=price is not None and table.confirmed(price),
    )

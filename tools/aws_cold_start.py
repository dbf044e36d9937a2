"""The EKS task node group's cold start and idle tail, rendered like AKS's (tools/cold_start.py).

Cluster Autoscaler's settings are the flags the program passes in its release's ``extraArgs``, else
CA's defaults (``data/aws-node-start-times.yaml``, with their source); the EC2 launch and node join
are that file's typical figures, the image's download Azure's (the same image, the same data).
"""

from __future__ import annotations

import functools
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ConfigDict, Field

from components.aws.autoscaler import AUTOSCALER
from components.data_tables import DATA, Table
from components.node_start import Figure, NodeStartTimes, node_start_times
from components.platform import POOL_LABEL
from tools.aws_capacity import NODE_GROUP, node_group
from tools.aws_prices import AwsPriceTable
from tools.capacity import RELEASE
from tools.cold_start import (
    AutoscalerTerms,
    ColdStartEstimate,
    duration_minutes,
    release_image,
    scan_step,
    wait_steps,
)
from tools.offline import ProgramRun
from tools.transitions import plain

AWS_NODE_START_TIMES = DATA / "aws-node-start-times.yaml"

CA_TERMS = AutoscalerTerms(
    "node group", "maxSize", "scale-down-unneeded-time", "scale-down-delay-after-add", AwsPriceTable.FILE
)


class AutoscalerDefaults(Table):
    """Cluster Autoscaler's flags the cold start reads, at CA's defaults."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    scan_interval: str = Field(alias="scan-interval")
    scale_down_unneeded_time: str = Field(alias="scale-down-unneeded-time")
    scale_down_delay_after_add: str = Field(alias="scale-down-delay-after-add")
    max_node_provision_time: str = Field(alias="max-node-provision-time")
    source: str


class EksNodeStart(Table):
    seen: date
    autoscaler_defaults: AutoscalerDefaults
    #: The image is Azure's figure: only the node's own steps are here.
    cold_start: EksNodeSteps


class EksNodeSteps(Table):
    vm_provisioning: Figure
    node_join: Figure


EksNodeStart.model_rebuild()


@functools.cache
def eks_node_start(path: Path = AWS_NODE_START_TIMES) -> EksNodeStart:
    return EksNodeStart.read(path)


def autoscaler_flags(run: ProgramRun) -> dict[str, str]:
    """Every flag the cold start reads: the release's ``extraArgs`` over CA's defaults."""
    (release,) = [r for r in run.of_type(RELEASE) if r.inputs.get("chart") == AUTOSCALER.chart.name]
    values: dict[str, Any] = plain(release.inputs.get("values") or {})
    defaults = eks_node_start().autoscaler_defaults.model_dump(by_alias=True, exclude={"source"})
    return {flag: str((values.get("extraArgs") or {}).get(flag, default)) for flag, default in defaults.items()}


def max_node_provision_minutes(run: ProgramRun) -> float:
    return duration_minutes(autoscaler_flags(run)["max-node-provision-time"])


def estimate_eks_cold_start(
    run: ProgramRun, table: AwsPriceTable, times: NodeStartTimes | None = None
) -> ColdStartEstimate | None:
    """The task node group's cold start and idle tail (None: no task node group declared)."""
    times = times or node_start_times()
    if not any((g.inputs.get("labels") or {}).get(POOL_LABEL) == "tasks" for g in run.of_type(NODE_GROUP)):
        return None
    group = node_group(run, "tasks")
    types = tuple(group["instanceTypes"])
    flags = autoscaler_flags(run)
    eks = eks_node_start().cold_start
    node = times.cold_start.model_copy(update={"vm_provisioning": eks.vm_provisioning, "node_join": eks.node_join})
    found = [price for t in types if (price := table.prices.ec2.get(t)) is not None]
    # Spot pays at most the on-demand price of the type it gets: the dearest listed type bounds it.
    price = max(found, key=lambda p: p.usd) if len(found) == len(types) else None
    scan = flags["scan-interval"]
    return ColdStartEstimate(
        terms=CA_TERMS,
        pool=group["nodeGroupName"],
        vm_size="/".join(types),
        spot=group.get("capacityType") == "SPOT",
        max_count=int(group["scalingConfig"]["maxSize"]),
        steps=wait_steps(scan_step(scan, "scan-interval"), times, node, "data/aws-node-start-times.yaml"),
        bound_minutes=max_node_provision_minutes(run) + times.image_pull.minutes,
        image=release_image(run),
        sized_image=times.cold_start.image.reference,
        scale_down_unneeded_minutes=duration_minutes(flags["scale-down-unneeded-time"]),
        scale_down_delay_after_add_minutes=duration_minutes(flags["scale-down-delay-after-add"]),
        node_hour_usd=None if price is None else table.monthly(price, 1) / table.hours_per_month,
        price_confirmed=price is not None and table.confirmed(price),
    )

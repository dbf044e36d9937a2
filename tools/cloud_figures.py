"""Which cloud's figures a stack's plan uses: the one its settings name (``cloud``), Azure's
``data/prices.yaml`` or AWS's ``data/aws-prices.yaml``, each with its own idle cost estimate, and
that cloud's warnings."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path

from components import eks_versions, kubernetes_versions
from components.config import StackSettings, access_warnings, settings_from_config
from components.config.clouds import aws_access_warnings
from tools import aws_capacity, capacity
from tools.aws_cold_start import estimate_eks_cold_start
from tools.aws_cost import estimate_aws_idle_cost
from tools.aws_prices import AwsPriceTable, load_aws_prices
from tools.cold_start import ColdStartEstimate, estimate_cold_start
from tools.connections import aws_connection_lines, connection_lines
from tools.cost import CostEstimate, estimate_idle_cost
from tools.offline import ROOT, ProgramRun, project_name, stack_config
from tools.prices import ListPrices, PriceTable, load_prices

#: Each cloud's price table, by the ``cloud`` setting's value.
PriceTables = Mapping[str, ListPrices]


def load_price_tables() -> dict[str, ListPrices]:
    return {"azure": load_prices(), "aws": load_aws_prices()}


def stack_cloud(stack: str, root: Path = ROOT) -> str:
    """The cloud the stack file's settings name."""
    return settings_from_config(project_name(root), stack, *stack_config(stack, root=root)).cloud


def plan_warnings(settings: StackSettings, on: date) -> list[str]:
    """What the plan warns about before the tree, for the stack's cloud: its Kubernetes minor's
    support calendar, example ranges in its API server's access list, and alerts that reach no one."""
    if settings.cloud == "aws":
        return [
            *eks_versions.support_warnings(settings, on),
            *aws_access_warnings(settings),
            *settings.monitoring.warnings(settings.cloud),
        ]
    return [
        *kubernetes_versions.support_warnings(settings, on),
        *access_warnings(settings),
        *settings.monitoring.warnings(settings.cloud),
    ]


def idle_cost(run: ProgramRun, table: ListPrices) -> CostEstimate:
    """The idle monthly cost at ``table``'s prices, estimated the way its cloud bills."""
    if isinstance(table, AwsPriceTable):
        return estimate_aws_idle_cost(run, table)
    if isinstance(table, PriceTable):
        return estimate_idle_cost(run, table)
    raise TypeError(f"no idle cost estimate for {type(table).__name__}")


def capacity_figures(run: ProgramRun, table: ListPrices) -> list[str]:
    """What fits, for ``table``'s cloud: the control-plane nodes' busiest node, task pods per task node,
    and the database's connections."""
    if isinstance(table, AwsPriceTable):
        return [*aws_capacity.capacity_lines(run), *aws_connection_lines(run)]
    return [*capacity.capacity_lines(run), *connection_lines(run)]


def cold_start(run: ProgramRun, table: ListPrices) -> ColdStartEstimate | None:
    """The task nodes' cold start and idle tail, from ``table``'s cloud's autoscaler (None: no task nodes)."""
    if isinstance(table, AwsPriceTable):
        return estimate_eks_cold_start(run, table)
    if isinstance(table, PriceTable):
        return estimate_cold_start(run, table)
    raise TypeError(f"no cold start estimate for {type(table).__name__}")

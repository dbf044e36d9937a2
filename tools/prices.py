"""``data/prices.yaml`` as a strict table: dated list prices for one region, the copies that confirm
them for that region, and the usage assumptions the idle cost (:mod:`tools.cost`) multiplies them by.
What every cloud's table shares (:class:`ListPrices`) is here too; AWS's is in :mod:`tools.aws_prices`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field

from components.data_tables import DATA, Table

PRICES = DATA / "prices.yaml"


#: A copy's region when it publishes one figure for every region.
GLOBAL = "global"


class Copy(Table):
    """Where a price was seen: the copy, what it says, and the region it says the figure is for."""

    url: str = Field(pattern=r"^https?://")
    said: str = Field(min_length=1)
    #: A region name (ARM's westeurope, AWS's eu-west-1), ``global``, or ``unnamed`` when the copy
    #: names none: only what it says.
    region: str = Field(pattern=r"^[a-z0-9-]+$")


class Statement(Table):
    """A documented fact about a price (not a copy of its figure)."""

    url: str = Field(pattern=r"^https://")
    said: str = Field(min_length=1)


class Price(Table):
    usd: float = Field(ge=0)
    #: "GB", "10M samples" and "100k notifications" are usage: the quantity is already a month's.
    per: Literal["hour", "day", "month", "GB-month", "GB", "10M samples", "100k notifications"]
    source: str = Field(pattern=r"^https://")
    query: str | None = None
    note: str | None = None
    as_of: date
    seen_in: tuple[Copy, ...] = ()
    #: Where it is documented that the price is one figure in every region: then a copy of any
    #: region, named or not, confirms it.
    same_in_every_region: Statement | None = None


class Prices(Table):
    aks_tier: dict[str, Price]
    vm: dict[str, Price]
    load_balancer: Price
    public_ip: Price
    postgres_compute: dict[str, Price]
    postgres_storage: Price
    postgres_backup_lrs: Price
    postgres_backup_geo: Price
    registry: dict[str, Price]
    blob_hot: dict[str, Price]
    private_dns_zone: Price
    private_endpoint: Price
    log_analytics_ingestion: Price
    log_analytics_retention: Price
    prometheus_ingestion: Price
    grafana_standard: Price


class Assumptions(Table):
    task_log_gb_per_day: float = Field(ge=0)
    unexpired_log_days: int = Field(ge=0)
    database_size_gb: float = Field(ge=0)
    database_change_gb_per_day: float = Field(ge=0)
    container_log_gb_per_day: float = Field(ge=0)
    log_analytics_included_days: int = Field(ge=0)
    prometheus_samples_per_minute: float = Field(ge=0)


class ListPrices(Table):
    """A cloud's price table: dated list prices for one region, and the types that carry no charge."""

    #: The data file, as the plan names it.
    FILE: ClassVar[str]

    region: str
    currency: Literal["USD"]
    terms: str
    hours_per_month: float = Field(gt=0)
    #: The cloud's prices: each field a :class:`Price` or a dict of them.
    prices: Table
    no_charge: dict[str, str]

    def monthly(self, price: Price, quantity: float) -> float:
        per_month = {"hour": self.hours_per_month, "day": self.hours_per_month / 24}
        per_month |= {"month": 1, "GB-month": 1, "GB": 1, "10M samples": 1, "100k notifications": 1}
        return price.usd * per_month[price.per] * quantity

    def confirmed(self, price: Price) -> bool:
        """Whether a copy shows the price for this table's region: one for the region or for every
        region (``global``); a copy naming no region or another one only when the price is documented
        to be the same in every region.
        """
        regions = {copy.region for copy in price.seen_in}
        return bool(regions & {self.region, GLOBAL}) or (bool(regions) and price.same_in_every_region is not None)

    @property
    def as_of(self) -> date:
        """The oldest price's date: the table is at least this old."""
        return min(price.as_of for price in _all_prices(self.prices))


class PriceTable(ListPrices):
    """``data/prices.yaml``: dated list prices for one region, and the stated usage assumptions."""

    FILE = "data/prices.yaml"

    assumptions: Assumptions
    prices: Prices

    def usage_assumed(self, charges: Collection[str] = ()) -> str:
        """The usage the idle cost assumes, as the plan states it (the same for every Azure stack)."""
        assumed = self.assumptions
        return (
            f"task logs {assumed.task_log_gb_per_day:g} GB/day;"
            f" metadata database {assumed.database_size_gb:g} GB with {assumed.database_change_gb_per_day:g} GB/day"
            " of changes; node OS disks ephemeral (no disk charge)"
        )


def _all_prices(prices: Table) -> Iterable[Price]:
    for value in dict(prices).values():
        if isinstance(value, Price):
            yield value
        else:
            yield from value.values()


def load_prices(path: Path = PRICES) -> PriceTable:
    return PriceTable.read(path)

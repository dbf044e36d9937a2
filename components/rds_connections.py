"""How many connections an RDS for PostgreSQL class leaves Airflow, against what Airflow may open.

The AWS counterpart of the Azure limit in components/database_connections.py (whose demand functions
this reuses: the demand is the chart's and Airflow's, whichever cloud serves the database). RDS sets
``max_connections`` from the class's memory by a formula over memory RDS does not fully publish
(data/aws-instance-types.yaml ``postgres``), so the budget is the formula on the nominal memory times
the lowest ratio observed on running instances, less the connections reserved for superusers.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import date

import yaml
from pydantic import Field

from components import database_connections
from components.data_tables import DATA, Table

INSTANCE_TYPES = DATA / "aws-instance-types.yaml"
GIB = 2**30


class Formula(Table):
    divisor_bytes: int = Field(gt=0)
    cap: int = Field(gt=0)
    source: str

    def upper_bound(self, memory_gib: float) -> int:
        """``LEAST({DBInstanceClassMemory/divisor}, cap)`` on the nominal memory."""
        return min(math.floor(memory_gib * GIB / self.divisor_bytes), self.cap)


class Observed(Table):
    memory_gib: float = Field(gt=0)
    max_connections: int = Field(gt=0)


class Observations(Table):
    note: str
    classes: dict[str, Observed] = Field(min_length=1)


class Reserved(Table):
    connections: int = Field(ge=0)
    estimate: bool = False
    source: str


class RdsClass(Table):
    vcpus: int
    memory_gib: float
    arch: str
    max_connections_upper_bound: int


class RdsPostgres(Table):
    """``postgres`` in data/aws-instance-types.yaml."""

    seen: date
    formula: Formula
    memory_variable: str
    observed: Observations
    reserved: Reserved
    specs_source: str
    classes: dict[str, RdsClass] = Field(min_length=1)

    @property
    def observed_ratio(self) -> float:
        """The lowest share of the formula's figure a running instance was seen to get."""
        return min(o.max_connections / self.formula.upper_bound(o.memory_gib) for o in self.observed.classes.values())

    def limit(self, instance_class: str) -> RdsLimit | None:
        found = self.classes.get(instance_class)
        if found is None:
            return None
        expected = math.floor(self.formula.upper_bound(found.memory_gib) * self.observed_ratio)
        return RdsLimit(instance_class, found.max_connections_upper_bound, expected, self.reserved.connections)


@functools.cache
def rds_postgres() -> RdsPostgres:
    return RdsPostgres.model_validate(yaml.safe_load(INSTANCE_TYPES.read_text())["postgres"])


@dataclass(frozen=True)
class RdsLimit:
    instance_class: str
    upper_bound: int
    #: The upper bound times the lowest observed ratio: what the instance is budgeted to allow.
    expected: int
    reserved: int

    @property
    def available(self) -> int:
        return self.expected - self.reserved

    def describe(self) -> str:
        return (
            f"max_connections about {self.expected} (RDS's formula gives at most {self.upper_bound} on the "
            f"class's nominal memory, running instances less) minus {self.reserved} reserved ~estimate"
        )


def smallest_fitting(instance_class: str, needed: int) -> str | None:
    """The class of the same family (``db.t4g.``) with the least memory that leaves ``needed`` to users."""
    table = rds_postgres()
    family = instance_class.rsplit(".", 1)[0] + "."
    fitting = [
        name
        for name in table.classes
        if name.startswith(family) and (limit := table.limit(name)) is not None and limit.available >= needed
    ]
    return min(fitting, key=lambda name: (table.classes[name].memory_gib, name)) if fitting else None


def connections_requirement(instance_class: str, need: database_connections.Demand) -> str | None:
    """What is wrong with ``instance_class`` for Airflow's demand, or None when it fits."""
    table = rds_postgres()
    limit = table.limit(instance_class)
    if limit is None:
        listed = ", ".join(sorted(table.classes))
        return f"is not in data/aws-instance-types.yaml (postgres.classes: {listed}): add it with its memory"
    if need.peak <= limit.available:
        return None
    larger = smallest_fitting(instance_class, need.peak)
    instead = f"use {larger} or larger" if larger else "use a class with more memory"
    surging = any(c.surge for c in need.components.values())
    rollout = ", or set airflow.rollout to replace (no extra pods during an upgrade)" if surging else ""
    return (
        f"leaves Airflow about {limit.available} connections ({limit.describe()}; RDS User Guide, Maximum number "
        f"of database connections), but Airflow may open {need.peak} ({need.running} with every pod up, more "
        f"during an upgrade's rolling update and migration): {instead}, or lower airflow.databasePool (size, "
        f"maxOverflow) or airflow.replicas{rollout}"
    )

"""data/create-only.yaml and data/aws-create-only.yaml as rules: what Azure or AWS does with an input
path on an existing resource. The two files are one table (a type in both is an error).

One reader for the program's guards (components/guards.py), which stop a preview Azure would
refuse, and for the offline planner (tools/transitions.py), which checks every update against it.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pulumi.output import Unknown

TABLE = Path(__file__).resolve().parent.parent / "data" / "create-only.yaml"
AWS_TABLE = TABLE.with_name("aws-create-only.yaml")


def _ordered(value: Any) -> tuple[int, ...]:
    """Numbers and MAJOR.MINOR[.PATCH] versions, comparable."""
    if isinstance(value, int | float):
        return (int(value),)
    return tuple(int(part) for part in re.findall(r"\d+", str(value)))


def cloud_of(type_token: str) -> str:
    """Who refuses what the table says is refused: AWS for pulumi-aws types, Azure for the rest."""
    return "AWS" if type_token.startswith("aws:") else "Azure"


@dataclass(frozen=True)
class Rule:
    """One row of ``data/create-only.yaml`` or its AWS half: what the cloud does with a path on an existing
    resource."""

    update: str
    source: str
    replaces: bool = False
    arm_id: bool = False
    allowed: tuple[tuple[Any, Any], ...] = ()
    max_step: int | None = None
    disruption: str | None = None
    instead: str | None = None

    def shrinks(self, old: Any, new: Any) -> bool:
        return _ordered(new) < _ordered(old)

    def steps_too_far(self, old: Any, new: Any) -> bool:
        """Whether a version moves by more minors (of one major) than ``max_step`` allows in one update."""
        before, after = _ordered(old), _ordered(new)
        if self.max_step is None or len(before) < 2 or len(after) < 2 or before[0] != after[0]:
            return False
        return abs(after[1] - before[1]) > self.max_step

    def allows(self, old: Any, new: Any) -> bool:
        """Whether ``old`` -> ``new`` is one of the listed transitions."""
        return [old, new] in [list(pair) for pair in self.allowed]

    def targets(self, old: Any) -> list[Any]:
        """The values Azure moves ``old`` to."""
        return [b for a, b in self.allowed if a == old]

    def refusal(self, old: Any, new: Any) -> str | None:
        """Why Azure refuses to update this path from ``old`` to ``new`` in place, or None."""
        if self.update == "create-only":
            return "fixed when the resource is created"
        if isinstance(new, Unknown) or isinstance(old, Unknown):
            return None
        if self.update == "grow-only":
            if self.shrinks(old, new):
                return "may only increase"
            if self.steps_too_far(old, new):
                return f"may move at most {self.max_step} minor version per update"
            return None
        if self.update == "transitions" and not self.allows(old, new):
            return f"from {old} Azure moves only to {' or '.join(map(str, self.targets(old))) or 'nothing else'}"
        return None


@dataclass(frozen=True)
class Table:
    seen: datetime.date
    types: Mapping[str, Mapping[str, Rule]]

    def rule(self, type_token: str, path: str) -> Rule | None:
        """The row covering ``path`` (the longest row that is the path or above it), else the type's ``*``."""
        rows = self.types.get(type_token, {})
        parts = path.split(".")
        for end in range(len(parts), 0, -1):
            found = rows.get(".".join(parts[:end]))
            if found is not None:
                return found
        return rows.get("*")

    def row(self, type_token: str, path: str) -> Rule:
        """Like :meth:`rule`, but a path without a row is an error (a guard must know its rule)."""
        found = self.rule(type_token, path)
        if found is None:
            raise KeyError(
                f"the create-only table (data/create-only.yaml, data/aws-create-only.yaml) has no row for "
                f"{type_token} {path}"
            )
        return found


@functools.cache
def load_table(*paths: Path) -> Table:
    """The rows of ``paths`` (by default both clouds' files) as one table, as old as its oldest file."""
    types: dict[str, dict[str, Rule]] = {}
    seen: list[datetime.date] = []
    for path in paths or (TABLE, AWS_TABLE):
        document = yaml.safe_load(path.read_text())
        twice = sorted(types.keys() & document["types"].keys())
        if twice:
            raise ValueError(f"{path.name} has rows for types another create-only table has: {twice}")
        seen.append(document["seen"])
        types |= {
            type_token: {
                key: Rule(**{**row, "allowed": tuple(tuple(pair) for pair in row.get("allowed", ()))})
                for key, row in rows.items()
            }
            for type_token, rows in document["types"].items()
        }
    return Table(seen=min(seen), types=types)

"""data/create-only.yaml as rules: what Azure does with an input path on an existing resource."""

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

from tools.offline import ROOT

TABLE = ROOT / "data" / "create-only.yaml"


@dataclass(frozen=True)
class Rule:
    """One row of ``data/create-only.yaml``: what Azure does with a path on an existing resource."""

    update: str
    source: str
    replaces: bool = False
    arm_id: bool = False
    allowed: tuple[tuple[Any, Any], ...] = ()
    max_step: int | None = None
    disruption: str | None = None
    instead: str | None = None

    def refusal(self, old: Any, new: Any) -> str | None:
        """Why Azure refuses to update this path from ``old`` to ``new`` in place, or None."""
        if self.update == "create-only":
            return "fixed when the resource is created"
        if isinstance(new, Unknown) or isinstance(old, Unknown):
            return None
        if self.update == "grow-only":
            before, after = _ordered(old), _ordered(new)
            if after < before:
                return "may only increase"
            minors = after[1:2] and before[1:2] and after[0] == before[0] and after[1] - before[1]
            if self.max_step is not None and minors and minors > self.max_step:
                return f"may move at most {self.max_step} minor version per update"
            return None
        if self.update == "transitions" and [old, new] not in [list(pair) for pair in self.allowed]:
            targets = [str(b) for a, b in self.allowed if a == old]
            return f"from {old} Azure moves only to {' or '.join(targets) or 'nothing else'}"
        return None


def _ordered(value: Any) -> tuple[int, ...]:
    """Numbers and MAJOR.MINOR[.PATCH] versions, comparable."""
    if isinstance(value, int | float):
        return (int(value),)
    return tuple(int(part) for part in re.findall(r"\d+", str(value)))


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


@functools.cache
def load_table(path: Path = TABLE) -> Table:
    document = yaml.safe_load(path.read_text())
    types = {
        type_token: {
            key: Rule(**{**row, "allowed": tuple(tuple(pair) for pair in row.get("allowed", ()))})
            for key, row in rows.items()
        }
        for type_token, rows in document["types"].items()
    }
    return Table(seen=document["seen"], types=types)

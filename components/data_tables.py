"""The dated tables in ``data/``: one strict reader for every data file the program and tools read."""

from __future__ import annotations

from pathlib import Path
from typing import Self

import yaml
from pydantic import BaseModel, ConfigDict

DATA = Path(__file__).resolve().parent.parent / "data"


class Table(BaseModel):
    """A data file's content: unknown keys refused, so a typo cannot silently drop a fact."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @classmethod
    def read(cls, path: Path) -> Self:
        return cls.model_validate(yaml.safe_load(path.read_text()))


class Source(Table):
    """Where a fact was read: the page, what it said, and the revision read where one is pinned."""

    url: str
    said: str
    revision: str | None = None

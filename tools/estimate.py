"""What a stack's plan implies: how long ``pulumi up`` takes and what the idle stack costs.

Both read only the offline run (resource types, inputs, dependencies, providers) and the dated
tables in ``data/``, never the stack's config: a change to the program or to a figure shows up
in the plan, and in its snapshot. The duration is :mod:`tools.duration`'s, the cost
:mod:`tools.cost`'s; this module holds what the two share.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from tools.offline import ROOT

DATA = ROOT / "data"


class Table(BaseModel):
    """A data file's content: unknown keys refused, so a typo cannot silently drop a figure."""

    model_config = ConfigDict(extra="forbid", frozen=True)

"""What pulumi-aws's preview of an in-place update returns for a resource (data/aws-update-preview.yaml).

pulumi-aws returns the Terraform plan's planned state: for the SDKv2 types on record, the last
state with the outputs its CustomizeDiff sets new-computed unknown. Types not on record get the
cautious answer (tools.mocks.update_preview: what no input gives is unknown).
"""

from __future__ import annotations

import copy
import datetime
import functools
from typing import Literal

import pulumi

from components.data_tables import DATA, Table

PATH = DATA / "aws-update-preview.yaml"


class PlannedUpdate(Table):
    unknown: list[str]
    kept: list[str]
    source: str
    sure: Literal["high", "medium", "assumption"]
    note: str = ""


class CautiousDefault(Table):
    unknown: str
    sure: Literal["assumption"]
    why: str


class UpdatePreviewTable(Table):
    seen: datetime.date
    sources: dict[str, str]
    default: CautiousDefault
    types: dict[str, PlannedUpdate]


@functools.cache
def table() -> UpdatePreviewTable:
    return UpdatePreviewTable.read(PATH)


def _mark_unknown(state: dict, path: str) -> None:
    """Sets the output at a dotted wire path (``vpcConfig.clusterSecurityGroupId``) unknown, if present."""
    *parents, leaf = path.split(".")
    node: object = state
    for part in parents:
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return
    if isinstance(node, dict):
        node[leaf] = pulumi.runtime.rpc.UNKNOWN


def planned_update(type_token: str, created: dict) -> dict | None:
    """The planned state of an in-place update of a resource whose last state is ``created``,
    or None when the type is not on record (the caller then answers cautiously)."""
    planned = table().types.get(type_token)
    if planned is None:
        return None
    state = copy.deepcopy(created)
    for path in planned.unknown:
        _mark_unknown(state, path)
    return state

"""Stops `pulumi preview` before a change that Azure (or AWS) refuses, or that would replace a data store.

A guard is a Pulumi dynamic resource next to the resource it protects, which depends on it. At
creation it records the settings Azure fixes then, or lets move only one way. On every later
preview the engine asks its provider for a diff; the provider compares the recorded values with
the new ones and raises, naming each offending setting, so nothing is changed (never an ARM error
halfway through `pulumi up`, never a new empty server). A change Azure accepts diffs as an update
of the guard, so the recorded values move forward with the resource.

What the cloud accepts for each setting is its row in ``data/create-only.yaml`` (``data/aws-create-only.yaml``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, Resource, ResourceProvider, UpdateResult
from pulumi.runtime import rpc

from components.create_only import Rule, cloud_of, load_table

#: The key the dynamic provider framework stores its own serialized provider under.
PROVIDER_KEY = "__provider"

FIXED = "fixed"
NO_DECREASE = "no-decrease"
TRANSITIONS = "transitions"
#: How a guard enforces each kind of row (rows that update in place need no guard).
_RULE_OF_UPDATE = {"create-only": FIXED, "grow-only": NO_DECREASE, "transitions": TRANSITIONS}
_WHY = {
    FIXED: "{cloud} keeps it as it was when the {resource} was created",
    NO_DECREASE: "{cloud} can only increase it on an existing {resource}",
    TRANSITIONS: "{cloud} changes it on an existing {resource} only {allowed}",
}


def row_for(type_token: str, path: str) -> Rule:
    """The row of an input path; a row covers the paths below it (``tags`` covers ``tags.a``)."""
    return load_table().row(type_token, path)


@dataclass(frozen=True)
class Guarded:
    """One setting a guard records: its name as a user writes it and the input Azure receives."""

    setting: str
    type: str
    path: str
    value: pulumi.Input[Any]
    #: The value as the user writes it, where Azure's differs (``true`` for ``"Enabled"``).
    shown: Any = None
    #: Overrides the row's rule where the program knows more (fixed only while HA is on).
    rule: str | None = None
    #: What the resource has on stacks whose guard predates this setting (its value then, not
    #: a setting yet), so that the first update that records it is checked against that.
    before_recorded: Any = None

    def recorded(self) -> dict[str, Any]:
        rule = self.rule or _RULE_OF_UPDATE.get(row_for(self.type, self.path).update)
        if rule not in _WHY:
            raise ValueError(f"{self.setting}: {self.type} {self.path} updates in place; there is nothing to guard")
        entry = {"type": self.type, "path": self.path, "rule": rule, "value": self.value}
        if self.shown is not None:
            entry["shown"] = self.shown
        if self.before_recorded is not None:
            entry["before_recorded"] = self.before_recorded
        return entry


def _written(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Pulumi's wire format carries every number as a float
    return str(value)


def _refusal(setting: str, resource: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> str | None:
    before, after = old.get("value"), new.get("value")
    if before == after:
        return None
    rule = new["rule"]
    row = row_for(new["type"], new["path"])
    unknown = after == rpc.UNKNOWN
    too_far = not unknown and row.steps_too_far(before, after)
    if (
        not unknown
        and not too_far
        and (
            (rule == NO_DECREASE and not row.shrinks(before, after))
            or (rule == TRANSITIONS and row.allows(before, after))
        )
    ):
        return None
    if unknown:
        what = "is not known before the update, because what it names would be replaced"
    elif too_far:
        what = (
            f"{cloud_of(new['type'])} moves it at most {row.max_step} minor version per update; "
            "go through each minor in turn"
        )
    else:
        targets = row.targets(before)
        moves = f"from {before} to {' or '.join(targets)}" if targets else f"from {before} to nothing else"
        what = _WHY[rule].format(cloud=cloud_of(new["type"]), resource=resource, allowed=moves)
    shown_after = "(unknown)" if after == rpc.UNKNOWN else _written(new.get("shown", after))
    message = f"{setting}: {_written(old.get('shown', before))} -> {shown_after} is refused: {what}"
    message += f" (source: {row.source})."
    if row.instead:
        message += f" Instead: {row.instead}"
    return message


def refused_changes(olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
    """Why Azure would refuse going from the recorded settings ``olds`` to ``news``; empty if it accepts.

    Both are a guard's recorded inputs. A setting recorded only on one side is not compared (it
    starts, or stops, being guarded) unless it states what it was before being recorded.
    """
    resource = news.get("resource") or olds.get("resource") or "resource"
    recorded = olds.get("settings") or {}
    refused = []
    for setting, new in sorted((news.get("settings") or {}).items()):
        old = recorded.get(setting)
        if old is None and olds and new.get("before_recorded") is not None:
            old = {"value": new["before_recorded"]}
        if old is not None:
            refused.append(_refusal(setting, resource, old, new))
    return [r for r in refused if r]


class ChangeRefusedError(Exception):
    """Raised by a guard's diff; `pulumi preview` shows it and changes nothing."""


def _settings_of(props: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if k != PROVIDER_KEY}


class GuardProvider(ResourceProvider):
    """The guard's provider: no state and no closures, so it serializes by reference."""

    serialize_as_secret_always = False

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(id_=uuid.uuid4().hex, outs=_settings_of(props))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        refused = refused_changes(olds, news)
        if refused:
            resource = news.get("resource", "resource")
            clouds = " and ".join(sorted({cloud_of(s["type"]) for s in (news.get("settings") or {}).values()}))
            raise ChangeRefusedError(
                f"this update would change what {clouds} fixes on the {resource}; nothing was changed:\n"
                + "\n".join(f"  - {r}" for r in refused)
            )
        return DiffResult(changes=_settings_of(olds) != _settings_of(news), replaces=[])

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs=_settings_of(news))


class Guard(Resource):
    """Records ``guarded`` for ``resource`` (a label, e.g. "PostgreSQL server"); make the data
    resource depend on it."""

    def __init__(
        self,
        name: str,
        resource: str,
        guarded: Sequence[Guarded],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        settings = {g.setting: g.recorded() for g in guarded}
        if len(settings) != len(guarded):
            raise ValueError(f"guard {name}: a setting is recorded twice")
        super().__init__(GuardProvider(), name, {"resource": resource, "settings": settings}, opts)

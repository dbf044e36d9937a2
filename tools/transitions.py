"""What a later ``pulumi up`` does to each resource when a stack's settings change, offline.

Two runs of the program (the settings a stack was created with, and the new ones) are compared
the way the engine plans an update: resources are matched by URN; per resource the input paths
that changed, less its ``ignoreChanges``; then the step: created, deleted, the same, updated in
place, or replaced (a changed ARM id part or a property azure-native itself replaces on, per
``data/create-only.yaml``, or a ``replaceOnChanges`` path), or refused at preview (a guard's
diff refuses, or the engine refuses to replace or delete a protected resource).

Independently of what the engine does, the table also says what Azure accepts: an update that
sends a create-only path, shrinks a grow-only one or makes a transition Azure doesn't offer is a
violation (Azure refuses it halfway through ``pulumi up``), and so is a create-before-delete
replacement that keeps the ARM id (azure-native refuses to create a resource that exists). AWS
types are planned the same way from ``data/aws-create-only.yaml`` (pulumi-aws replaces what
terraform-provider-aws marks ForceNew; a replacement that keeps the name finds the name taken).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi.output import Unknown
from pulumi.runtime import rpc

from components.config import SECRET_MARK
from components.create_only import Rule, Table, cloud_of, load_table
from components.guards import PROVIDER_KEY, refused_changes
from tools.mocks import PlatformMocks
from tools.offline import ROOT, DeclaredResource, ProgramRun, RecordingMonitor, run_program, stack_config

#: The type the engine gives a Python dynamic resource: the program's guards.
GUARD_TYPE = "pulumi-python:dynamic:Resource"
#: Shown for a value the engine knows only after the update.
UNKNOWN_SHOWN = "(known after update)"

CREATE, DELETE, SAME, UPDATE, REPLACE, REFUSED = "create", "delete", "same", "update", "replace", "refused"


def leaves(value: Any, prefix: str = "") -> dict[str, Any]:
    """Every input path and its value; a list of plain values is one leaf (``availabilityZones``)."""
    if rpc.is_rpc_secret(value):
        return {path: rpc.wrap_rpc_secret(v) for path, v in leaves(rpc.unwrap_rpc_secret(value), prefix).items()}
    children: Iterable[tuple[str, Any]] = ()
    if isinstance(value, dict) and value:
        children = value.items()
    elif isinstance(value, list) and any(isinstance(item, dict | list) for item in value):
        children = ((str(i), item) for i, item in enumerate(value))
    else:
        return {prefix: value}
    found: dict[str, Any] = {}
    for key, child in children:
        found.update(leaves(child, f"{prefix}.{key}" if prefix else key))
    return found


def _pattern(path: str) -> list[str]:
    """Pulumi's property path syntax (``agentPoolProfiles[0].count``, ``a[*].b``) as dotted parts."""
    return re.sub(r"\[(\d+|\*)\]", r".\1", path).strip(".").split(".")


def matches(path: str, patterns: Iterable[str]) -> bool:
    """Whether ``path`` is one of ``patterns`` or below one (``*`` matches any one part)."""
    parts = path.split(".")
    for pattern in patterns:
        wanted = _pattern(pattern)
        if wanted == ["*"] or (
            len(wanted) <= len(parts) and all(w in ("*", p) for w, p in zip(wanted, parts, strict=False))
        ):
            return True
    return False


def plain(value: Any) -> Any:
    """A recorded value without secret markers and with unknowns as the engine's sentinel."""
    if rpc.is_rpc_secret(value):
        return plain(rpc.unwrap_rpc_secret(value))
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return rpc.UNKNOWN if isinstance(value, Unknown) else value


@dataclass(frozen=True)
class Change:
    path: str
    old: Any
    new: Any
    rule: Rule | None

    def shown(self) -> str:
        def value(v: Any) -> str:
            if rpc.is_rpc_secret(v):
                return SECRET_MARK
            if isinstance(v, float) and v.is_integer():
                return str(int(v))  # the wire has only floats; a count reads as a count
            return UNKNOWN_SHOWN if isinstance(v, Unknown) else "(unset)" if v is None else str(v)

        return f"{self.path}: {value(self.old)} -> {value(self.new)}"


@dataclass
class Step:
    """What the engine does to one resource, and what Azure would make of it."""

    resource: DeclaredResource
    action: str
    changes: tuple[Change, ...] = ()
    #: The changes that make it a replacement.
    forced_by: tuple[Change, ...] = ()
    delete_first: bool = False
    refusals: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)

    @property
    def only_unknowns(self) -> bool:
        """Whether every change that decides the step is a value the preview doesn't know yet."""
        deciding = self.forced_by or self.changes
        return bool(deciding) and all(isinstance(plain(c.new), str) and plain(c.new) == rpc.UNKNOWN for c in deciding)

    @property
    def disruption(self) -> list[str]:
        """What users notice while this step runs, from the table's ``disruption`` of its changes."""
        relevant = self.forced_by if self.action == REPLACE else self.changes
        found = [c.rule.disruption for c in relevant if c.rule and c.rule.disruption]
        if self.action == REPLACE and not found:
            found = ["the old one is deleted first" if self.delete_first else "the new one is created first"]
        return list(dict.fromkeys(found))


@dataclass
class UpdatePlan:
    steps: list[Step]

    def of(self, *actions: str) -> list[Step]:
        return [s for s in self.steps if s.action in actions]

    @property
    def refused(self) -> bool:
        """Whether ``pulumi preview`` stops: then nothing at all changes."""
        return bool(self.of(REFUSED))

    @property
    def violations(self) -> list[str]:
        """What Azure would refuse halfway through ``pulumi up``; none when the preview already stops."""
        return [] if self.refused else [v for s in self.steps for v in s.violations]


def changed_paths(old: DeclaredResource, new: DeclaredResource, table: Table) -> list[Change]:
    """The input paths that differ, less the resource's ``ignoreChanges`` (the engine keeps those)."""
    before = leaves({k: v for k, v in old.inputs.items() if k != PROVIDER_KEY})
    after = leaves({k: v for k, v in new.inputs.items() if k != PROVIDER_KEY})
    changes = []
    for path in sorted(set(before) | set(after)):
        a, b = plain(before.get(path)), plain(after.get(path))
        if (a != b or b == rpc.UNKNOWN) and not matches(path, new.ignore_changes):
            changes.append(Change(path, before.get(path), after.get(path), table.rule(new.type, path)))
    return changes


def _keeps_arm_id(old: DeclaredResource, new: DeclaredResource, table: Table) -> bool:
    ids = [p for p in leaves(old.inputs) if (rule := table.rule(old.type, p)) and rule.arm_id]
    return bool(ids) and all(plain(old.input_at(p)) == plain(new.input_at(p)) for p in ids)


def plan_step(old: DeclaredResource, new: DeclaredResource, table: Table) -> Step:
    changes = tuple(changed_paths(old, new, table))
    if not changes:
        return Step(new, SAME)
    if new.type == GUARD_TYPE:
        refusals = refused_changes(plain(old.inputs), plain(new.inputs))
        return Step(new, REFUSED if refusals else UPDATE, changes, refusals=refusals)
    forced = tuple(c for c in changes if (c.rule and c.rule.replaces) or matches(c.path, new.replace_on_changes))
    if not forced:
        violations = [
            f"{new.type} {new.name}: updates {c.shown()} in place, which {cloud_of(new.type)} refuses: {why}"
            f" ({c.rule.source})"
            for c in changes
            if c.rule and (why := c.rule.refusal(c.old, c.new))
        ]
        return Step(new, UPDATE, changes, violations=violations)
    keeps_id = _keeps_arm_id(old, new, table)
    # pulumi-kubernetes deletes first itself when a replaced object keeps its name.
    delete_first = new.delete_before_replace or (keeps_id and new.type.startswith("kubernetes:"))
    step = Step(new, REPLACE, changes, forced, delete_first)
    if old.protect:
        step.action = REFUSED
        step.refusals.append(f"{new.type} {new.name} is protected: the engine refuses to replace it")
    elif keeps_id and not delete_first and new.type.startswith("azure-native:"):
        step.violations.append(
            f"{new.type} {new.name}: replaced create-before-delete under the same ARM id;"
            " azure-native refuses to create a resource that exists (set delete_before_replace or a new name)"
        )
    elif keeps_id and not delete_first and new.type.startswith("aws:"):
        step.violations.append(
            f"{new.type} {new.name}: replaced create-before-delete under the same name; AWS refuses to create"
            " a resource whose name is taken (set delete_before_replace or a new name)"
        )
    return step


def plan_update(old: ProgramRun, new: ProgramRun, table: Table | None = None) -> UpdatePlan:
    """The engine's plan for going from ``old``'s settings to ``new``'s, custom resources only."""
    table = table or load_table()
    before = {r.urn: r for r in old.resources if r.custom}
    after = {r.urn: r for r in new.resources if r.custom}
    steps = []
    for urn, resource in after.items():
        steps.append(plan_step(before[urn], resource, table) if urn in before else Step(resource, CREATE))
    for urn, resource in before.items():
        if urn not in after:
            refusals = [f"{resource.type} {resource.name} is protected: the engine refuses to delete it"]
            steps.append(Step(resource, REFUSED, refusals=refusals) if resource.protect else Step(resource, DELETE))
    return UpdatePlan(steps)


def preview_update(
    old: ProgramRun,
    stack: str,
    overrides: Mapping[str, Any] | None = None,
    root: Path = ROOT,
    stack_file: Path | None = None,
    table: Table | None = None,
) -> tuple[UpdatePlan, ProgramRun]:
    """The plan ``pulumi preview`` shows for the new settings, and the preview run it reads.

    azure-native previews an update with most computed outputs unknown, so what reads them
    changes too (a path parameter taken from an updated resource's output makes its reader a
    replacement). The new settings run again as an update preview of every azure-native type
    the plan changes, until that set settles.
    """
    new = run_program(stack, overrides, root, stack_file=stack_file)
    plan = plan_update(old, new, table)
    location = stack_config(stack, overrides, root, stack_file)[0].get("azure-native:location", "westeurope")
    updating: frozenset[str] = frozenset()
    while True:
        changed = frozenset(
            s.resource.type
            for s in plan.of(UPDATE, REPLACE, REFUSED)
            if s.resource.type.startswith("azure-native:") and s.changes
        )
        if changed <= updating:
            return plan, new
        updating |= changed
        monitor = RecordingMonitor(PlatformMocks(location=location, updating=updating))
        new = run_program(stack, overrides, root, preview=True, monitor=monitor, stack_file=stack_file)
        plan = plan_update(old, new, table)

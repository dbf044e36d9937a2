"""``python -m tools.plan STACK --compare-to REF``: what moving a live stack to these settings does.

REF is another version of the stack's settings: ``<commit>:Pulumi.<stack>.yaml`` (read with
``git show``), a bare commit (its ``Pulumi.<stack>.yaml``), or a file. Both versions run through
today's program offline; the difference is planned the way the engine plans an update
(:mod:`tools.transitions`) and printed per resource: refused at preview (with the reason),
replaced (and which create-only setting forces it), updated in place, deleted or created, with
what users notice meanwhile.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from tools.offline import ROOT, OfflineConfigError, ProgramRun, project_name, run_program
from tools.plan_document import resource_keys
from tools.transitions import CREATE, DELETE, REFUSED, REPLACE, SAME, UPDATE, Step, UpdatePlan, preview_update

#: The order a reviewer reads the steps in: what stops the update first, what only adds last.
SHOWN = (
    (REFUSED, "refused"),
    (REPLACE, "replaced"),
    (UPDATE, "updated in place"),
    (DELETE, "deleted"),
    (CREATE, "created"),
)


def git_ref(ref: str, stack: str) -> str:
    """``<commit>:<path>`` for REF; a bare commit means its ``Pulumi.<stack>.yaml``."""
    return ref if ":" in ref else f"{ref}:Pulumi.{stack}.yaml"


def settings_at(ref: str, stack: str, root: Path = ROOT) -> str | None:
    """The stack file's text at REF (a file, or a git object); None when that commit has no such file."""
    path = Path(ref)
    if path.is_file():
        return path.read_text()
    spec = git_ref(ref, stack)
    commit = spec.partition(":")[0]
    shown = subprocess.run(["git", "show", spec], cwd=root, capture_output=True, text=True, check=False)
    if shown.returncode == 0:
        return shown.stdout
    listed = subprocess.run(
        ["git", "cat-file", "-e", f"{commit}^{{commit}}"], cwd=root, capture_output=True, check=False
    )
    if listed.returncode == 0:
        return None  # the commit exists without the file: the stack is new
    raise OfflineConfigError(f"cannot read {spec}: neither a file nor a git object ({shown.stderr.strip()})")


def compare(stack: str, ref: str, root: Path = ROOT) -> tuple[UpdatePlan, ProgramRun, ProgramRun]:
    """The plan from the settings at REF (the live stack) to the stack file in ``root``."""
    text = settings_at(ref, stack, root)
    if text is None:
        old = ProgramRun(project=project_name(root), stack=stack)
    else:
        with tempfile.TemporaryDirectory() as directory:
            stack_file = Path(directory) / f"Pulumi.{stack}.yaml"
            stack_file.write_text(text)
            old = run_program(stack, root=root, stack_file=stack_file)
    plan, new = preview_update(old, stack, root=root)
    return plan, old, new


def _describe(step: Step, key: str) -> list[str]:
    head = f"{key}  ({step.resource.type})"
    if step.action == REPLACE:
        head += ", deleting the old one first" if step.delete_first else ", creating the new one first"
    lines = [head]
    lines += [f"    refused: {reason}" for reason in step.refusals]
    for change in step.forced_by:
        rule = change.rule
        why = "a new name" if rule and rule.arm_id else f"{rule.update}: {rule.source}" if rule else "no row"
        if not (rule and rule.replaces):
            why += "; the program's replaceOnChanges"
        lines.append(f"    forced by {change.shown()}  ({why})")
    forced = {c.path for c in step.forced_by}
    if step.resource.type != "pulumi-python:dynamic:Resource":
        lines += [f"    {change.shown()}" for change in step.changes if change.path not in forced]
    if step.action in (REPLACE, UPDATE):
        lines += [f"    meanwhile: {text}" for text in step.disruption]
    if step.only_unknowns:
        lines.append("    (only values the preview knows after the update decide this; `pulumi up` diffs again then)")
    return lines


def render_comparison(plan: UpdatePlan, old: ProgramRun, new: ProgramRun, ref: str) -> list[str]:
    keys = {**resource_keys(old), **resource_keys(new)}
    lines = [f"Stack {new.project}/{new.stack}: settings at {ref} -> Pulumi.{new.stack}.yaml now", ""]
    if not old.resources:
        lines += [f"{ref} has no settings for {new.stack}: a new stack, every resource is created.", ""]
    for action, title in SHOWN:
        steps = sorted(plan.of(action), key=lambda s: keys[s.resource.urn])
        if steps:
            lines.append(f"{title} ({len(steps)}):")
            for step in steps:
                lines += ["  " + line for line in _describe(step, keys[step.resource.urn])]
                if not plan.refused:
                    lines += [f"      VIOLATION: {v}" for v in step.violations]
            lines.append("")
    counts = ", ".join(f"{len(plan.of(action))} {title}" for action, title in SHOWN if plan.of(action))
    lines.append(f"{counts or 'no changes'}; {len(plan.of(SAME))} unchanged.")
    if plan.refused:
        lines.append("`pulumi preview` stops at the refusal above: nothing changes until it is resolved.")
    if plan.violations:
        lines.append(f"{len(plan.violations)} step(s) Azure would refuse halfway through `pulumi up` (VIOLATION).")
    return lines


def main(stack: str, ref: str, root: Path = ROOT) -> int:
    plan, old, new = compare(stack, ref, root)
    print("\n".join(render_comparison(plan, old, new, ref)))
    return 0

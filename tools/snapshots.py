"""The committed plans in ``tests/snapshots/``: one per stack file, compared and refreshed."""

from __future__ import annotations

import difflib
from pathlib import Path

from tools.cloud_figures import PriceTables, stack_cloud
from tools.duration import ProvisioningTimes
from tools.offline import ROOT, run_program
from tools.plan_document import plan_document, render_json

SNAPSHOTS = ROOT / "tests" / "snapshots"
UPDATE_COMMAND = "bash scripts/plan.sh --update-snapshots"


def stack_names(root: Path = ROOT) -> list[str]:
    """The stacks that have a settings file (``Pulumi.<stack>.yaml``) in the project."""
    return sorted(path.name.removeprefix("Pulumi.").removesuffix(".yaml") for path in root.glob("Pulumi.*.yaml"))


def snapshot_path(stack: str, directory: Path = SNAPSHOTS) -> Path:
    return directory / f"{stack}.json"


def snapshot_diff(expected: Path, actual: str) -> str:
    """Empty when ``actual`` is the committed snapshot; otherwise a unified diff saying how to refresh."""
    if not expected.exists():
        return f"{expected} does not exist; create it with: {UPDATE_COMMAND}"
    committed = expected.read_text()
    if committed == actual:
        return ""
    diff = difflib.unified_diff(
        committed.splitlines(keepends=True),
        actual.splitlines(keepends=True),
        fromfile=f"{expected.name} (committed)",
        tofile=f"{expected.name} (the program's plan now)",
    )
    return (
        f"The plan no longer matches {expected}.\n"
        f"If the change is intended, refresh the snapshots with: {UPDATE_COMMAND}\n\n" + "".join(diff)
    )


def update_snapshots(
    stacks: list[str], root: Path, times: ProvisioningTimes, tables: PriceTables, directory: Path = SNAPSHOTS
) -> None:
    """Each stack's plan, priced with its cloud's table from ``tables``."""
    for stack in stacks:
        table = tables[stack_cloud(stack, root)]
        text = render_json(plan_document(run_program(stack, root=root), times, table))
        path = snapshot_path(stack, directory)
        changed = not path.exists() or path.read_text() != text
        if changed:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        print(f"{path}: {'updated' if changed else 'unchanged'}")

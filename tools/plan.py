"""``python -m tools.plan [stack]``: the program's plan for a stack, offline, for anyone to review.

Runs the real program under realistic mocks and prints the resource tree with the settings that
matter for each resource, the stack outputs with secrets masked, the estimated ``pulumi up``
duration with the chain of resources that decides it, and the estimated idle monthly cost.
``--json`` writes the plan as a normalized document; ``--update-snapshots`` refreshes the
committed documents in ``tests/snapshots/`` that the test suite compares the plan against.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pydantic import ValidationError

from components.config import ConfigurationError, StackSettings, settings_from_config
from components.kubernetes_versions import check_date
from tools.cloud_figures import capacity_figures, cold_start, idle_cost, load_price_tables, plan_warnings
from tools.compare import main as compare
from tools.cost import CostEstimate
from tools.duration import estimate_duration, load_provisioning_times
from tools.front_door_lines import front_door_lines
from tools.offline import ROOT, OfflineConfigError, run_program, stack_config
from tools.paused_cost import PausedCost, paused_cost
from tools.plan_document import plan_document, render_json, resource_keys
from tools.plan_text import (
    os_disk_notes,
    render_cold_start,
    render_cost,
    render_duration,
    render_outputs,
    render_tree,
)
from tools.snapshots import stack_names, update_snapshots


def main(argv: list[str] | None = None, root: Path = ROOT) -> int:
    parser = argparse.ArgumentParser(prog="plan", description=__doc__.splitlines()[0])
    parser.add_argument("stack", nargs="?", help="stack name (Pulumi.<stack>.yaml); default dev")
    action = parser.add_mutually_exclusive_group()
    action.add_argument(
        "--json",
        nargs="?",
        const="",
        metavar="PATH",
        help="also write the plan as a normalized JSON document to PATH (default plan-<stack>.json; '-': stdout only)",
    )
    action.add_argument(
        "--update-snapshots",
        action="store_true",
        help="rewrite tests/snapshots/<stack>.json for the stack, or for every stack when none is named",
    )
    action.add_argument(
        "--compare-to",
        metavar="REF",
        help="what moving the stack from the settings at REF (<commit>:Pulumi.<stack>.yaml, a commit, or a file)"
        " to the stack file does to each resource",
    )
    args = parser.parse_args(argv)
    try:
        times, tables = load_provisioning_times(), load_price_tables()
        if args.update_snapshots:
            update_snapshots([args.stack] if args.stack else stack_names(root), root, times, tables)
            return 0
        if args.compare_to:
            return compare(args.stack or "dev", args.compare_to, root)
        run = run_program(args.stack or "dev", root=root)
    except (OfflineConfigError, ConfigurationError, ValidationError) as error:  # a stack or data file is wrong
        print(f"error: {error}", file=sys.stderr)
        return 2
    settings = settings_from_config(run.project, run.stack, *stack_config(run.stack, root=root))
    table = tables[settings.cloud]

    if args.json is not None:
        text = render_json(plan_document(run, times, table))
        if args.json == "-":
            sys.stdout.write(text)
            return 0
        path = Path(args.json or f"plan-{run.stack}.json")
        try:
            path.write_text(text)
        except OSError as error:
            print(f"error: cannot write {path}: {error}", file=sys.stderr)
            return 1
        print(f"Wrote {path}\n", file=sys.stderr)

    for warning in plan_warnings(settings, check_date()):
        print(f"warning: {warning}\n")
    # The OS disk notes read Azure's resources (none on AWS).
    for note in os_disk_notes(run):
        print(f"note: {note}\n")
    keys = resource_keys(run)
    print(f"Stack {run.project}/{run.stack}: {len(run.resources)} resources\n")
    print("\n".join(render_tree(run)))
    print("\nOutputs:")
    print("\n".join(render_outputs(run)))
    print()
    print("\n".join(front_door_lines(run, settings)))
    print()
    print("\n".join(render_duration(estimate_duration(run, times), keys)))
    print()
    print("\n".join(capacity_figures(run, table)))
    print()
    idle = idle_cost(run, table)
    print("\n".join(render_cost(idle, table, keys, stack_paused(idle, settings))))
    estimate = cold_start(run, table)
    if estimate is not None:
        print()
        print("\n".join(render_cold_start(estimate)))
    return 0


def stack_paused(idle: CostEstimate, settings: StackSettings) -> PausedCost | None:
    """What the stack costs paused (tools.pause stops an AKS cluster and PostgreSQL server, or scales
    EKS node groups to zero and stops an RDS instance); a protected stack is never paused (tools.pause
    refuses it): no paused figure for it."""
    schedule = settings.pause.schedule
    weekly = schedule.paused_hours_per_week if schedule.enabled else None
    return None if settings.protect_data else paused_cost(idle, weekly, cloud=settings.cloud)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:
        # The reader (`| head`, a closed pager) stopped early: nothing is wrong with the plan.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)

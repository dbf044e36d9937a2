"""How the tools that drive the Pulumi CLI (bootstrap, pause) end: the same exit codes and messages."""

from __future__ import annotations

import sys
from collections.abc import Callable

from pulumi import automation as auto


def run_command(call: Callable[[], object], refusals: tuple[type[Exception], ...]) -> int:
    """Runs a tool's command: a refusal (bad settings, a stack it won't touch) exits 2 with its message,
    a failing Pulumi CLI exits 1, success 0; never a traceback for either."""
    try:
        call()
    except refusals as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except auto.CommandError as error:
        print(f"error: the Pulumi CLI failed:{error}", file=sys.stderr)
        return 1
    return 0

"""``python -m tools.stack_region STACK``: ``region=<aws:region>`` of an AWS stack, for ``$GITHUB_OUTPUT``.

The workflows hand it to aws-actions/configure-aws-credentials, so the region is written once, in
the stack file. The stack's settings are read and checked as the program reads them: a stack that
is not on AWS, or has no valid ``aws:region``, fails the step with the setting's name.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from components.config import PROJECT, ConfigurationError, settings_from_config
from tools.offline import stack_config


def stack_region(stack: str) -> str:
    settings = settings_from_config(PROJECT, stack, *stack_config(stack))
    if settings.cloud != "aws":
        raise ConfigurationError(f"stack {stack!r} is on {settings.cloud}, not aws: it has no aws:region")
    return settings.aws_region


def main(argv: Sequence[str] | None = None) -> int:
    (stack,) = sys.argv[1:] if argv is None else argv
    try:
        print(f"region={stack_region(stack)}")
    except ConfigurationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

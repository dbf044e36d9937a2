"""How the tools that drive the Pulumi CLI (bootstrap, pause) end: the same exit codes and messages;
and the cloud CLI sessions they check before they start."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable

from pulumi import automation as auto

AWS_CLI_INSTALL = "https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html"


class CloudCliError(Exception):
    """A cloud's CLI is missing or has no credentials; reported as the message alone."""


class PauseError(Exception):
    """``tools.pause`` cannot pause or resume the stack now; the message says why and what to do.

    Here rather than in tools/pause.py: ``python -m tools.pause`` runs that file as ``__main__``, and
    the cloud halves (tools/pause_aws.py) must raise the class its ``main`` catches.
    """


def aws_caller_arn(region: str | None) -> str:
    """The ARN ``aws sts get-caller-identity`` answers with: the AWS CLI is there and has credentials.

    The EKS kubeconfig's exec credential runs this CLI (``aws eks get-token``), so a missing CLI
    would otherwise surface only once the cluster exists, well into the first ``pulumi up``.
    """
    if shutil.which("aws") is None:
        raise CloudCliError(
            "the AWS CLI (v2) is not on PATH: the Kubernetes provider gets its EKS token from `aws eks get-token`. "
            f"Install it ({AWS_CLI_INSTALL}) and run this again"
        )
    command = ["aws", "sts", "get-caller-identity", "--output", "json"]
    if region:
        command += ["--region", region]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise CloudCliError(
            "the AWS CLI has no usable credentials (`aws sts get-caller-identity` failed): sign in, e.g. "
            "`aws sso login --profile NAME` and `export AWS_PROFILE=NAME`, and run this again.\n"
            + result.stderr.strip()
        )
    return json.loads(result.stdout)["Arn"]


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

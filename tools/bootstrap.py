"""``python -m tools.bootstrap NEW_STACK``: a new environment from one command.

Copies a template stack's settings (default ``dev``) into a new stack with a few overrides,
never its secrets, previews the result and, with ``--yes``, deploys it, all through Pulumi's
Automation API on this project directory. Running it again changes nothing: settings are
compared before they are written, and ``up`` runs only when the preview shows changes.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from components.config import PROJECT, SECRET_MARK, ConfigurationError, StackSettings
from tools.bootstrap_settings import (
    BootstrapError,
    config_path,
    derive_config,
    option_overrides,
    parse_assignment,
    pending_changes,
    program_settings,
    read_secret,
    read_template,
    set_all_json,
    split_assignment,
    stack_cloud,
)
from tools.cli import CloudCliError, aws_caller_arn, run_command

ROOT = Path(__file__).resolve().parent.parent

Print = Callable[[str], None]


def has_changes(change_summary: Mapping[str, int]) -> bool:
    return any(count for op, count in change_summary.items() if op != auto.OpType.SAME)


def open_workspace(project_dir: Path, secrets_provider: str | None, say: Print) -> auto.LocalWorkspace:
    """The project's workspace, once the CLI is found and logged in to a backend."""
    if shutil.which("pulumi") is None:
        raise BootstrapError(
            "the Pulumi CLI is not on PATH: install it (https://www.pulumi.com/docs/iac/download-install/) "
            "and run this again"
        )
    try:
        workspace = auto.LocalWorkspace(work_dir=str(project_dir), secrets_provider=secrets_provider)
    except (auto.InvalidVersionError, subprocess.CalledProcessError) as error:
        raise BootstrapError(f"the Pulumi CLI cannot be used: {error}") from None
    try:
        identity = workspace.who_am_i()
    except auto.CommandError as error:
        raise BootstrapError(
            "not logged in to a Pulumi backend: run `pulumi login` (Pulumi Cloud, or e.g. "
            "`pulumi login azblob://<container>`), or set PULUMI_ACCESS_TOKEN / PULUMI_BACKEND_URL.\n"
            f"{error}"
        ) from None
    say(f"Logged in to {identity.url or 'the Pulumi backend'} as {identity.user}")
    return workspace


def check_cloud_credentials(settings: StackSettings, say: Print) -> None:
    """On AWS, the identity ``pulumi up`` will act as, before anything is created.

    The AWS CLI resolves credentials through the same chain as the AWS provider, and the
    kubeconfig's exec credential runs that CLI (``aws eks get-token``): one call proves both, and
    names the principal the cluster makes its admin (its access entry).
    """
    if settings.cloud == "aws":
        arn = aws_caller_arn(settings.aws_region)
        say(f"AWS credentials: {arn} (made the cluster's admin through an access entry)")


def find_stack(name: str, workspace: auto.LocalWorkspace) -> auto.Stack | None:
    try:
        return auto.Stack.select(name, workspace)
    except auto.StackNotFoundError:
        return None


def write_settings(
    stack: auto.Stack,
    current: Mapping[str, auto.ConfigValue],
    desired: Mapping[str, Any],
    secrets: Mapping[str, str],
    say: Print,
) -> None:
    """Writes only what differs, so a second run leaves the stack file untouched."""
    changes = pending_changes(current, desired)
    if changes:
        stack.set_all_config_json(set_all_json(changes))
        say(f"Settings written: {', '.join(sorted(changes))}")
    else:
        say("Settings unchanged")
    for key, secret in secrets.items():
        if key in current and current[key].secret and current[key].value == secret:
            say(f"Secret {key} unchanged")
            continue
        stack.set_config(key, auto.ConfigValue(value=secret, secret=True))
        say(f"Secret {key} set")


def report_withheld(stack_name: str, withheld: Sequence[str], provided: Iterable[str], say: Print) -> None:
    for key in withheld:
        if key in provided:
            continue
        name = key.removeprefix(f"{PROJECT}:")
        say(
            f"Not copied: {key} is a secret of the template. Set this stack's own value with\n"
            f"  pulumi config set --secret {name} --stack {stack_name} < FILE\n"
            f"or run this again with --secret-file {key}=FILE"
        )


def render_outputs(outputs: Mapping[str, auto.OutputValue]) -> list[str]:
    if not outputs:
        return ["  (none: the stack has not been deployed)"]
    return [
        f"  {name}: {SECRET_MARK if outputs[name].secret else json.dumps(outputs[name].value)}"
        for name in sorted(outputs)
    ]


@dataclass(frozen=True)
class Request:
    stack: str
    template: str = "dev"
    #: ``--region``, ``--task-pool-max`` and the like, with their values: which settings they write
    #: depends on the template's cloud.
    options: tuple[tuple[str, Any], ...] = ()
    overrides: tuple[tuple[str, Any], ...] = ()
    secret_files: tuple[tuple[str, Path], ...] = ()
    secrets_provider: str | None = None
    deploy: bool = False


def bootstrap(request: Request, project_dir: Path = ROOT, say: Print = print) -> Mapping[str, auto.OutputValue]:
    """Creates or selects the stack, writes its settings, previews, deploys with ``deploy``.

    Nothing is created or written unless the resulting settings are valid for the program.
    """
    if request.stack == request.template:
        raise BootstrapError("the new stack must not be its own template")
    template = read_template(project_dir, request.template)
    cloud = stack_cloud(template, request.overrides)
    overrides = [*option_overrides(cloud, request.options, request.template), *request.overrides]
    derived = derive_config(template, overrides, template_name=request.template)
    secrets = {config_path(key)[0]: read_secret(path) for key, path in request.secret_files}

    workspace = open_workspace(project_dir, request.secrets_provider, say)
    stack = find_stack(request.stack, workspace)
    current = stack.get_all_config() if stack else {}
    settings = program_settings(request.stack, current, derived.values, secrets)
    check_cloud_credentials(settings, say)
    if stack is None:
        stack = auto.Stack.create(request.stack, workspace)
        say(f"Created the stack {request.stack}")
    else:
        say(f"Selected the existing stack {request.stack}")
    write_settings(stack, current, derived.values, secrets, say)
    for note in derived.notes:
        say(note)
    report_withheld(request.stack, derived.withheld_secrets, secrets, say)

    say(f"Previewing {request.stack}:")
    preview = stack.preview(diff=True, on_output=say)
    if not request.deploy:
        say("Preview only: run this again with --yes to deploy.")
    elif has_changes(preview.change_summary):
        say(f"Deploying {request.stack}:")
        stack.up(on_output=say)
    else:
        say("Nothing to deploy: the stack already matches its settings.")
    outputs = stack.outputs()
    say(f"Outputs of {request.stack}:")
    for line in render_outputs(outputs):
        say(line)
    return outputs


def parse_args(argv: Sequence[str] | None) -> Request:
    parser = argparse.ArgumentParser(prog="bootstrap", description=__doc__.splitlines()[0])
    parser.add_argument("stack", help="name of the new stack")
    parser.add_argument("--from", dest="template", default="dev", help="stack to copy settings from (default dev)")
    parser.add_argument("--location", help="Azure region of an Azure stack, e.g. northeurope")
    parser.add_argument("--region", help="AWS region of an AWS stack (aws:region), e.g. eu-central-1")
    parser.add_argument(
        "--task-pool-max", type=int, help="most task nodes the pool (AWS: the task node group) scales out to"
    )
    parser.add_argument("--task-pool-vm-size", help="Azure: VM size of the task pool")
    parser.add_argument(
        "--control-plane-vm-size",
        help="Azure: VM size of a control-plane pool of Airflow's own (not the System pool's)",
    )
    parser.add_argument(
        "--system-vm-size", help="Azure: VM size of the cluster's System pool (fixed when it is created)"
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="any setting by path, e.g. logs.retentionDays=60",
    )
    parser.add_argument(
        "--secret-file", action="append", default=[], metavar="KEY=FILE", help="set a secret from a file's content"
    )
    parser.add_argument("--secrets-provider", help="secrets provider of a stack created now (default: the backend's)")
    parser.add_argument("--yes", action="store_true", help="deploy after the preview")
    args = parser.parse_args(argv)
    named = [
        ("--location", args.location),
        ("--region", args.region),
        ("--task-pool-max", args.task_pool_max),
        ("--task-pool-vm-size", args.task_pool_vm_size),
        ("--control-plane-vm-size", args.control_plane_vm_size),
        ("--system-vm-size", args.system_vm_size),
    ]
    options = [(option, value) for option, value in named if value is not None]
    overrides = [parse_assignment(text) for text in args.set]
    secret_files = [(key, Path(path)) for key, path in map(split_assignment, args.secret_file)]
    return Request(
        stack=args.stack,
        template=args.template,
        options=tuple(options),
        overrides=tuple(overrides),
        secret_files=tuple(secret_files),
        secrets_provider=args.secrets_provider,
        deploy=args.yes,
    )


def main(argv: Sequence[str] | None = None, project_dir: Path = ROOT) -> int:
    def deploy() -> None:
        bootstrap(parse_args(argv), project_dir, say=lambda line: print(line, flush=True))

    return run_command(deploy, (BootstrapError, ConfigurationError, CloudCliError))


if __name__ == "__main__":
    sys.exit(main())

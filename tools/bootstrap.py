"""``python -m tools.bootstrap NEW_STACK``: a new environment from one command.

Copies a template stack's settings (default ``dev``) into a new stack with a few overrides,
never its secrets, previews the result and, with ``--yes``, deploys it, all through Pulumi's
Automation API on this project directory. Running it again changes nothing: settings are
compared before they are written, and ``up`` runs only when the preview shows changes.
"""

from __future__ import annotations

import argparse
import copy
import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pulumi import automation as auto

from components.config import (
    LOCATION_KEY,
    PROJECT,
    SECRET_MARK,
    ConfigurationError,
    StackSettings,
    settings_from_config,
)

ROOT = Path(__file__).resolve().parent.parent

Print = Callable[[str], None]


class BootstrapError(Exception):
    """Something the user must fix first; reported as the message alone."""


@dataclass(frozen=True)
class DerivedConfig:
    """The new stack's settings, the template secrets deliberately left out of them, and what was
    changed from the template without being asked (to be told to the user)."""

    values: dict[str, Any]
    withheld_secrets: tuple[str, ...]
    notes: tuple[str, ...] = ()


def is_secure(value: Any) -> bool:
    """Whether a stack-file value is, or contains, an encrypted ``secure:`` value."""
    if isinstance(value, dict):
        return set(value) == {"secure"} or any(is_secure(v) for v in value.values())
    if isinstance(value, list):
        return any(is_secure(v) for v in value)
    return False


def config_path(text: str, project: str = PROJECT) -> tuple[str, list[str]]:
    """``cluster.taskPool.maxCount`` -> (``airflow-platform:cluster``, [``taskPool``, ``maxCount``]).

    A key without a namespace belongs to the project, as in ``pulumi config set``.
    """
    namespace, _, rest = text.rpartition(":")
    head, *path = rest.split(".")
    if not head or not all(path):
        raise BootstrapError(f"not a setting path: {text!r}")
    return f"{namespace or project}:{head}", path


def split_assignment(text: str) -> tuple[str, str]:
    key, sep, raw = text.partition("=")
    if not sep or not key:
        raise BootstrapError(f"expected KEY=VALUE, got {text!r}")
    return key, raw


def parse_assignment(text: str) -> tuple[str, Any]:
    """``KEY=VALUE`` with the value read as YAML, so ``8`` is a number and ``'"16"'`` a string."""
    key, raw = split_assignment(text)
    return key, yaml.safe_load(raw) if raw else ""


def derive_config(
    template: Mapping[str, Any],
    overrides: Iterable[tuple[str, Any]],
    project: str = PROJECT,
    template_name: str = "dev",
) -> DerivedConfig:
    """The new stack's settings: the template's, without its secrets, with ``overrides`` applied.

    ``template`` is the ``config`` mapping of the template's stack file. Encrypted values are
    never copied: they are bound to the template's own secrets provider, and a new environment
    needs its own credentials anyway. Nor is a template's ``protectData: false`` (dev's, so that
    dev can be torn down): the new stack's data is protected unless the overrides say otherwise.
    """
    overrides = list(overrides)
    values = {key: copy.deepcopy(value) for key, value in template.items() if not is_secure(value)}
    withheld = tuple(sorted(key for key, value in template.items() if is_secure(value)))
    for text, value in overrides:
        key, path = config_path(text, project)
        if not path:
            values[key] = value
            continue
        node = values.setdefault(key, {})
        for part in path[:-1]:
            if not isinstance(node, dict):
                break
            node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise BootstrapError(f"{text}: {key} is not an object at {'.'.join(path[:-1])}")
        node[path[-1]] = value
    protect_key = f"{project}:protectData"
    notes = []
    asked = any(config_path(text, project) == (protect_key, []) for text, _ in overrides)
    if not asked and values.get(protect_key, True) is not True:
        values[protect_key] = True
        notes.append(
            f"protectData: true for this stack, although the template {template_name} sets "
            f"{json.dumps(template[protect_key])}: Pulumi refuses to delete its database and log storage. "
            "To leave them unprotected, run this again with --set protectData=false"
        )
    return DerivedConfig(values=values, withheld_secrets=withheld, notes=tuple(notes))


def config_text(value: Any) -> str:
    """A setting as the CLI holds it: strings as they are, anything else as canonical JSON."""
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def normalized(text: str) -> str:
    """``config_text`` of what ``pulumi config --json`` printed, so equal settings compare equal."""
    try:
        return config_text(json.loads(text))
    except json.JSONDecodeError:
        return text


def program_settings(
    stack: str,
    current: Mapping[str, auto.ConfigValue],
    desired: Mapping[str, Any],
    secrets: Mapping[str, str],
) -> StackSettings:
    """The settings the program will read once ``desired`` and ``secrets`` are written.

    The stack's current settings (``pulumi config --json``), overlaid with the new ones, handed
    over as text the way the CLI hands them to the program. Raises :class:`ConfigurationError`
    listing every problem, secrets never shown.
    """
    config = {key: value.value for key, value in current.items()}
    config |= {key: config_text(value) for key, value in desired.items()}
    config |= secrets
    secret_keys = {key for key, value in current.items() if value.secret} | set(secrets)
    return settings_from_config(PROJECT, stack, config, secret_keys)


def pending_changes(current: Mapping[str, auto.ConfigValue], desired: Mapping[str, Any]) -> dict[str, Any]:
    """The desired settings the stack does not hold yet (keys it has beyond them stay)."""
    return {
        key: value
        for key, value in desired.items()
        if key not in current or normalized(current[key].value) != config_text(value)
    }


def set_all_json(changes: Mapping[str, Any]) -> str:
    """``changes`` in the shape ``pulumi config --json`` prints and ``config set-all --json`` reads."""
    document = {}
    for key, value in changes.items():
        entry: dict[str, Any] = {"value": config_text(value), "secret": False}
        if isinstance(value, dict | list):
            entry["objectValue"] = value
        document[key] = entry
    return json.dumps(document)


def has_changes(change_summary: Mapping[str, int]) -> bool:
    return any(count for op, count in change_summary.items() if op != auto.OpType.SAME)


def read_secret(path: Path) -> str:
    if not path.is_file():
        raise BootstrapError(f"secret file {path} does not exist")
    return path.read_text().rstrip("\n")


def read_template(project_dir: Path, template: str) -> dict[str, Any]:
    stack_file = project_dir / f"Pulumi.{template}.yaml"
    if not stack_file.exists():
        raise BootstrapError(f"no template stack file {stack_file.name} in {project_dir}")
    return (yaml.safe_load(stack_file.read_text()) or {}).get("config") or {}


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
    derived = derive_config(
        read_template(project_dir, request.template), request.overrides, template_name=request.template
    )
    secrets = {config_path(key)[0]: read_secret(path) for key, path in request.secret_files}

    workspace = open_workspace(project_dir, request.secrets_provider, say)
    stack = find_stack(request.stack, workspace)
    current = stack.get_all_config() if stack else {}
    program_settings(request.stack, current, derived.values, secrets)
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
    parser.add_argument("--location", help="Azure region, e.g. northeurope")
    parser.add_argument("--task-pool-max", type=int, help="most task nodes the pool scales out to")
    parser.add_argument("--task-pool-vm-size", help="VM size of the task pool")
    parser.add_argument("--control-plane-vm-size", help="VM size of the control-plane (System) pool")
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
        (LOCATION_KEY, args.location),
        ("cluster.taskPool.maxCount", args.task_pool_max),
        ("cluster.taskPool.vmSize", args.task_pool_vm_size),
        ("cluster.controlPlanePool.vmSize", args.control_plane_vm_size),
    ]
    overrides = [(key, value) for key, value in named if value is not None]
    overrides += [parse_assignment(text) for text in args.set]
    secret_files = [(key, Path(path)) for key, path in map(split_assignment, args.secret_file)]
    return Request(
        stack=args.stack,
        template=args.template,
        overrides=tuple(overrides),
        secret_files=tuple(secret_files),
        secrets_provider=args.secrets_provider,
        deploy=args.yes,
    )


def main(argv: Sequence[str] | None = None, project_dir: Path = ROOT) -> int:
    try:
        bootstrap(parse_args(argv), project_dir, say=lambda line: print(line, flush=True))
    except (BootstrapError, ConfigurationError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except auto.CommandError as error:
        print(f"error: the Pulumi CLI failed:{error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

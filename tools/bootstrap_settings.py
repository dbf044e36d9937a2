"""The new stack's settings: derived from a template's stack file, with overrides, without its secrets.

Also what the stack already holds compared with them, and both in the shapes the Pulumi CLI
reads and prints, so that :mod:`tools.bootstrap` writes only what differs.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pulumi import automation as auto

from components.config import LOCATION_KEY, PROJECT, StackSettings, settings_from_config

#: The AWS provider's region setting: the program and its provider read the same key.
AWS_REGION_KEY = "aws:region"
#: Where a protected stack's API server may be reached from, per cloud (the stack's rules require it).
API_SERVER_RANGES = {"azure": "cluster.access.authorizedIpRanges", "aws": "aws.cluster.publicAccessCidrs"}

#: Stands for the option's own value in :data:`CLOUD_OPTIONS`.
VALUE = object()
#: The bootstrap options that set one cloud's settings: per option, per cloud, the settings it writes.
CLOUD_OPTIONS: dict[str, dict[str, tuple[tuple[str, Any], ...]]] = {
    "--location": {"azure": ((LOCATION_KEY, VALUE),)},
    "--region": {"aws": ((AWS_REGION_KEY, VALUE),)},
    "--task-pool-max": {
        "azure": (("cluster.taskPool.maxCount", VALUE),),
        "aws": (("aws.cluster.taskNodes.maxSize", VALUE),),
    },
    "--task-pool-vm-size": {"azure": (("cluster.taskPool.vmSize", VALUE),)},
    "--control-plane-vm-size": {
        "azure": (("cluster.controlPlanePool.dedicated", True), ("cluster.controlPlanePool.vmSize", VALUE))
    },
    "--system-vm-size": {"azure": (("cluster.systemPool.vmSize", VALUE),)},
}
#: What an option of the other cloud is on this one: the message of its refusal.
INSTEAD = {
    ("--location", "aws"): "--location is Azure's region: use --region (aws:region), e.g. --region eu-central-1",
    ("--region", "azure"): (
        "--region is AWS's region: use --location (azure-native:location), e.g. --location northeurope"
    ),
    ("--task-pool-vm-size", "aws"): (
        "--task-pool-vm-size is an AKS pool's VM size: set the spot task nodes' instance types (several of one "
        "size) with --set 'aws.cluster.taskNodes.instanceTypes=[m6i.xlarge,m6a.xlarge,m5.xlarge]'"
    ),
    ("--control-plane-vm-size", "aws"): (
        "--control-plane-vm-size is an AKS pool's VM size: set the control-plane nodes' instance type with "
        "--set 'aws.cluster.controlPlaneNodes.instanceTypes=[m6i.large]'"
    ),
    ("--system-vm-size", "aws"): (
        "--system-vm-size is the AKS System pool's VM size; EKS has no System pool: set the control-plane nodes' "
        "instance type with --set 'aws.cluster.controlPlaneNodes.instanceTypes=[m6i.large]'"
    ),
}


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


def stack_cloud(template: Mapping[str, Any], overrides: Iterable[tuple[str, Any]], project: str = PROJECT) -> str:
    """The new stack's cloud: a ``cloud`` override's, else the template's, else the program's default."""
    key = f"{project}:cloud"
    for text, value in reversed(list(overrides)):
        if config_path(text, project) == (key, []):
            return value
    return template.get(key, StackSettings.model_fields["cloud"].default)


def option_overrides(cloud: str, options: Iterable[tuple[str, Any]], template_name: str) -> list[tuple[str, Any]]:
    """The settings ``options`` (``--region`` and the like, with their values) write on a ``cloud`` stack.

    An option of the other cloud is refused, naming what to use instead, rather than written into a
    block the stack's rules would reject less clearly.
    """
    overrides = []
    for option, value in options:
        assignments = CLOUD_OPTIONS[option].get(cloud)
        if assignments is None:
            instead = INSTEAD.get((option, cloud), f"{option} has no meaning on {cloud}")
            raise BootstrapError(f"the template {template_name} is a {cloud} stack: {instead}")
        overrides += [(key, value if given is VALUE else given) for key, given in assignments]
    return overrides


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
    ranges = API_SERVER_RANGES.get(values.get(f"{project}:cloud", StackSettings.model_fields["cloud"].default))
    notes = []
    asked = any(config_path(text, project) == (protect_key, []) for text, _ in overrides)
    if not asked and values.get(protect_key, True) is not True:
        values[protect_key] = True
        notes.append(
            f"protectData: true for this stack, although the template {template_name} sets "
            f"{json.dumps(template[protect_key])}: Pulumi refuses to delete its database and log storage. "
            "To leave them unprotected, run this again with --set protectData=false. A protected stack "
            f"keeps its API server off the open internet: give it --set '{ranges}=[...]' "
            "(your deployers' and CI runners' public ranges)"
        )
        schedule = values.get(f"{project}:pause", {}).get("schedule", {})
        if schedule.get("enabled"):
            # A protected stack is never paused: the template's schedule does not come along.
            schedule["enabled"] = False
            notes.append(
                f"pause.schedule.enabled: false for this stack, although the template {template_name} pauses "
                "on a schedule: a protected stack is never paused"
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


def read_secret(path: Path) -> str:
    if not path.is_file():
        raise BootstrapError(f"secret file {path} does not exist")
    return path.read_text().rstrip("\n")


def read_template(project_dir: Path, template: str) -> dict[str, Any]:
    stack_file = project_dir / f"Pulumi.{template}.yaml"
    if not stack_file.exists():
        raise BootstrapError(f"no template stack file {stack_file.name} in {project_dir}")
    return (yaml.safe_load(stack_file.read_text()) or {}).get("config") or {}

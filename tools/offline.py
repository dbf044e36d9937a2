"""Run the real Pulumi program for a stack without the Pulumi CLI or a cloud account.

The stack's configuration is read the way the CLI reads it (project defaults from
``Pulumi.yaml``, then ``Pulumi.<stack>.yaml``), ``__main__.py`` runs under
:class:`tools.mocks.PlatformMocks`, and every resource registration is recorded with the
options the engine would receive (parent, protect, dependencies, provider, ...).
"""

from __future__ import annotations

import json
import runpy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc, settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from tools.mocks import PlatformMocks

ROOT = Path(__file__).resolve().parent.parent


class OfflineConfigError(Exception):
    """A stack file the offline run cannot read."""


@dataclass
class DeclaredResource:
    urn: str
    type: str
    name: str
    custom: bool
    parent: str
    inputs: dict[str, Any]
    state: dict[str, Any]
    protect: bool
    dependencies: list[str]
    provider: str
    ignore_changes: list[str]
    delete_before_replace: bool
    retain_on_delete: bool
    additional_secret_outputs: list[str]
    replace_on_changes: list[str] = field(default_factory=list)

    def input_at(self, path: str) -> Any:
        """The input at a dotted path (``sku.name``, ``agentPoolProfiles.0.vmSize``), or None."""
        value: Any = self.inputs
        for part in path.split("."):
            if isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            elif isinstance(value, dict) and part in value:
                value = value[part]
            else:
                return None
        return value

    @property
    def provider_urn(self) -> str | None:
        """The explicit provider's URN (the engine's reference is ``<urn>::<id>``), or None."""
        return self.provider.rsplit("::", 1)[0] if self.provider else None


@dataclass
class StackOutput:
    value: Any
    secret: bool


@dataclass
class ProgramRun:
    project: str
    stack: str
    resources: list[DeclaredResource] = field(default_factory=list)
    outputs: dict[str, StackOutput] = field(default_factory=dict)

    def of_type(self, type_token: str) -> list[DeclaredResource]:
        return [r for r in self.resources if r.type == type_token]

    def one(self, type_token: str) -> DeclaredResource:
        found = self.of_type(type_token)
        if len(found) != 1:
            raise AssertionError(f"expected one {type_token}, found {len(found)}")
        return found[0]

    def by_urn(self, urn: str) -> DeclaredResource:
        return next(r for r in self.resources if r.urn == urn)

    def waits_for(self, resource: DeclaredResource) -> set[str]:
        """URNs of everything ``resource`` waits for before it is created, directly or not."""
        seen: set[str] = set()
        pending = list(resource.dependencies)
        while pending:
            urn = pending.pop()
            if urn not in seen:
                seen.add(urn)
                pending.extend(self.by_urn(urn).dependencies)
        return seen


def strings_in(value: Any, *, secret: bool | None = None, _under_secret: bool = False) -> list[str]:
    """Every string inside a recorded value: all of them, or only those under a secret marker
    (``secret=True``), or only those outside any (``secret=False``)."""
    if rpc.is_rpc_secret(value):
        return strings_in(rpc.unwrap_rpc_secret(value), secret=secret, _under_secret=True)
    if isinstance(value, dict | list):
        children = value.values() if isinstance(value, dict) else value
        return [s for child in children for s in strings_in(child, secret=secret, _under_secret=_under_secret)]
    wanted = secret is None or secret == _under_secret
    return [value] if wanted and isinstance(value, str) else []


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """The mock monitor, also keeping the resource options of each registration."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.declared: list[DeclaredResource] = []

    def RegisterResource(self, request):  # noqa: N802 - the gRPC method name
        response = super().RegisterResource(request)
        if request.type == "pulumi:pulumi:Stack":
            return response
        self.declared.append(
            DeclaredResource(
                urn=response.urn,
                type=request.type,
                name=request.name,
                custom=request.custom,
                parent=request.parent,
                inputs=rpc.deserialize_properties(request.object),
                state=self.resources[response.urn].state,
                protect=request.protect,
                dependencies=list(request.dependencies),
                provider=request.provider,
                ignore_changes=list(request.ignoreChanges),
                delete_before_replace=request.deleteBeforeReplace,
                retain_on_delete=request.retainOnDelete,
                additional_secret_outputs=list(request.additionalSecretOutputs),
                replace_on_changes=list(request.replaceOnChanges),
            )
        )
        return response


def project_name(root: Path = ROOT) -> str:
    return yaml.safe_load((root / "Pulumi.yaml").read_text())["name"]


def stack_config(
    stack: str, overrides: Mapping[str, Any] | None = None, root: Path = ROOT, stack_file: Path | None = None
) -> tuple[dict[str, str], list[str]]:
    """The config map the CLI would hand the program: ``namespace:key`` -> string value.

    Encrypted (``secure:``) values cannot be decrypted offline; they become a placeholder and
    stay marked secret. ``overrides`` replaces whole keys, as ``pulumi config set`` does.
    ``stack_file`` reads the stack's settings from elsewhere (another version of the file).
    """
    project = yaml.safe_load((root / "Pulumi.yaml").read_text())
    name = project["name"]
    values: dict[str, Any] = {}
    for key, declared in (project.get("config") or {}).items():
        full_key = key if ":" in key else f"{name}:{key}"
        if isinstance(declared, dict) and "default" in declared:
            values[full_key] = declared["default"]
        elif isinstance(declared, dict) and "value" in declared:
            values[full_key] = declared["value"]
        elif not isinstance(declared, dict):
            values[full_key] = declared
    stack_file = stack_file or root / f"Pulumi.{stack}.yaml"
    if not stack_file.exists():
        raise OfflineConfigError(f"no stack file {stack_file.name} in {stack_file.parent}")
    document = yaml.safe_load(stack_file.read_text()) or {}
    values.update(document.get("config") or {})
    values.update(overrides or {})
    secret_keys: list[str] = []
    config: dict[str, str] = {}
    for key, value in values.items():
        if isinstance(value, dict) and set(value) == {"secure"}:
            secret_keys.append(key)
            value = f"<encrypted {key}: not readable offline>"
        config[key] = value if isinstance(value, str) else json.dumps(value)
    return config, secret_keys


def run_program(
    stack: str,
    overrides: Mapping[str, Any] | None = None,
    root: Path = ROOT,
    preview: bool = False,
    monitor: RecordingMonitor | None = None,
    stack_file: Path | None = None,
) -> ProgramRun:
    """Run ``__main__.py`` for ``stack`` under mocks and return what it declared and exported.

    ``monitor`` records the registrations; pass one to see what a run that fails had declared.
    """
    return run_function(
        stack,
        lambda: runpy.run_path(str(root / "__main__.py"), run_name="__main__"),
        overrides,
        root,
        preview,
        monitor,
        stack_file,
    )


def run_function(
    stack: str,
    program: Callable[[], object],
    overrides: Mapping[str, Any] | None = None,
    root: Path = ROOT,
    preview: bool = False,
    monitor: RecordingMonitor | None = None,
    stack_file: Path | None = None,
) -> ProgramRun:
    """Run ``program`` (``__main__.py``, or a part of it a test names) with ``stack``'s config under mocks."""
    config, secret_keys = stack_config(stack, overrides, root, stack_file)
    if monitor is None:
        location = config.get("azure-native:location", "westeurope")
        monitor = RecordingMonitor(PlatformMocks(location=location, aws_region=config.get("aws:region", "eu-west-1")))
    settings.ROOT.set(None)
    project = project_name(root)
    pulumi.runtime.set_mocks(monitor.mocks, project=project, stack=stack, preview=preview, monitor=monitor)
    pulumi.runtime.set_all_config(config, secret_keys)
    _sync_await(run_pulumi_func(program))
    stack_resource = settings.get_root_resource()
    run = ProgramRun(project=project, stack=stack, resources=monitor.declared)
    for name, value in stack_resource.outputs.items():
        output = pulumi.Output.from_input(value)
        run.outputs[name] = StackOutput(value=_sync_await(output.future()), secret=_sync_await(output.is_secret()))
    return run

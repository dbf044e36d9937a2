"""``python -m tools.plan [stack]``: the program's plan for a stack, offline, for anyone to review.

Runs the real program under realistic mocks and prints the resource tree with the settings that
matter for each resource, the stack outputs with secrets masked, the estimated ``pulumi up``
duration with the chain of resources that decides it, and the estimated idle monthly cost.
``--json`` writes the plan as a normalized document; ``--update-snapshots`` refreshes the
committed documents in ``tests/snapshots/`` that the test suite compares the plan against.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from pulumi.runtime import rpc
from pydantic import ValidationError

from components.config import SECRET_MARK, ConfigurationError, settings_from_config
from components.guards import PROVIDER_KEY
from components.kubernetes_versions import check_date, support_warnings
from tools.estimate import (
    CostEstimate,
    DurationEstimate,
    PriceTable,
    ProvisioningTimes,
    estimate_duration,
    estimate_idle_cost,
    load_prices,
    load_provisioning_times,
)
from tools.offline import ROOT, DeclaredResource, OfflineConfigError, ProgramRun, run_program, stack_config, strings_in

#: Replaces a random resource's non-secret result (a RandomId's hex, ...) wherever it appears.
RANDOM_MARK = "[random]"
#: Random results shorter than this are left alone: too short to be told from ordinary text.
MIN_RANDOM_LENGTH = 6
SNAPSHOTS = ROOT / "tests" / "snapshots"
UPDATE_COMMAND = "bash scripts/plan.sh --update-snapshots"
#: Steps off the critical chain taking at least this long are shown as running alongside it.
PARALLEL_SHOWN_MINUTES = 1.0

#: Per resource type, the input paths a reviewer wants to see.
KEY_SETTINGS: dict[str, tuple[str, ...]] = {
    "azure-native:resources:ResourceGroup": ("resourceGroupName", "location"),
    "azure-native:network:VirtualNetwork": ("virtualNetworkName", "addressSpace.addressPrefixes"),
    "azure-native:network:Subnet": ("subnetName", "addressPrefix", "delegations.0.serviceName"),
    "azure-native:privatedns:PrivateZone": ("privateZoneName",),
    "azure-native:containerservice:ManagedCluster": (
        "resourceName",
        "kubernetesVersion",
        "sku.tier",
        "networkProfile.networkPolicy",
        "oidcIssuerProfile.enabled",
        "securityProfile.workloadIdentity.enabled",
        "agentPoolProfiles.0.name",
        "agentPoolProfiles.0.mode",
        "agentPoolProfiles.0.vmSize",
        "agentPoolProfiles.0.minCount",
        "agentPoolProfiles.0.maxCount",
        "agentPoolProfiles.0.availabilityZones",
    ),
    "azure-native:containerservice:AgentPool": (
        "agentPoolName",
        "mode",
        "vmSize",
        "scaleSetPriority",
        "scaleSetEvictionPolicy",
        "spotMaxPrice",
        "minCount",
        "maxCount",
        "availabilityZones",
        "orchestratorVersion",
        "nodeTaints",
    ),
    "azure-native:dbforpostgresql:Server": (
        "serverName",
        "version",
        "sku.name",
        "sku.tier",
        "storage.storageSizeGB",
        "storage.autoGrow",
        "highAvailability.mode",
        "backup.backupRetentionDays",
        "backup.geoRedundantBackup",
        "network.publicNetworkAccess",
    ),
    "azure-native:dbforpostgresql:Configuration": ("configurationName", "value"),
    "azure-native:dbforpostgresql:Database": ("databaseName",),
    "azure-native:storage:StorageAccount": (
        "accountName",
        "kind",
        "sku.name",
        "minimumTlsVersion",
        "allowSharedKeyAccess",
        "allowBlobPublicAccess",
    ),
    "azure-native:storage:BlobContainer": ("containerName", "publicAccess"),
    "azure-native:storage:BlobServiceProperties": (
        "deleteRetentionPolicy.enabled",
        "deleteRetentionPolicy.days",
    ),
    "azure-native:storage:ManagementPolicy": (
        "policy.rules.0.definition.actions.baseBlob.delete.daysAfterModificationGreaterThan",
    ),
    "azure-native:managedidentity:UserAssignedIdentity": ("resourceName",),
    "azure-native:managedidentity:FederatedIdentityCredential": ("subject",),
    "azure-native:authorization:RoleAssignment": ("roleDefinitionId", "principalType"),
    "azure-native:containerregistry:Registry": ("registryName", "sku.name", "adminUserEnabled"),
    "kubernetes:core/v1:Namespace": ("metadata.name",),
    "kubernetes:core/v1:Secret": ("metadata.name", "type"),
    "kubernetes:helm.sh/v3:Release": ("chart", "version", "namespace", "timeout"),
    "pulumi-python:dynamic:Resource": ("resource",),
}


def random_results(run: ProgramRun) -> frozenset[str]:
    """What random resources computed in the open (a RandomId's hex, ...): random in a real ``pulumi up``.

    Secret results (passwords, keys) are masked wherever they are marked secret; they are not
    collected here, so that a secret which lost its marking still shows up (and fails the tests).
    """
    return frozenset(
        text
        for resource in run.resources
        if resource.type.startswith("random:")
        for key, value in resource.state.items()
        if key not in resource.inputs
        for text in strings_in(value, secret=False)
        if len(text) >= MIN_RANDOM_LENGTH
    )


def masked(value: Any, randoms: frozenset[str] = frozenset()) -> Any:
    """The value with every secret replaced by :data:`SECRET_MARK`, random results by :data:`RANDOM_MARK`."""
    if rpc.is_rpc_secret(value):
        return SECRET_MARK
    if isinstance(value, dict):
        return {k: masked(v, randoms) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v, randoms) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)  # the wire format has only floats; show counts as counts
    if isinstance(value, str):
        for result in randoms:
            value = value.replace(result, RANDOM_MARK)
    return value


def resource_keys(run: ProgramRun) -> dict[str, str]:
    """A readable, unique key per URN: the names from the top component down (``database/server``).

    Pulumi makes (parent, type, name) unique; siblings that share a name get their type in
    the key, so keys are unique too.
    """
    by_urn = {r.urn: r for r in run.resources}
    shared = Counter((r.parent, r.name) for r in run.resources)
    keys: dict[str, str] = {}

    def key(resource: DeclaredResource) -> str:
        if resource.urn not in keys:
            segment = (
                resource.name if shared[resource.parent, resource.name] == 1 else f"{resource.name}[{resource.type}]"
            )
            parent = by_urn.get(resource.parent)
            keys[resource.urn] = f"{key(parent)}/{segment}" if parent else segment
        return keys[resource.urn]

    for resource in run.resources:
        key(resource)
    return keys


def settings_of(resource: DeclaredResource, randoms: frozenset[str] = frozenset()) -> dict[str, Any]:
    found = {}
    for path in KEY_SETTINGS.get(resource.type, ()):
        value = resource.input_at(path)
        if value is not None:
            found[path] = masked(value, randoms)
    return found


def render_tree(run: ProgramRun) -> list[str]:
    randoms = random_results(run)
    children: dict[str, list[DeclaredResource]] = {}
    for resource in run.resources:
        children.setdefault(resource.parent, []).append(resource)
    lines: list[str] = []

    def walk(parent: str, depth: int) -> None:
        for resource in sorted(children.get(parent, []), key=lambda r: (r.type, r.name)):
            flags = " [protected]" if resource.protect else ""
            lines.append(f"{'  ' * depth}{resource.type}  {resource.name}{flags}")
            for path, value in settings_of(resource, randoms).items():
                lines.append(f"{'  ' * depth}    {path} = {value}")
            walk(resource.urn, depth + 1)

    roots = {r.parent for r in run.resources} - {r.urn for r in run.resources}
    for root in sorted(roots):
        walk(root, 0)
    return lines


def output_value(run: ProgramRun, name: str, randoms: frozenset[str] = frozenset()) -> Any:
    output = run.outputs[name]
    return SECRET_MARK if output.secret else masked(output.value, randoms)


def render_outputs(run: ProgramRun) -> list[str]:
    randoms = random_results(run)
    return [f"  {name}: {output_value(run, name, randoms)}" for name in sorted(run.outputs)]


def render_duration(estimate: DurationEstimate, keys: dict[str, str]) -> list[str]:
    lines = [
        f"Estimated `pulumi up` from scratch: {estimate.minutes:.1f} min"
        f" (every step one after another: {estimate.sequential_minutes:.1f} min)",
        "  decided by this chain (minutes: the step, and done at):",
    ]
    done = 0.0
    for resource, minutes in estimate.chain:
        done += minutes
        lines.append(f"    {minutes:5.2f} {done:6.2f}  {keys[resource.urn]}  ({resource.type})")
    on_chain = {resource.urn for resource, _ in estimate.chain}
    parallel = [step for step in estimate.steps if step[0].urn not in on_chain and step[1] >= PARALLEL_SHOWN_MINUTES]
    if parallel:
        lines.append("  slow steps off the chain, running alongside it:")
        for resource, minutes, done_at in sorted(parallel, key=lambda step: (step[2], keys[step[0].urn])):
            lines.append(f"    {minutes:5.2f} {done_at:6.2f}  {keys[resource.urn]}  ({resource.type})")
    if estimate.unlisted_types:
        lines.append(f"  no figure of their own in data/provisioning-times.yaml: {', '.join(estimate.unlisted_types)}")
    return lines


def render_cost(estimate: CostEstimate, table: PriceTable, keys: dict[str, str]) -> list[str]:
    assumed = table.assumptions
    lines = [
        f"Estimated idle monthly cost (task pool at zero): ${estimate.total_usd:,.2f}",
        f"  {table.region}, {table.currency}, {table.terms}; prices as of {table.as_of} (data/prices.yaml)",
    ]
    for line in sorted(estimate.lines, key=lambda c: (-(c.monthly_usd or 0), keys[c.resource.urn], c.charge)):
        cost = "     n/a" if line.monthly_usd is None else f"{line.monthly_usd:8.2f}"
        lines.append(f"    {cost}  {keys[line.resource.urn]}: {line.charge}")
    unpriced = sorted({line.charge for line in estimate.lines if line.monthly_usd is None})
    if unpriced:
        lines.append(f"  no price in data/prices.yaml, not counted: {'; '.join(unpriced)}")
    if estimate.unpriced_types:
        lines.append(f"  types neither priced nor free in data/prices.yaml: {', '.join(estimate.unpriced_types)}")
    if estimate.other_regions:
        lines.append(f"  resources in {', '.join(estimate.other_regions)} are priced at {table.region} rates")
    lines.append(
        f"  assumed: task logs {assumed.task_log_gb_per_day:g} GB/day;"
        f" metadata database {assumed.database_size_gb:g} GB with {assumed.database_change_gb_per_day:g} GB/day"
        " of changes; node OS disks ephemeral (no disk charge)"
    )
    return lines


def rounded(number: float) -> float | int:
    """Two decimals, and a whole number as an integer, so the document reads the same everywhere."""
    value = round(float(number), 2)
    return int(value) if value.is_integer() else value


def plan_document(run: ProgramRun, times: ProvisioningTimes, table: PriceTable) -> dict[str, Any]:
    """The plan as data: stable across runs, secrets and random results replaced by markers."""
    keys = resource_keys(run)
    randoms = random_results(run)
    resources = {}
    for r in run.resources:
        default_provider = (
            f"default {r.type.split(':', 1)[0]}" if r.custom and not r.type.startswith("pulumi:") else None
        )
        resources[keys[r.urn]] = {
            "type": r.type,
            "name": r.name,
            "parent": keys.get(r.parent),
            "protect": r.protect,
            # A URN the run did not record (a resource read, not declared) stays a URN.
            "dependencies": sorted(keys.get(urn, urn) for urn in set(r.dependencies)),
            "provider": keys.get(r.provider_urn, r.provider_urn) if r.provider_urn else default_provider,
            "ignoreChanges": sorted(r.ignore_changes),
            # A guard's serialized provider is code, not a setting: never in the plan.
            "inputs": masked({k: v for k, v in r.inputs.items() if k != PROVIDER_KEY}, randoms),
        }
    duration = estimate_duration(run, times)
    cost = estimate_idle_cost(run, table)
    return {
        "project": run.project,
        "stack": run.stack,
        "resources": resources,
        "outputs": {name: output_value(run, name, randoms) for name in run.outputs},
        "estimates": {
            "pulumiUpMinutes": rounded(duration.minutes),
            "criticalPath": [
                {"resource": keys[r.urn], "type": r.type, "minutes": rounded(m)} for r, m in duration.chain
            ],
            "unlistedTypes": list(duration.unlisted_types),
            "idleMonthlyCost": {
                "currency": table.currency,
                "region": table.region,
                "pricesAsOf": table.as_of.isoformat(),
                "totalUsd": rounded(cost.total_usd),
                "lines": sorted(
                    (
                        {
                            "resource": keys[line.resource.urn],
                            "charge": line.charge,
                            "quantity": rounded(line.quantity),
                            "unit": line.unit,
                            "monthlyUsd": None if line.monthly_usd is None else rounded(line.monthly_usd),
                        }
                        for line in cost.lines
                    ),
                    key=lambda item: (item["resource"], item["charge"]),
                ),
                "unpricedTypes": list(cost.unpriced_types),
                "otherRegions": list(cost.other_regions),
            },
        },
    }


def render_json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


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
    stacks: list[str], root: Path, times: ProvisioningTimes, table: PriceTable, directory: Path = SNAPSHOTS
) -> None:
    for stack in stacks:
        text = render_json(plan_document(run_program(stack, root=root), times, table))
        path = snapshot_path(stack, directory)
        changed = not path.exists() or path.read_text() != text
        if changed:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        print(f"{path}: {'updated' if changed else 'unchanged'}")


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
        times, table = load_provisioning_times(), load_prices()
        if args.update_snapshots:
            update_snapshots([args.stack] if args.stack else stack_names(root), root, times, table)
            return 0
        if args.compare_to:
            from tools.compare import main as compare  # here: tools.compare imports this module

            return compare(args.stack or "dev", args.compare_to, root)
        run = run_program(args.stack or "dev", root=root)
    except (OfflineConfigError, ConfigurationError, ValidationError) as error:  # a stack or data file is wrong
        print(f"error: {error}", file=sys.stderr)
        return 2

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

    settings = settings_from_config(run.project, run.stack, *stack_config(run.stack, root=root))
    for warning in support_warnings(settings, check_date()):
        print(f"warning: {warning}\n")
    keys = resource_keys(run)
    print(f"Stack {run.project}/{run.stack}: {len(run.resources)} resources\n")
    print("\n".join(render_tree(run)))
    print("\nOutputs:")
    print("\n".join(render_outputs(run)))
    print()
    print("\n".join(render_duration(estimate_duration(run, times), keys)))
    print()
    print("\n".join(render_cost(estimate_idle_cost(run, table), table, keys)))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:
        # The reader (`| head`, a closed pager) stopped early: nothing is wrong with the plan.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)

"""The plan as a reviewer reads it: the resource tree with the settings that matter, the stack
outputs with secrets masked, and the estimated ``pulumi up`` duration and idle monthly cost.
"""

from __future__ import annotations

from typing import Any

from components.node_start import os_disk
from tools.cold_start import ColdStartEstimate
from tools.cost import CostEstimate
from tools.duration import DurationEstimate, floor_minutes
from tools.offline import DeclaredResource, ProgramRun
from tools.paused_cost import PausedCost, render_paused
from tools.plan_document import masked, output_value, random_results
from tools.prices import ListPrices

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
        "osDiskType",
        "osDiskSizeGB",
    ),
    "azure-native:containerservice:MaintenanceConfiguration": (
        "configName",
        "maintenanceWindow.schedule.weekly.dayOfWeek",
        "maintenanceWindow.startTime",
        "maintenanceWindow.durationHours",
        "maintenanceWindow.utcOffset",
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


def settings_of(resource: DeclaredResource, randoms: frozenset[str] = frozenset()) -> dict[str, Any]:
    found = {}
    for path in KEY_SETTINGS.get(resource.type, ()):
        value = resource.input_at(path)
        if value is not None:
            found[path] = masked(value, randoms)
    return found


def os_disk_notes(run: ProgramRun) -> list[str]:
    """Where a node pool's VM size falls back to a managed OS disk (it costs, and nodes start slower)."""
    notes = []
    for pool in sorted(run.of_type("azure-native:containerservice:AgentPool"), key=lambda r: r.name):
        if pool.inputs.get("osDiskType") == "Managed":
            size = pool.inputs["vmSize"]
            notes.append(
                f"node pool {pool.inputs['agentPoolName']} ({size}) takes a managed OS disk, not an ephemeral one: "
                f"{os_disk(size).reason} (data/vm-sizes.yaml); its disk is not in the idle cost"
            )
    return notes


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


def render_outputs(run: ProgramRun) -> list[str]:
    randoms = random_results(run)
    return [f"  {name}: {output_value(run, name, randoms)}" for name in sorted(run.outputs)]


def render_duration(estimate: DurationEstimate, keys: dict[str, str]) -> list[str]:
    lines = [
        f"Estimated `pulumi up` from scratch: {estimate.minutes:.1f} min"
        f" (every step one after another: {estimate.sequential_minutes:.1f} min)",
        f"  floor: {floor_minutes(estimate):.1f} min (the slower of the cluster's control-plane nodes and the"
        f" database, then the release); {estimate.minutes - floor_minutes(estimate):.1f} min above it",
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
        lines.append(
            "  no figure of their own in data/provisioning-times.yaml or data/aws-provisioning-times.yaml:"
            f" {', '.join(estimate.unlisted_types)}"
        )
    return lines


def share(part: float, total: float) -> str:
    return f"{part / total:.0%}" if total else "0%"


def render_cost(
    estimate: CostEstimate, table: ListPrices, keys: dict[str, str], paused: PausedCost | None = None
) -> list[str]:
    """The idle cost as a reviewer reads it, from the stack's cloud's price table (``table.FILE``)."""
    lines = [
        f"Estimated idle monthly cost (task pool at zero): ${estimate.total_usd:,.2f}",
        f"  of which ${estimate.estimated_usd:,.2f} ({share(estimate.estimated_usd, estimate.total_usd)})"
        " rests on unconfirmed prices or usage assumptions (lines marked ~)",
        f"  {table.region}, {table.currency}, {table.terms}; prices as of {table.as_of} ({table.FILE})",
    ]
    if paused is not None:
        lines += render_paused(paused)  # next to the idle total, before its lines
    for line in sorted(estimate.lines, key=lambda c: (-(c.monthly_usd or 0), keys[c.resource.urn], c.charge)):
        cost = "     n/a" if line.monthly_usd is None else f"{line.monthly_usd:8.2f}"
        lines.append(f"   {'~' if line.estimated else ' '}{cost}  {keys[line.resource.urn]}: {line.charge}")
    unpriced = sorted({line.charge for line in estimate.lines if line.monthly_usd is None})
    if unpriced:
        lines.append(f"  no price in {table.FILE}, not counted: {'; '.join(unpriced)}")
    if estimate.unpriced_types:
        lines.append(f"  types neither priced nor free in {table.FILE}: {', '.join(estimate.unpriced_types)}")
    if estimate.other_regions:
        lines.append(f"  resources in {', '.join(estimate.other_regions)} are priced at {table.region} rates")
    lines.append(f"  assumed: {table.usage_assumed({line.charge for line in estimate.lines})}")
    return lines


def render_cold_start(estimate: ColdStartEstimate) -> list[str]:
    """The task pool's cold start and idle tail: what the autoscaler settings trade against each other."""
    spot = " spot" if estimate.spot else ""
    terms = estimate.terms
    lines = [
        f"Cold start: the first task after an idle window waits about {estimate.wait_minutes:.1f} min for a"
        f"{spot} {estimate.vm_size} node of {terms.group} {estimate.pool} from zero (typical figures):",
    ]
    lines += [f"    {step.minutes:5.2f}  {step.name} ({step.basis})" for step in estimate.steps]
    if estimate.image != estimate.sized_image:
        lines.append(f"  the image size is {estimate.sized_image}'s; the stack runs {estimate.image}")
    lines.append(
        f"  at most {estimate.bound_minutes:g} min (the autoscaler's max-node-provision-time and the pull bound,"
        " data/node-start-times.yaml): Airflow's task_queued_timeout is above it"
    )
    lines.append(
        f"Idle nodes kept after the last task: up to {estimate.kept_minutes:g} min"
        f" ({terms.scale_down_unneeded} {estimate.scale_down_unneeded_minutes:g}m; none removed within"
        f" {terms.scale_down_delay_after_add} {estimate.scale_down_delay_after_add_minutes:g}m of the scale-up)"
    )
    if estimate.node_window_usd is None:
        lines.append(f"  no price for {estimate.vm_size} in {terms.prices_file}: the kept time's cost is unknown")
        return lines
    per_node = estimate.node_window_usd
    basis = "on-demand price"
    if estimate.spot:
        basis += f", an upper bound for spot: {terms.prices_file} has no spot price"
    if not estimate.price_confirmed:
        basis += ", unconfirmed"
    lines.append(
        f"  ${per_node:.3f} per node per batch window, ${per_node * estimate.max_count:.2f} at {terms.max_count}"
        f" {estimate.max_count} (${estimate.node_hour_usd:.3f}/h {basis})"
    )
    return lines

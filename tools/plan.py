"""``python -m tools.plan [stack]``: the program's plan for a stack, offline.

Runs the real program under realistic mocks and prints the resource tree, with the settings
that matter for each resource, and the stack outputs with secrets masked.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pulumi.runtime import rpc

from components.config import ConfigurationError
from tools.offline import DeclaredResource, OfflineConfigError, ProgramRun, run_program

SECRET_MARK = "[secret]"

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
        "nodeTaints",
    ),
    "azure-native:dbforpostgresql:Server": (
        "serverName",
        "version",
        "sku.name",
        "sku.tier",
        "storage.storageSizeGb",
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
}


def lookup(value: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            return None
    return value


def masked(value: Any) -> Any:
    """The value with every secret replaced by :data:`SECRET_MARK`."""
    if rpc.is_rpc_secret(value):
        return SECRET_MARK
    if isinstance(value, dict):
        return {k: masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)  # the wire format has only floats; show counts as counts
    return value


def settings_of(resource: DeclaredResource) -> dict[str, Any]:
    found = {}
    for path in KEY_SETTINGS.get(resource.type, ()):
        value = lookup(resource.inputs, path)
        if value is not None:
            found[path] = masked(value)
    return found


def render_tree(run: ProgramRun) -> list[str]:
    children: dict[str, list[DeclaredResource]] = {}
    for resource in run.resources:
        children.setdefault(resource.parent, []).append(resource)
    lines: list[str] = []

    def walk(parent: str, depth: int) -> None:
        for resource in sorted(children.get(parent, []), key=lambda r: (r.type, r.name)):
            flags = " [protected]" if resource.protect else ""
            lines.append(f"{'  ' * depth}{resource.type}  {resource.name}{flags}")
            for path, value in settings_of(resource).items():
                lines.append(f"{'  ' * depth}    {path} = {value}")
            walk(resource.urn, depth + 1)

    roots = {r.parent for r in run.resources} - {r.urn for r in run.resources}
    for root in sorted(roots):
        walk(root, 0)
    return lines


def render_outputs(run: ProgramRun) -> list[str]:
    lines = []
    for name in sorted(run.outputs):
        output = run.outputs[name]
        lines.append(f"  {name}: {SECRET_MARK if output.secret else output.value}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="plan", description=__doc__.splitlines()[0])
    parser.add_argument("stack", nargs="?", default="dev", help="stack name (Pulumi.<stack>.yaml)")
    args = parser.parse_args(argv)
    try:
        run = run_program(args.stack)
    except (OfflineConfigError, ConfigurationError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"Stack {run.project}/{run.stack}: {len(run.resources)} resources\n")
    print("\n".join(render_tree(run)))
    print("\nOutputs:")
    print("\n".join(render_outputs(run)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

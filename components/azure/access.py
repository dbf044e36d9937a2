"""Who reaches the cluster's Kubernetes API: Entra ID sign-in, Azure RBAC, the API server's exposure.

AKS-managed Entra ID integration with Azure RBAC for Kubernetes authorization: every client signs
in with an Entra ID token, and what it may do is an Azure role assignment. The identity that runs
`pulumi up` is granted cluster admin on the resource group before the cluster exists, so the
grant has propagated by the time the Kubernetes provider first uses it (the cluster takes
minutes to create); Azure RBAC assignments on a scope reach every cluster below it.
"""

from __future__ import annotations

from pathlib import Path

import pulumi
import yaml
from pulumi_azure_native import authorization, containerservice

from components.azure.roles import AKS_RBAC_CLUSTER_ADMIN, grant
from components.config import ClusterAccessSettings, StackSettings
from components.guards import Guarded

MANAGED_CLUSTER = "azure-native:containerservice:ManagedCluster"
ENTRA_CLIENTS = Path(__file__).resolve().parents[2] / "data" / "entra-clients.yaml"
_USER_SIGN_IN_CLIENTS = frozenset(yaml.safe_load(ENTRA_CLIENTS.read_text())["user_sign_in_clients"])


def aad_profile(
    access: ClusterAccessSettings, tenant_id: pulumi.Input[str]
) -> containerservice.ManagedClusterAADProfileArgs:
    return containerservice.ManagedClusterAADProfileArgs(
        managed=True,
        enable_azure_rbac=True,
        tenant_id=tenant_id,
        admin_group_object_ids=list(access.admin_group_object_ids) or None,
    )


def api_server_profile(access: ClusterAccessSettings) -> containerservice.ManagedClusterAPIServerAccessProfileArgs:
    return containerservice.ManagedClusterAPIServerAccessProfileArgs(
        authorized_ip_ranges=list(access.authorized_ip_ranges) or None,
        enable_private_cluster=access.private,
    )


def guarded(access: ClusterAccessSettings) -> list[Guarded]:
    """What AKS fixes at creation: a public cluster does not become private in place, nor back."""
    return [
        Guarded(
            setting=".".join(StackSettings.key_path("cluster", "access", "private")),
            type=MANAGED_CLUSTER,
            path="apiServerAccessProfile.enablePrivateCluster",
            value=access.private,
        )
    ]


def deployer_type(access: ClusterAccessSettings, client_id: str) -> str:
    """User when the deployer signed in through Microsoft's own CLI clients, else its service principal."""
    if access.deployer_type is not None:
        return access.deployer_type
    return "User" if client_id in _USER_SIGN_IN_CLIENTS else "ServicePrincipal"


def deployer_admin(
    *,
    principal_id: pulumi.Input[str],
    principal_type: pulumi.Input[str],
    resource_group_id: pulumi.Input[str],
    subscription_id: pulumi.Input[str],
    parent: pulumi.Resource,
) -> authorization.RoleAssignment:
    """Cluster admin through Azure RBAC for the identity that deploys the stack.

    Its kind (a person after ``az login``, or a workflow's service principal) must be stated:
    the provider would otherwise send User, which ARM refuses for a service principal.
    """
    return grant(
        "deployer-cluster-admin",
        role=AKS_RBAC_CLUSTER_ADMIN,
        scope=resource_group_id,
        principal_id=principal_id,
        subscription_id=subscription_id,
        principal_type=principal_type,
        parent=parent,
    )

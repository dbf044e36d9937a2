"""The built-in Azure roles the platform grants, and granting one to a managed identity."""

from __future__ import annotations

import pulumi
from pulumi_azure_native import authorization

#: Built-in role "Storage Blob Data Contributor": read, write and delete blobs.
BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
#: Built-in role "AcrPull": pull images from a container registry.
ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
#: Built-in role "Network Contributor": what an AKS cluster identity needs on a subnet it brings.
NETWORK_CONTRIBUTOR = "4d97b98b-1d4f-4787-a291-c67834d212e7"


def grant(
    name: str,
    *,
    role: str,
    scope: pulumi.Input[str],
    principal_id: pulumi.Input[str],
    subscription_id: pulumi.Input[str],
    parent: pulumi.Resource,
) -> authorization.RoleAssignment:
    """``role`` on ``scope`` for a managed identity (a service principal, never a user or group)."""
    return authorization.RoleAssignment(
        name,
        scope=scope,
        role_definition_id=pulumi.Output.concat(
            "/subscriptions/", subscription_id, "/providers/Microsoft.Authorization/roleDefinitions/", role
        ),
        principal_id=principal_id,
        # Stated, so Azure does not look the principal up in Entra ID, which fails for a new identity.
        principal_type="ServicePrincipal",
        opts=pulumi.ResourceOptions(parent=parent),
    )

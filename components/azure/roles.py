"""The built-in Azure roles the platform grants, and granting one to a managed identity."""

from __future__ import annotations

import pulumi
from pulumi_azure_native import authorization

#: Built-in role "Storage Blob Data Contributor": read, write and delete blobs.
BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
#: Built-in role "AcrPull": pull images from a container registry.
ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
#: Built-in role "Azure Kubernetes Service RBAC Cluster Admin": every Kubernetes object, through Azure RBAC.
AKS_RBAC_CLUSTER_ADMIN = "b1ff04bb-8a4e-4dc4-8eb5-8693c0ce7f2b"
#: Built-in role "Key Vault Secrets User": read secret contents (Airflow's secrets backend).
KEY_VAULT_SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"
#: Built-in role "Network Contributor": what an AKS cluster identity needs on a subnet it brings.
NETWORK_CONTRIBUTOR = "4d97b98b-1d4f-4787-a291-c67834d212e7"
#: Built-in role "Monitoring Data Reader": query the data of an Azure Monitor workspace.
MONITORING_DATA_READER = "b0d8363b-8ddd-447d-831f-62ca05bff136"
#: Built-in role "DNS Zone Contributor": manage a DNS zone's record sets (cert-manager's DNS-01).
DNS_ZONE_CONTRIBUTOR = "befefa01-2a29-4197-83a8-272ff33ce314"


def grant(
    name: str,
    *,
    role: str,
    scope: pulumi.Input[str],
    principal_id: pulumi.Input[str],
    subscription_id: pulumi.Input[str],
    parent: pulumi.Resource,
    principal_type: pulumi.Input[str] = "ServicePrincipal",
) -> authorization.RoleAssignment:
    """``role`` on ``scope`` for a principal: a managed identity unless ``principal_type`` says otherwise."""
    return authorization.RoleAssignment(
        name,
        scope=scope,
        role_definition_id=pulumi.Output.concat(
            "/subscriptions/", subscription_id, "/providers/Microsoft.Authorization/roleDefinitions/", role
        ),
        principal_id=principal_id,
        # Always stated: the provider would send User, and Azure's look-up fails for a new identity.
        principal_type=principal_type,
        opts=pulumi.ResourceOptions(parent=parent),
    )

"""The stack's Key Vault, where Airflow's secrets backend reads connections and variables.

Authorization is Azure RBAC only (no access policies): the Airflow workload identity holds "Key
Vault Secrets User" on this vault and nothing else. Purge protection cannot be turned off once on
(data/create-only.yaml), so the vault's guard stops `pulumi preview` before a change that tries.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import keyvault

from components.azure.endpoints import endpoint_of
from components.azure.private_link import PrivateAccess, PrivateLink, PrivateLinkArgs
from components.azure.roles import KEY_VAULT_SECRETS_USER, grant
from components.config import SecretsSettings, StackSettings
from components.guards import Guard, Guarded
from components.platform import EntraIdentity, SecretsBackend

VAULT = "azure-native:keyvault:Vault"
#: Airflow's Azure Key Vault backend (apache-airflow-providers-microsoft-azure, in the Airflow image).
BACKEND = "airflow.providers.microsoft.azure.secrets.key_vault.AzureKeyVaultBackend"
#: Secret names the backend looks up: ``airflow-connections-<conn_id>``, ``airflow-variables-<key>``
#: (with ``_`` in the id written ``-``).
CONNECTIONS_PREFIX = "airflow-connections"
VARIABLES_PREFIX = "airflow-variables"
#: Days a deleted vault or secret stays recoverable; Azure's maximum, fixed at creation.
SOFT_DELETE_DAYS = 90


@dataclass(frozen=True)
class KeyVaultArgs:
    resource_group_name: pulumi.Input[str]
    vault_name: str | pulumi.Output[str]
    location: str
    settings: SecretsSettings
    #: The managed identity Airflow's pods act as; it may read the vault's secrets.
    identity: EntraIdentity
    identity_principal_id: pulumi.Input[str]
    subscription_id: pulumi.Input[str]
    access: PrivateAccess
    tags: dict[str, str]


class KeyVault(pulumi.ComponentResource):
    def __init__(self, name: str, args: KeyVaultArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("airflow-platform:azure:KeyVault", name, None, opts)
        purge = args.settings.purge_protection
        self.guard = Guard(
            "guard",
            "key vault",
            [
                Guarded(
                    ".".join(StackSettings.key_path("secrets", "purge_protection")),
                    VAULT,
                    "properties.enablePurgeProtection",
                    purge,
                )
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )
        access = args.access
        self.vault = keyvault.Vault(
            "vault",
            resource_group_name=args.resource_group_name,
            vault_name=args.vault_name,
            location=args.location,
            properties=keyvault.VaultPropertiesArgs(
                # The vault's tenant is the identity's (the subscription's), not a guest deployer's.
                tenant_id=args.identity.tenant_id,
                sku=keyvault.SkuArgs(family="A", name="standard"),
                enable_rbac_authorization=True,
                enable_soft_delete=True,
                soft_delete_retention_in_days=SOFT_DELETE_DAYS,
                # Azure takes only true here: off is the property left out.
                enable_purge_protection=True if purge else None,
                public_network_access=access.public_network_access,
                network_acls=keyvault.NetworkRuleSetArgs(
                    default_action="Deny",
                    bypass="None",
                    virtual_network_rules=None
                    if access.endpoints
                    else [keyvault.VirtualNetworkRuleArgs(id=access.node_subnet_id)],
                ),
            ),
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.guard]),
        )
        self.secrets_user = grant(
            "secrets-user",
            role=KEY_VAULT_SECRETS_USER,
            scope=self.vault.id,
            principal_id=args.identity_principal_id,
            subscription_id=args.subscription_id,
            parent=self,
        )
        self.private_link = (
            PrivateLink(
                "vault",
                PrivateLinkArgs(access.endpoints, "vault", self.vault.id),
                opts=pulumi.ResourceOptions(parent=self),
            )
            if access.endpoints
            else None
        )
        # From the name, so the Kubernetes side stays known in an update preview.
        self.vault_url = endpoint_of("vault", self.vault, args.vault_name)
        self._identity = args.identity
        self._access = access
        self.register_outputs({"vaultUrl": self.vault_url})

    def handle(self) -> SecretsBackend:
        identity = self._identity
        kwargs = pulumi.Output.all(self.vault_url, identity.client_id, identity.tenant_id).apply(
            lambda parts: {
                "vault_url": parts[0],
                "connections_prefix": CONNECTIONS_PREFIX,
                "variables_prefix": VARIABLES_PREFIX,
                # Airflow's own configuration stays in the chart's values.
                "config_prefix": None,
                "managed_identity_client_id": parts[1],
                "workload_identity_tenant_id": parts[2],
            }
        )
        return SecretsBackend(
            backend=BACKEND,
            kwargs=kwargs,
            network=self._access.destination(),
            ready=[self.secrets_user, *(self.private_link.ready if self.private_link else [])],
        )

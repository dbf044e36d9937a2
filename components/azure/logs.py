"""Blob storage for remote task logs and the workload identity Airflow writes them with.

Redundancy moves in place only where Azure changes it by a SKU update (geo-replication on or
off); the account's guard stops `pulumi preview` before a change that needs a conversion.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import managedidentity, storage

from components.azure.endpoints import endpoint_of
from components.azure.private_link import PrivateAccess, PrivateLink, PrivateLinkArgs
from components.azure.roles import BLOB_DATA_CONTRIBUTOR, grant
from components.config import LogsSettings, StackSettings
from components.guards import Guard, Guarded
from components.platform import BlobFolder, Destination, EntraIdentity, LogStore, WorkloadIdentity

LOG_CONTAINER = "airflow-logs"
#: The audience Entra ID expects in tokens exchanged for a workload identity.
TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"
ACCOUNT = "azure-native:storage:StorageAccount"
ACCOUNT_KIND = "StorageV2"


@dataclass(frozen=True)
class LogStorageArgs:
    resource_group_name: pulumi.Input[str]
    account_name: pulumi.Input[str]
    identity_name: pulumi.Input[str]
    location: str
    settings: LogsSettings
    #: Issuer of the cluster's service account tokens, trusted by the identity.
    oidc_issuer_url: pulumi.Input[str]
    #: ``system:serviceaccount:<namespace>:<name>`` of every Airflow component that uses logs.
    subjects: Sequence[str]
    subscription_id: pulumi.Input[str]
    protect: bool
    tags: dict[str, str]
    #: How the nodes reach the account's blob endpoint.
    access: PrivateAccess


class LogStorage(pulumi.ComponentResource):
    def __init__(self, name: str, args: LogStorageArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("airflow-platform:azure:LogStorage", name, None, opts)
        s = args.settings
        rg = args.resource_group_name
        self.access = args.access

        sku = f"Standard_{s.redundancy}"
        redundancy = ".".join(StackSettings.key_path("logs", "redundancy"))
        self.guard = Guard(
            "guard",
            "log storage account",
            [
                Guarded(redundancy, ACCOUNT, "sku.name", sku, shown=s.redundancy),
                Guarded("the account's kind (chosen by the program)", ACCOUNT, "kind", ACCOUNT_KIND),
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.account = storage.StorageAccount(
            "account",
            resource_group_name=rg,
            account_name=args.account_name,
            location=args.location,
            kind=ACCOUNT_KIND,
            sku=storage.SkuArgs(name=sku),
            access_tier="Hot",
            enable_https_traffic_only=True,
            minimum_tls_version="TLS1_2",
            allow_blob_public_access=False,
            # Airflow reaches the account with its workload identity, never with keys.
            allow_shared_key_access=False,
            default_to_o_auth_authentication=True,
            # Denied by default: only the private endpoint, or the node subnet through its service
            # endpoint. No bypass: no trusted Azure service needs the account's data.
            public_network_access=args.access.public_network_access,
            network_rule_set=storage.NetworkRuleSetArgs(
                default_action="Deny",
                bypass="None",
                virtual_network_rules=None
                if args.access.endpoints
                else [storage.VirtualNetworkRuleArgs(virtual_network_resource_id=args.access.node_subnet_id)],
            ),
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect, depends_on=[self.guard]),
        )
        account_name = self.account.name
        blob_service = storage.BlobServiceProperties(
            "blob-service",
            resource_group_name=rg,
            account_name=account_name,
            blob_services_name="default",
            delete_retention_policy=storage.DeleteRetentionPolicyArgs(
                enabled=s.soft_delete_days > 0, days=s.soft_delete_days or None
            ),
            container_delete_retention_policy=storage.DeleteRetentionPolicyArgs(
                enabled=s.soft_delete_days > 0, days=s.soft_delete_days or None
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.container = storage.BlobContainer(
            "container",
            resource_group_name=rg,
            account_name=account_name,
            container_name=LOG_CONTAINER,
            public_access="None",
            opts=pulumi.ResourceOptions(parent=self, depends_on=[blob_service]),
        )
        storage.ManagementPolicy(
            "retention",
            resource_group_name=rg,
            account_name=account_name,
            management_policy_name="default",
            policy=storage.ManagementPolicySchemaArgs(
                rules=[
                    storage.ManagementPolicyRuleArgs(
                        name="expire-task-logs",
                        enabled=True,
                        type="Lifecycle",
                        definition=storage.ManagementPolicyDefinitionArgs(
                            filters=storage.ManagementPolicyFilterArgs(
                                blob_types=["blockBlob", "appendBlob"],
                                prefix_match=[f"{LOG_CONTAINER}/"],
                            ),
                            actions=storage.ManagementPolicyActionArgs(
                                base_blob=storage.ManagementPolicyBaseBlobArgs(
                                    delete=storage.DateAfterModificationArgs(
                                        days_after_modification_greater_than=s.retention_days
                                    )
                                )
                            ),
                        ),
                    )
                ]
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

        self.identity = managedidentity.UserAssignedIdentity(
            "airflow-identity",
            resource_group_name=rg,
            resource_name_=args.identity_name,
            location=args.location,
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        # On the log container only: the identity reads and writes no other container of the account.
        self.role_assignment = grant(
            "blob-data-contributor",
            role=BLOB_DATA_CONTRIBUTOR,
            scope=self.container.id,
            principal_id=self.identity.principal_id,
            subscription_id=args.subscription_id,
            parent=self,
        )
        # Azure rejects concurrent writes to one identity's federated credentials: chain them.
        self.credentials: list[managedidentity.FederatedIdentityCredential] = []
        previous: list[pulumi.Resource] = []
        for subject in args.subjects:
            service_account = subject.rsplit(":", 1)[-1]
            credential = managedidentity.FederatedIdentityCredential(
                f"federated-{service_account}",
                resource_group_name=rg,
                resource_name_=self.identity.name,
                federated_identity_credential_resource_name=service_account,
                issuer=args.oidc_issuer_url,
                subject=subject,
                audiences=[TOKEN_EXCHANGE_AUDIENCE],
                opts=pulumi.ResourceOptions(parent=self, depends_on=previous),
            )
            self.credentials.append(credential)
            previous = [credential]

        self.private_link = (
            PrivateLink(
                "blob",
                PrivateLinkArgs(args.access.endpoints, "blob", self.account.id),
                opts=pulumi.ResourceOptions(parent=self),
            )
            if args.access.endpoints
            else None
        )
        self.blob_endpoint = endpoint_of("blob", self.account, args.account_name)
        # The identity as Azure returns it once it exists: in an update preview azure-native
        # leaves its clientId and tenantId outputs unknown, the live identity does not.
        self.live_identity = managedidentity.get_user_assigned_identity_output(
            resource_group_name=rg,
            resource_name=pulumi.Output.all(self.identity.id, args.identity_name).apply(lambda v: v[1]),
        )
        self.register_outputs(
            {
                "accountName": account_name,
                "container": self.container.name,
                "blobEndpoint": self.blob_endpoint,
                "identityClientId": self.live_identity.client_id,
            }
        )

    def writer(self) -> EntraIdentity:
        """The identity as Azure SDK clients name it: the log handler and the secrets backend use it."""
        # The identity's own tenant: a deployer signed in from another tenant (a guest) has another.
        return EntraIdentity(client_id=self.live_identity.client_id, tenant_id=self.live_identity.tenant_id)

    def handle(self) -> LogStore:
        identity = WorkloadIdentity(
            service_account_annotations={"azure.workload.identity/client-id": self.live_identity.client_id},
            pod_labels={"azure.workload.identity/use": "true"},
            ready=[self.role_assignment, *self.credentials],
            # Microsoft Entra ID's token endpoint is public, whatever path the blobs take.
            network=Destination.public(443),
        )
        return LogStore(
            location=BlobFolder(container=self.container.name, endpoint=self.blob_endpoint, writer=self.writer()),
            identity=identity,
            network=self.access.destination(),
            ready=self.private_link.ready if self.private_link else [],
        )

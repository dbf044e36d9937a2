"""Where each azure-native type the program declares keeps its ARM name, and the path of its ID, for
:mod:`tools.mocks`, which answers registrations with the IDs ARM would give.
"""

from __future__ import annotations

from tools.mock_monitoring import MONITORING_NAMES

#: The ARM name property of each azure-native type, and the provider path of its ID.
AZURE_NAMES = {
    "azure-native:resources:ResourceGroup": ("resourceGroupName", None),
    "azure-native:network:VirtualNetwork": ("virtualNetworkName", "Microsoft.Network/virtualNetworks"),
    "azure-native:network:Subnet": ("subnetName", "Microsoft.Network/virtualNetworks/{virtualNetworkName}/subnets"),
    "azure-native:privatedns:PrivateZone": ("privateZoneName", "Microsoft.Network/privateDnsZones"),
    "azure-native:privatedns:VirtualNetworkLink": (
        "virtualNetworkLinkName",
        "Microsoft.Network/privateDnsZones/{privateZoneName}/virtualNetworkLinks",
    ),
    "azure-native:containerservice:ManagedCluster": ("resourceName", "Microsoft.ContainerService/managedClusters"),
    "azure-native:containerservice:AgentPool": (
        "agentPoolName",
        "Microsoft.ContainerService/managedClusters/{resourceName}/agentPools",
    ),
    "azure-native:containerservice:MaintenanceConfiguration": (
        "configName",
        "Microsoft.ContainerService/managedClusters/{resourceName}/maintenanceConfigurations",
    ),
    "azure-native:dbforpostgresql:Server": ("serverName", "Microsoft.DBforPostgreSQL/flexibleServers"),
    "azure-native:dbforpostgresql:Database": (
        "databaseName",
        "Microsoft.DBforPostgreSQL/flexibleServers/{serverName}/databases",
    ),
    "azure-native:dbforpostgresql:Configuration": (
        "configurationName",
        "Microsoft.DBforPostgreSQL/flexibleServers/{serverName}/configurations",
    ),
    "azure-native:storage:StorageAccount": ("accountName", "Microsoft.Storage/storageAccounts"),
    "azure-native:storage:BlobContainer": (
        "containerName",
        "Microsoft.Storage/storageAccounts/{accountName}/blobServices/default/containers",
    ),
    "azure-native:storage:BlobServiceProperties": (
        "blobServicesName",
        "Microsoft.Storage/storageAccounts/{accountName}/blobServices",
    ),
    "azure-native:storage:ManagementPolicy": (
        "managementPolicyName",
        "Microsoft.Storage/storageAccounts/{accountName}/managementPolicies",
    ),
    "azure-native:managedidentity:UserAssignedIdentity": (
        "resourceName",
        "Microsoft.ManagedIdentity/userAssignedIdentities",
    ),
    "azure-native:managedidentity:FederatedIdentityCredential": (
        "federatedIdentityCredentialResourceName",
        "Microsoft.ManagedIdentity/userAssignedIdentities/{resourceName}/federatedIdentityCredentials",
    ),
    "azure-native:containerregistry:Registry": ("registryName", "Microsoft.ContainerRegistry/registries"),
    "azure-native:network:PublicIPAddress": ("publicIpAddressName", "Microsoft.Network/publicIPAddresses"),
    "azure-native:dns:RecordSet": ("relativeRecordSetName", "Microsoft.Network/dnszones/{zoneName}/{recordType}"),
    "azure-native:network:PrivateEndpoint": ("privateEndpointName", "Microsoft.Network/privateEndpoints"),
    "azure-native:network:PrivateDnsZoneGroup": (
        "privateDnsZoneGroupName",
        "Microsoft.Network/privateEndpoints/{privateEndpointName}/privateDnsZoneGroups",
    ),
    "azure-native:keyvault:Vault": ("vaultName", "Microsoft.KeyVault/vaults"),
    "azure-native:authorization:RoleAssignment": ("roleAssignmentName", None),
    **MONITORING_NAMES,
}

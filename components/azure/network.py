"""Resource group, virtual network and the private DNS that keeps PostgreSQL off the internet."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import network, privatedns, resources

from components.config import NetworkSettings

POSTGRES_DELEGATION = "Microsoft.DBforPostgreSQL/flexibleServers"


@dataclass(frozen=True)
class NetworkArgs:
    resource_group_name: pulumi.Input[str]
    virtual_network_name: pulumi.Input[str]
    #: The server's private zone; Azure requires the ``.postgres.database.azure.com`` suffix.
    postgres_dns_zone: pulumi.Input[str]
    location: str
    settings: NetworkSettings
    tags: dict[str, str]


class Network(pulumi.ComponentResource):
    resource_group: resources.ResourceGroup
    node_subnet: network.Subnet
    database_subnet: network.Subnet
    postgres_dns_zone: privatedns.PrivateZone
    postgres_dns_link: privatedns.VirtualNetworkLink

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("airflow-platform:azure:Network", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        self.resource_group = resources.ResourceGroup(
            "resource-group",
            resource_group_name=args.resource_group_name,
            location=args.location,
            tags=args.tags,
            opts=child,
        )
        rg = self.resource_group.name
        vnet = network.VirtualNetwork(
            "vnet",
            resource_group_name=rg,
            virtual_network_name=args.virtual_network_name,
            location=args.location,
            address_space=network.AddressSpaceArgs(address_prefixes=[args.settings.address_space]),
            tags=args.tags,
            # Subnets are separate resources; without this the VNet would delete them on update.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["subnets"]),
        )
        self.node_subnet = network.Subnet(
            "nodes",
            resource_group_name=rg,
            virtual_network_name=vnet.name,
            subnet_name="nodes",
            address_prefix=args.settings.node_subnet,
            opts=child,
        )
        self.database_subnet = network.Subnet(
            "postgres",
            resource_group_name=rg,
            virtual_network_name=vnet.name,
            subnet_name="postgres",
            address_prefix=args.settings.database_subnet,
            delegations=[network.DelegationArgs(name="postgres-flexible-server", service_name=POSTGRES_DELEGATION)],
            # Azure serialises writes to one VNet's subnets.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.node_subnet]),
        )
        self.postgres_dns_zone = privatedns.PrivateZone(
            "postgres-dns",
            resource_group_name=rg,
            private_zone_name=args.postgres_dns_zone,
            location="global",
            tags=args.tags,
            opts=child,
        )
        self.postgres_dns_link = privatedns.VirtualNetworkLink(
            "postgres-dns-link",
            resource_group_name=rg,
            private_zone_name=self.postgres_dns_zone.name,
            virtual_network_link_name=pulumi.Output.concat(args.virtual_network_name, "-link"),
            virtual_network=privatedns.SubResourceArgs(id=vnet.id),
            registration_enabled=False,
            location="global",
            tags=args.tags,
            opts=child,
        )
        self.virtual_network = vnet
        self.register_outputs(
            {
                "resourceGroupName": rg,
                "virtualNetworkId": vnet.id,
                "nodeSubnetId": self.node_subnet.id,
                "databaseSubnetId": self.database_subnet.id,
                "postgresDnsZoneId": self.postgres_dns_zone.id,
            }
        )

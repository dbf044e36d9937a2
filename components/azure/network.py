"""Resource group, virtual network and the private DNS that keeps PostgreSQL off the internet.

Azure changes a subnet's range only while nothing is in it, and ours hold the nodes and the
server: a guard the subnets depend on stops `pulumi preview` when a range would change. The
address space may change in place while it still holds both subnets (the settings check that).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import network, privatedns, resources

from components.config import NetworkSettings, StackSettings
from components.guards import Guard, Guarded

POSTGRES_DELEGATION = "Microsoft.DBforPostgreSQL/flexibleServers"
SUBNET = "azure-native:network:Subnet"


def _setting(field: str) -> str:
    return ".".join(StackSettings.key_path("network", field))


@dataclass(frozen=True)
class NetworkArgs:
    resource_group_name: pulumi.Input[str]
    virtual_network_name: pulumi.Input[str]
    #: The server's private zone; Azure requires the ``.postgres.database.azure.com`` suffix.
    postgres_dns_zone: pulumi.Input[str]
    location: str
    settings: NetworkSettings
    tags: dict[str, str]
    #: Service endpoints of the node subnet (``Microsoft.Storage``, ...), when no private endpoints.
    service_endpoints: Sequence[str] = ()


class Network(pulumi.ComponentResource):
    resource_group: resources.ResourceGroup
    node_subnet: network.Subnet
    database_subnet: network.Subnet
    endpoint_subnet: network.Subnet | None
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
        self.guard = Guard(
            "guard",
            "virtual network",
            [
                Guarded(_setting("node_subnet"), SUBNET, "addressPrefix", args.settings.node_subnet),
                Guarded(_setting("database_subnet"), SUBNET, "addressPrefix", args.settings.database_subnet),
                Guarded(
                    "the database subnet's delegation (chosen by the program)",
                    SUBNET,
                    "delegations",
                    POSTGRES_DELEGATION,
                ),
                *(
                    [Guarded(_setting("endpoint_subnet"), SUBNET, "addressPrefix", args.settings.endpoint_subnet)]
                    if args.settings.private_endpoints
                    else []
                ),
            ],
            opts=child,
        )
        in_use = pulumi.ResourceOptions(parent=self, depends_on=[self.guard])
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
            service_endpoints=[network.ServiceEndpointPropertiesFormatArgs(service=s) for s in args.service_endpoints]
            or None,
            opts=in_use,
        )
        self.database_subnet = network.Subnet(
            "postgres",
            resource_group_name=rg,
            virtual_network_name=vnet.name,
            subnet_name="postgres",
            address_prefix=args.settings.database_subnet,
            delegations=[network.DelegationArgs(name="postgres-flexible-server", service_name=POSTGRES_DELEGATION)],
            # Azure serialises writes to one VNet's subnets.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.guard, self.node_subnet]),
        )
        # The private endpoints of storage, registry and vault; only with private endpoints on.
        self.endpoint_subnet = (
            network.Subnet(
                "endpoints",
                resource_group_name=rg,
                virtual_network_name=vnet.name,
                subnet_name="endpoints",
                address_prefix=args.settings.endpoint_subnet,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.guard, self.database_subnet]),
            )
            if args.settings.private_endpoints
            else None
        )
        self.postgres_dns_zone, self.postgres_dns_link = linked_private_zone(
            "postgres-dns",
            zone_name=args.postgres_dns_zone,
            link_name=pulumi.Output.concat(args.virtual_network_name, "-link"),
            resource_group_name=rg,
            virtual_network_id=vnet.id,
            tags=args.tags,
            parent=self,
        )
        self.virtual_network = vnet
        self.register_outputs(
            {
                "resourceGroupName": rg,
                "virtualNetworkId": vnet.id,
                "nodeSubnetId": self.node_subnet.id,
                "databaseSubnetId": self.database_subnet.id,
                "endpointSubnetId": self.endpoint_subnet.id if self.endpoint_subnet else None,
                "postgresDnsZoneId": self.postgres_dns_zone.id,
            }
        )


def linked_private_zone(
    name: str,
    *,
    zone_name: pulumi.Input[str],
    link_name: pulumi.Input[str],
    resource_group_name: pulumi.Input[str],
    virtual_network_id: pulumi.Input[str],
    tags: dict[str, str],
    parent: pulumi.Resource,
) -> tuple[privatedns.PrivateZone, privatedns.VirtualNetworkLink]:
    """A private DNS zone the VNet resolves (``<name>``, ``<name>-link``); records come from the service."""
    zone = privatedns.PrivateZone(
        name,
        resource_group_name=resource_group_name,
        private_zone_name=zone_name,
        location="global",
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    link = privatedns.VirtualNetworkLink(
        f"{name}-link",
        resource_group_name=resource_group_name,
        private_zone_name=zone.name,
        virtual_network_link_name=link_name,
        virtual_network=privatedns.SubResourceArgs(id=virtual_network_id),
        registration_enabled=False,
        location="global",
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return zone, link

"""A service reached from the VNet through a private endpoint, and the DNS that makes its usual name point there.

One concept for blob storage, the registry and the vault: the endpoint in the endpoints subnet,
the service's private DNS zone (``data/azure-private-link.yaml``) linked to the VNet, and the
endpoint's zone group, through which Azure writes (and on deletion removes) the endpoint's A
records in that zone. Pods keep using the service's public name; inside the VNet it resolves to
the endpoint's private address.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pulumi
import yaml
from pulumi_azure_native import network

from components.azure.network import linked_private_zone
from components.platform import Destination

FACTS_FILE = Path(__file__).resolve().parents[2] / "data" / "azure-private-link.yaml"
FACTS = yaml.safe_load(FACTS_FILE.read_text())
#: The port every service reached this way listens on (HTTPS).
HTTPS = 443


def group_of(service: str) -> str:
    return FACTS["services"][service]["group"]


def zone_of(service: str) -> str:
    return FACTS["services"][service]["zone"]


def service_endpoint_of(service: str) -> str:
    """The subnet service endpoint that stands in for a private endpoint (``Microsoft.Storage``)."""
    return FACTS["service_endpoints"][service]


def node_subnet_service_endpoints(private_endpoints: bool, services: list[str]) -> list[str]:
    """The node subnet's service endpoints: one per service, unless private endpoints stand in."""
    return [] if private_endpoints else [service_endpoint_of(service) for service in services]


@dataclass(frozen=True)
class PrivateEndpoints:
    """Where a stack's private endpoints go: the endpoints subnet of the VNet."""

    resource_group_name: pulumi.Input[str]
    location: str
    subnet_id: pulumi.Input[str]
    #: The endpoints subnet's range: what pods reach through the endpoints.
    subnet_cidr: str
    virtual_network_id: pulumi.Input[str]
    tags: dict[str, str]

    def destination(self) -> Destination:
        return Destination(cidrs=[self.subnet_cidr], ports=[HTTPS])


@dataclass(frozen=True)
class PrivateAccess:
    """How the nodes reach a service: its private endpoint, or (``endpoints`` None) the node
    subnet's service endpoint, which the service admits by a virtual network rule."""

    endpoints: PrivateEndpoints | None
    node_subnet_id: pulumi.Input[str]

    @property
    def public_network_access(self) -> str:
        """Public access is off with a private endpoint; a service endpoint still uses the public address."""
        return "Disabled" if self.endpoints else "Enabled"

    def destination(self) -> Destination:
        """What pods reach: the endpoints subnet, or the service's public addresses on the backbone."""
        return self.endpoints.destination() if self.endpoints else Destination.public(HTTPS)


@dataclass(frozen=True)
class PrivateLinkArgs:
    endpoints: PrivateEndpoints
    #: A key of ``services`` in data/azure-private-link.yaml ("blob", "registry", "vault").
    service: str
    #: The resource the endpoint connects to (the storage account, registry or vault).
    target_id: pulumi.Input[str]


class PrivateLink(pulumi.ComponentResource):
    def __init__(self, name: str, args: PrivateLinkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("airflow-platform:azure:PrivateLink", name, None, opts)
        where = args.endpoints
        child = pulumi.ResourceOptions(parent=self)
        zone_name = zone_of(args.service)
        # One endpoint per service in the stack's resource group.
        endpoint_name = f"pe-{args.service}"
        self.zone, self.link = linked_private_zone(
            f"{name}-dns",
            zone_name=zone_name,
            link_name=f"{endpoint_name}-link",
            resource_group_name=where.resource_group_name,
            virtual_network_id=where.virtual_network_id,
            tags=where.tags,
            parent=self,
        )
        self.endpoint = network.PrivateEndpoint(
            f"{name}-endpoint",
            resource_group_name=where.resource_group_name,
            private_endpoint_name=endpoint_name,
            location=where.location,
            subnet=network.SubnetArgs(id=where.subnet_id),
            private_link_service_connections=[
                network.PrivateLinkServiceConnectionArgs(
                    name=endpoint_name,
                    private_link_service_id=args.target_id,
                    group_ids=[group_of(args.service)],
                )
            ],
            tags=where.tags,
            opts=child,
        )
        self.zone_group = network.PrivateDnsZoneGroup(
            f"{name}-dns-zone-group",
            resource_group_name=where.resource_group_name,
            private_endpoint_name=self.endpoint.name,
            private_dns_zone_group_name="default",
            private_dns_zone_configs=[
                network.PrivateDnsZoneConfigArgs(name=zone_name.replace(".", "-"), private_dns_zone_id=self.zone.id)
            ],
            opts=child,
        )
        #: What a client inside the VNet waits for: the endpoint, its DNS records, the zone's link.
        self.ready: list[pulumi.Resource] = [self.endpoint, self.zone_group, self.link]
        self.register_outputs({"endpointId": self.endpoint.id, "zoneId": self.zone.id})

"""The front door's Azure resources: the proxy's static public address, and, with a DNS zone, the
A record and the identity cert-manager answers DNS-01 challenges with (data/ingress.yaml)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import dns, managedidentity, network

from components.azure.cluster import Cluster
from components.azure.logs import TOKEN_EXCHANGE_AUDIENCE
from components.azure.roles import DNS_ZONE_CONTRIBUTOR, NETWORK_CONTRIBUTOR, grant
from components.config.ui import UiSettings
from components.edge import EdgeControllers, EdgeControllersArgs
from components.ingress_facts import INGRESS
from components.platform import FrontDoor

CERT_MANAGER = INGRESS.certificates.chart
ANNOTATIONS = INGRESS.static_ip.annotations
#: The workload identity webhook injects the federated token into pods with this label (MS Learn, workload identity).
WORKLOAD_IDENTITY_LABELS = {"azure.workload.identity/use": "true"}
#: How long resolvers keep the A record: the address is static, five minutes keeps a move quick.
RECORD_TTL_SECONDS = 300


@dataclass(frozen=True)
class FrontDoorAddressArgs:
    resource_group_name: pulumi.Input[str]
    address_name: pulumi.Input[str]
    identity_name: pulumi.Input[str]
    location: str
    settings: UiSettings
    #: The cluster's own identity: its cloud provider attaches the address to the load balancer.
    cluster_principal_id: pulumi.Input[str]
    oidc_issuer_url: pulumi.Input[str]
    subscription_id: pulumi.Input[str]
    tags: Mapping[str, str]


def relative_record_name(hostname: str, zone: str) -> str:
    """The record's name inside the zone: ``@`` for the zone apex."""
    return "@" if hostname == zone else hostname.removesuffix("." + zone)


class FrontDoorAddress(pulumi.ComponentResource):
    def __init__(self, name: str, args: FrontDoorAddressArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("airflow-platform:azure:FrontDoorAddress", name, None, opts)
        s = args.settings
        # The program's, not the load balancer's: it outlives a reinstall of the controller.
        self.address = network.PublicIPAddress(
            "ingress-address",
            resource_group_name=args.resource_group_name,
            public_ip_address_name=args.address_name,
            location=args.location,
            sku=network.PublicIPAddressSkuArgs(name="Standard", tier="Regional"),
            public_ip_allocation_method="Static",
            public_ip_address_version="IPv4",
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        # Outside the node resource group the cluster identity needs Network Contributor where the
        # address is (MS Learn, static-ip); on the address only, not on its resource group.
        self.address_access = grant(
            "ingress-address-network-contributor",
            role=NETWORK_CONTRIBUTOR,
            scope=self.address.id,
            principal_id=args.cluster_principal_id,
            subscription_id=args.subscription_id,
            parent=self,
        )
        self.ready: list[pulumi.Resource] = [self.address_access]
        self.dns01: pulumi.Output[Mapping[str, object]] | None = None
        zone_id, zone = s.dns_zone, s.dns_zone_name
        if zone_id is None or zone is None or s.hostname is None:
            self.register_outputs({"ingressAddress": self.address.ip_address})
            return
        zone_group = zone_id.split("/")[4]
        self.identity = managedidentity.UserAssignedIdentity(
            "cert-manager-identity",
            resource_group_name=args.resource_group_name,
            resource_name_=args.identity_name,
            location=args.location,
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.credential = managedidentity.FederatedIdentityCredential(
            "federated-cert-manager",
            resource_group_name=args.resource_group_name,
            resource_name_=self.identity.name,
            federated_identity_credential_resource_name=CERT_MANAGER.service_account,
            issuer=args.oidc_issuer_url,
            subject=f"system:serviceaccount:{CERT_MANAGER.namespace}:{CERT_MANAGER.service_account}",
            audiences=[TOKEN_EXCHANGE_AUDIENCE],
            opts=pulumi.ResourceOptions(parent=self),
        )
        # On the zone only: cert-manager writes the challenge's TXT records there and nowhere else.
        self.zone_access = grant(
            "dns-zone-contributor",
            role=DNS_ZONE_CONTRIBUTOR,
            scope=zone_id,
            principal_id=self.identity.principal_id,
            subscription_id=args.subscription_id,
            parent=self,
        )
        self.record = dns.RecordSet(
            "airflow-a-record",
            resource_group_name=zone_group,
            zone_name=zone,
            relative_record_set_name=relative_record_name(s.hostname, zone),
            record_type="A",
            ttl=RECORD_TTL_SECONDS,
            a_records=[dns.ARecordArgs(ipv4_address=self.address.ip_address)],
            opts=pulumi.ResourceOptions(parent=self),
        )
        # The live identity: an update preview leaves the resource's clientId unknown, this does not.
        client_id = managedidentity.get_user_assigned_identity_output(
            resource_group_name=args.resource_group_name,
            resource_name=pulumi.Output.all(self.identity.id, args.identity_name).apply(lambda v: v[1]),
        ).client_id
        subscription = zone_id.split("/")[2]
        self.dns01 = client_id.apply(
            lambda client: {
                "azureDNS": {
                    "subscriptionID": subscription,
                    "resourceGroupName": zone_group,
                    "hostedZoneName": zone,
                    "environment": "AzurePublicCloud",
                    "managedIdentity": {"clientID": client},
                }
            }
        )
        self.ready += [self.credential, self.zone_access]
        self.register_outputs({"ingressAddress": self.address.ip_address, "certManagerClientId": client_id})


def declare_front_door(
    settings: UiSettings,
    *,
    names: pulumi.Output,
    resource_group_name: pulumi.Input[str],
    location: str,
    cluster: Cluster,
    subscription_id: pulumi.Input[str],
    tags: Mapping[str, str],
) -> FrontDoor | None:
    """The address, the controllers and cert-manager when the stack names a host; nothing otherwise."""
    if settings.hostname is None:
        return None
    address = FrontDoorAddress(
        "front-door-address",
        FrontDoorAddressArgs(
            resource_group_name=resource_group_name,
            address_name=names.apply(lambda n: f"pip-{n.cluster}-ingress"),
            identity_name=names.apply(lambda n: f"{n.identity}-cert-manager"),
            location=location,
            settings=settings,
            cluster_principal_id=cluster.live.identity.apply(lambda i: i.principal_id),
            oidc_issuer_url=cluster.oidc_issuer_url,
            subscription_id=subscription_id,
            tags=tags,
        ),
    )
    # AKS's cloud provider puts the proxy's Service on the program's address, by name (MS Learn, static-ip).
    proxy_service = {
        "annotations": {ANNOTATIONS.name: address.address.name, ANNOTATIONS.resource_group: resource_group_name}
    }
    edge = EdgeControllers(
        "edge",
        EdgeControllersArgs(
            cloud="azure",
            hostname=settings.hostname,
            cluster=cluster.handle(),
            proxy_service=proxy_service,
            dns01=address.dns01,
            ready=address.ready,
            cert_manager_pod_labels=WORKLOAD_IDENTITY_LABELS if address.dns01 is not None else {},
        ),
    )
    return edge.front_door

"""The VPC: per zone a private subnet (nodes, the database) and a public one (load balancers, NAT).

Private subnets reach the internet through NAT gateways (one for the stack, or one per zone so a
zone's outage leaves the others their egress) and S3 through a gateway endpoint, which is free.
With ``interfaceEndpoints`` on, image pulls from ECR, token exchanges with STS and secret reads stay
inside the VPC too, through endpoints in subnets of their own. Subnet ranges are cut from
``aws.network.cidr`` by the zone's position, so the same settings always give the same ranges.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import pulumi
import pulumi_aws as aws

from components.config import StackSettings
from components.config.aws import AwsNetworkSettings
from components.data_tables import DATA, Table
from components.guards import Guard, Guarded

#: Private subnets are an eighth of the VPC each (a /19 of a /16), public ones a 256th (/24 of a
#: /16): nodes and pods take one address each, load balancers and NAT gateways few.
PRIVATE_PREFIX_STEP = 3
PUBLIC_PREFIX_STEP = 8
#: The most zones a stack spans (aws.network.zones); the public ranges start after their private ones.
MAX_ZONES = 3
ANYWHERE = "0.0.0.0/0"
VPC = "aws:ec2/vpc:Vpc"


class SubnetTags(Table):
    public: dict[str, str]
    private: dict[str, str]
    #: On both kinds; ``{cluster_name}`` in a key stands for the EKS cluster's name.
    every: dict[str, str]


class Endpoints(Table):
    gateway: tuple[str, ...]
    interface: tuple[str, ...]


class NetworkPolicyFacts(Table):
    addon_configuration: dict[str, str]
    sources: tuple[str, ...]


class VpcFacts(Table):
    """data/aws-vpc.yaml: the subnet tags EKS reads, the endpoints private nodes need, and how the VPC
    CNI enforces network policies, with sources."""

    seen: date
    subnet_tags: SubnetTags
    subnet_tags_sources: tuple[str, ...]
    endpoints: Endpoints
    endpoints_sources: tuple[str, ...]
    network_policy: NetworkPolicyFacts


FACTS = VpcFacts.read(DATA / "aws-vpc.yaml")


def subnet_ranges(cidr: str, zones: int) -> tuple[list[str], list[str]]:
    """Private and public ranges per zone: the private ones are the VPC's first eighths, the public
    ones are cut from the eighth after the last private one a stack can have, so nothing overlaps."""
    vpc = ipaddress.IPv4Network(cidr)
    blocks = list(vpc.subnets(prefixlen_diff=PRIVATE_PREFIX_STEP))
    public = list(blocks[MAX_ZONES].subnets(new_prefix=vpc.prefixlen + PUBLIC_PREFIX_STEP))
    return [str(b) for b in blocks[:zones]], [str(p) for p in public[:zones]]


def endpoint_ranges(cidr: str, zones: int) -> list[str]:
    """Per zone a range for the interface endpoints' network interfaces only, the size of a public
    subnet, cut after the last public range a stack can have: pods may be allowed to these
    without being allowed to anything else in the VPC (the EKS API server's interfaces)."""
    vpc = ipaddress.IPv4Network(cidr)
    block = list(vpc.subnets(prefixlen_diff=PRIVATE_PREFIX_STEP))[MAX_ZONES]
    ranges = list(block.subnets(new_prefix=vpc.prefixlen + PUBLIC_PREFIX_STEP))
    return [str(r) for r in ranges[MAX_ZONES : MAX_ZONES + zones]]


@dataclass(frozen=True)
class AwsNetworkArgs:
    settings: AwsNetworkSettings
    #: The Name tag of the VPC and what is in it (components/aws/naming.py prefix).
    name: str
    zones: Sequence[str]
    #: The EKS cluster the subnets serve; their kubernetes.io/cluster tag names it.
    cluster_name: str
    tags: Mapping[str, str]
    #: Interface endpoints of data/aws-vpc.yaml this stack does not use (secretsmanager without a secrets backend).
    unused_endpoints: frozenset[str] = frozenset()


class AwsNetwork(pulumi.ComponentResource):
    vpc_id: pulumi.Output[str]
    private_subnet_ids: list[pulumi.Output[str]]
    public_subnet_ids: list[pulumi.Output[str]]

    def __init__(self, name: str, args: AwsNetworkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("airflow-platform:aws:Network", name, None, opts)
        self._args = args
        child = pulumi.ResourceOptions(parent=self)
        settings = args.settings
        private_ranges, public_ranges = subnet_ranges(settings.cidr, len(args.zones))

        # A new range is a new VPC, and everything in it with it (the cluster, the database): refused at preview.
        self.guard = Guard(
            "network-guard",
            "VPC",
            [Guarded(".".join(StackSettings.key_path("aws", "network", "cidr")), VPC, "cidrBlock", settings.cidr)],
            opts=child,
        )
        vpc = aws.ec2.Vpc(
            "vpc",
            cidr_block=settings.cidr,
            # Nodes register with the cluster by their private DNS names (EKS VPC requirements).
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags=self._named("vpc"),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.guard]),
        )
        tags = FACTS.subnet_tags
        cluster_tags = {key.format(cluster_name=args.cluster_name): value for key, value in tags.every.items()}
        private = self._subnets("private", vpc.id, private_ranges, {**cluster_tags, **tags.private})
        public = self._subnets("public", vpc.id, public_ranges, {**cluster_tags, **tags.public})

        internet = aws.ec2.InternetGateway("internet", vpc_id=vpc.id, tags=self._named("internet"), opts=child)
        public_routes = aws.ec2.RouteTable("public", vpc_id=vpc.id, tags=self._named("public"), opts=child)
        aws.ec2.Route(
            "public-default",
            route_table_id=public_routes.id,
            destination_cidr_block=ANYWHERE,
            gateway_id=internet.id,
            opts=child,
        )
        for zone, subnet in zip(args.zones, public, strict=True):
            aws.ec2.RouteTableAssociation(
                f"public-{zone}", subnet_id=subnet.id, route_table_id=public_routes.id, opts=child
            )

        nat_zones = args.zones if settings.nat_gateways == "per-zone" else args.zones[:1]
        nat_ids = [
            self._nat_gateway(zone, subnet, internet)
            for zone, subnet in zip(nat_zones, public[: len(nat_zones)], strict=True)
        ]
        private_route_ids = []
        for index, (zone, subnet) in enumerate(zip(args.zones, private, strict=True)):
            table = aws.ec2.RouteTable(
                f"private-{zone}", vpc_id=vpc.id, tags=self._named(f"private-{zone}"), opts=child
            )
            aws.ec2.Route(
                f"private-{zone}-default",
                route_table_id=table.id,
                destination_cidr_block=ANYWHERE,
                # Its zone's gateway, or the single one.
                nat_gateway_id=nat_ids[index % len(nat_ids)],
                opts=child,
            )
            aws.ec2.RouteTableAssociation(f"private-{zone}", subnet_id=subnet.id, route_table_id=table.id, opts=child)
            private_route_ids.append(table.id)

        region = aws.get_region(opts=pulumi.InvokeOptions(parent=self)).region
        for service in FACTS.endpoints.gateway:
            aws.ec2.VpcEndpoint(
                service,
                vpc_id=vpc.id,
                service_name=f"com.amazonaws.{region}.{service}",
                vpc_endpoint_type="Gateway",
                route_table_ids=private_route_ids,
                tags=self._named(service),
                opts=child,
            )
        #: Where pods reach the interface endpoints (empty: no endpoints, the services' public addresses).
        self.endpoint_ranges: list[str] = []
        if settings.interface_endpoints:
            self.endpoint_ranges = endpoint_ranges(settings.cidr, len(args.zones))
            endpoint_subnets = self._subnets("endpoints", vpc.id, self.endpoint_ranges)
            self._interface_endpoints(region, vpc.id, [s.id for s in endpoint_subnets])

        self.vpc_id = vpc.id
        self.private_subnet_ids = [s.id for s in private]
        self.public_subnet_ids = [s.id for s in public]
        self.register_outputs(
            {
                "vpcId": self.vpc_id,
                "privateSubnetIds": self.private_subnet_ids,
                "publicSubnetIds": self.public_subnet_ids,
            }
        )

    def _subnets(
        self, kind: str, vpc_id: pulumi.Input[str], ranges: list[str], extra: Mapping[str, str] | None = None
    ) -> list[aws.ec2.Subnet]:
        """One subnet of ``kind`` per zone, in the zones' order, with the ranges given."""
        return [
            aws.ec2.Subnet(
                f"{kind}-{zone}",
                vpc_id=vpc_id,
                cidr_block=cidr,
                availability_zone=zone,
                tags=self._named(f"{kind}-{zone}", extra),
                opts=pulumi.ResourceOptions(parent=self),
            )
            for zone, cidr in zip(self._args.zones, ranges, strict=True)
        ]

    def _named(self, suffix: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The stack's tags, ``extra`` and a Name tag (the console's only label for EC2 objects)."""
        return {**self._args.tags, **(extra or {}), "Name": f"{self._args.name}-{suffix}"}

    def _nat_gateway(self, zone: str, subnet: aws.ec2.Subnet, internet: aws.ec2.InternetGateway) -> pulumi.Output[str]:
        address = aws.ec2.Eip(
            f"nat-{zone}", domain="vpc", tags=self._named(f"nat-{zone}"), opts=pulumi.ResourceOptions(parent=self)
        )
        gateway = aws.ec2.NatGateway(
            f"nat-{zone}",
            allocation_id=address.id,
            subnet_id=subnet.id,
            tags=self._named(f"nat-{zone}"),
            # A public NAT gateway forwards through the internet gateway, which must be attached first.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[internet]),
        )
        return gateway.id

    def _interface_endpoints(self, region: str, vpc_id: pulumi.Output[str], subnet_ids: list[pulumi.Output[str]]):
        """ECR, STS and Secrets Manager (data/aws-vpc.yaml) in every endpoint subnet, reachable on 443 from the VPC,
        under the services' public names (private DNS), so clients need no settings."""
        child = pulumi.ResourceOptions(parent=self)
        group = aws.ec2.SecurityGroup(
            "endpoints",
            name=f"{self._args.name}-endpoints",
            description="HTTPS from the VPC to its interface endpoints",
            vpc_id=vpc_id,
            tags=self._named("endpoints"),
            opts=child,
        )
        aws.vpc.SecurityGroupIngressRule(
            "endpoints-https",
            security_group_id=group.id,
            cidr_ipv4=self._args.settings.cidr,
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            description="HTTPS from the VPC",
            tags=self._named("endpoints-https"),
            opts=child,
        )
        for service in (s for s in FACTS.endpoints.interface if s not in self._args.unused_endpoints):
            aws.ec2.VpcEndpoint(
                service.replace(".", "-"),
                vpc_id=vpc_id,
                service_name=f"com.amazonaws.{region}.{service}",
                vpc_endpoint_type="Interface",
                subnet_ids=subnet_ids,
                security_group_ids=[group.id],
                private_dns_enabled=True,
                tags=self._named(service.replace(".", "-")),
                opts=child,
            )

"""The AWS network of aws-dev and aws-prod, built from their stack files under AWS's mocks."""

from __future__ import annotations

import functools
import ipaddress

import pytest

from components.aws.naming import aws_names
from components.aws.network import AwsNetwork, AwsNetworkArgs, endpoint_ranges, subnet_ranges
from components.config.aws import AwsNetworkSettings
from components.config.report import settings_from_config
from tools.mock_aws import ACCOUNT_ID
from tools.offline import DeclaredResource, ProgramRun, run_function, stack_config

SUBNET = "aws:ec2/subnet:Subnet"
ROUTE = "aws:ec2/route:Route"
ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
NAT = "aws:ec2/natGateway:NatGateway"
EIP = "aws:ec2/eip:Eip"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
#: What the mocked region answers to getAvailabilityZones (tools/mock_aws.py).
ZONES = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
STACKS = ["aws-dev", "aws-prod"]


@functools.cache
def network_of(stack: str) -> tuple[AwsNetworkSettings, str, ProgramRun]:
    """The stack's network settings, its cluster's name and the run of the network alone."""
    settings = settings_from_config("airflow-platform", stack, *stack_config(stack))
    names = aws_names(settings.project, settings.stack, ACCOUNT_ID)
    network = settings.aws.network
    args = AwsNetworkArgs(
        settings=network,
        name=names.prefix,
        zones=ZONES[: network.zones],
        cluster_name=names.cluster,
        tags=settings.tags,
    )
    return network, names.cluster, run_function(stack, lambda: AwsNetwork("network", args))


@pytest.fixture(params=STACKS)
def network(request) -> tuple[AwsNetworkSettings, str, ProgramRun]:
    return network_of(request.param)


def subnets(run: ProgramRun, kind: str) -> list[DeclaredResource]:
    """The private or public subnets, by zone (the engine records registrations as they arrive)."""
    found = [s for s in run.of_type(SUBNET) if s.name.startswith(f"{kind}-")]
    return sorted(found, key=lambda s: s.inputs["availabilityZone"])


def by_id(run: ProgramRun, type_token: str) -> dict[str, DeclaredResource]:
    return {r.state["id"]: r for r in run.of_type(type_token)}


def route_table_of(run: ProgramRun, subnet: DeclaredResource) -> str:
    (association,) = [a for a in run.of_type(ASSOCIATION) if a.inputs["subnetId"] == subnet.state["id"]]
    return association.inputs["routeTableId"]


def default_route(run: ProgramRun, table_id: str) -> DeclaredResource:
    (route,) = [
        r
        for r in run.of_type(ROUTE)
        if r.inputs["routeTableId"] == table_id and r.inputs["destinationCidrBlock"] == "0.0.0.0/0"
    ]
    return route


def test_each_zone_has_one_private_and_one_public_subnet(network):
    settings, _, run = network
    for kind in ("private", "public"):
        assert [s.inputs["availabilityZone"] for s in subnets(run, kind)] == ZONES[: settings.zones]


def test_subnet_ranges_sit_inside_the_vpc_without_overlap(network):
    settings, _, run = network
    vpc = ipaddress.ip_network(run.one("aws:ec2/vpc:Vpc").inputs["cidrBlock"])
    assert str(vpc) == settings.cidr
    ranges = [ipaddress.ip_network(s.inputs["cidrBlock"]) for s in run.of_type(SUBNET)]
    # A private and a public subnet per zone, and one for the interface endpoints where they are on.
    assert len(ranges) == (3 if settings.interface_endpoints else 2) * settings.zones
    assert all(r.subnet_of(vpc) for r in ranges)
    assert not any(a.overlaps(b) for i, a in enumerate(ranges) for b in ranges[i + 1 :])
    # Nodes and pods take an address each: a private subnet holds far more than a public one.
    smallest_private = min(ipaddress.ip_network(s.inputs["cidrBlock"]).num_addresses for s in subnets(run, "private"))
    largest_public = max(ipaddress.ip_network(s.inputs["cidrBlock"]).num_addresses for s in subnets(run, "public"))
    assert smallest_private >= 8 * largest_public


@pytest.mark.parametrize("cidr", ["10.50.0.0/16", "172.20.16.0/20"])
def test_every_allowed_vpc_size_holds_three_zones(cidr):
    private, public = subnet_ranges(cidr, 3)
    ranges = [ipaddress.ip_network(r) for r in private + public + endpoint_ranges(cidr, 3)]
    assert all(r.subnet_of(ipaddress.ip_network(cidr)) for r in ranges)
    assert not any(a.overlaps(b) for i, a in enumerate(ranges) for b in ranges[i + 1 :])
    # AWS's smallest subnet is a /28.
    assert max(r.prefixlen for r in ranges) <= 28
    assert subnet_ranges(cidr, 2) == (private[:2], public[:2])


def test_private_subnets_go_out_through_a_nat_gateway_in_a_public_subnet(network):
    settings, _, run = network
    nats = by_id(run, NAT)
    public_zone = {s.state["id"]: s.inputs["availabilityZone"] for s in subnets(run, "public")}
    addresses = by_id(run, EIP)
    assert len(nats) == {"single": 1, "per-zone": settings.zones}[settings.nat_gateways]
    for nat in nats.values():
        assert nat.inputs["subnetId"] in public_zone
        assert addresses[nat.inputs["allocationId"]].inputs["domain"] == "vpc"
    for subnet in subnets(run, "private"):
        route = default_route(run, route_table_of(run, subnet))
        nat_zone = public_zone[nats[route.inputs["natGatewayId"]].inputs["subnetId"]]
        expected = subnet.inputs["availabilityZone"] if settings.nat_gateways == "per-zone" else ZONES[0]
        assert nat_zone == expected, subnet.name


def test_dev_has_one_nat_gateway_and_prod_one_per_zone():
    assert len(network_of("aws-dev")[2].of_type(NAT)) == 1
    assert len(network_of("aws-prod")[2].of_type(NAT)) == 3


def test_public_subnets_route_to_the_internet_gateway(network):
    _, _, run = network
    gateway = run.one("aws:ec2/internetGateway:InternetGateway")
    for subnet in subnets(run, "public"):
        assert default_route(run, route_table_of(run, subnet)).inputs["gatewayId"] == gateway.state["id"]


def test_s3_gateway_endpoint_is_on_every_private_route_table(network):
    _, _, run = network
    (s3,) = [e for e in run.of_type(ENDPOINT) if e.inputs["vpcEndpointType"] == "Gateway"]
    assert s3.inputs["serviceName"] == "com.amazonaws.eu-west-1.s3"
    private_tables = {route_table_of(run, s) for s in subnets(run, "private")}
    assert len(private_tables) == len(subnets(run, "private"))
    assert set(s3.inputs["routeTableIds"]) == private_tables


def test_interface_endpoints_only_where_the_stack_turns_them_on(network):
    settings, _, run = network
    interface = [e for e in run.of_type(ENDPOINT) if e.inputs["vpcEndpointType"] == "Interface"]
    if not settings.interface_endpoints:
        assert interface == []
        assert run.of_type("aws:ec2/securityGroup:SecurityGroup") == []
        return
    assert sorted(e.inputs["serviceName"] for e in interface) == [
        f"com.amazonaws.eu-west-1.{service}" for service in ("ecr.api", "ecr.dkr", "secretsmanager", "sts")
    ]
    group = run.one("aws:ec2/securityGroup:SecurityGroup")
    # Subnets of their own: pods may be allowed to them without reaching the EKS API server's interfaces.
    endpoint_ids = {s.state["id"] for s in subnets(run, "endpoints")}
    assert [s.inputs["availabilityZone"] for s in subnets(run, "endpoints")] == ZONES[: settings.zones]
    for endpoint in interface:
        assert endpoint.inputs["privateDnsEnabled"] is True
        assert set(endpoint.inputs["subnetIds"]) == endpoint_ids
        assert endpoint.inputs["securityGroupIds"] == [group.state["id"]]
    rule = run.one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert rule.inputs["securityGroupId"] == group.state["id"]
    assert (rule.inputs["cidrIpv4"], rule.inputs["ipProtocol"]) == (settings.cidr, "tcp")
    assert (rule.inputs["fromPort"], rule.inputs["toPort"]) == (443, 443)


def test_interface_endpoints_in_prod_not_in_dev():
    def count(stack):
        return len([e for e in network_of(stack)[2].of_type(ENDPOINT) if e.inputs["vpcEndpointType"] == "Interface"])

    assert (count("aws-dev"), count("aws-prod")) == (0, 4)


def test_subnets_carry_the_tags_eks_load_balancers_look_for(network):
    _, cluster_name, run = network
    elb, internal_elb = "kubernetes.io/role/elb", "kubernetes.io/role/internal-elb"
    for kind, tag, other in (("public", elb, internal_elb), ("private", internal_elb, elb)):
        for subnet in subnets(run, kind):
            tags = subnet.inputs["tags"]
            assert tags[tag] == "1"
            # An internet-facing load balancer in a private subnet would be unreachable, and vice versa.
            assert other not in tags
            assert tags[f"kubernetes.io/cluster/{cluster_name}"] == "shared"


def test_every_taggable_resource_carries_the_stack_tags_and_a_name(network):
    _, _, run = network
    tagged = [r for r in run.resources if r.type.startswith("aws:") and "tags" in r.inputs]
    assert len(tagged) >= 10
    names = [r.inputs["tags"]["Name"] for r in tagged]
    assert all(name.startswith("airflow-platform-aws-") for name in names)
    for resource in tagged:
        assert {k: resource.inputs["tags"][k] for k in ("project", "stack", "managed-by")} == {
            "project": "airflow-platform",
            "stack": run.stack,
            "managed-by": "pulumi",
        }, resource.name


def test_every_resource_belongs_to_the_network_component(network):
    _, _, run = network
    (component,) = run.of_type("airflow-platform:aws:Network")
    assert all(r.parent == component.urn for r in run.resources if r.type.startswith("aws:"))

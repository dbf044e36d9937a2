"""What AWS (through pulumi-aws) answers for the resources and calls of the AWS platform.

Identifiers have AWS's shapes (``vpc-`` + 17 hex digits, ARNs with partition, service, region and
account), derived from the logical name, so two runs of a stack give the same plan. Outputs a type
computes are added per type in ``COMPUTED``; every other output is its input, as the provider
returns it after a create. EKS's answers are in ``tools/mock_aws_eks.py``, the monitoring
services' in ``tools/mock_aws_monitoring.py``; ``tools/mocks.py`` loads all three.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable

ACCOUNT_ID = "123456789012"
PARTITION = "aws"
#: The caller the program runs as (an assumed role, as GitHub's OIDC federation gives one).
CALLER_ARN = f"arn:{PARTITION}:sts::{ACCOUNT_ID}:assumed-role/airflow-platform-deploy/GitHubActions"


def hex_id(*parts: str, length: int = 17) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


#: The prefix of each EC2 type's id; other types take their name (or logical name) as id.
EC2_PREFIXES = {
    "aws:ec2/vpc:Vpc": "vpc",
    "aws:ec2/subnet:Subnet": "subnet",
    "aws:ec2/internetGateway:InternetGateway": "igw",
    "aws:ec2/eip:Eip": "eipalloc",
    "aws:ec2/natGateway:NatGateway": "nat",
    "aws:ec2/routeTable:RouteTable": "rtb",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce",
    "aws:ec2/securityGroup:SecurityGroup": "sg",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "sgr",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "rtbassoc",
    "aws:ec2/route:Route": "r",
}

Computed = Callable[[str, dict, str], None]
#: Per type: fills the outputs AWS computes (name, state, region); helpers add their types here.
COMPUTED: dict[str, Computed] = {}


def computes(type_token: str) -> Callable[[Computed], Computed]:
    def register(function: Computed) -> Computed:
        COMPUTED[type_token] = function
        return function

    return register


def stable_uuid(*parts: str) -> str:
    return str(uuid.UUID(hex=hex_id(*parts, length=32), version=4))


def arn(service: str, region: str, resource: str) -> str:
    return f"arn:{PARTITION}:{service}:{region}:{ACCOUNT_ID}:{resource}"


def aws_resource(typ: str, logical: str, state: dict, region: str) -> tuple[str, dict]:
    """The id and state AWS returns for a created resource."""
    prefix = EC2_PREFIXES.get(typ)
    # S3's bucket and bucket configuration resources take the bucket's name as id.
    own_name = state.get("name") or state.get("bucket") or logical
    physical = f"{prefix}-{hex_id(typ, logical)}" if prefix else str(own_name)
    # The bridged provider returns the resource's id among its outputs too.
    state["id"] = physical
    if "tags" in state:
        state["tagsAll"] = dict(state["tags"] or {})
    if prefix and typ.startswith("aws:ec2/"):
        state.setdefault("arn", arn("ec2", region, f"{prefix.split('-')[0]}/{physical}"))
        state["ownerId"] = ACCOUNT_ID
    if typ in COMPUTED:
        # A type whose id AWS makes up (an AMP workspace's ws-..., an SNS topic's ARN) sets its own.
        COMPUTED[typ](logical, state, region)
    if not isinstance(state["id"], str):
        # Made up from an input a preview does not know yet: the resource exists, and keeps its id.
        state["id"] = f"{typ.rsplit(':', 1)[-1].lower()}-{hex_id(typ, logical)}"
    return state["id"], state


def aws_call(token: str, args: dict, region: str) -> dict:
    if token == "aws:index/getCallerIdentity:getCallerIdentity":
        return {"accountId": ACCOUNT_ID, "arn": CALLER_ARN, "userId": "AROAEXAMPLE:GitHubActions", "id": ACCOUNT_ID}
    if token == "aws:index/getPartition:getPartition":
        return {"partition": PARTITION, "dnsSuffix": "amazonaws.com", "id": PARTITION}
    if token == "aws:index/getRegion:getRegion":
        return {"name": region, "region": region, "id": region, "endpoint": f"ec2.{region}.amazonaws.com"}
    if token == "aws:index/getAvailabilityZones:getAvailabilityZones":
        names = [f"{region}{letter}" for letter in "abc"]
        return {"names": names, "zoneIds": [f"euw1-az{i}" for i in (1, 2, 3)], "id": region, "state": "available"}
    if token == "aws:route53/getZone:getZone":
        return route53_zone(str(args["name"]), bool(args.get("privateZone")))
    raise NotImplementedError(f"no mock for invoke {token}")


def hosted_zone_id(name: str) -> str:
    """Route 53's hosted zone ids: Z and 13 to 32 upper-case letters and digits."""
    return "Z" + hex_id("route53-zone", name, length=20).upper()


def route53_zone(name: str, private: bool) -> dict:
    """GetHostedZone of the one public zone of that name in the account (ListHostedZonesByName)."""
    zone_id = hosted_zone_id(name)
    return {
        "id": zone_id,
        "zoneId": zone_id,
        "name": name,
        "arn": f"arn:{PARTITION}:route53:::hostedzone/{zone_id}",
        "privateZone": private,
        "nameServers": [f"ns-{n}.awsdns-{n:02d}.{tld}" for n, tld in ((1, "com"), (2, "net"), (3, "org"))],
        "primaryNameServer": "ns-1.awsdns-01.com",
        "resourceRecordSetCount": 2,
        "callerReference": stable_uuid("route53-zone", name),
        "comment": "",
        "tags": {},
    }


@computes("aws:route53/record:Record")
def _route53_record(logical: str, state: dict, region: str) -> None:
    """The fqdn: the name as given, without the trailing dot."""
    state["fqdn"] = str(state.get("name", "")).rstrip(".")


@computes("aws:ec2/eip:Eip")
def _elastic_ip(logical: str, state: dict, region: str) -> None:
    """AllocateAddress: the allocation id (the resource's id) and an address of Amazon's pool."""
    digest = hashlib.sha256(f"eip/{logical}".encode()).digest()
    address = f"52.{digest[0] % 64 + 16}.{digest[1]}.{digest[2] % 254 + 1}"
    state.update(
        allocationId=state["id"],
        publicIp=address,
        publicDns=f"ec2-{address.replace('.', '-')}.{region}.compute.amazonaws.com",
        domain=state.get("domain") or "vpc",
        publicIpv4Pool="amazon",
    )


#: The per-account, per-region label RDS puts in every endpoint host name of the account in a region.
def rds_endpoint_label(region: str) -> str:
    return hex_id("rds", ACCOUNT_ID, region, length=12)


@computes("aws:rds/instance:Instance")
def _rds_instance(logical: str, state: dict, region: str) -> None:
    """DescribeDBInstances after a create: the endpoint host (the server certificate's name), the resource id."""
    identifier = state.get("identifier") or logical
    address = f"{identifier}.{rds_endpoint_label(region)}.{region}.rds.amazonaws.com"
    port = state.get("port") or 5432
    state.update(
        address=address,
        endpoint=f"{address}:{port}",
        port=port,
        arn=arn("rds", region, f"db:{identifier}"),
        resourceId=f"db-{hex_id('aws:rds/instance:Instance', logical, length=26).upper()}",
        status="available",
        caCertIdentifier=state.get("caCertIdentifier") or "rds-ca-rsa2048-g1",
    )


@computes("aws:rds/subnetGroup:SubnetGroup")
def _rds_subnet_group(logical: str, state: dict, region: str) -> None:
    state["arn"] = arn("rds", region, f"subgrp:{state.get('name') or logical}")


@computes("aws:rds/parameterGroup:ParameterGroup")
def _rds_parameter_group(logical: str, state: dict, region: str) -> None:
    state["arn"] = arn("rds", region, f"pg:{state.get('name') or logical}")


@computes("aws:iam/role:Role")
def _iam_role(logical: str, state: dict, region: str) -> None:
    # IAM is global: no region in the ARN; the default path is "/".
    state["arn"] = arn("iam", "", f"role{state.get('path') or '/'}{state.get('name') or logical}")
    state["uniqueId"] = f"AROA{hex_id('role', logical, length=17).upper()}"


@computes("aws:s3/bucket:Bucket")
def _s3_bucket(logical: str, state: dict, region: str) -> None:
    name = state.get("bucket") or logical
    state["arn"] = f"arn:{PARTITION}:s3:::{name}"
    state["bucketDomainName"] = f"{name}.s3.amazonaws.com"
    state["bucketRegionalDomainName"] = f"{name}.s3.{region}.amazonaws.com"
    state["region"] = region


@computes("aws:ecr/repository:Repository")
def _ecr_repository(logical: str, state: dict, region: str) -> None:
    name = state.get("name") or logical
    state["arn"] = arn("ecr", region, f"repository/{name}")
    state["registryId"] = ACCOUNT_ID
    state["repositoryUrl"] = f"{ACCOUNT_ID}.dkr.ecr.{region}.amazonaws.com/{name}"

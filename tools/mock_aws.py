"""What AWS (through pulumi-aws) answers for the resources and calls of the AWS platform.

Identifiers have AWS's shapes (``vpc-`` + 17 hex digits, ARNs with partition, service, region and
account), derived from the logical name, so two runs of a stack give the same plan. Outputs a type
computes are added per type in ``COMPUTED``; every other output is its input, as the provider
returns it after a create.
"""

from __future__ import annotations

import base64
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
        COMPUTED[typ](logical, state, region)
    return physical, state


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
    raise NotImplementedError(f"no mock for invoke {token}")


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


# -- EKS and what it stands on (components/aws/cluster.py) -----------------------------------------
def stable_uuid(*parts: str) -> str:
    return str(uuid.UUID(hex=hex_id(*parts, length=32), version=4))


def _pem_like(*parts: str) -> str:
    """A base64 PEM block, as EKS returns the cluster CA (``certificateAuthority.data``)."""
    body = base64.b64encode(hashlib.sha256("/".join(parts).encode()).digest() * 8).decode()
    pem = "-----BEGIN CERTIFICATE-----\n" + "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
    return base64.b64encode((pem + "\n-----END CERTIFICATE-----\n").encode()).decode()


@computes("aws:eks/cluster:Cluster")
def _eks_cluster(logical: str, state: dict, region: str) -> None:
    """DescribeCluster once ACTIVE: the endpoint and its CA, the OIDC issuer, the cluster security group."""
    name = state.get("name") or logical
    endpoint_id = hex_id("eks-endpoint", name, length=32).upper()
    state.update(
        arn=arn("eks", region, f"cluster/{name}"),
        endpoint=f"https://{endpoint_id}.gr7.{region}.eks.amazonaws.com",
        certificateAuthority={"data": _pem_like("eks-ca", name)},
        identities=[{"oidcs": [{"issuer": f"https://oidc.eks.{region}.amazonaws.com/id/{endpoint_id}"}]}],
        vpcConfig={
            **(state.get("vpcConfig") or {}),
            "clusterSecurityGroupId": f"sg-{hex_id('eks-cluster-sg', name)}",
            "vpcId": f"vpc-{hex_id('aws:ec2/vpc:Vpc', 'vpc')}",
        },
        kubernetesNetworkConfig={"ipFamily": "ipv4", "serviceIpv4Cidr": "172.20.0.0/16"},
        status="ACTIVE",
        platformVersion="eks.1",
        createdAt="2026-12-06T00:00:00Z",
    )


@computes("aws:eks/nodeGroup:NodeGroup")
def _eks_node_group(logical: str, state: dict, region: str) -> None:
    """DescribeNodegroup: the Auto Scaling group EKS made (``eks-<group>-<uuid>``)."""
    cluster, group = state.get("clusterName"), state.get("nodeGroupName") or logical
    group_id = stable_uuid("eks-nodegroup", str(cluster), group)
    state.update(
        arn=arn("eks", region, f"nodegroup/{cluster}/{group}/{group_id}"),
        status="ACTIVE",
        resources=[{"autoscalingGroups": [{"name": f"eks-{group}-{group_id}"}], "remoteAccessSecurityGroupId": ""}],
        amiType=state.get("amiType") or "AL2023_x86_64_STANDARD",
        diskSize=state.get("diskSize") or 20,
    )


@computes("aws:eks/addon:Addon")
def _eks_addon(logical: str, state: dict, region: str) -> None:
    cluster, addon = state.get("clusterName"), state.get("addonName")
    state.update(
        arn=arn("eks", region, f"addon/{cluster}/{addon}/{stable_uuid('eks-addon', str(cluster), str(addon))}"),
        createdAt="2026-12-06T00:00:00Z",
    )


@computes("aws:eks/accessEntry:AccessEntry")
def _eks_access_entry(logical: str, state: dict, region: str) -> None:
    """EKS names a role's Kubernetes user by its session, as it does for every IAM role entry."""
    cluster, principal = state.get("clusterName"), str(state.get("principalArn"))
    role = principal.rsplit("/", 1)[-1]
    state.update(
        accessEntryArn=arn("eks", region, f"access-entry/{cluster}/role/{ACCOUNT_ID}/{role}/{hex_id(principal)}"),
        kubernetesGroups=state.get("kubernetesGroups") or [],
        userName=state.get("userName") or f"arn:{PARTITION}:sts::{ACCOUNT_ID}:assumed-role/{role}/{{{{SessionName}}}}",
        createdAt="2026-12-06T00:00:00Z",
    )


@computes("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
def _eks_access_policy_association(logical: str, state: dict, region: str) -> None:
    state["associatedAt"] = "2026-12-06T00:00:00Z"


@computes("aws:eks/podIdentityAssociation:PodIdentityAssociation")
def _eks_pod_identity_association(logical: str, state: dict, region: str) -> None:
    association = f"a-{hex_id('eks-pod-identity', logical)}"
    state.update(
        associationId=association,
        associationArn=arn("eks", region, f"podidentityassociation/{state.get('clusterName')}/{association}"),
    )


@computes("aws:kms/key:Key")
def _kms_key(logical: str, state: dict, region: str) -> None:
    key_id = stable_uuid("kms-key", logical)
    state.update(
        arn=arn("kms", region, f"key/{key_id}"),
        keyId=key_id,
        keyUsage=state.get("keyUsage") or "ENCRYPT_DECRYPT",
        customerMasterKeySpec=state.get("customerMasterKeySpec") or "SYMMETRIC_DEFAULT",
    )


@computes("aws:cloudwatch/logGroup:LogGroup")
def _log_group(logical: str, state: dict, region: str) -> None:
    state["arn"] = arn("logs", region, f"log-group:{state.get('name') or logical}")

"""What EKS answers (through pulumi-aws), and KMS and CloudWatch Logs beside it (components/aws/cluster.py)."""

from __future__ import annotations

import base64
import hashlib

from tools.mock_aws import ACCOUNT_ID, PARTITION, arn, computes, hex_id, stable_uuid


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


# -- Amazon Managed Service for Prometheus and SNS (components/aws/monitoring.py) -------------------

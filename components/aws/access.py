"""Who administers the EKS cluster: access entries (authentication mode API), never the aws-auth ConfigMap.

The cluster is created without its creator's implicit admin rights
(``bootstrapClusterCreatorAdminPermissions: false``, fixed at creation), so every admin is an
explicit, reviewable AccessEntry with the AmazonEKSClusterAdminPolicy on the whole cluster: the
identity that runs ``pulumi up`` and the break-glass roles of ``aws.cluster.adminRoleArns``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

CLUSTER_ADMIN_POLICY = "arn:{partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
#: The Kubernetes group the preview role's access entry puts it in; the release's read-only Roles
#: (components/airflow/readers.py) bind it, as they bind the preview group's object id on AKS.
PREVIEW_GROUP = "airflow-platform-preview"

_ASSUMED_ROLE = re.compile(r"arn:(?P<partition>aws[a-z-]*):sts::(?P<account>\d{12}):assumed-role/(?P<role>[^/]+)/.+")
_IAM_PRINCIPAL = re.compile(r"arn:(?P<partition>aws[a-z-]*):iam::\d{12}:(role|user)/.+")


def principal_arn(caller_arn: str) -> str:
    """The IAM principal behind ``getCallerIdentity``'s ARN, as an access entry names it.

    A role session (``arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION``) becomes the role
    (``arn:aws:iam::ACCOUNT:role/NAME``); EKS refuses an STS ARN as an access entry's principal. An
    IAM user or role ARN is already one. A role under a path is not recoverable from its session
    ARN (STS drops the path): such a deployer is named in ``adminRoleArns`` instead.
    """
    assumed = _ASSUMED_ROLE.fullmatch(caller_arn)
    if assumed:
        return f"arn:{assumed['partition']}:iam::{assumed['account']}:role/{assumed['role']}"
    if _IAM_PRINCIPAL.fullmatch(caller_arn):
        return caller_arn
    raise ValueError(
        f"{caller_arn!r} is neither an IAM role session, role nor user: it cannot be given an access entry"
    )


def partition_of(arn: str) -> str:
    return arn.split(":", 2)[1]


def admin_principals(deployer_arn: str, admin_role_arns: Sequence[str]) -> list[str]:
    """The deployer's principal first, then the admin roles, each once."""
    return list(dict.fromkeys([principal_arn(deployer_arn), *admin_role_arns]))


def preview_reader(
    principal: str, cluster_name: pulumi.Input[str], tags: dict[str, str], parent: pulumi.Resource
) -> aws.eks.AccessEntry:
    """The preview role signs in as a member of ``PREVIEW_GROUP`` and holds no access policy: what it
    may read is only what the release's Roles grant that group (AmazonEKSViewPolicy would leave out the
    Secrets in which Helm keeps the release, which `pulumi preview --refresh` reads)."""
    return aws.eks.AccessEntry(
        "preview-reader",
        cluster_name=cluster_name,
        principal_arn=principal,
        type="STANDARD",
        kubernetes_groups=[PREVIEW_GROUP],
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )


def cluster_admin(
    principal: str, cluster_name: pulumi.Input[str], tags: dict[str, str], parent: pulumi.Resource
) -> aws.eks.AccessPolicyAssociation:
    """An access entry for ``principal`` and its cluster-wide admin policy; named by the ARN's digest,
    so reordering the list replaces nothing."""
    key = hashlib.sha256(principal.encode()).hexdigest()[:8]
    entry = aws.eks.AccessEntry(
        f"admin-{key}",
        cluster_name=cluster_name,
        principal_arn=principal,
        type="STANDARD",
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return aws.eks.AccessPolicyAssociation(
        f"admin-{key}",
        cluster_name=cluster_name,
        principal_arn=entry.principal_arn,
        policy_arn=CLUSTER_ADMIN_POLICY.format(partition=partition_of(principal)),
        access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(type="cluster"),
        opts=pulumi.ResourceOptions(parent=parent),
    )

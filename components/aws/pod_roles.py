"""An IAM role for one Kubernetes service account through EKS Pod Identity, with its one inline policy:
how the cluster's add-ons (Cluster Autoscaler, the load balancer controller, cert-manager, Fluent Bit)
get AWS credentials without a key (data/aws-pod-identity.yaml)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws.identity import FACTS
from components.aws.roles import service_role


@dataclass(frozen=True)
class ServiceAccount:
    namespace: str
    name: str


@dataclass(frozen=True)
class PodRoleArgs:
    #: The role's IAM name (components/aws/naming.py's prefix); the inline policy's name inside it.
    role_name: str
    policy_name: str
    policy: pulumi.Input[str]
    cluster_name: pulumi.Input[str]
    account: ServiceAccount
    partition: str
    tags: dict[str, str]
    #: The Pod Identity agent (and the cluster): an association is of no use before it.
    ready: Sequence[pulumi.Resource]


@dataclass(frozen=True)
class PodRole:
    role: aws.iam.Role
    policy: aws.iam.RolePolicy
    association: aws.eks.PodIdentityAssociation

    @property
    def ready(self) -> list[pulumi.Resource]:
        """What the account's pods wait for: the agent gives credentials only to pods created after the
        association, and they are of use only once the policy is there."""
        return [self.association, self.policy]


def pod_role(prefix: str, policy_logical_name: str, args: PodRoleArgs, parent: pulumi.Resource) -> PodRole:
    """``<prefix>-role``, its policy and the association ``<prefix>``, children of ``parent``."""
    facts = FACTS.pod_identity
    role, _ = service_role(
        f"{prefix}-role",
        args.role_name,
        facts.service_principal,
        (),
        args.tags,
        parent,
        args.partition,
        facts.trust_actions,
    )
    policy = aws.iam.RolePolicy(
        policy_logical_name,
        name=args.policy_name,
        role=role.name,
        policy=args.policy,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    association = aws.eks.PodIdentityAssociation(
        prefix,
        cluster_name=args.cluster_name,
        namespace=args.account.namespace,
        service_account=args.account.name,
        role_arn=role.arn,
        tags=args.tags,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(args.ready)),
    )
    return PodRole(role, policy, association)

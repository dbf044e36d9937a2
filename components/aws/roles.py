"""IAM roles that an AWS service assumes, with AWS managed policies attached."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

MANAGED_POLICY = "arn:{partition}:iam::aws:policy/{name}"


def trust_policy(service: str, actions: Sequence[str] = ("sts:AssumeRole",)) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": list(actions)}],
        }
    )


def service_role(
    logical_name: str,
    role_name: str,
    service: str,
    managed_policies: Sequence[str],
    tags: dict[str, str],
    parent: pulumi.Resource,
    partition: str = "aws",
    actions: Sequence[str] = ("sts:AssumeRole",),
) -> tuple[aws.iam.Role, list[aws.iam.RolePolicyAttachment]]:
    """A role ``service`` assumes, and one attachment per AWS managed policy (by name)."""
    role = aws.iam.Role(
        logical_name,
        name=role_name,
        assume_role_policy=trust_policy(service, actions),
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    attachments = [
        aws.iam.RolePolicyAttachment(
            f"{logical_name}-{policy}",
            role=role.name,
            policy_arn=MANAGED_POLICY.format(partition=partition, name=policy),
            opts=pulumi.ResourceOptions(parent=parent),
        )
        for policy in managed_policies
    ]
    return role, attachments

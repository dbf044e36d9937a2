"""The ECR repository for the platform's images, pulled by the nodes with no pull secret.

The nodes pull with their own role: the cluster's node role carries AmazonEC2ContainerRegistryReadOnly
(components/aws/node_groups.py NODE_POLICIES), which a node needs anyway to pull the EKS add-ons'
images, so the repository grants nothing itself and a pod pulls only from a node that has joined.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.platform import ImageRegistry

#: Days an untagged image (a tag moved away from it, or a build's intermediate) stays before ECR expires it.
UNTAGGED_IMAGE_DAYS = 14


def untagged_expiry_policy(days: int) -> str:
    return json.dumps(
        {
            "rules": [
                {
                    "rulePriority": 1,
                    "description": f"expire untagged images after {days} days",
                    "selection": {
                        "tagStatus": "untagged",
                        "countType": "sinceImagePushed",
                        "countUnit": "days",
                        "countNumber": days,
                    },
                    "action": {"type": "expire"},
                }
            ]
        }
    )


@dataclass(frozen=True)
class EcrRegistryArgs:
    repository_name: str
    tags: dict[str, str]


class EcrRegistry(pulumi.ComponentResource):
    def __init__(self, name: str, args: EcrRegistryArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("airflow-platform:aws:Registry", name, None, opts)
        self.repository = aws.ecr.Repository(
            "repository",
            name=args.repository_name,
            # A tag names one image for good: a deployed tag cannot be moved to other code.
            image_tag_mutability="IMMUTABLE",
            image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(scan_on_push=True),
            # Fixed at creation (data/aws-create-only.yaml): stated, so a provider default cannot move it.
            encryption_configurations=[aws.ecr.RepositoryEncryptionConfigurationArgs(encryption_type="AES256")],
            force_delete=False,
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.lifecycle = aws.ecr.LifecyclePolicy(
            "untagged-expiry",
            repository=self.repository.name,
            policy=untagged_expiry_policy(UNTAGGED_IMAGE_DAYS),
            opts=pulumi.ResourceOptions(parent=self),
        )
        # <account>.dkr.ecr.<region>.amazonaws.com: the registry host of the repository's URL.
        self.login_server = self.repository.repository_url.apply(lambda url: url.split("/", 1)[0])
        self.outputs: dict[str, pulumi.Input[object]] = {
            "registryLoginServer": self.login_server,
            "repositoryUrl": self.repository.repository_url,
        }
        self.register_outputs(self.outputs)

    def handle(self) -> ImageRegistry:
        return ImageRegistry(login_server=self.login_server, ready=[self.repository])

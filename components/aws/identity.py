"""The IAM role the Airflow service accounts act as through EKS Pod Identity.

EKS matches a pod to the role server-side, from the association of its namespace and service
account: no service account annotation, no pod label, no token audience. The pod's AWS SDK finds
the credentials through the environment EKS injects (data/aws-pod-identity.yaml).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws

from components.data_tables import Table
from components.platform import AIRFLOW_SERVICE_ACCOUNTS, Destination, WorkloadIdentity

FACTS_FILE = Path(__file__).resolve().parents[2] / "data" / "aws-pod-identity.yaml"


class PodIdentityFacts(Table):
    service_principal: str
    trust_actions: tuple[str, ...]
    trust_source: str
    agent_address: str
    agent_port: int
    agent_source: str
    environment_source: str


class S3WriterFacts(Table):
    list_bucket_source: str
    list_bucket_prefix_condition: bool
    list_bucket_prefix_condition_assumption: bool


class S3EncryptionFacts(Table):
    algorithm: str
    source: str
    why: str


class AwsAccessFacts(Table):
    seen: datetime.date
    pod_identity: PodIdentityFacts
    s3_log_writer: S3WriterFacts
    s3_encryption: S3EncryptionFacts


FACTS = AwsAccessFacts.read(FACTS_FILE)


def trust_policy(cluster_name: str, namespace: str) -> str:
    """Only EKS Pod Identity may assume the role, and only for the Airflow service accounts of this
    cluster's namespace: the session tags EKS adds name them (the EKS guide's own restriction)."""
    facts = FACTS.pod_identity
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AllowEksAuthToAssumeRoleForPodIdentity",
                    "Effect": "Allow",
                    "Principal": {"Service": facts.service_principal},
                    "Action": list(facts.trust_actions),
                    "Condition": {
                        "StringEquals": {
                            "aws:RequestTag/eks-cluster-name": cluster_name,
                            "aws:RequestTag/kubernetes-namespace": namespace,
                            "aws:RequestTag/kubernetes-service-account": list(AIRFLOW_SERVICE_ACCOUNTS.values()),
                        }
                    },
                }
            ],
        }
    )


@dataclass(frozen=True)
class PodIdentityArgs:
    cluster_name: pulumi.Input[str]
    role_name: str
    #: The Airflow namespace: one association per Airflow service account in it.
    namespace: str
    tags: dict[str, str]
    #: What a pod needs besides the role and its associations: the Pod Identity agent add-on.
    ready: Sequence[pulumi.Resource]


class PodIdentity(pulumi.ComponentResource):
    def __init__(self, name: str, args: PodIdentityArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("airflow-platform:aws:PodIdentity", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.role = aws.iam.Role(
            "role",
            name=args.role_name,
            description="Airflow's pods (EKS Pod Identity): task logs",
            assume_role_policy=pulumi.Output.from_input(args.cluster_name).apply(
                lambda cluster: trust_policy(cluster, args.namespace)
            ),
            tags=args.tags,
            opts=child,
        )
        self.associations = [
            aws.eks.PodIdentityAssociation(
                service_account,
                cluster_name=args.cluster_name,
                namespace=args.namespace,
                service_account=service_account,
                role_arn=self.role.arn,
                tags=args.tags,
                opts=child,
            )
            for service_account in AIRFLOW_SERVICE_ACCOUNTS.values()
        ]
        self._agent = list(args.ready)
        #: The role's policies, added by the resources the pods use (the log bucket).
        self.policies: list[aws.iam.RolePolicy] = []
        self.register_outputs({"airflowRoleArn": self.role.arn})

    def allow(self, name: str, policy: pulumi.Input[str], parent: pulumi.Resource) -> aws.iam.RolePolicy:
        """Adds an inline policy to the role; ``parent`` is the resource the policy grants access to."""
        role_policy = aws.iam.RolePolicy(
            name, name=name, role=self.role.name, policy=policy, opts=pulumi.ResourceOptions(parent=parent)
        )
        self.policies.append(role_policy)
        return role_policy

    def handle(self) -> WorkloadIdentity:
        facts = FACTS.pod_identity
        return WorkloadIdentity(
            service_account_annotations={},
            pod_labels={},
            ready=[*self.associations, *self.policies, *self._agent],
            network=Destination(cidrs=[facts.agent_address], ports=[facts.agent_port]),
        )

"""Every container's logs in CloudWatch Logs (data/aws-monitoring.yaml ``container_logs``): Fluent Bit
on every node sends them to one log group the program creates first, with ``monitoring.logRetentionDays``,
acting as its own IAM role through EKS Pod Identity, which may only write streams of that group.

The log group exists before Fluent Bit starts and Fluent Bit may not create groups, so no group
without a retention can appear (the same reason the control plane's group is the program's).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws.pod_roles import PodRoleArgs, ServiceAccount, pod_role
from components.aws_monitoring_facts import MONITORING
from components.helm import chart_release
from components.platform import KubernetesCluster

#: The last part of the group's name, beside EKS's own ``/aws/eks/<cluster>/cluster`` of control-plane logs.
CONTAINERS = "containers"


def container_log_group(cluster_name: str) -> str:
    return f"/aws/eks/{cluster_name}/{CONTAINERS}"


def is_container_log_group(name: str) -> bool:
    """Whether a log group is one :func:`container_log_group` names (the plan prices it apart)."""
    return name.startswith("/aws/eks/") and name.endswith(f"/{CONTAINERS}")


def writer_policy(log_group_arn: str) -> str:
    """Streams of the one group: create and write them, nothing else."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "ContainerLogStreams",
                    "Effect": "Allow",
                    "Action": list(MONITORING.container_logs.write_actions),
                    "Resource": f"{log_group_arn}:*",
                }
            ],
        }
    )


def fluent_bit_values(log_group: str, region: str, cluster: KubernetesCluster) -> dict[str, object]:
    """The chart's cloudwatch_logs output to the program's group (which it may not create), on every
    node: the task nodes' taint is tolerated, the control-plane nodes have none."""
    chart = MONITORING.container_logs
    return {
        "serviceAccount": {"create": True, "name": chart.service_account},
        "cloudWatchLogs": {"enabled": True, "region": region, "logGroupName": log_group, "autoCreateGroup": False},
        "resources": {"requests": chart.requests.kubernetes()},
        "tolerations": cluster.tasks.toleration_dicts(),
    }


@dataclass(frozen=True)
class ContainerLogsArgs:
    cluster: KubernetesCluster
    cluster_name: str
    role_name: str
    retention_days: int
    region: str
    partition: str
    tags: dict[str, str]
    #: The Pod Identity agent: Fluent Bit's first requests need its credentials.
    pod_identity_agent: pulumi.Resource


class ContainerLogs(pulumi.ComponentResource):
    def __init__(self, name: str, args: ContainerLogsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("airflow-platform:aws:ContainerLogs", name, None, opts)
        chart = MONITORING.container_logs
        cluster = args.cluster
        group_name = container_log_group(args.cluster_name)
        self.log_group = aws.cloudwatch.LogGroup(
            "container-logs",
            name=group_name,
            retention_in_days=args.retention_days,
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        ready = [*cluster.ready, args.pod_identity_agent]
        self.identity = pod_role(
            "fluent-bit",
            "fluent-bit-writes",
            PodRoleArgs(
                role_name=args.role_name,
                policy_name="container-logs",
                policy=self.log_group.arn.apply(writer_policy),
                cluster_name=cluster.name,
                account=ServiceAccount(chart.namespace, chart.service_account),
                partition=args.partition,
                tags=args.tags,
                ready=ready,
            ),
            self,
        )
        self.release = chart_release(
            "fluent-bit",
            chart,
            fluent_bit_values(group_name, args.region, cluster),
            release_name=chart.name,
            opts=pulumi.ResourceOptions(
                parent=self,
                provider=cluster.provider,
                depends_on=[*ready, self.log_group, *self.identity.ready],
            ),
        )
        self.outputs: dict[str, pulumi.Input[object]] = {"containerLogGroup": self.log_group.name}
        self.register_outputs(self.outputs)

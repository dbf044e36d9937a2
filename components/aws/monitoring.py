"""Metrics and alerts on AWS (data/aws-monitoring.yaml): an Amazon Managed Service for Prometheus
workspace, the AWS managed collector that scrapes Airflow's statsd exporter and kube-state-metrics
into it, the alert rules of :mod:`components.alert_rules`, and, with ``monitoring.alertEmail``, the
alert manager mailing the on-call address through an SNS topic.

The collector runs outside the cluster: its network interfaces sit in the private subnets with the
cluster security group, and AMP gives it an access entry of its own (authentication mode API), so
the program grants it nothing in Kubernetes. The Airflow namespace admits its scrape by address.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pulumi
import pulumi_aws as aws

from components.airflow.availability import task_recovery_config
from components.alert_rules import AlertFacts
from components.aws.container_logs import ContainerLogs, ContainerLogsArgs
from components.aws.network import subnet_ranges
from components.aws.prometheus_config import (
    KUBE_STATE_METRICS,
    alertmanager_definition,
    rule_file,
    scrape_configuration,
)
from components.aws_monitoring_facts import MONITORING
from components.config import MonitoringSettings, StackSettings
from components.helm import chart_release
from components.platform import POOL_LABEL, KubernetesCluster, MetricsScraping, NodePlacement

if TYPE_CHECKING:
    from components.aws.cluster import EksCluster
    from components.aws.naming import AwsNames

RULES_NAMESPACE = "airflow-alerts"


def kube_state_metrics_values(pool_label: str, placement: NodePlacement) -> dict[str, object]:
    """Only pods and nodes, only the two series the rules read, the pool label kept on node series."""
    ksm = MONITORING.kube_state_metrics
    return {
        "collectors": list(ksm.collectors),
        "metricAllowlist": list(KUBE_STATE_METRICS),
        "metricLabelsAllowlist": [f"nodes=[{pool_label}]"],
        "resources": {"requests": ksm.requests.kubernetes()},
        "nodeSelector": dict(placement.node_selector),
        "tolerations": placement.toleration_dicts(),
    }


def topic_policy(topic_arn: str, workspace_arn: str, account_id: str) -> str:
    """Only this account's workspace may publish (the AMP guide's confused-deputy conditions)."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AlertManagerPublishes",
                    "Effect": "Allow",
                    "Principal": {"Service": "aps.amazonaws.com"},
                    "Action": list(MONITORING.alerting.sns_publish_actions),
                    "Resource": topic_arn,
                    "Condition": {
                        "ArnEquals": {"aws:SourceArn": workspace_arn},
                        "StringEquals": {"AWS:SourceAccount": account_id},
                    },
                }
            ],
        }
    )


@dataclass(frozen=True)
class AwsMonitoringArgs:
    settings: MonitoringSettings
    cluster: KubernetesCluster
    cluster_arn: pulumi.Input[str]
    #: The cluster security group: the collector's interfaces join it, so nodes and pods answer them.
    security_group_id: pulumi.Input[str]
    #: The private subnets (one per zone, at least two) the collector's interfaces go in, and their ranges.
    subnet_ids: Sequence[pulumi.Input[str]]
    subnet_ranges: Sequence[str]
    facts: AlertFacts
    #: Where Fluent Bit sends the containers' logs (components/aws/container_logs.py).
    logs: ContainerLogsArgs
    region: str
    account_id: str
    tags: dict[str, str]


class AwsMonitoring(pulumi.ComponentResource):
    def __init__(self, name: str, args: AwsMonitoringArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("airflow-platform:aws:Monitoring", name, None, opts)
        self._ranges = list(args.subnet_ranges)
        child = pulumi.ResourceOptions(parent=self)
        cluster = args.cluster
        ksm = MONITORING.kube_state_metrics

        self.workspace = aws.amp.Workspace(
            "prometheus",
            alias=cluster.name,
            # The collector tags its workspace; stated here, a refresh finds no drift to undo.
            tags={**args.tags, MONITORING.collector.workspace_tag: ""},
            opts=child,
        )
        self.kube_state_metrics = chart_release(
            "kube-state-metrics",
            ksm,
            kube_state_metrics_values(args.facts.pool_label, cluster.control_plane),
            pulumi.ResourceOptions(parent=self, provider=cluster.provider, depends_on=list(cluster.ready)),
            release_name=ksm.release,
        )
        self.collector = aws.amp.Scraper(
            "collector",
            alias=cluster.name,
            source=aws.amp.ScraperSourceArgs(
                eks=aws.amp.ScraperSourceEksArgs(
                    cluster_arn=args.cluster_arn,
                    subnet_ids=list(args.subnet_ids),
                    security_group_ids=[args.security_group_id],
                )
            ),
            destination=aws.amp.ScraperDestinationArgs(
                amp=aws.amp.ScraperDestinationAmpArgs(workspace_arn=self.workspace.arn)
            ),
            scrape_configuration=scrape_configuration(args.facts.namespace),
            tags=args.tags,
            # The cluster ACTIVE is all it needs (its ARN): it finds the targets once they run.
            opts=child,
        )
        self.rules = aws.amp.RuleGroupNamespace(
            "alert-rules",
            name=RULES_NAMESPACE,
            workspace_id=self.workspace.id,
            data=rule_file(args.facts),
            tags=args.tags,
            opts=child,
        )

        self.topic: aws.sns.Topic | None = None
        if args.settings.alert_email is not None:
            self.topic = aws.sns.Topic(
                "alerts", name=cluster.name.apply(lambda c: f"{c}-alerts"), tags=args.tags, opts=child
            )
            publish = aws.sns.TopicPolicy(
                "alerts-publish",
                arn=self.topic.arn,
                policy=pulumi.Output.all(self.topic.arn, self.workspace.arn).apply(
                    lambda arns: topic_policy(arns[0], arns[1], args.account_id)
                ),
                opts=child,
            )
            aws.sns.TopicSubscription(
                "on-call", topic=self.topic.arn, protocol="email", endpoint=args.settings.alert_email, opts=child
            )
            aws.amp.AlertManagerDefinition(
                "alert-manager",
                workspace_id=self.workspace.id,
                definition=self.topic.arn.apply(lambda arn: alertmanager_definition(arn, args.region)),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[publish]),
            )

        self.container_logs = ContainerLogs("container-logs", args.logs, child)

        self.outputs: dict[str, pulumi.Input[object]] = {
            **self.container_logs.outputs,
            "prometheusWorkspaceId": self.workspace.id,
            "prometheusEndpoint": self.workspace.prometheus_endpoint,
            **({"alertTopicArn": self.topic.arn} if self.topic else {}),
        }
        self.register_outputs(self.outputs)

    def handle(self) -> MetricsScraping:
        # The collector reaches pods from its interfaces in the private subnets: the statsd exporter
        # admits those ranges (pods there too: they may read the same metrics, nothing else).
        return MetricsScraping(pod_annotations=lambda port: {}, collector_ranges=self._ranges)


def declare_monitoring(
    settings: StackSettings,
    names: AwsNames,
    cluster: EksCluster,
    subnet_ids: Sequence[pulumi.Input[str]],
    account_id: str,
    partition: str,
) -> AwsMonitoring | None:
    """The monitoring block on an AWS stack; None (nothing declared) with ``monitoring.enabled`` false."""
    if not settings.monitoring.enabled:
        return None
    eks = settings.aws.cluster
    handle = cluster.handle()
    region, tags = settings.aws_region, settings.tags
    return AwsMonitoring(
        "monitoring",
        AwsMonitoringArgs(
            settings=settings.monitoring,
            cluster=handle,
            cluster_arn=cluster.cluster.arn,
            security_group_id=cluster.node_security_group_id,
            subnet_ids=subnet_ids,
            subnet_ranges=subnet_ranges(settings.aws.network.cidr, len(subnet_ids))[0],
            facts=AlertFacts(
                namespace=settings.airflow.namespace,
                pool_label=POOL_LABEL,
                task_pool=handle.tasks.node_selector[POOL_LABEL],
                task_pool_max_count=eks.task_nodes.max_size,
                max_count_setting="maxSize",
                pending_timeout_seconds=task_recovery_config(settings.airflow)["scheduler"]["task_queued_timeout"],
            ),
            logs=ContainerLogsArgs(
                cluster=handle,
                cluster_name=names.cluster,
                role_name=f"{names.role_prefix}-fluent-bit",
                retention_days=settings.monitoring.log_retention_days,
                region=region,
                partition=partition,
                tags=tags,
                pod_identity_agent=cluster.pod_identity_agent,
            ),
            region=region,
            account_id=account_id,
            tags=tags,
        ),
    )

"""Monitoring attached to the running cluster: the collection rules' associations, the metrics
add-on's scrape settings, and the alert rules with the action group they mail.

The metrics add-on (ama-metrics) scrapes a pod by its ``prometheus.io`` annotations only in the
namespaces its settings ConfigMap names (MS Learn, Customize collection of Prometheus metrics
from your Kubernetes cluster using ConfigMap); that ConfigMap is Azure's, so it lives here, and
the Airflow release learns only which annotations to put on the statsd exporter's pod.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s
from pulumi_azure_native import alertsmanagement, monitor

from components.airflow.readers import object_readers
from components.alert_rules import NODE_LABELS, POD_PHASE, AlertFacts
from components.azure.alerts import azure_alert_rules
from components.azure.monitoring import Monitoring, collection_name
from components.config import MonitoringSettings
from components.platform import KubernetesCluster, MetricsScraping

SETTINGS_CONFIGMAP = "ama-metrics-settings-configmap"
#: An action group's short name, shown in the mail's sender: at most 12 characters.
ACTION_GROUP_SHORT_NAME = "airflow"


def prometheus_annotations(port: int) -> dict[str, str]:
    """What ama-metrics' pod annotation job reads: scrape this pod, on this port, at /metrics."""
    return {"prometheus.io/scrape": "true", "prometheus.io/port": str(port), "prometheus.io/path": "/metrics"}


def scrape_settings(namespace: str) -> dict[str, str]:
    """The settings ConfigMap's data: annotated pods in the Airflow namespace, and the two
    kube-state-metrics series the alerts read kept on top of the minimal ingestion profile."""
    return {
        "schema-version": "v1",
        "config-version": "ver1",
        # ama-metrics keeps pods whose namespace matches this (anchored) regular expression.
        "pod-annotation-based-scraping": f'podannotationnamespaceregex = "{namespace}"',
        "default-targets-metrics-keep-list": (
            f'kubestate = "{POD_PHASE}|{NODE_LABELS}"\nminimalingestionprofile = true'
        ),
    }


@dataclass(frozen=True)
class ClusterMonitoringArgs:
    resource_group_name: pulumi.Input[str]
    location: str
    monitoring: Monitoring
    cluster: KubernetesCluster
    #: The cluster's ARM id, which the associations extend and the rule group is scoped to.
    cluster_id: pulumi.Input[str]
    facts: AlertFacts
    settings: MonitoringSettings
    tags: dict[str, str]


class ClusterMonitoring(pulumi.ComponentResource):
    def __init__(self, name: str, args: ClusterMonitoringArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("airflow-platform:azure:ClusterMonitoring", name, None, opts)
        m = args.monitoring
        cluster_name = args.cluster.name
        child = pulumi.ResourceOptions(parent=self)

        self.metrics_association = monitor.DataCollectionRuleAssociation(
            "prometheus-association",
            resource_uri=args.cluster_id,
            association_name=cluster_name.apply(lambda c: collection_name("MSProm", args.location, c)),
            data_collection_rule_id=m.metrics_rule.id,
            description="Managed Prometheus for this cluster; deleting it stops metrics collection",
            opts=child,
        )
        self.logs_association = monitor.DataCollectionRuleAssociation(
            "container-insights-association",
            resource_uri=args.cluster_id,
            association_name="ContainerInsightsExtension",
            data_collection_rule_id=m.logs_rule.id,
            description="Container insights for this cluster; deleting it stops log collection",
            opts=child,
        )
        self.scrape_config = k8s.core.v1.ConfigMap(
            "metrics-settings",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=SETTINGS_CONFIGMAP, namespace="kube-system"),
            data=scrape_settings(args.facts.namespace),
            opts=pulumi.ResourceOptions(
                parent=self, provider=args.cluster.provider, depends_on=list(args.cluster.ready)
            ),
        )
        # `pulumi preview --refresh` reads it back: the preview identity may get this one object.
        self.readers = object_readers(
            "metrics-settings",
            "kube-system",
            "configmaps",
            [SETTINGS_CONFIGMAP],
            args.cluster.reader_groups,
            pulumi.ResourceOptions(parent=self, provider=args.cluster.provider, depends_on=list(args.cluster.ready)),
        )

        self.action_group: monitor.ActionGroup | None = None
        if args.settings.alert_email is not None:
            self.action_group = monitor.ActionGroup(
                "alert-mail",
                resource_group_name=args.resource_group_name,
                action_group_name=cluster_name.apply(lambda c: f"ag-{c}"),
                group_short_name=ACTION_GROUP_SHORT_NAME,
                enabled=True,
                email_receivers=[
                    monitor.MicrosoftCommonEmailReceiverArgs(
                        name="on-call", email_address=args.settings.alert_email, use_common_alert_schema=True
                    )
                ],
                location="global",
                tags=args.tags,
                opts=child,
            )
        self.rule_group = alertsmanagement.PrometheusRuleGroup(
            "airflow-alerts",
            resource_group_name=args.resource_group_name,
            rule_group_name=cluster_name.apply(lambda c: f"airflow-alerts-{c}"),
            location=args.location,
            description="Airflow: scheduler heartbeat, task failures, pending task pods, task pool at maximum",
            scopes=[m.metrics_workspace.id, args.cluster_id],
            cluster_name=cluster_name,
            interval="PT1M",
            enabled=True,
            rules=azure_alert_rules(args.facts, self.action_group.id if self.action_group else None),
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.metrics_association]),
        )
        self.register_outputs({"ruleGroup": self.rule_group.name})

    def handle(self) -> MetricsScraping:
        # The ama-metrics collector runs in kube-system. AKS documents no stable labels for its pods,
        # so the Airflow namespace admits the scrape from that namespace as a whole.
        return MetricsScraping(pod_annotations=prometheus_annotations, collector_namespace="kube-system")

"""Where the cluster's logs and metrics go: Log Analytics for Container insights, an Azure Monitor
workspace for managed Prometheus, the data collection rules that feed them, and optional Grafana.

Declared before the cluster, which names the Log Analytics workspace in its monitoring add-on;
:mod:`components.azure.cluster_monitoring` associates the rules with the cluster once it exists.
The shapes follow MS Learn's ARM/Terraform onboarding (Enable monitoring for AKS clusters; Enable
Prometheus metrics collection), with the resources named as its templates name them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import containerservice, dashboard, monitor, operationalinsights

from components.azure.roles import MONITORING_DATA_READER, grant
from components.config import MonitoringSettings

#: Container insights' "Logs and events" preset (MS Learn, Configure data collection in Container
#: insights using data collection rule): with managed Prometheus collecting the metrics, only
#: container logs, Kubernetes events and pod inventory go to Log Analytics.
CONTAINER_INSIGHTS_STREAMS = ("Microsoft-ContainerLogV2", "Microsoft-KubeEvents", "Microsoft-KubePodInventory")
PROMETHEUS_STREAM = "Microsoft-PrometheusMetrics"
#: kube-state-metrics labels each node series with the pool (``label_kubernetes_azure_com_agentpool``).
NODE_POOL_LABEL = "kubernetes.azure.com/agentpool"
#: The MSProm- names of MS Learn's templates are cut to a data collection endpoint's 44 characters.
DCE_NAME_MAX_LENGTH = 44
GRAFANA_MAJOR_VERSION = "12"


def collection_name(prefix: str, location: str, cluster: str, max_length: int = 64) -> str:
    """``<prefix>-<region>-<cluster>`` as MS Learn's onboarding templates name rules and endpoints."""
    return f"{prefix}-{location}-{cluster}"[:max_length].rstrip("-")


@dataclass(frozen=True)
class MonitoringArgs:
    resource_group_name: pulumi.Input[str]
    #: The cluster's name: the workspaces and rules are named after it.
    cluster_name: pulumi.Input[str]
    location: str
    settings: MonitoringSettings
    subscription_id: pulumi.Input[str]
    tags: dict[str, str]


class Monitoring(pulumi.ComponentResource):
    def __init__(self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("airflow-platform:azure:Monitoring", name, None, opts)
        s = args.settings
        rg = args.resource_group_name
        cluster = pulumi.Output.from_input(args.cluster_name)
        child = pulumi.ResourceOptions(parent=self)
        common = dict(resource_group_name=rg, location=args.location, tags=args.tags)

        self.log_workspace = operationalinsights.Workspace(
            "log-analytics",
            workspace_name=cluster.apply(lambda c: f"log-{c}"),
            sku=operationalinsights.WorkspaceSkuArgs(name="PerGB2018"),
            retention_in_days=s.log_retention_days,
            **common,
            opts=child,
        )
        self.metrics_workspace = monitor.AzureMonitorWorkspace(
            "prometheus", azure_monitor_workspace_name=cluster.apply(lambda c: f"amw-{c}"), **common, opts=child
        )
        self.metrics_endpoint = monitor.DataCollectionEndpoint(
            "prometheus-endpoint",
            data_collection_endpoint_name=cluster.apply(
                lambda c: collection_name("MSProm", args.location, c, DCE_NAME_MAX_LENGTH)
            ),
            kind="Linux",
            **common,
            opts=child,
        )
        self.metrics_rule = monitor.DataCollectionRule(
            "prometheus-rule",
            data_collection_rule_name=cluster.apply(lambda c: collection_name("MSProm", args.location, c)),
            kind="Linux",
            description="Managed Prometheus: the cluster's metrics to the Azure Monitor workspace",
            data_collection_endpoint_id=self.metrics_endpoint.id,
            data_sources=monitor.DataCollectionRuleDataSourcesArgs(
                prometheus_forwarder=[
                    monitor.PrometheusForwarderDataSourceArgs(
                        name="PrometheusDataSource", streams=[PROMETHEUS_STREAM], label_include_filter={}
                    )
                ]
            ),
            destinations=monitor.DataCollectionRuleDestinationsArgs(
                monitoring_accounts=[
                    monitor.MonitoringAccountDestinationArgs(
                        name="MonitoringAccount1", account_resource_id=self.metrics_workspace.id
                    )
                ]
            ),
            data_flows=[monitor.DataFlowArgs(streams=[PROMETHEUS_STREAM], destinations=["MonitoringAccount1"])],
            **common,
            opts=child,
        )
        self.logs_rule = monitor.DataCollectionRule(
            "container-insights-rule",
            data_collection_rule_name=cluster.apply(lambda c: collection_name("MSCI", args.location, c)),
            description="Container insights: container logs, events and pod inventory to Log Analytics",
            data_sources=monitor.DataCollectionRuleDataSourcesArgs(
                extensions=[
                    monitor.ExtensionDataSourceArgs(
                        name="ContainerInsightsExtension",
                        extension_name="ContainerInsights",
                        streams=list(CONTAINER_INSIGHTS_STREAMS),
                        extension_settings={
                            "dataCollectionSettings": {
                                "interval": "1m",
                                "namespaceFilteringMode": "Off",
                                "enableContainerLogV2": True,
                            }
                        },
                    )
                ]
            ),
            destinations=monitor.DataCollectionRuleDestinationsArgs(
                log_analytics=[
                    monitor.LogAnalyticsDestinationArgs(name="ciworkspace", workspace_resource_id=self.log_workspace.id)
                ]
            ),
            data_flows=[monitor.DataFlowArgs(streams=list(CONTAINER_INSIGHTS_STREAMS), destinations=["ciworkspace"])],
            **common,
            opts=child,
        )

        self.grafana: dashboard.Grafana | None = None
        if s.grafana:
            self.grafana = dashboard.Grafana(
                "grafana",
                # 2-23 letters, digits and hyphens: the cluster's name with its own prefix.
                workspace_name=cluster.apply(lambda c: f"gf-{c.removeprefix('aks-')}"[:23].rstrip("-")),
                sku=dashboard.ResourceSkuArgs(name="Standard"),
                identity=dashboard.ManagedServiceIdentityArgs(type="SystemAssigned"),
                properties=dashboard.ManagedGrafanaPropertiesArgs(
                    grafana_major_version=GRAFANA_MAJOR_VERSION,
                    grafana_integrations=dashboard.GrafanaIntegrationsArgs(
                        azure_monitor_workspace_integrations=[
                            dashboard.AzureMonitorWorkspaceIntegrationArgs(
                                azure_monitor_workspace_resource_id=self.metrics_workspace.id
                            )
                        ]
                    ),
                ),
                **common,
                opts=child,
            )
            # Grafana queries the workspace with its own identity.
            grant(
                "grafana-reads-prometheus",
                role=MONITORING_DATA_READER,
                scope=self.metrics_workspace.id,
                principal_id=self.grafana.identity.apply(lambda i: i.principal_id),
                subscription_id=args.subscription_id,
                parent=self,
            )

        self.register_outputs(
            {
                "logAnalyticsWorkspaceId": self.log_workspace.id,
                "azureMonitorWorkspaceId": self.metrics_workspace.id,
                "grafanaEndpoint": self.grafana.properties.endpoint if self.grafana else None,
            }
        )

    def addon_profiles(self) -> dict[str, containerservice.ManagedClusterAddonProfileArgs]:
        """Container insights' agent, sending to the workspace with the cluster's managed identity."""
        return {
            "omsagent": containerservice.ManagedClusterAddonProfileArgs(
                enabled=True,
                config={"logAnalyticsWorkspaceResourceID": self.log_workspace.id, "useAADAuth": "true"},
            )
        }


def azure_monitor_profile(enabled: bool) -> containerservice.ManagedClusterAzureMonitorProfileArgs:
    """The managed Prometheus add-on (ama-metrics), with the pool label kept on node series."""
    return containerservice.ManagedClusterAzureMonitorProfileArgs(
        metrics=containerservice.ManagedClusterAzureMonitorProfileMetricsArgs(
            enabled=enabled,
            kube_state_metrics=containerservice.ManagedClusterAzureMonitorProfileKubeStateMetricsArgs(
                metric_labels_allowlist=f"nodes=[{NODE_POOL_LABEL}]"
            )
            if enabled
            else None,
        )
    )


#: The monitoring add-on stays declared when monitoring is off, so turning it off disables it.
ADDONS_OFF = {"omsagent": containerservice.ManagedClusterAddonProfileArgs(enabled=False)}

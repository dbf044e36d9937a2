"""The computed outputs ARM returns for the monitoring resources, for :mod:`tools.mocks`.

Shapes follow the REST API's GET responses (Microsoft.OperationalInsights/workspaces,
Microsoft.Monitor/accounts, Microsoft.Insights/dataCollectionEndpoints and dataCollectionRules,
Microsoft.Dashboard/grafana); values derive from the resource's name.
"""

from __future__ import annotations

import hashlib

#: The short region code Managed Grafana puts in its endpoints.
_GRAFANA_REGION_CODES = {"westeurope": "weu", "northeurope": "neu", "eastus": "eus", "swedencentral": "sec"}

#: The ARM name property of each monitoring type, and the provider path of its ID.
MONITORING_NAMES = {
    "azure-native:operationalinsights:Workspace": ("workspaceName", "Microsoft.OperationalInsights/workspaces"),
    "azure-native:monitor:AzureMonitorWorkspace": ("azureMonitorWorkspaceName", "Microsoft.Monitor/accounts"),
    "azure-native:monitor:DataCollectionEndpoint": (
        "dataCollectionEndpointName",
        "Microsoft.Insights/dataCollectionEndpoints",
    ),
    "azure-native:monitor:DataCollectionRule": ("dataCollectionRuleName", "Microsoft.Insights/dataCollectionRules"),
    "azure-native:monitor:ActionGroup": ("actionGroupName", "Microsoft.Insights/actionGroups"),
    "azure-native:alertsmanagement:PrometheusRuleGroup": (
        "ruleGroupName",
        "Microsoft.AlertsManagement/prometheusRuleGroups",
    ),
    "azure-native:dashboard:Grafana": ("workspaceName", "Microsoft.Dashboard/grafana"),
    # An extension resource: its id extends the resource it is attached to (EXTENSION_RESOURCES).
    "azure-native:monitor:DataCollectionRuleAssociation": ("associationName", None),
}
#: Extension resources: the input naming the resource they extend, and their provider path below it.
EXTENSION_RESOURCES = {
    "azure-native:monitor:DataCollectionRuleAssociation": (
        "resourceUri",
        "Microsoft.Insights/dataCollectionRuleAssociations",
    ),
}


def _hex(*parts: object, length: int = 32) -> str:
    return hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()[:length]


def _guid(*parts: object) -> str:
    h = _hex(*parts)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def log_workspace(name: str, state: dict, subscription_id: str, tenant_id: str, location: str) -> None:
    """``customerId`` is the workspace id agents and queries use; ARM also echoes the SKU and retention."""
    state["customerId"] = _guid("log-workspace", name)
    state["provisioningState"] = "Succeeded"
    state["sku"] = {**(state.get("sku") or {}), "lastSkuUpdate": "2026-12-06T00:00:00Z"}


def monitor_workspace(name: str, state: dict, subscription_id: str, tenant_id: str, location: str) -> None:
    """An Azure Monitor workspace comes with its own endpoint and rule in a managed resource group."""
    managed = f"/subscriptions/{subscription_id}/resourceGroups/MA_{name}_{location}_managed/providers"
    state["accountId"] = _guid("amw-account", name)
    state["metrics"] = {
        "internalId": f"mac_{_guid('amw-internal', name)}",
        "prometheusQueryEndpoint": f"https://{name.lower()}-{_hex('amw', name, length=4)}.{location}"
        ".prometheus.monitor.azure.com",
    }
    state["defaultIngestionSettings"] = {
        "dataCollectionEndpointResourceId": f"{managed}/Microsoft.Insights/dataCollectionEndpoints/{name}",
        "dataCollectionRuleResourceId": f"{managed}/Microsoft.Insights/dataCollectionRules/{name}",
    }
    state["provisioningState"] = "Succeeded"


def collection_endpoint(name: str, state: dict, subscription_id: str, tenant_id: str, location: str) -> None:
    suffix = _hex("dce", name, length=4)
    state["immutableId"] = f"dce-{_hex('dce-id', name)}"
    state["configurationAccess"] = {
        "endpoint": f"https://{name.lower()}-{suffix}.{location}-1.handler.control.monitor.azure.com"
    }
    state["logsIngestion"] = {"endpoint": f"https://{name.lower()}-{suffix}.{location}-1.ingest.monitor.azure.com"}
    state["metricsIngestion"] = {
        "endpoint": f"https://{name.lower()}-{suffix}.{location}-1.metrics.ingest.monitor.azure.com"
    }


def collection_rule(name: str, state: dict, subscription_id: str, tenant_id: str, location: str) -> None:
    state["immutableId"] = f"dcr-{_hex('dcr-id', name)}"
    state["provisioningState"] = "Succeeded"


def grafana(name: str, state: dict, subscription_id: str, tenant_id: str, location: str) -> None:
    """The system identity Grafana queries with, and its public endpoint."""
    region = _GRAFANA_REGION_CODES.get(location, location)
    state["identity"] = {
        **(state.get("identity") or {}),
        "principalId": _guid("grafana-principal", name),
        "tenantId": tenant_id,
    }
    properties = dict(state.get("properties") or {})
    properties["endpoint"] = f"https://{name.lower()}-{_hex('grafana', name, length=12)}.{region}.grafana.azure.com"
    properties["grafanaVersion"] = "12.1.1"
    properties["provisioningState"] = "Succeeded"
    state["properties"] = properties


OUTPUTS = {
    "azure-native:operationalinsights:Workspace": log_workspace,
    "azure-native:monitor:AzureMonitorWorkspace": monitor_workspace,
    "azure-native:monitor:DataCollectionEndpoint": collection_endpoint,
    "azure-native:monitor:DataCollectionRule": collection_rule,
    "azure-native:dashboard:Grafana": grafana,
}

"""Wires the Azure components together and hands the Airflow release its cloud-neutral facts."""

from __future__ import annotations

import pulumi
from pulumi_azure_native import authorization

from components.airflow.availability import task_recovery_config
from components.alert_rules import AlertFacts
from components.azure.access import deployer_type
from components.azure.cluster import Cluster, ClusterArgs
from components.azure.cluster_monitoring import ClusterMonitoring, ClusterMonitoringArgs
from components.azure.database import Database, DatabaseArgs
from components.azure.front_door import declare_front_door
from components.azure.key_vault import KeyVault, KeyVaultArgs
from components.azure.logs import LogStorage, LogStorageArgs
from components.azure.monitoring import (
    ADDONS_OFF,
    NODE_POOL_LABEL,
    Monitoring,
    MonitoringArgs,
    azure_monitor_profile,
)
from components.azure.network import Network, NetworkArgs
from components.azure.private_link import PrivateAccess, PrivateEndpoints, node_subnet_service_endpoints
from components.azure.registry import Registry, RegistryArgs
from components.azure.sign_in_app import declare_sign_in
from components.config import StackSettings
from components.naming import resource_names
from components.platform import Platform, service_account_subjects


def build_platform(settings: StackSettings) -> Platform:
    tags = settings.tags
    client = authorization.get_client_config_output()
    names = client.subscription_id.apply(lambda sub: resource_names(settings.project, settings.stack, sub))

    net = Network(
        "network",
        NetworkArgs(
            resource_group_name=names.resource_group,
            virtual_network_name=names.virtual_network,
            postgres_dns_zone=pulumi.Output.concat(names.postgres_server, ".private.postgres.database.azure.com"),
            location=settings.location,
            settings=settings.network,
            tags=tags,
            service_endpoints=node_subnet_service_endpoints(
                settings.network.private_endpoints, ["blob", *(["vault"] if settings.secrets.enabled else [])]
            ),
        ),
    )
    rg = net.resource_group.name
    endpoints = (
        PrivateEndpoints(
            resource_group_name=rg,
            location=settings.location,
            subnet_id=net.endpoint_subnet.id,
            subnet_cidr=settings.network.endpoint_subnet,
            virtual_network_id=net.virtual_network.id,
            tags=tags,
        )
        if net.endpoint_subnet
        else None
    )
    access = PrivateAccess(endpoints, net.node_subnet.id)
    monitoring = (
        Monitoring(
            "monitoring",
            MonitoringArgs(
                resource_group_name=rg,
                cluster_name=names.cluster,
                location=settings.location,
                settings=settings.monitoring,
                subscription_id=client.subscription_id,
                tags=tags,
            ),
        )
        if settings.monitoring.enabled
        else None
    )
    cluster = Cluster(
        "cluster",
        ClusterArgs(
            resource_group_name=rg,
            cluster_name=names.cluster,
            dns_prefix=names.dns_prefix,
            location=settings.location,
            node_subnet_id=net.node_subnet.id,
            node_subnet_cidr=settings.network.node_subnet,
            resource_group_id=net.resource_group.id,
            subscription_id=client.subscription_id,
            tenant_id=client.tenant_id,
            deployer_object_id=settings.cluster.access.deployer_object_id or client.object_id,
            deployer_type=client.client_id.apply(lambda app: deployer_type(settings.cluster.access, app)),
            settings=settings.cluster,
            tags=tags,
            addon_profiles=monitoring.addon_profiles() if monitoring else ADDONS_OFF,
            azure_monitor_profile=azure_monitor_profile(monitoring is not None),
        ),
    )
    database = Database(
        "database",
        DatabaseArgs(
            resource_group_name=rg,
            server_name=names.postgres_server,
            location=settings.location,
            delegated_subnet_id=net.database_subnet.id,
            subnet_cidr=settings.network.database_subnet,
            private_dns_zone_id=net.postgres_dns_zone.id,
            dns_ready=net.postgres_dns_link,
            settings=settings.database,
            protect=settings.protect_data,
            tags=tags,
        ),
    )
    logs = LogStorage(
        "logs",
        LogStorageArgs(
            resource_group_name=rg,
            account_name=names.storage_account,
            identity_name=names.identity,
            location=settings.location,
            settings=settings.logs,
            oidc_issuer_url=cluster.oidc_issuer_url,
            subjects=service_account_subjects(settings.airflow.namespace),
            subscription_id=client.subscription_id,
            protect=settings.protect_data,
            tags=tags,
            access=access,
        ),
    )
    log_store = logs.handle()
    vault = (
        KeyVault(
            "secrets",
            KeyVaultArgs(
                resource_group_name=rg,
                vault_name=names.key_vault,
                location=settings.location,
                settings=settings.secrets,
                identity=logs.writer(),
                identity_principal_id=logs.identity.principal_id,
                subscription_id=client.subscription_id,
                access=access,
                tags=tags,
            ),
        )
        if settings.secrets.enabled
        else None
    )
    registry = Registry(
        "registry",
        RegistryArgs(
            resource_group_name=rg,
            registry_name=names.registry,
            location=settings.location,
            settings=settings.registry,
            kubelet_object_id=cluster.kubelet_object_id,
            subscription_id=client.subscription_id,
            tags=tags,
            access=access,
        ),
    )
    scraping = (
        ClusterMonitoring(
            "cluster-monitoring",
            ClusterMonitoringArgs(
                resource_group_name=rg,
                location=settings.location,
                monitoring=monitoring,
                cluster=cluster.handle(),
                cluster_id=cluster.managed_cluster.id,
                facts=AlertFacts(
                    namespace=settings.airflow.namespace,
                    pool_label=NODE_POOL_LABEL,
                    task_pool=cluster.tasks.pool_name,
                    task_pool_max_count=settings.cluster.task_pool.max_count,
                    max_count_setting="maxCount",
                    pending_timeout_seconds=task_recovery_config(settings.airflow)["scheduler"]["task_queued_timeout"],
                ),
                settings=settings.monitoring,
                tags=tags,
            ),
        ).handle()
        if monitoring
        else None
    )
    sign_in = declare_sign_in(settings, client.tenant_id)
    front_door = declare_front_door(
        settings.airflow.ui,
        names=names,
        resource_group_name=rg,
        location=settings.location,
        cluster=cluster,
        subscription_id=client.subscription_id,
        tags=tags,
    )
    return Platform(
        cluster=cluster.handle(),
        database=database.handle(),
        logs=log_store,
        registry=registry.handle(),
        secrets=vault.handle() if vault else None,
        metrics=scraping,
        front_door=front_door,
        sign_in=sign_in.provider if sign_in else None,
        outputs={
            "location": settings.location,
            "resourceGroupName": rg,
            "clusterName": cluster.managed_cluster.name,
            "kubeconfig": cluster.kubeconfig,
            "controlPlanePoolName": cluster.control_plane_pool_name,
            "taskPoolName": cluster.task_pool.name,
            "registryLoginServer": registry.login_server,
            "databaseHost": database.host,
            "databaseName": database.database.name,
            "logStorageAccount": logs.account.name,
            "logContainer": logs.container.name,
            "airflowIdentityClientId": logs.identity.client_id,
            "oidcIssuerUrl": cluster.oidc_issuer_url,
            **({"keyVaultName": vault.vault.name, "keyVaultUrl": vault.vault_url} if vault else {}),
            **(sign_in.outputs if sign_in else {}),
        },
    )

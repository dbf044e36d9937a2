"""Wires the Azure components together and hands the Airflow release its cloud-neutral facts."""

from __future__ import annotations

import pulumi
from pulumi_azure_native import authorization

from components.azure.cluster import Cluster, ClusterArgs
from components.azure.database import Database, DatabaseArgs
from components.azure.logs import LogStorage, LogStorageArgs
from components.azure.network import Network, NetworkArgs
from components.azure.registry import Registry, RegistryArgs
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
        ),
    )
    rg = net.resource_group.name
    cluster = Cluster(
        "cluster",
        ClusterArgs(
            resource_group_name=rg,
            cluster_name=names.cluster,
            dns_prefix=names.dns_prefix,
            location=settings.location,
            node_subnet_id=net.node_subnet.id,
            subscription_id=client.subscription_id,
            settings=settings.cluster,
            tags=tags,
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
        ),
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
        ),
    )
    return Platform(
        cluster=cluster.handle(),
        database=database.handle(),
        logs=logs.handle(),
        registry=registry.handle(),
        outputs={
            "location": settings.location,
            "resourceGroupName": rg,
            "clusterName": cluster.managed_cluster.name,
            "kubeconfig": cluster.kubeconfig,
            "controlPlanePoolName": cluster.control_plane_pool.name,
            "taskPoolName": cluster.task_pool.name,
            "registryLoginServer": registry.login_server,
            "databaseHost": database.host,
            "databaseName": database.database.name,
            "logStorageAccount": logs.account.name,
            "logContainer": logs.container.name,
            "airflowIdentityClientId": logs.identity.client_id,
            "oidcIssuerUrl": cluster.oidc_issuer_url,
        },
    )

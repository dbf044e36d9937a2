"""Wires the AWS components together and hands the Airflow release its cloud-neutral facts."""

from __future__ import annotations

import pulumi_aws as aws

from components.aws.access import partition_of
from components.aws.cluster import EksArgs, EksCluster
from components.aws.database import RdsArgs, RdsDatabase
from components.aws.front_door import declare_front_door
from components.aws.identity import PodIdentity, PodIdentityArgs
from components.aws.logs import LogBucket, LogBucketArgs
from components.aws.monitoring import declare_monitoring
from components.aws.naming import aws_names
from components.aws.network import AwsNetwork, AwsNetworkArgs
from components.aws.registry import EcrRegistry, EcrRegistryArgs
from components.aws.secrets import SecretsAccessArgs, SecretsManagerAccess
from components.config import StackSettings
from components.entra_sign_in import existing_registration
from components.platform import Platform


def build_platform(settings: StackSettings) -> Platform:
    tags = settings.tags
    region = settings.aws_region
    caller = aws.get_caller_identity()
    names = aws_names(settings.project, settings.stack, caller.account_id)
    zones = aws.get_availability_zones(state="available").names[: settings.aws.network.zones]

    network = AwsNetwork(
        "network",
        AwsNetworkArgs(
            settings=settings.aws.network,
            name=names.prefix,
            zones=zones,
            cluster_name=names.cluster,
            tags=tags,
            unused_endpoints=frozenset() if settings.aws.secrets.enabled else frozenset({"secretsmanager"}),
        ),
    )
    cluster = EksCluster(
        "cluster",
        EksArgs(
            settings=settings.aws.cluster,
            cluster_name=names.cluster,
            role_prefix=names.role_prefix,
            region=region,
            vpc_id=network.vpc_id,
            vpc_cidr=settings.aws.network.cidr,
            private_subnet_ids=network.private_subnet_ids,
            # Pinned, a preview or a person's `pulumi up` does not move the admin entry to themselves.
            deployer_arn=settings.aws.cluster.deployer_role_arn or caller.arn,
            tags=tags,
            zones=tuple(zones),
        ),
    )
    database = RdsDatabase(
        "database",
        RdsArgs(
            settings=settings.aws.database,
            protect=settings.protect_data,
            identifier=names.database,
            vpc_id=network.vpc_id,
            subnet_ids=network.private_subnet_ids,
            client_security_group_id=cluster.node_security_group_id,
            vpc_cidr=settings.aws.network.cidr,
            tags=tags,
        ),
    )
    identity = PodIdentity(
        "identity",
        PodIdentityArgs(
            cluster_name=cluster.cluster_name,
            role_name=f"{names.role_prefix}-airflow",
            namespace=settings.airflow.namespace,
            tags=tags,
            ready=[cluster.pod_identity_agent],
        ),
    )
    logs = LogBucket(
        "logs",
        LogBucketArgs(
            settings=settings.aws.logs,
            protect=settings.protect_data,
            bucket_name=names.log_bucket,
            region=region,
            writer=identity,
            tags=tags,
        ),
    )
    registry = EcrRegistry("registry", EcrRegistryArgs(repository_name=names.repository, tags=tags))
    secrets = (
        SecretsManagerAccess(
            "secrets",
            SecretsAccessArgs(
                stack=settings.stack,
                region=region,
                account_id=caller.account_id,
                reader=identity,
                endpoint_ranges=network.endpoint_ranges,
            ),
        )
        if settings.aws.secrets.enabled
        else None
    )
    monitoring = declare_monitoring(
        settings, names, cluster, network.private_subnet_ids, caller.account_id, partition_of(caller.arn)
    )
    front_door = declare_front_door(
        settings.airflow.ui,
        name=names.prefix,
        role_prefix=names.role_prefix,
        partition=partition_of(caller.arn),
        region=region,
        account_id=caller.account_id,
        cluster=cluster,
        vpc_id=network.vpc_id,
        zones=zones,
        public_subnet_ids=network.public_subnet_ids,
        tags=tags,
    )
    sign_in = existing_registration(settings)
    return Platform(
        cluster=cluster.handle(),
        database=database.handle(),
        logs=logs.handle(),
        registry=registry.handle(),
        secrets=secrets.handle() if secrets else None,
        front_door=front_door.front_door if front_door else None,
        metrics=monitoring.handle() if monitoring else None,
        sign_in=sign_in[0] if sign_in else None,
        outputs={
            "region": region,
            "accountId": caller.account_id,
            **cluster.outputs,
            **database.outputs,
            **logs.outputs,
            **registry.outputs,
            **(secrets.outputs if secrets else {}),
            **(front_door.outputs if front_door else {}),
            **(monitoring.outputs if monitoring else {}),
            **(sign_in[1] if sign_in else {}),
        },
    )

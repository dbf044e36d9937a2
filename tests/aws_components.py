"""The AWS log bucket, Pod Identity and registry declared alone under the mocks, with a stack's settings."""

from __future__ import annotations

import functools
import json

import pulumi

from components.airflow.remote_logs import remote_logging
from components.aws.identity import PodIdentity, PodIdentityArgs
from components.aws.logs import LogBucket, LogBucketArgs
from components.aws.registry import EcrRegistry, EcrRegistryArgs
from components.config import load_settings
from tools.offline import ProgramRun, run_function

CLUSTER = "eks-aws-dev-0123456789"


def declare() -> None:
    settings = load_settings()
    identity = PodIdentity(
        "identity",
        PodIdentityArgs(
            cluster_name=CLUSTER,
            role_name="airflow-aws-dev-airflow",
            namespace=settings.airflow.namespace,
            tags=settings.tags,
            ready=[],
        ),
    )
    logs = LogBucket(
        "logs",
        LogBucketArgs(
            settings=settings.aws.logs,
            protect=settings.protect_data,
            bucket_name="logs-airflow-aws-dev-0123456789",
            region=settings.aws_region,
            writer=identity,
            tags=settings.tags,
        ),
    )
    registry = EcrRegistry("registry", EcrRegistryArgs(repository_name="airflow-aws-dev/airflow", tags=settings.tags))
    store = logs.handle()
    logging = remote_logging(store)
    pulumi.export("kind", store.kind)
    pulumi.export("identityAnnotations", dict(store.identity.service_account_annotations))
    pulumi.export("identityLabels", dict(store.identity.pod_labels))
    pulumi.export(
        "identityNetwork", {"cidrs": list(store.identity.network.cidrs), "ports": list(store.identity.network.ports)}
    )
    pulumi.export("identityReady", [r.urn for r in store.identity.ready])
    pulumi.export("loggingConfig", logging.config)
    pulumi.export("loggingEnv", logging.env)
    pulumi.export("registryReady", [r.urn for r in registry.handle().ready])
    pulumi.export("registryLoginServer", registry.handle().login_server)
    for name, value in {**logs.outputs, **registry.outputs}.items():
        pulumi.export(name, value)


@functools.cache
def components_run(stack: str) -> ProgramRun:
    return run_function(stack, declare)


def policy(resource_inputs: dict, key: str) -> dict:
    return json.loads(resource_inputs[key])

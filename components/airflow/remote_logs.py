"""Airflow's remote task logging for the platform's log store (Azure Blob Storage or S3), reached with its
workload identity."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi

from components.platform import LogStore, S3Folder

#: The Airflow connection the log handler uses; provided as ``AIRFLOW_CONN_<ID>``, never stored in the DB.
REMOTE_LOG_CONN_ID = "remote_task_logs"
#: The blob folder inside the log container. Airflow picks its WASB handler because this starts with
#: "wasb" and uses the whole string as a path inside the container, so it must not be a wasb:// URL.
WASB_LOG_FOLDER = "wasb-task-logs"


def connection_env_name(conn_id: str) -> str:
    """The environment variable Airflow reads a connection from."""
    return f"AIRFLOW_CONN_{conn_id.upper()}"


def wasb_connection(account_url: str, client_id: str, tenant_id: str) -> str:
    """A WASB connection in Airflow's JSON form that authenticates as the managed identity.

    With ``managed_identity_client_id`` and ``workload_identity_tenant_id`` in the extras and no key,
    SAS or secret, the provider's WasbHook builds a DefaultAzureCredential for that identity, which
    uses the federated token the workload identity webhook mounts into the pod.
    """
    return json.dumps(
        {
            "conn_type": "wasb",
            "host": account_url,
            "extra": {"managed_identity_client_id": client_id, "workload_identity_tenant_id": tenant_id},
        }
    )


@dataclass(frozen=True)
class RemoteLogging:
    #: ``airflow.cfg`` sections, as the chart's ``config`` value takes them.
    config: dict[str, dict[str, Any]]
    #: Environment variables of every Airflow container (the connection holds nothing secret).
    env: list[dict[str, Any]]
    #: Where the logs land, as a URL for humans.
    folder_url: pulumi.Output[str]


def s3_connection(region: str) -> str:
    """An AWS connection in Airflow's JSON form with the bucket's region and no key.

    With no key in the connection, the provider's S3Hook leaves the credentials to boto3's default
    chain, whose container provider reads the credentials EKS Pod Identity hands the pod.
    """
    return json.dumps({"conn_type": "aws", "extra": {"region_name": region}})


def remote_logging(store: LogStore) -> RemoteLogging:
    """Logging settings for the store's kind: Azure Blob Storage ("wasb") or S3 ("s3")."""
    location = store.location
    if isinstance(location, S3Folder):
        return _s3_logging(location)
    writer = location.writer
    connection = pulumi.Output.all(location.endpoint, writer.client_id, writer.tenant_id).apply(
        lambda parts: wasb_connection(*parts)
    )
    return RemoteLogging(
        config={
            "logging": {
                "remote_logging": "True",
                "remote_base_log_folder": WASB_LOG_FOLDER,
                "remote_log_conn_id": REMOTE_LOG_CONN_ID,
            },
            "azure_remote_logging": {"remote_wasb_log_container": location.container},
        },
        env=[{"name": connection_env_name(REMOTE_LOG_CONN_ID), "value": connection}],
        folder_url=pulumi.Output.all(location.endpoint, location.container).apply(
            lambda parts: f"{parts[0].rstrip('/')}/{parts[1]}/{WASB_LOG_FOLDER}"
        ),
    )


def _s3_logging(location: S3Folder) -> RemoteLogging:
    """Airflow picks its S3 handler because the folder is an ``s3://`` URL."""
    folder = pulumi.Output.concat("s3://", location.bucket, "/", location.prefix)
    return RemoteLogging(
        config={
            "logging": {
                "remote_logging": "True",
                "remote_base_log_folder": folder,
                "remote_log_conn_id": REMOTE_LOG_CONN_ID,
            },
        },
        env=[{"name": connection_env_name(REMOTE_LOG_CONN_ID), "value": s3_connection(location.region)}],
        folder_url=folder,
    )

"""Airflow's remote task logging for the platform's log store, reached with its workload identity."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi

from components.platform import LogStore

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


def remote_logging(store: LogStore) -> RemoteLogging:
    """Logging settings for the store's kind; only Azure Blob Storage ("wasb") exists so far."""
    if store.kind != "wasb":
        raise NotImplementedError(f"remote logging to a {store.kind!r} log store is not available yet")
    identity = store.identity
    connection = pulumi.Output.all(store.endpoint, identity.client_id, identity.tenant_id).apply(
        lambda parts: wasb_connection(*parts)
    )
    return RemoteLogging(
        config={
            "logging": {
                "remote_logging": "True",
                "remote_base_log_folder": WASB_LOG_FOLDER,
                "remote_log_conn_id": REMOTE_LOG_CONN_ID,
            },
            "azure_remote_logging": {"remote_wasb_log_container": store.container},
        },
        env=[{"name": connection_env_name(REMOTE_LOG_CONN_ID), "value": connection}],
        folder_url=pulumi.Output.all(store.endpoint, store.container).apply(
            lambda parts: f"{parts[0].rstrip('/')}/{parts[1]}/{WASB_LOG_FOLDER}"
        ),
    )

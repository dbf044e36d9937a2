"""Remote task logs in the platform's blob container, written with the workload identity, no keys."""

from __future__ import annotations

import json

from components.platform import AIRFLOW_SERVICE_ACCOUNTS
from tests.test_airflow_chart import release, template_values, user_values
from tools.mocks import TENANT_ID

IDENTITY = "azure-native:managedidentity:UserAssignedIdentity"
CREDENTIAL = "azure-native:managedidentity:FederatedIdentityCredential"
#: What the Azure workload identity webhook looks for on service accounts and pods.
CLIENT_ID_ANNOTATION = "azure.workload.identity/client-id"
USE_LABEL = "azure.workload.identity/use"
#: Connection fields that would carry a key, a SAS or a service principal's secret.
CREDENTIAL_FIELDS = {"login", "password", "account_key", "shared_access_key", "sas_token", "connection_string"}


def log_connection(values: dict) -> tuple[str, dict]:
    """The connection the log handler uses, from the global ``env``.

    The chart puts the global ``env`` into every Airflow container and into the task pod template,
    so scheduler, API server, triggerer, DAG processor and task pods all see it.
    """
    conn_id = values["config"]["logging"]["remote_log_conn_id"]
    (entry,) = [e for e in values["env"] if e["name"] == f"AIRFLOW_CONN_{conn_id.upper()}"]
    return conn_id, json.loads(entry["value"])


def test_remote_logging_writes_to_a_folder_in_the_platform_container(stack_run):
    config = template_values(stack_run)["config"]
    assert config["logging"]["remote_logging"] == "True"
    folder = config["logging"]["remote_base_log_folder"]
    # Airflow 3.1 picks the WASB handler by this prefix and uses the whole string as a blob path.
    assert folder.startswith("wasb") and "://" not in folder and "@" not in folder
    container = stack_run.one("azure-native:storage:BlobContainer").state["name"]
    assert config["azure_remote_logging"]["remote_wasb_log_container"] == container


def test_log_connection_is_the_blob_endpoint_with_the_managed_identity_and_no_key(stack_run):
    _, connection = log_connection(user_values(stack_run))
    account = stack_run.one("azure-native:storage:StorageAccount").state
    assert connection["conn_type"] == "wasb"
    assert connection["host"] == account["primaryEndpoints"]["blob"]
    assert connection["extra"] == {
        "managed_identity_client_id": stack_run.one(IDENTITY).state["clientId"],
        "workload_identity_tenant_id": TENANT_ID,
    }
    assert not CREDENTIAL_FIELDS & (set(connection) | set(connection["extra"]))


def test_log_writers_use_the_service_accounts_the_identity_trusts(stack_run):
    values = user_values(stack_run)
    namespace = release(stack_run).inputs["namespace"]
    subjects = {c.inputs["subject"] for c in stack_run.of_type(CREDENTIAL)}
    client_id = stack_run.one(IDENTITY).state["clientId"]
    for component, name in AIRFLOW_SERVICE_ACCOUNTS.items():
        account = values[component]["serviceAccount"]
        assert account["create"] is True
        assert account["name"] == name
        assert f"system:serviceaccount:{namespace}:{name}" in subjects
        assert account["annotations"] == {CLIENT_ID_ANNOTATION: client_id}
        assert values[component]["labels"] == {USE_LABEL: "true"}


def test_task_pods_run_under_the_workers_service_account(stack_run):
    workers = template_values(stack_run)["workers"]
    # The pod template names ``worker.serviceAccountName``: workers.serviceAccount.name when it is set.
    assert workers["serviceAccount"]["name"] == AIRFLOW_SERVICE_ACCOUNTS["workers"]
    assert workers["labels"][USE_LABEL] == "true"


def test_no_local_log_volumes(stack_run):
    values = template_values(stack_run)
    assert values["logs"]["persistence"]["enabled"] is False
    assert values["triggerer"]["persistence"]["enabled"] is False
    # Celery workers, the only other log volume, do not exist with this executor.
    assert "Celery" not in values["executor"]


def test_log_folder_output_is_the_full_blob_url(stack_run):
    values = template_values(stack_run)
    endpoint = stack_run.one("azure-native:storage:StorageAccount").state["primaryEndpoints"]["blob"]
    container = values["config"]["azure_remote_logging"]["remote_wasb_log_container"]
    folder = values["config"]["logging"]["remote_base_log_folder"]
    output = stack_run.outputs["airflowRemoteLogFolder"]
    assert output.value == f"{endpoint}{container}/{folder}"
    assert output.value.startswith("https://") and not output.secret

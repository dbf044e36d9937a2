"""Log storage: hardened account, retention, and the workload identity Airflow writes logs with."""

import pytest

from components.platform import service_account_subjects
from tests.helpers import plain
from tests.test_airflow_chart import release, user_values
from tests.test_airflow_logging import log_connection
from tests.test_azure_database import UpdatePreviewMocks
from tests.test_guards import LOGS, guard, guard_of, refusals, with_settings
from tools.mocks import PlatformMocks
from tools.offline import RecordingMonitor, run_program

ACCOUNT = "azure-native:storage:StorageAccount"
IDENTITY = "azure-native:managedidentity:UserAssignedIdentity"
CREDENTIAL = "azure-native:managedidentity:FederatedIdentityCredential"
BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"


def test_storage_account_is_hardened(stack_run):
    account = stack_run.one(ACCOUNT).inputs
    assert account["kind"] == "StorageV2"
    assert account["enableHttpsTrafficOnly"] is True
    assert account["minimumTlsVersion"] == "TLS1_2"
    assert account["allowBlobPublicAccess"] is False
    assert account["allowSharedKeyAccess"] is False


def test_redundancy_per_stack(dev_run, prod_run):
    assert dev_run.one(ACCOUNT).inputs["sku"]["name"] == "Standard_LRS"
    assert prod_run.one(ACCOUNT).inputs["sku"]["name"] == "Standard_ZRS"


def test_log_container_is_private(stack_run):
    container = stack_run.one("azure-native:storage:BlobContainer").inputs
    assert container["publicAccess"] == "None"
    assert container["accountName"] == stack_run.one(ACCOUNT).state["name"]


def test_lifecycle_rule_deletes_logs_after_the_configured_retention(dev_run, prod_run):
    for run, days in ((dev_run, 14), (prod_run, 90)):
        (rule,) = run.one("azure-native:storage:ManagementPolicy").inputs["policy"]["rules"]
        definition = rule["definition"]
        assert rule["enabled"] is True
        assert definition["actions"]["baseBlob"]["delete"]["daysAfterModificationGreaterThan"] == days
        container = run.one("azure-native:storage:BlobContainer").inputs["containerName"]
        assert definition["filters"]["prefixMatch"] == [f"{container}/"]


def test_blob_soft_delete_in_prod_only(dev_run, prod_run):
    prod = prod_run.one("azure-native:storage:BlobServiceProperties").inputs["deleteRetentionPolicy"]
    assert prod == {"enabled": True, "days": 14}
    dev = dev_run.one("azure-native:storage:BlobServiceProperties").inputs["deleteRetentionPolicy"]
    assert dev["enabled"] is False


def test_airflow_identity_may_write_blobs_in_the_log_container_only(stack_run):
    identity = stack_run.one(IDENTITY)
    (assignment,) = [
        r
        for r in stack_run.of_type("azure-native:authorization:RoleAssignment")
        if r.inputs["roleDefinitionId"].endswith(BLOB_DATA_CONTRIBUTOR)
    ]
    assert assignment.inputs["principalId"] == identity.state["principalId"]
    assert assignment.inputs["principalType"] == "ServicePrincipal"
    assert assignment.inputs["scope"] == stack_run.one("azure-native:storage:BlobContainer").state["id"]


def test_one_federated_credential_per_airflow_service_account(stack_run):
    credentials = stack_run.of_type(CREDENTIAL)
    issuer = stack_run.one("azure-native:containerservice:ManagedCluster").state["oidcIssuerProfile"]["issuerURL"]
    assert sorted(c.inputs["subject"] for c in credentials) == sorted(service_account_subjects("airflow"))
    identity = stack_run.one(IDENTITY).state["name"]
    for credential in credentials:
        assert credential.inputs["issuer"] == issuer
        assert credential.inputs["audiences"] == ["api://AzureADTokenExchange"]
        assert credential.inputs["resourceName"] == identity


def test_federated_credentials_are_created_one_after_another(stack_run):
    credentials = stack_run.of_type(CREDENTIAL)
    urns = {c.urn for c in credentials}
    # A chain: each credential waits for all credentials before it, so no two are written at once.
    waited = sorted(len(stack_run.waits_for(c) & urns) for c in credentials)
    assert waited == list(range(len(credentials)))


def test_subjects_follow_the_airflow_namespace():
    run = run_program("dev", overrides=with_settings("dev", "airflow", namespace="orchestration"))
    subjects = sorted(c.inputs["subject"] for c in run.of_type(CREDENTIAL))
    assert subjects == sorted(service_account_subjects("orchestration"))
    assert all(s.startswith("system:serviceaccount:orchestration:") for s in subjects)


def test_log_account_is_protected_in_prod_only(dev_run, prod_run):
    assert prod_run.one(ACCOUNT).protect
    assert not dev_run.one(ACCOUNT).protect
    assert plain(prod_run.one(ACCOUNT).inputs["tags"])["stack"] == "prod"


# -- on an existing stack ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stack", "redundancy"),
    [("dev", "GRS"), ("prod", "GZRS")],
)
def test_geo_replication_changes_in_place(stack, redundancy):
    assert refusals(stack, LOGS, "logs", redundancy=redundancy) == []


@pytest.mark.parametrize(
    ("stack", "redundancy"),
    [("dev", "ZRS"), ("dev", "GZRS"), ("prod", "LRS"), ("prod", "GRS")],
)
def test_redundancy_changes_azure_makes_only_by_a_conversion_stop_the_preview(stack, redundancy):
    before = {"dev": "LRS", "prod": "ZRS"}[stack]
    (refusal,) = refusals(stack, LOGS, "logs", redundancy=redundancy)
    assert refusal.startswith(f"airflow-platform:logs.redundancy: {before} -> {redundancy} is refused")
    assert "redundancy-migration" in refusal and "Instead:" in refusal


def test_account_kind_is_recorded_fixed_and_the_account_waits_for_its_guard(prod_run):
    account = prod_run.one(ACCOUNT)
    (kind,) = [e for e in guard_of(prod_run, LOGS)["settings"].values() if e["path"] == "kind"]
    assert (kind["value"], kind["rule"]) == (account.inputs["kind"], "fixed")
    assert guard(prod_run, LOGS).urn in account.dependencies
    assert account.protect


def test_blob_endpoint_follows_from_the_account_name_and_is_known_in_an_update_preview():
    run = run_program("prod", preview=True, monitor=RecordingMonitor(UpdatePreviewMocks()))
    account = run.one(ACCOUNT)
    assert "primaryEndpoints" not in account.state
    _, connection = log_connection(user_values(run))
    assert connection["host"] == f"https://{account.inputs['accountName']}.blob.core.windows.net/"
    assert account.urn in run.waits_for(release(run))


GUEST_TENANT = "0c8a2b1d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"


class GuestDeployerMocks(PlatformMocks):
    """A deployer signed in from another tenant than the subscription's (a guest account)."""

    def call(self, args):
        answer = super().call(args)
        if args.token == "azure-native:authorization:getClientConfig":
            answer = {**answer, "tenantId": GUEST_TENANT}
        return answer


def test_log_connection_takes_the_tenant_of_the_identity_not_of_the_deployer():
    run = run_program("dev", monitor=RecordingMonitor(GuestDeployerMocks()))
    _, connection = log_connection(user_values(run))
    assert connection["extra"]["workload_identity_tenant_id"] == run.one(IDENTITY).state["tenantId"]
    assert connection["extra"]["workload_identity_tenant_id"] != GUEST_TENANT

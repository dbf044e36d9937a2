"""Log storage: hardened account, retention, and the workload identity Airflow writes logs with."""

from components.platform import service_account_subjects
from tests.helpers import plain

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


def test_airflow_identity_may_write_blobs_in_the_log_account_only(stack_run):
    identity = stack_run.one(IDENTITY)
    (assignment,) = [
        r
        for r in stack_run.of_type("azure-native:authorization:RoleAssignment")
        if r.inputs["roleDefinitionId"].endswith(BLOB_DATA_CONTRIBUTOR)
    ]
    assert assignment.inputs["principalId"] == identity.state["principalId"]
    assert assignment.inputs["principalType"] == "ServicePrincipal"
    assert assignment.inputs["scope"] == stack_run.one(ACCOUNT).state["id"]


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
    from tools.offline import run_program

    run = run_program("dev", overrides={"airflow-platform:airflow": {"namespace": "orchestration"}})
    subjects = sorted(c.inputs["subject"] for c in run.of_type(CREDENTIAL))
    assert subjects == sorted(service_account_subjects("orchestration"))
    assert all(s.startswith("system:serviceaccount:orchestration:") for s in subjects)


def test_log_account_is_protected_in_prod_only(dev_run, prod_run):
    assert prod_run.one(ACCOUNT).protect
    assert not dev_run.one(ACCOUNT).protect
    assert plain(prod_run.one(ACCOUNT).inputs["tags"])["stack"] == "prod"

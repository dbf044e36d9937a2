"""The stack's Key Vault and Airflow's secrets backend reading it with the workload identity."""

import json

from tests.test_airflow_chart import release, schema_validator, template_values, user_values
from tests.test_guards import refusals
from tools.mocks import PlatformMocks
from tools.offline import RecordingMonitor, run_program

VAULT = "azure-native:keyvault:Vault"
KEY_VAULT = "airflow-platform:azure:KeyVault"
IDENTITY = "azure-native:managedidentity:UserAssignedIdentity"
KEY_VAULT_SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"
BACKEND = "airflow.providers.microsoft.azure.secrets.key_vault.AzureKeyVaultBackend"


def secrets_section(run) -> tuple[str, dict]:
    section = user_values(run)["config"]["secrets"]
    return section["backend"], json.loads(section["backend_kwargs"])


def test_vault_uses_rbac_and_soft_delete_with_purge_protection_in_prod_only(dev_run, prod_run):
    for run in (dev_run, prod_run):
        properties = run.one(VAULT).inputs["properties"]
        assert properties["enableRbacAuthorization"] is True
        assert "accessPolicies" not in properties
        assert (properties["enableSoftDelete"], properties["softDeleteRetentionInDays"]) == (True, 90)
        assert properties["sku"] == {"family": "A", "name": "standard"}
        assert properties["tenantId"] == run.one(IDENTITY).state["tenantId"]
    assert prod_run.one(VAULT).inputs["properties"]["enablePurgeProtection"] is True
    # Azure refuses false: a vault without purge protection leaves the property out.
    assert "enablePurgeProtection" not in dev_run.one(VAULT).inputs["properties"]


def test_the_airflow_identity_may_read_secrets_of_this_vault_only(stack_run):
    assignments = [
        r
        for r in stack_run.of_type("azure-native:authorization:RoleAssignment")
        if r.inputs["roleDefinitionId"].endswith(KEY_VAULT_SECRETS_USER)
    ]
    (assignment,) = assignments
    assert assignment.inputs["scope"] == stack_run.one(VAULT).state["id"]
    assert assignment.inputs["principalId"] == stack_run.one(IDENTITY).state["principalId"]
    assert assignment.inputs["principalType"] == "ServicePrincipal"


def test_airflow_reads_connections_and_variables_from_the_vault(stack_run):
    backend, kwargs = secrets_section(stack_run)
    vault = stack_run.one(VAULT)
    identity = stack_run.one(IDENTITY).state
    assert backend == BACKEND
    assert kwargs == {
        "vault_url": vault.state["properties"]["vaultUri"],
        "connections_prefix": "airflow-connections",
        "variables_prefix": "airflow-variables",
        "config_prefix": None,
        "managed_identity_client_id": identity["clientId"],
        "workload_identity_tenant_id": identity["tenantId"],
    }
    errors = list(schema_validator().iter_errors(template_values(stack_run)))
    assert not errors, [f"{e.json_path}: {e.message}" for e in errors]


def test_the_release_waits_for_the_grant(stack_run):
    (grant,) = [r for r in stack_run.resources if r.name == "secrets-user"]
    assert grant.urn in stack_run.waits_for(release(stack_run))


def test_the_vault_url_is_known_in_an_update_preview_of_the_vault():
    run = run_program("prod", preview=True, monitor=RecordingMonitor(PlatformMocks(updating={VAULT})))
    _, kwargs = secrets_section(run)
    assert kwargs["vault_url"] == f"https://{run.one(VAULT).inputs['vaultName']}.vault.azure.net/"


def test_no_vault_no_backend():
    run = run_program("dev", overrides={"airflow-platform:secrets": {"enabled": False}})
    assert run.of_type(VAULT) == []
    assert "secrets" not in user_values(run)["config"]


# -- on an existing stack ------------------------------------------------------------------------


def test_turning_purge_protection_off_stops_the_preview():
    (refusal,) = refusals("prod", KEY_VAULT, "secrets", purgeProtection=False)
    assert refusal.startswith("airflow-platform:secrets.purgeProtection: true -> false is refused")
    assert "Instead:" in refusal


def test_turning_purge_protection_on_is_accepted():
    assert refusals("dev", KEY_VAULT, "secrets", purgeProtection=True) == []

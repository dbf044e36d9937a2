"""The Entra ID app registration: redirect URI from the host name, group ids in the token, a secret
with an end date; none without a host name; an existing registration takes no new objects."""

from __future__ import annotations

from tests.helpers import component_of, plain
from tests.test_airflow_sign_in import SIGN_IN, signed_in
from tests.test_guards import with_settings
from tools.offline import run_program

APPLICATION = "azuread:index/application:Application"
PASSWORD = "azuread:index/applicationPassword:ApplicationPassword"
SERVICE_PRINCIPAL = "azuread:index/servicePrincipal:ServicePrincipal"


def test_the_registration_redirects_to_fabs_callback_on_the_host_and_carries_group_ids():
    run = signed_in()
    (app,) = run.of_type(APPLICATION)
    inputs = plain(app.inputs)
    assert inputs["web"]["redirectUris"] == ["https://airflow.example.com/auth/oauth-authorized/azure"]
    assert inputs["groupMembershipClaims"] == ["SecurityGroup"]
    assert inputs["signInAudience"] == "AzureADMyOrg"
    assert {c["name"] for c in inputs["optionalClaims"]["idTokens"]} == {"upn", "email"}
    assert component_of(run, app) == "airflow-platform:azure:SignInApp"
    assert run.outputs["signInRedirectUri"].value == "https://airflow.example.com/auth/oauth-authorized/azure"


def test_the_client_secret_ends_on_the_set_date_and_is_secret():
    run = signed_in()
    (password,) = run.of_type(PASSWORD)
    assert plain(password.inputs)["endDate"] == "2027-06-30T00:00:00Z"
    (sp,) = run.of_type(SERVICE_PRINCIPAL)
    assert plain(sp.inputs)["clientId"] == run.outputs["signInClientId"].value


def test_no_registration_without_a_host_name(prod_run, dev_run):
    for run in (prod_run, dev_run):
        assert not [r for r in run.resources if r.type.startswith("azuread:")]
        assert "signInClientId" not in run.outputs


def test_an_existing_registration_is_used_as_given():
    existing = "11111111-2222-4333-8444-555555555555"
    ui = {"hostname": "airflow.example.com", "signIn": {"groupRoles": SIGN_IN["groupRoles"], "clientId": existing}}
    overrides = {**with_settings("prod", "airflow", ui=ui), "airflow-platform:signInClientSecret": "s3cret-from-config"}
    run = run_program("prod", overrides=overrides)
    assert not [r for r in run.resources if r.type.startswith("azuread:")]
    assert run.outputs["signInClientId"].value == existing


def test_an_existing_registration_in_another_tenant_signs_in_there():
    """tenantId names the registration's tenant; without it, the deploying identity's."""
    existing, tenant = "11111111-2222-4333-8444-555555555555", "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
    sign_in = {"groupRoles": SIGN_IN["groupRoles"], "clientId": existing, "tenantId": tenant}
    overrides = {
        **with_settings("prod", "airflow", ui={"hostname": "airflow.example.com", "signIn": sign_in}),
        "airflow-platform:signInClientSecret": "s3cret-from-config",
    }
    run = run_program("prod", overrides=overrides)
    (config,) = [r for r in run.of_type("kubernetes:core/v1:ConfigMap") if r.name == "airflow-api-server-config"]
    text = plain(config.inputs["data"])["webserver_config.py"]
    assert f"https://login.microsoftonline.com/{tenant}/v2.0" in text

"""Entra ID sign-in on AWS: through an existing registration (an AWS deployment has no Entra ID
credentials to register one), named by clientId and tenantId with its secret in signInClientSecret."""

from __future__ import annotations

import pytest

from components.config import ConfigurationError
from tests.helpers import plain
from tests.test_aws_front_door import HOST, ZONE, named, release, settings
from tests.test_guards import with_settings
from tools.front_door_lines import front_door_lines
from tools.mocks import PlatformMocks
from tools.offline import RecordingMonitor, run_program


def test_entra_sign_in_without_an_existing_registration_is_refused_on_aws_before_anything_is_declared():
    """The default signIn.enabled needs an existing registration on aws: the error names clientId and the
    redirect URI to register."""
    monitor = RecordingMonitor(PlatformMocks(aws_region="eu-west-1"))
    overrides = with_settings("aws-dev", "airflow", ui={"hostname": HOST, "dnsZone": ZONE})
    with pytest.raises(ConfigurationError) as refused:
        run_program("aws-dev", overrides, monitor=monitor)
    message = str(refused.value)
    assert "has 1 problem" in message
    assert "airflow-platform:airflow.ui.signIn.clientId: is required on aws" in message
    assert f"https://{HOST}/auth/oauth-authorized/azure" in message
    assert monitor.declared == []


def test_entra_sign_in_through_an_existing_registration_on_aws():
    """Entra ID's endpoints of the named tenant, the secret from the stack's config, the admin user
    disabled as on Azure; and the registration's redirect URI exported."""
    client, tenant = "11111111-2222-4333-8444-555555555555", "72f988bf-86f1-41af-91ab-2d7cd011db47"
    admins = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
    sign_in = {"clientId": client, "tenantId": tenant, "groupRoles": {admins: "Admin"}}
    overrides = {
        **with_settings("aws-dev", "airflow", ui={"hostname": HOST, "dnsZone": ZONE, "signIn": sign_in}),
        "airflow-platform:signInClientSecret": "s3cret-from-config",
    }
    run = run_program("aws-dev", overrides)
    assert not [r for r in run.resources if r.type.startswith("azuread:")]
    assert run.outputs["signInClientId"].value == client
    assert run.outputs["signInRedirectUri"].value == f"https://{HOST}/auth/oauth-authorized/azure"
    config = plain(named(run, "kubernetes:core/v1:ConfigMap", "airflow-api-server-config").inputs["data"])
    text = config["webserver_config.py"]
    assert f"https://login.microsoftonline.com/{tenant}/v2.0" in text and client in text
    assert "s3cret-from-config" not in text
    values = plain(release(run, "airflow").inputs["values"])
    assert values["createUserJob"]["args"][2].endswith(" admin disabled")
    (line,) = [line for line in front_door_lines(run, settings("aws-dev", overrides)) if "Sign-in" in line]
    assert (
        line
        == f"  Sign-in: Entra ID, the registration {client}; its redirect URI: https://{HOST}/auth/oauth-authorized/azure"
    )


def test_a_tenant_is_required_with_the_registration_on_aws():
    sign_in = {"clientId": "11111111-2222-4333-8444-555555555555", "keepAdminUser": True}
    overrides = {
        **with_settings("aws-dev", "airflow", ui={"hostname": HOST, "signIn": sign_in}),
        "airflow-platform:signInClientSecret": "s3cret-from-config",
    }
    with pytest.raises(ConfigurationError, match=r"airflow\.ui\.signIn\.tenantId: is required on aws with clientId"):
        run_program("aws-dev", overrides)

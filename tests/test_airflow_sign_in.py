"""Entra ID sign-in on the Airflow side: the API server's webserver_config.py, the FAB auth manager,
the client secret only through a Kubernetes Secret, the generated admin disabled; proven loadable by
real Airflow 3.1.8 with FAB provider 3.4.0 (``.venv-airflow``), whose security manager reads a signed
Entra ID id token into the mapped role."""

from __future__ import annotations

import functools
import json
import os
import subprocess

import pytest

from components.airflow.sign_in import (
    API_SERVER_CONFIG_MAP,
    FAB_AUTH_MANAGER,
    SIGN_IN_CLIENT_SECRET,
    SIGN_IN_CLIENT_SECRET_ENV,
)
from tests.helpers import clear_leaks, named, plain
from tests.test_guards import with_settings
from tools.mocks import TENANT_ID
from tools.offline import ROOT, ProgramRun, run_program

ADMINS = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
VIEWERS = "5a6b7c8d-1e2f-4a3b-8c9d-0e1f2a3b4c5d"
ISSUER = f"https://login.microsoftonline.com/{TENANT_ID}/v2.0"
AIRFLOW_VENV = ROOT / ".venv-airflow" / "bin"
SIGN_IN = {"groupRoles": {ADMINS: "Admin", VIEWERS: "Viewer"}, "secretEndDate": "2027-06-30"}


@functools.cache
def signed_in(**sign_in: object) -> ProgramRun:
    ui = {"hostname": "airflow.example.com", "signIn": {**SIGN_IN, **sign_in}}
    return run_program("prod", overrides=with_settings("prod", "airflow", ui=ui))


def release_values(run: ProgramRun) -> dict:
    return plain(named(run, "kubernetes:helm.sh/v3:Release", "airflow").inputs["values"])


def config_text(run: ProgramRun) -> str:
    return plain(named(run, "kubernetes:core/v1:ConfigMap", API_SERVER_CONFIG_MAP).inputs["data"])[
        "webserver_config.py"
    ]


def test_the_api_server_reads_the_config_file_and_the_secret_from_kubernetes_objects():
    values = release_values(signed_in())
    assert values["config"]["core"]["auth_manager"] == FAB_AUTH_MANAGER
    assert values["apiServer"]["apiServerConfigConfigMapName"] == API_SERVER_CONFIG_MAP
    assert "apiServerConfig" not in values["apiServer"]
    (env,) = [e for e in values["apiServer"]["env"] if e["name"] == SIGN_IN_CLIENT_SECRET_ENV]
    assert env["valueFrom"]["secretKeyRef"] == {"name": SIGN_IN_CLIENT_SECRET.name, "key": SIGN_IN_CLIENT_SECRET.key}
    assert values["apiServer"]["podAnnotations"][f"airflow-platform/sha256-{API_SERVER_CONFIG_MAP}"]


def test_the_config_names_the_tenants_issuer_endpoints_scopes_and_the_role_mapping():
    text = config_text(signed_in())
    namespace: dict = {}
    os.environ.setdefault(SIGN_IN_CLIENT_SECRET_ENV, "from-the-secret")
    exec(
        compile(
            text.replace("from flask_appbuilder.security.manager import AUTH_OAUTH", "AUTH_OAUTH = 4"), "c", "exec"
        ),
        namespace,
    )
    (provider,) = namespace["OAUTH_PROVIDERS"]
    app = provider["remote_app"]
    assert provider["name"] == "azure"
    assert namespace["OAUTH_ISSUER"] == ISSUER
    assert app["server_metadata_url"] == f"{ISSUER}/.well-known/openid-configuration"
    assert app["authorize_url"] == f"https://login.microsoftonline.com/{TENANT_ID}/oauth2/v2.0/authorize"
    assert app["access_token_url"] == f"https://login.microsoftonline.com/{TENANT_ID}/oauth2/v2.0/token"
    assert app["client_kwargs"] == {"scope": "openid email profile", "verify_signature": True}
    assert app["client_id"] == signed_in().outputs["signInClientId"].value
    assert namespace["AUTH_ROLES_MAPPING"] == {ADMINS: ["Admin"], VIEWERS: ["Viewer"]}
    assert namespace["AUTH_OAUTH_ROLE_KEYS"] == {"azure": "groups"}
    assert namespace["AUTH_USER_REGISTRATION_ROLE"] == "Public"
    assert namespace["AUTH_ROLES_SYNC_AT_LOGIN"] is True


def test_the_client_secret_is_never_in_the_clear():
    run = signed_in()
    assert clear_leaks(run) == []
    secret = named(run, "kubernetes:core/v1:Secret", SIGN_IN_CLIENT_SECRET.name)
    assert "client-secret" in json.dumps(plain(secret.inputs["stringData"]))
    assert run.outputs["airflowAdminPassword"].secret


def test_the_generated_admin_is_disabled_unless_kept_for_break_glass():
    disabled = release_values(signed_in())["createUserJob"]["args"][2]
    kept = release_values(signed_in(keepAdminUser=True))["createUserJob"]["args"][2]
    assert disabled.endswith(" admin disabled") and kept.endswith(" admin active")
    # Without sign-in the Job sets it active: a stack that turns sign-in off gets its admin back.
    assert release_values(run_program("prod"))["createUserJob"]["args"][2].endswith(" admin active")
    assert '--password "$AIRFLOW_ADMIN_PASSWORD"' in disabled


def test_a_stack_without_a_host_name_has_no_oauth_configuration(prod_run):
    values = release_values(prod_run)
    assert "apiServerConfigConfigMapName" not in values["apiServer"]
    assert not [r for r in prod_run.resources if r.name in (API_SERVER_CONFIG_MAP, SIGN_IN_CLIENT_SECRET.name)]


def test_real_airflow_with_fab_loads_the_config_and_maps_a_signed_entra_token_to_its_role(tmp_path):
    if not (AIRFLOW_VENV / "python").exists():
        pytest.skip(f"no Airflow in {AIRFLOW_VENV}: run `bash scripts/airflow-venv.sh` first")
    run = signed_in()
    config = tmp_path / "webserver_config.py"
    config.write_text(config_text(run))
    client_id = run.outputs["signInClientId"].value
    env = {"PATH": os.environ["PATH"], "AIRFLOW_HOME": str(tmp_path), SIGN_IN_CLIENT_SECRET_ENV: "from-the-secret"}
    done = subprocess.run(
        [
            str(AIRFLOW_VENV / "python"),
            str(ROOT / "tests" / "fab_sign_in_check.py"),
            str(config),
            ISSUER,
            client_id,
            ADMINS,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["auth_type_oauth"] and report["client_secret"] == "from-the-secret"
    assert report["server_metadata_url"] == f"{ISSUER}/.well-known/openid-configuration"
    assert report["user"]["username"] == "9f1c7e2a-0d3b-4c5e-8f6a-1b2c3d4e5f60"
    assert report["user"]["email"] == "ada@contoso.example"  # no email claim: FAB takes upn
    assert report["roles"] == ["Admin"]
    assert report["forged_refused"]

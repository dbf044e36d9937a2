"""The API server behind Envoy: with a host name it serves https URLs on that host, so FAB's OAuth
redirect URI is the one the app registration lists. Proven with real Airflow 3.1.8, FAB provider
3.4.0 and uvicorn (``.venv-airflow``) started from the command line and settings the program renders."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from components.airflow.proxy import API_SERVER_ARGS
from components.airflow.sign_in import SIGN_IN_CLIENT_SECRET_ENV
from tests.test_airflow_chart import chart_file
from tests.test_airflow_sign_in import AIRFLOW_VENV, config_text, release_values, signed_in
from tools.mocks import TENANT_ID
from tools.offline import ROOT, ProgramRun

HOST = "airflow.example.com"
#: What the chart runs without the program's settings (chart 1.20.0 values.yaml apiServer.args).
CHART_ARGS = ["bash", "-c", "exec airflow api-server"]


def test_a_host_name_puts_the_api_server_behind_the_proxy():
    values = release_values(signed_in())
    assert values["apiServer"]["args"] == API_SERVER_ARGS
    assert {"name": "FORWARDED_ALLOW_IPS", "value": "*"} in values["apiServer"]["env"]
    assert values["config"]["api"]["base_url"] == f"https://{HOST}/"
    assert values["config"]["fab"]["cookie_secure"] == "True"
    # The chart derives the tasks' execution API URL from base_url's path only: left to the chart, in the cluster.
    assert "execution_api_server_url" not in values["config"]["core"]


def test_the_proxy_args_are_the_charts_plus_proxy_headers_only():
    assert chart_file("values.yaml")["apiServer"]["args"] == CHART_ARGS
    assert [*CHART_ARGS[:2], CHART_ARGS[2] + " --proxy-headers"] == API_SERVER_ARGS


def test_a_stack_without_a_host_name_keeps_the_charts_api_server(prod_run, dev_run):
    for run in (prod_run, dev_run):
        values = release_values(run)
        assert "args" not in values["apiServer"]
        assert "api" not in values["config"] and "fab" not in values["config"]
        assert "FORWARDED_ALLOW_IPS" not in json.dumps(values["apiServer"].get("env", []))


def sign_in_click(run: ProgramRun, tmp_path: Path, *, proxy: bool, api_server_env: bool = True) -> dict:
    """What real Airflow answers Envoy's forward of a click on "Sign in with azure"; ``proxy`` False
    serves the chart's own command line and none of the program's proxy settings, ``api_server_env``
    False leaves out the API server's env (FORWARDED_ALLOW_IPS)."""
    if not (AIRFLOW_VENV / "python").exists():
        pytest.skip(f"no Airflow in {AIRFLOW_VENV}: run `bash scripts/airflow-venv.sh` first")
    values = release_values(run)
    (tmp_path / "webserver_config.py").write_text(config_text(run))
    config = values["config"]
    sections = {"core": {"auth_manager": config["core"]["auth_manager"]}}
    if proxy:
        sections |= {"api": config["api"], "fab": config["fab"]}
    env = {
        "PATH": os.environ["PATH"],
        "AIRFLOW_HOME": str(tmp_path),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{tmp_path / 'airflow.db'}",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        SIGN_IN_CLIENT_SECRET_ENV: "from-the-secret",
        **{f"AIRFLOW__{s.upper()}__{k.upper()}": str(v) for s, options in sections.items() for k, v in options.items()},
    }
    if proxy and api_server_env:
        env |= {e["name"]: e["value"] for e in values["apiServer"]["env"] if "value" in e}
    args = values["apiServer"]["args"] if proxy else CHART_ARGS
    done = subprocess.run(
        [str(AIRFLOW_VENV / "python"), str(ROOT / "tests" / "fab_proxy_check.py"), args[2], HOST],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_behind_envoy_fab_sends_entra_id_the_registered_redirect_uri(tmp_path):
    run = signed_in()
    report = sign_in_click(run, tmp_path, proxy=True)
    assert report["status"] == 302 and report["proxy_headers"] is True
    assert report["authorize"] == f"https://login.microsoftonline.com/{TENANT_ID}/oauth2/v2.0/authorize"
    assert report["redirect_uri"] == run.outputs["signInRedirectUri"].value
    assert report["session_cookie_secure"]


def test_without_the_proxy_settings_the_redirect_uri_would_be_plain_http(tmp_path):
    run = signed_in()
    report = sign_in_click(run, tmp_path, proxy=False)
    assert report["status"] == 302
    assert report["redirect_uri"] == f"http://{HOST}/auth/oauth-authorized/azure"
    assert report["redirect_uri"] != run.outputs["signInRedirectUri"].value


def test_uvicorn_trusts_the_proxys_headers_only_with_forwarded_allow_ips(tmp_path):
    report = sign_in_click(signed_in(), tmp_path, proxy=True, api_server_env=False)
    assert report["proxy_headers"] is True
    assert report["redirect_uri"] == f"http://{HOST}/auth/oauth-authorized/azure"

"""The generated admin's active flag, as the create-user Job the release renders sets it, on real
Airflow 3.1.8 with the FAB provider (``.venv-airflow``) and a SQLite metadata database: disabled
while Entra ID sign-in is on, and active again once a stack turns sign-in off."""

from __future__ import annotations

import functools
import os
import re
import sqlite3
import subprocess
from pathlib import Path

import pytest

from components.airflow.values import ADMIN_PASSWORD_ENV
from tests.test_airflow_chart import chart_file, coalesce
from tests.test_airflow_sign_in import AIRFLOW_VENV, release_values, signed_in
from tools.offline import ProgramRun, run_program

#: What Helm's ``tpl`` makes of the chart's templated create-user args: the defaultUser's field.
TEMPLATED_FIELD = re.compile(r"\{\{ \.Values\.createUserJob\.defaultUser\.(\w+) \}\}")


def job_command(run: ProgramRun) -> list[str]:
    job = coalesce(chart_file("values.yaml"), release_values(run))["createUserJob"]  # over the chart's defaults
    return [TEMPLATED_FIELD.sub(lambda m: str(job["defaultUser"][m.group(1)]), arg) for arg in job["args"]]


@functools.cache
def prod_without_sign_in() -> ProgramRun:
    return run_program("prod")


@pytest.fixture(scope="module")
def airflow_env(tmp_path_factory) -> dict[str, str]:
    if not (AIRFLOW_VENV / "airflow").exists():
        pytest.skip(f"no Airflow in {AIRFLOW_VENV}: run `bash scripts/airflow-venv.sh` first")
    home = tmp_path_factory.mktemp("airflow-home")
    env = {
        **os.environ,
        "PATH": f"{AIRFLOW_VENV}:{os.environ['PATH']}",
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__AUTH_MANAGER": "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        ADMIN_PASSWORD_ENV: "a-generated-password",
    }
    subprocess.run(["airflow", "db", "migrate"], env=env, check=True, capture_output=True, timeout=300)
    return env


def admin_active(env: dict[str, str]) -> bool:
    database = Path(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].removeprefix("sqlite:///"))
    with sqlite3.connect(database) as connection:
        (active,) = connection.execute("SELECT active FROM ab_user WHERE username = 'admin'").fetchone()
    return bool(active)


def run_job(run: ProgramRun, env: dict[str, str]) -> None:
    result = subprocess.run(job_command(run), env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]


def test_sign_in_disables_the_admin_and_turning_it_off_enables_it_again(airflow_env):
    run_job(prod_without_sign_in(), airflow_env)
    assert admin_active(airflow_env)
    run_job(signed_in(), airflow_env)  # the user exists now: only the flag changes
    assert not admin_active(airflow_env)
    run_job(signed_in(keepAdminUser=True), airflow_env)
    assert admin_active(airflow_env)
    run_job(signed_in(), airflow_env)
    run_job(prod_without_sign_in(), airflow_env)
    assert admin_active(airflow_env)

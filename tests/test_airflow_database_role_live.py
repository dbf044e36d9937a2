"""Airflow's own role against a real PostgreSQL: verified TLS, the role Job's SQL run as an
administrator that is no superuser (like Azure's), and real Airflow 3.1.8 migrating as that role.

Uses the local server of ``scripts/postgres.sh`` and the Airflow of ``scripts/airflow-venv.sh``
(``.venv-airflow``); each test skips, saying why, when one is missing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg2
import pytest
from psycopg2 import errors, sql
from sqlalchemy.exc import OperationalError

from components.airflow.role_job import DatabaseRoleJobArgs, job_spec
from components.airflow.secrets import DATABASE_ADMIN_PASSWORD, DATABASE_ROLE_PASSWORD
from components.airflow.values import TASK_POD_ENV
from components.azure.database import CA_BUNDLE
from components.platform import Credentials, Database, NodePlacement
from tests.test_airflow_database_live import LocalServer, local_server, local_uri, session
from tools.offline import ROOT

AIRFLOW_VENV = ROOT / ".venv-airflow" / "bin"


@pytest.fixture(scope="module")
def pg() -> LocalServer:
    return local_server()


@dataclass(frozen=True)
class RoleSetup:
    database: str
    role: str


def admin_connection(server: LocalServer, database: str = "postgres", superuser: bool = False):
    user, password = (
        (server.superuser, server.superuser_password) if superuser else (server.admin, server.admin_password)
    )
    connection = psycopg2.connect(
        host=server.host,
        port=server.port,
        user=user,
        password=password,
        dbname=database,
        sslmode="verify-full",
        sslrootcert=server.ca_cert,
        connect_timeout=5,
    )
    connection.autocommit = True
    return connection


def run_role_job(server: LocalServer, setup: RoleSetup, password: str) -> None:
    """The Job's own command and environment, with the local server's address, CA and the passwords."""
    database = Database(
        host=None,
        port=server.port,
        name=setup.database,
        admin=Credentials(server.admin, None),
        airflow_role=Credentials(setup.role, None),
        ca_certificates="",
        network=None,
        ready=[],
    )
    args = DatabaseRoleJobArgs(
        database,
        NodePlacement("cp", {}),
        "image",
        "ns",
        "ca",
        "roots.pem",
        server.ca_cert,
        isolated=True,
        reader_groups=[],
        ready=[],
    )
    (container,) = job_spec(args, server.host)["template"]["spec"]["containers"]
    secrets = {DATABASE_ADMIN_PASSWORD.key: server.admin_password, DATABASE_ROLE_PASSWORD.key: password}
    env = {e["name"]: e.get("value") or secrets[e["valueFrom"]["secretKeyRef"]["key"]] for e in container["env"]}
    command = [sys.executable, *container["command"][1:]]
    done = subprocess.run(command, env={"PATH": os.environ["PATH"], **env}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


@pytest.fixture
def role_setup(pg: LocalServer) -> Iterator[RoleSetup]:
    """A database of its own, made as Azure makes one (owned by azure_pg_admin); dropped afterwards."""
    suffix = uuid.uuid4().hex[:12]
    setup = RoleSetup(f"airflow_{suffix}", f"airflow_{suffix}")
    admin = admin_connection(pg)
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE DATABASE {} OWNER azure_pg_admin").format(sql.Identifier(setup.database)))
    admin.close()
    yield setup
    superuser = admin_connection(pg, superuser=True)
    with superuser.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(setup.database)))
        cursor.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(setup.role)))
    superuser.close()


def test_verify_full_against_the_local_ca_passes(pg):
    assert session(local_uri(pg, pg.admin, pg.admin_password, "postgres"))[:2] == (pg.admin, True)


def test_a_host_name_the_certificate_does_not_carry_fails(pg):
    """The certificate names 127.0.0.1 only: `localhost` reaches the same server and is refused."""
    uri = local_uri(pg, pg.admin, pg.admin_password, "postgres").replace("@127.0.0.1:", "@localhost:")
    with pytest.raises(OperationalError, match=r'does not match host name "localhost"'):
        session(uri)


def test_a_certificate_from_another_ca_fails(pg):
    """Azure's roots do not vouch for the local server: the bundle is what decides."""
    uri = local_uri(pg, pg.admin, pg.admin_password, "postgres")
    with pytest.raises(OperationalError, match="certificate verify failed"):
        session(uri.replace(pg.ca_cert, str(CA_BUNDLE)))


def test_the_job_makes_the_role_sole_owner_with_no_other_power_and_applies_a_new_password(pg, role_setup):
    run_role_job(pg, role_setup, "first-password")
    run_role_job(pg, role_setup, "rotated-password")  # idempotent, and a rotated password applies
    admin = admin_connection(pg)
    with admin.cursor() as cursor:
        cursor.execute(
            "select rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls,"
            " (select count(*) from pg_auth_members where member = r.oid) from pg_roles r where rolname = %s",
            (role_setup.role,),
        )
        assert cursor.fetchone() == (False, False, False, False, False, 0)
        cursor.execute("select pg_get_userbyid(datdba) from pg_database where datname = %s", (role_setup.database,))
        assert cursor.fetchone() == (role_setup.role,)
    admin.close()
    assert session(local_uri(pg, role_setup.role, "rotated-password", role_setup.database))[:2] == (
        role_setup.role,
        True,
    )
    with pytest.raises(OperationalError, match="password authentication failed"):
        session(local_uri(pg, role_setup.role, "first-password", role_setup.database))


def test_the_role_cannot_create_roles_or_reach_another_database(pg, role_setup):
    other = f"other_{uuid.uuid4().hex[:12]}"
    admin = admin_connection(pg)
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(other)))
    try:
        run_role_job(pg, role_setup, "role-password")
        uri = local_uri(pg, role_setup.role, "role-password", role_setup.database)
        as_role = psycopg2.connect(uri.replace("postgresql+psycopg2://", "postgresql://"))
        with pytest.raises(errors.InsufficientPrivilege), as_role.cursor() as cursor:
            cursor.execute("CREATE ROLE escalated LOGIN")
        as_role.close()
        with pytest.raises(OperationalError, match=f'permission denied for database "{other}"'):
            session(local_uri(pg, role_setup.role, "role-password", other))
    finally:
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(other)))
        admin.close()


def airflow(*args: str, env: dict[str, str], home) -> subprocess.CompletedProcess:
    if not (AIRFLOW_VENV / "airflow").exists():
        pytest.skip(f"no Airflow in {AIRFLOW_VENV}: run `bash scripts/airflow-venv.sh` first")
    base = {"PATH": os.environ["PATH"], "AIRFLOW_HOME": str(home), "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
    return subprocess.run(
        [str(AIRFLOW_VENV / args[0]), *args[1:]], env={**base, **env}, capture_output=True, text=True, timeout=600
    )


def test_real_airflow_migrates_the_database_as_the_role_with_the_programs_uri(pg, role_setup, tmp_path):
    run_role_job(pg, role_setup, "p@ss:w/rd?#")
    uri = local_uri(pg, role_setup.role, "p@ss:w/rd?#", role_setup.database)
    done = airflow("airflow", "db", "migrate", env={"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": uri}, home=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    # What the chart's wait-for-airflow-migrations init containers run before each component starts.
    env = {"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": uri}
    checked = airflow("airflow", "db", "check-migrations", "--migration-wait-timeout", "5", env=env, home=tmp_path)
    assert checked.returncode == 0, checked.stderr[-3000:]
    admin = admin_connection(pg, role_setup.database)
    with admin.cursor() as cursor:
        cursor.execute(
            "select array_agg(tablename::text), count(*) filter (where tableowner <> %s)"
            " from pg_tables where schemaname = 'public'",
            (role_setup.role,),
        )
        tables, foreign = cursor.fetchone()
    admin.close()
    assert {"alembic_version", "dag_run", "task_instance"} <= set(tables) and foreign == 0, "owned by the role"


def test_a_task_pod_environment_starts_airflows_task_runner_without_the_database(tmp_path):
    """What chart 1.20.0 gives task pods after ``workers.env``: the task runner imports, no database needed."""
    env = {e["name"]: e["value"] for e in TASK_POD_ENV} | {"AIRFLOW__CORE__EXECUTOR": "KubernetesExecutor"}
    done = airflow("python", "-c", "import airflow.sdk.execution_time.execute_workload", env=env, home=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]

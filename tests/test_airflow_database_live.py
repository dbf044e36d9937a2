"""The metadata connection Airflow gets, used against a real PostgreSQL locked down like Azure's.

``bash scripts/postgres.sh`` (run by ``scripts/test.sh``) starts a local server that, like the flexible
server with ``require_secure_transport``, takes only TLS connections with SCRAM passwords, with a
certificate for 127.0.0.1 from a local test CA (the URIs below verify it, ``sslmode=verify-full``), and
writes how to reach it to ``.postgres/server.env``. Without it these tests skip.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg2
import pytest
from psycopg2 import sql
from sqlalchemy import URL, create_engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from components.airflow.secrets import METADATA_CONNECTION, postgres_connection_uri
from components.azure.database import DATABASE_NAME
from tests.helpers import component_of
from tests.test_airflow_secrets import RANDOM_PASSWORD, kubernetes_secret
from tools.mock_values import random_password
from tools.offline import ROOT, ProgramRun

SERVER_ENV = ROOT / ".postgres" / "server.env"
SESSION_QUERY = "select current_user, ssl, version from pg_stat_ssl where pid = pg_backend_pid()"

#: Characters a URI gives a meaning to, quotes, backslashes, text that is already percent-encoded,
#: an attempt to switch TLS off from inside the password, and non-ASCII text (SCRAM's SASLprep).
ADVERSARIAL_PASSWORDS = [
    "p@ss:w/rd?#%&+ =",
    "@:/?#[]!$&'()*+,;=",
    "%41%42%zz%",
    "x@127.0.0.1:1/postgres?sslmode=disable#",
    "'; DROP ROLE postgres; --",
    '"double" \\back\\slash\\',
    "tab\tand newline\n",
    "pässwörd ☃ 密码",
]


@dataclass(frozen=True)
class LocalServer:
    host: str
    port: int
    superuser: str
    superuser_password: str
    #: The local test CA that signed the server's certificate.
    ca_cert: str
    #: An administrator like Azure's: CREATEROLE and CREATEDB, no superuser.
    admin: str
    admin_password: str


@pytest.fixture(scope="module")
def server() -> LocalServer:
    return local_server()


def local_server() -> LocalServer:
    """The server ``scripts/postgres.sh`` started, or a skip saying how to start one."""
    if not SERVER_ENV.exists():
        pytest.skip(f"no local PostgreSQL ({SERVER_ENV} missing): run `bash scripts/postgres.sh` first")
    facts = dict(line.split("=", 1) for line in SERVER_ENV.read_text().splitlines() if "=" in line)
    found = LocalServer(
        facts["PGHOST"],
        int(facts["PGPORT"]),
        facts["PGUSER"],
        facts["PGPASSWORD"],
        facts["CA_CERT"],
        facts["ADMIN_USER"],
        facts["ADMIN_PASSWORD"],
    )
    try:
        socket.create_connection((found.host, found.port), timeout=2).close()
    except OSError:
        pytest.skip(f"the PostgreSQL {SERVER_ENV} describes is not running: run `bash scripts/postgres.sh`")
    return found


def drop_role(cursor, name: str) -> None:
    """Drops the role if it exists, with its CONNECT grant on the database."""
    cursor.execute("select 1 from pg_roles where rolname = %s", (name,))
    if cursor.fetchone():
        role = sql.Identifier(name)
        cursor.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM {}").format(sql.Identifier(DATABASE_NAME), role))
        cursor.execute(sql.SQL("DROP ROLE {}").format(role))


@pytest.fixture
def login_role(server: LocalServer) -> Iterator:
    """Creates login roles the way an administrator would; drops them after the test."""
    admin = psycopg2.connect(
        host=server.host,
        port=server.port,
        user=server.superuser,
        password=server.superuser_password,
        dbname="postgres",
        sslmode="require",
        connect_timeout=5,
    )
    admin.autocommit = True
    created: list[str] = []

    def create(name: str, password: str) -> str:
        """The role's stored password verifier."""
        role = sql.Identifier(name)
        with admin.cursor() as cursor:
            # Suites sharing the server (one tree, several developers) take turns with a fixed name;
            # the lock goes with the connection, after the role is dropped.
            cursor.execute("select pg_advisory_lock(hashtext(%s))", (name,))
            drop_role(cursor, name)
            cursor.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(role, sql.Literal(password)))
            # Explicitly: the role Job's tests revoke PUBLIC's CONNECT on the administrator's databases.
            cursor.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(DATABASE_NAME), role))
            created.append(name)
            cursor.execute("select rolpassword from pg_authid where rolname = %s", (name,))
            return cursor.fetchone()[0]

    yield create
    with admin.cursor() as cursor:
        for name in created:
            drop_role(cursor, name)
    admin.close()


def session(url: str | URL) -> tuple[str, bool, str]:
    """Logs in through SQLAlchemy and psycopg2, as Airflow does: (current user, TLS on, TLS version)."""
    engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as connection:
            return tuple(connection.exec_driver_sql(SESSION_QUERY).one())
    finally:
        engine.dispose()


def program_password_rules(run: ProgramRun) -> dict:
    """The inputs the program gives the RandomPassword of Airflow's database role."""
    (password,) = [
        r
        for r in run.of_type(RANDOM_PASSWORD)
        if component_of(run, r) == "airflow-platform:azure:Database" and r.name == "airflow-role-password"
    ]
    return password.inputs


def unique_role(prefix: str = "live") -> str:
    """Role names differ between tests, which may run at the same time on the same server."""
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def local_uri(server: LocalServer, user: str, password: str, database: str = DATABASE_NAME) -> str:
    """The program's URI for the local server: verify-full against the local test CA."""
    return postgres_connection_uri(
        user=user, password=password, host=server.host, port=server.port, database=database, root_cert=server.ca_cert
    )


def test_the_metadata_connection_the_program_writes_logs_in_over_tls(server, login_role, dev_run):
    """The Secret's URI as Airflow receives it; only the address and the CA file are the local server's."""
    written = kubernetes_secret(dev_run, METADATA_CONNECTION.name)[METADATA_CONNECTION.key]
    url = make_url(written).set(host=server.host, port=server.port)
    assert url.query["sslmode"] == "verify-full"
    url = url.update_query_dict({"sslrootcert": server.ca_cert})
    verifier = login_role(url.username, url.password)
    assert verifier.startswith("SCRAM-SHA-256$"), "the server stores SCRAM verifiers, as Azure does"
    user, encrypted, tls_version = session(url)
    assert (user, encrypted) == (url.username, True)
    assert tls_version in ("TLSv1.2", "TLSv1.3")


@pytest.mark.parametrize("draw", range(5))
def test_passwords_drawn_by_the_program_rules_log_in(server, login_role, dev_run, draw):
    rules = program_password_rules(dev_run)
    password = random_password(f"live-database-{draw}", rules)
    assert len(password) == rules["length"] and set(password) & set(rules["overrideSpecial"])
    role = unique_role()
    login_role(role, password)
    assert session(local_uri(server, role, password))[:2] == (role, True)


@pytest.mark.parametrize("password", ADVERSARIAL_PASSWORDS)
def test_passwords_with_uri_special_characters_log_in(server, login_role, password):
    role = unique_role()
    login_role(role, password)
    assert session(local_uri(server, role, password))[:2] == (role, True)


def test_a_login_with_uri_special_characters_logs_in(server, login_role):
    role = unique_role("air flow@ops:/?#%")
    password = "p@ss:w/rd?#"
    login_role(role, password)
    assert session(local_uri(server, role, password))[:2] == (role, True)


def test_the_server_refuses_the_same_uri_without_tls(server, login_role):
    """TLS in the URI is what gets Airflow in: the server turns plain TCP away."""
    role, password = unique_role(), "p@ss:w/rd?#"
    login_role(role, password)
    uri = local_uri(server, role, password)
    assert session(uri)[:2] == (role, True)
    with pytest.raises(OperationalError, match=r"no pg_hba\.conf entry .* no encryption"):
        session(make_url(uri).update_query_dict({"sslmode": "disable"}))


def test_the_server_refuses_a_wrong_password(server, login_role):
    """The logins above prove the password only because a wrong one is turned away."""
    role, password = unique_role(), "p@ss:w/rd?#"
    login_role(role, password)
    with pytest.raises(OperationalError, match="password authentication failed"):
        session(local_uri(server, role, password + "x"))

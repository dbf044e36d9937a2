"""Generated secrets: where the chart finds them, their formats, their stability, and that none leaks."""

from __future__ import annotations

import base64
import functools
import string
from typing import Any
from urllib.parse import quote

import pytest
from cryptography.fernet import Fernet
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import make_url

from components.airflow.secrets import DATABASE_CA_PATH, fernet_key, postgres_connection_uri
from tests.helpers import clear_leaks, generated_secrets, is_secret, named, plain
from tests.test_airflow_chart import release, template_values, user_values
from tests.test_guards import with_settings
from tools.offline import ProgramRun, run_program, strings_in

SECRET = "kubernetes:core/v1:Secret"
RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword"

#: Where the chart 1.20.0 takes each Secret's name from, and the key its templates read in it.
CHART_SECRET_KEYS = {
    ("data", "metadataSecretName"): "connection",
    ("fernetKeySecretName",): "fernet-key",
    ("apiSecretKeySecretName",): "api-secret-key",
    ("jwtSecretName",): "jwt-secret",
    ("dags", "gitSync", "sshKeySecret"): "gitSshKey",
}

DEPLOY_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n"  # noqa: E501 - a key is one block
KNOWN_HOSTS = "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
PRIVATE_REPO = {"gitSync": {"repo": "git@github.com:example/dags.git", "subPath": "dags", "knownHosts": KNOWN_HOSTS}}


@functools.cache
def private_repo_run() -> ProgramRun:
    return run_program(
        "dev", overrides={**with_settings("dev", "airflow", **PRIVATE_REPO), "airflow-platform:gitSshKey": DEPLOY_KEY}
    )


def at(values: dict[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        values = (values or {}).get(key)
    return values


def kubernetes_secret(run: ProgramRun, name: str) -> dict[str, Any]:
    """The Secret of that name in the release's namespace, with its data in the clear."""
    namespace = release(run).inputs["namespace"]
    found = [
        r
        for r in run.of_type(SECRET)
        if r.inputs["metadata"]["name"] == name and r.inputs["metadata"]["namespace"] == namespace
    ]
    assert len(found) == 1, f"no Secret {name} in namespace {namespace}"
    return plain(found[0].inputs["stringData"])


def secret_key_refs(value: Any) -> list[dict[str, str]]:
    """Every ``secretKeyRef`` anywhere in the values."""
    if isinstance(value, dict):
        own = [value["secretKeyRef"]] if "secretKeyRef" in value else []
        return own + [ref for v in value.values() for ref in secret_key_refs(v)]
    if isinstance(value, list):
        return [ref for v in value for ref in secret_key_refs(v)]
    return []


@pytest.mark.parametrize("run_name", ["dev", "prod", "private-repo"])
def test_every_secret_the_values_name_exists_with_the_key_the_chart_reads(run_name, dev_run, prod_run):
    run = {"dev": dev_run, "prod": prod_run}.get(run_name) or private_repo_run()
    values = user_values(run)
    referenced = [(at(values, path), key) for path, key in CHART_SECRET_KEYS.items() if at(values, path)]
    referenced += [(ref["name"], ref["key"]) for ref in secret_key_refs(values)]
    assert len(referenced) >= (6 if run_name == "private-repo" else 5)
    for name, key in referenced:
        assert key in kubernetes_secret(run, name), f"Secret {name} has no key {key}"


@pytest.mark.parametrize("run_name", ["dev", "prod", "private-repo"])
def test_every_generated_value_is_stored_as_a_secret(run_name, dev_run, prod_run):
    run = {"dev": dev_run, "prod": prod_run}.get(run_name) or private_repo_run()
    for secret in run.of_type(SECRET):
        data = secret.inputs["stringData"]
        assert strings_in(data) and not strings_in(data, secret=False), secret.name


def test_no_generated_value_reaches_the_values_or_a_plain_output_or_input(stack_run):
    secrets = generated_secrets(stack_run)
    airflow_secrets = {v for s in stack_run.of_type(SECRET) for v in plain(s.inputs["stringData"]).values()}
    assert airflow_secrets <= secrets
    in_values = " ".join(strings_in(release(stack_run).inputs["values"]))
    assert not [s for s in secrets if s in in_values]
    assert not clear_leaks(stack_run)


def test_no_webserver_secret_key_with_airflow_3(stack_run):
    """Chart 1.20.0 renders ``AIRFLOW__WEBSERVER__SECRET_KEY`` and the Secret it names only while
    ``airflowVersion`` < 3 (templates/_helpers.yaml, secrets/webserver-secret-key-secret.yaml); Airflow
    3.1.8 signs with ``[api] secret_key``, reading ``[webserver] secret_key`` only as its deprecated name."""
    values = template_values(stack_run)
    assert int(values["airflowVersion"].split(".")[0]) >= 3
    assert values["webserverSecretKeySecretName"] is None and values["webserverSecretKey"] is None
    assert values["apiSecretKeySecretName"]
    assert not [s.name for s in stack_run.of_type(SECRET) if "webserver" in s.inputs["metadata"]["name"]]
    assert not [r.name for r in stack_run.of_type(RANDOM_PASSWORD) if "webserver" in r.name]


def test_random_values_are_secret_in_the_state(stack_run):
    for resource in stack_run.resources:
        if resource.type == RANDOM_PASSWORD:
            assert is_secret(resource.state["result"])
        elif resource.type == "random:index/randomBytes:RandomBytes":
            assert is_secret(resource.state["base64"]) and is_secret(resource.state["hex"])
    assert not stack_run.of_type("random:index/randomId:RandomId"), "RandomId results are not secret"


def test_generated_values_stay_the_same_on_the_next_up(dev_run):
    """pulumi-random replaces a value only when its inputs change: none may change between runs."""
    again = run_program("dev")
    randoms = [r for r in dev_run.resources if r.type.startswith("random:")]
    assert len(randoms) >= 5
    for resource in randoms:
        assert "keepers" not in resource.inputs
        assert plain(named(again, resource.type, resource.name).inputs) == plain(resource.inputs)


def test_fernet_key_works_with_cryptography(stack_run):
    key = kubernetes_secret(stack_run, at(user_values(stack_run), ("fernetKeySecretName",)))["fernet-key"]
    fernet = Fernet(key)
    assert fernet.decrypt(fernet.encrypt(b"connection password")) == b"connection password"
    # The Fernet spec's base64url, even where the random draw has + or / in standard base64.
    assert set(key) <= set(string.ascii_letters + string.digits + "-_=") and len(key) == 44
    random_bytes = plain(stack_run.one("random:index/randomBytes:RandomBytes").state["base64"])
    assert base64.urlsafe_b64decode(key) == base64.b64decode(random_bytes)


@given(st.binary(min_size=32, max_size=32))
def test_any_random_bytes_make_a_fernet_key(raw):
    key = fernet_key(base64.b64encode(raw).decode())
    assert base64.urlsafe_b64decode(key) == raw and "+" not in key and "/" not in key
    assert Fernet(key).decrypt(Fernet(key).encrypt(b"x")) == b"x"


def test_metadata_connection_is_airflows_own_role_over_verified_tls(stack_run):
    name = at(user_values(stack_run), ("data", "metadataSecretName"))
    url = make_url(kubernetes_secret(stack_run, name)["connection"])
    server = stack_run.one("azure-native:dbforpostgresql:Server")
    assert url.drivername == "postgresql+psycopg2"
    assert url.host == server.state["fullyQualifiedDomainName"]
    assert url.port == 5432
    assert url.database == stack_run.one("azure-native:dbforpostgresql:Database").inputs["databaseName"]
    assert url.username == "airflow" != server.inputs["administratorLogin"]
    role_password = named(stack_run, RANDOM_PASSWORD, "airflow-role-password").state["result"]
    assert url.password == plain(role_password) != plain(server.inputs["administratorLoginPassword"])
    # verify-full: the certificate must chain up to the mounted bundle and name the host (the server's FQDN).
    assert url.query == {"sslmode": "verify-full", "sslrootcert": DATABASE_CA_PATH}


@given(password=st.text(min_size=1), user=st.text(min_size=1))
def test_connection_uri_round_trips_any_credentials(password, user):
    uri = postgres_connection_uri(
        user=user, password=password, host="db.example", port=5432, database="x", root_cert="/c"
    )
    url = make_url(uri)
    assert (url.username, url.password, url.host, url.database) == (user, password, "db.example", "x")


def test_uri_special_characters_are_percent_encoded():
    password = "p@ss:w/rd?#%&+ ="
    uri = postgres_connection_uri(user="u", password=password, host="h", port=5432, database="d", root_cert="/c a.pem")
    assert quote(password, safe="") in uri
    assert make_url(uri).password == password
    assert make_url(uri).query["sslrootcert"] == "/c a.pem"


def test_no_default_admin_password(stack_run):
    values = user_values(stack_run)
    job = values["createUserJob"]
    assert job["defaultUser"]["password"] == ""
    assert not [a for a in job["args"] if "password" in a and "{{" in a], "a password from the values"
    (env,) = [e for e in job["env"] if e["name"] in job["args"][2]]
    password = kubernetes_secret(stack_run, env["valueFrom"]["secretKeyRef"]["name"])[
        env["valueFrom"]["secretKeyRef"]["key"]
    ]
    assert password == plain(named(stack_run, RANDOM_PASSWORD, "airflow-admin-password").state["result"])
    assert stack_run.outputs["airflowAdminPassword"].secret
    assert stack_run.outputs["airflowAdminPassword"].value == password


def test_private_dag_repository_key_is_a_secret_and_host_keys_are_pinned():
    run = private_repo_run()
    git_sync = user_values(run)["dags"]["gitSync"]
    assert git_sync["enabled"] is True
    assert git_sync["repo"] == PRIVATE_REPO["gitSync"]["repo"]
    assert git_sync["knownHosts"] == KNOWN_HOSTS
    assert kubernetes_secret(run, git_sync["sshKeySecret"])["gitSshKey"] == DEPLOY_KEY
    assert DEPLOY_KEY not in " ".join(strings_in(release(run).inputs["values"]))

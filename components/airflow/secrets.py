"""The Kubernetes Secrets the chart reads, and the exact formats Airflow expects in them.

The chart is told each Secret's name; the key inside is fixed by the chart's templates.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from urllib.parse import quote


@dataclass(frozen=True)
class SecretKeyRef:
    """One key of one Kubernetes Secret in the release namespace."""

    name: str
    key: str


# Names differ from the chart's own defaults (``airflow-metadata``, ``airflow-fernet-key``...)
# so a chart that still rendered its own Secret could never overwrite ours.
METADATA_CONNECTION = SecretKeyRef("airflow-metadata-connection", "connection")
FERNET_KEY = SecretKeyRef("airflow-fernet", "fernet-key")
API_SECRET_KEY = SecretKeyRef("airflow-api-secret", "api-secret-key")
JWT_SECRET = SecretKeyRef("airflow-jwt", "jwt-secret")
GIT_SSH_KEY = SecretKeyRef("airflow-git-ssh", "gitSshKey")
#: Read only by the create-user job, through an environment variable.
ADMIN_PASSWORD = SecretKeyRef("airflow-admin-password", "password")
#: Read only by the database role Job (components/airflow/role_job.py): never named in the chart values.
DATABASE_ADMIN_PASSWORD = SecretKeyRef("airflow-database-role-setup", "admin-password")
DATABASE_ROLE_PASSWORD = SecretKeyRef("airflow-database-role-setup", "role-password")


def postgres_connection_uri(*, user: str, password: str, host: str, port: int, database: str, root_cert: str) -> str:
    """SQLAlchemy URI with psycopg2 (shipped in the official image) over TLS that checks the server:
    its certificate must chain up to a root in the file ``root_cert`` and name ``host``.

    User, password, database and the file's path are percent-encoded, so any character survives parsing.
    """
    credentials = f"{quote(user, safe='')}:{quote(password, safe='')}"
    tls = f"sslmode=verify-full&sslrootcert={quote(root_cert, safe='/')}"
    return f"postgresql+psycopg2://{credentials}@{host}:{port}/{quote(database, safe='')}?{tls}"


def fernet_key(random_base64: str) -> str:
    """The key format the Fernet spec defines: 32 random bytes in URL-safe base64, padding kept.

    pulumi-random's ``RandomBytes`` gives standard base64, whose ``+`` and ``/`` the spec does not allow.
    """
    return base64.urlsafe_b64encode(base64.b64decode(random_base64)).decode()


def digest(value: str) -> str:
    """SHA-256 of a Secret's value: changes with it, and reveals nothing of a key or generated password."""
    return hashlib.sha256(value.encode()).hexdigest()


def digest_annotation(ref: SecretKeyRef) -> str:
    """The pod annotation that carries the digest of ``ref``'s Secret."""
    return f"airflow-platform/sha256-{ref.name}"


#: The CA bundle the metadata connection verifies the server against (``sslrootcert``): a ConfigMap in the
#: release namespace, mounted read-only through the chart's global ``volumes``/``volumeMounts``.
DATABASE_CA_CONFIG_MAP = "airflow-database-ca"
DATABASE_CA_KEY = "roots.pem"
DATABASE_CA_PATH = f"/etc/airflow-platform/database-ca/{DATABASE_CA_KEY}"

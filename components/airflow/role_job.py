"""The Job that gives Airflow its own database role, from inside the cluster (the server is private).

It runs :mod:`components.airflow.database_role` with the Airflow image's Python and psycopg2 on the
control-plane pool, before the Helm release, over TLS verified against the platform's CA bundle.
The administrator's password is in this Job's own Secret and environment only, in a namespace of its
own: no chart value and no Airflow pod names that Secret, and what may read the Airflow namespace's
Secrets cannot read it there. That namespace's pods reach the database and DNS only. Jobs are
immutable, so the Job is named after a digest of everything it does (its spec, the SQL, both
passwords' digests): a rotated password or changed SQL replaces it, and the replacement runs again;
an unchanged one is left alone.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.airflow import database_role
from components.airflow.network_policies import database_only_specs, declare_policies
from components.airflow.readers import namespace_readers
from components.airflow.secrets import DATABASE_ADMIN_PASSWORD, DATABASE_ROLE_PASSWORD, SecretKeyRef, digest
from components.platform import Database, NodePlacement

JOB_PREFIX = "airflow-database-role"
SCRIPT = Path(database_role.__file__).read_text()
#: The official image's ``airflow`` user.
AIRFLOW_UID = 50000
CA_VOLUME = "database-ca"


@dataclass(frozen=True)
class DatabaseRoleJobArgs:
    database: Database
    placement: NodePlacement
    image: str
    #: The Job's own namespace, created here.
    namespace: str
    #: The ConfigMap holding the CA bundle (created here too), its key, and where the pods find the file.
    ca_config_map: str
    ca_key: str
    ca_path: str
    #: Whether the namespace denies all traffic but the database and DNS (airflow.networkPolicies).
    isolated: bool
    #: Groups that read (never change) the namespace: the preview identity's, whose `--refresh` reads
    #: every object of the stack (it decrypts the stack's secrets anyway).
    reader_groups: Sequence[str]
    #: What must exist before the Job runs (the cluster, the registry's pull grant...).
    ready: Sequence[pulumi.Resource]


def _secret_env(name: str, ref: SecretKeyRef) -> dict[str, Any]:
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": ref.name, "key": ref.key}}}


def job_spec(args: DatabaseRoleJobArgs, host: str) -> dict[str, Any]:
    """The Job's spec: one attempt at a time, on the control-plane pool, as the image's non-root user."""
    db = args.database
    env = [
        {"name": "PGHOST", "value": host},
        {"name": "PGPORT", "value": str(db.port)},
        {"name": "PGDATABASE", "value": db.name},
        {"name": "PGUSER", "value": db.admin.user},
        _secret_env("PGPASSWORD", DATABASE_ADMIN_PASSWORD),
        {"name": "PGSSLMODE", "value": "verify-full"},
        {"name": "PGSSLROOTCERT", "value": args.ca_path},
        {"name": "PGCONNECT_TIMEOUT", "value": "10"},
        {"name": database_role.ROLE_ENV, "value": db.airflow_role.user},
        _secret_env(database_role.ROLE_PASSWORD_ENV, DATABASE_ROLE_PASSWORD),
        {"name": "PYTHONDONTWRITEBYTECODE", "value": "1"},
    ]
    container = {
        "name": "create-role",
        "image": args.image,
        "imagePullPolicy": "IfNotPresent",
        # Replaces the image's entrypoint, which would first wait for Airflow's own database connection.
        "command": ["python", "-c", SCRIPT],
        "env": env,
        "volumeMounts": [{"name": CA_VOLUME, "mountPath": str(PurePosixPath(args.ca_path).parent), "readOnly": True}],
        "resources": {"requests": {"cpu": "50m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
    }
    return {
        "backoffLimit": 3,
        "activeDeadlineSeconds": 600,
        "template": {
            "metadata": {"labels": {"app.kubernetes.io/name": JOB_PREFIX}},
            "spec": {
                "restartPolicy": "Never",
                "automountServiceAccountToken": False,
                "nodeSelector": dict(args.placement.node_selector),
                "tolerations": args.placement.toleration_dicts(),
                "securityContext": {
                    "runAsNonRoot": True,
                    "runAsUser": AIRFLOW_UID,
                    "seccompProfile": {"type": "RuntimeDefault"},
                },
                "containers": [container],
                "volumes": [
                    {
                        "name": CA_VOLUME,
                        "configMap": {
                            "name": args.ca_config_map,
                            "items": [{"key": args.ca_key, "path": PurePosixPath(args.ca_path).name}],
                        },
                    }
                ],
            },
        },
    }


def job_name(spec: dict[str, Any], admin_password: str, role_password: str) -> str:
    """``airflow-database-role-<digest>``: changes with the spec (the SQL is in it) or either password."""
    text = json.dumps(spec, sort_keys=True) + digest(admin_password) + digest(role_password)
    return f"{JOB_PREFIX}-{hashlib.sha256(text.encode()).hexdigest()[:10]}"


class DatabaseRoleJob(pulumi.ComponentResource):
    def __init__(self, name: str, args: DatabaseRoleJobArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("airflow-platform:airflow:DatabaseRoleJob", name, None, opts)
        db = args.database
        in_cluster = pulumi.ResourceOptions(parent=self)
        self.namespace = k8s.core.v1.Namespace(
            "namespace",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=args.namespace),
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.ready)),
        )
        namespace = self.namespace.metadata.apply(lambda m: m.name)
        self.policies = declare_policies(database_only_specs(db.network), namespace, self) if args.isolated else []
        self.readers = namespace_readers(namespace, args.reader_groups, in_cluster)
        self.ca = k8s.core.v1.ConfigMap(
            args.ca_config_map,
            metadata=k8s.meta.v1.ObjectMetaArgs(name=args.ca_config_map, namespace=namespace),
            data={args.ca_key: db.ca_certificates},
            opts=in_cluster,
        )
        self.secret = k8s.core.v1.Secret(
            DATABASE_ADMIN_PASSWORD.name,
            metadata=k8s.meta.v1.ObjectMetaArgs(name=DATABASE_ADMIN_PASSWORD.name, namespace=namespace),
            type="Opaque",
            string_data={
                DATABASE_ADMIN_PASSWORD.key: pulumi.Output.secret(db.admin.password),
                DATABASE_ROLE_PASSWORD.key: pulumi.Output.secret(db.airflow_role.password),
            },
            opts=in_cluster,
        )
        spec = db.host.apply(lambda host: job_spec(args, host))
        # A digest, deliberately not secret: the name shows in previews; it reveals nothing of a password.
        name_ = pulumi.Output.unsecret(
            pulumi.Output.all(spec, db.admin.password, db.airflow_role.password).apply(lambda v: job_name(*v))
        )
        self.job = k8s.batch.v1.Job(
            "job",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=name_,
                namespace=namespace,
                # A Job that failed (the server unreachable, say) is replaced, so runs again, on the next `pulumi up`.
                annotations={"pulumi.com/replaceUnready": "true"},
            ),
            spec=spec,
            # The provider waits for the Job to succeed; a failed Job fails `pulumi up` before the release. Its
            # wait outlasts the Job's own deadline, so the failure is the Job's, with its reason.
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[*args.ready, *db.ready, self.secret, self.ca, *self.policies],
                custom_timeouts=pulumi.CustomTimeouts(create="15m", update="15m"),
            ),
        )
        self.register_outputs({"jobName": self.job.metadata.apply(lambda m: m.name)})

"""The official chart's values for Airflow on the platform, from the settings and the platform's handles.

Every key here is one the chart 1.20.0 reads (``values.yaml``/``values.schema.json``); tests validate
the result against the chart's own schema and compute placement the way its templates do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from components.airflow.availability import availability_values, task_recovery_config
from components.airflow.metrics import STATSD_SCRAPE_PORT, statsd_values
from components.airflow.remote_logs import RemoteLogging
from components.airflow.secrets import (
    ADMIN_PASSWORD,
    API_SECRET_KEY,
    DATABASE_CA_CONFIG_MAP,
    DATABASE_CA_PATH,
    FERNET_KEY,
    GIT_SSH_KEY,
    JWT_SECRET,
    METADATA_CONNECTION,
    SecretKeyRef,
)
from components.airflow.secrets_backend import secrets_config
from components.config import AirflowSettings, GitSyncSettings
from components.config.resources import ProcessResources
from components.database_connections import database_pool_config
from components.platform import (
    AIRFLOW_SERVICE_ACCOUNTS,
    MetricsScraping,
    NodePlacement,
    SecretsBackend,
    WorkloadIdentity,
)

RELEASE_NAME = "airflow"
API_SERVER_PORT = 8080
ADMIN_USERNAME = "admin"
ADMIN_PASSWORD_ENV = "AIRFLOW_ADMIN_PASSWORD"
DATABASE_CA_VOLUME = "database-ca"
#: What task pods see as the metadata connection: an address that resolves nowhere (``.invalid``, RFC 2606).
NO_METADATA_DATABASE = "postgresql+psycopg2://no-metadata-database.invalid/none"
#: Task pods talk to the API server's execution API, never to the metadata database. Chart 1.20.0 gives
#: the pod template the connection with every other pod (``standard_airflow_environment``, switched only
#: globally by ``enableBuiltInSecretEnvVars``) and appends ``workers.env`` after it: a later definition of
#: a name is the one a container gets, so these hide it. The image's entrypoint would first wait for the
#: database (``airflow db check``) unless CONNECTION_CHECK_MAX_COUNT is 0.
TASK_POD_ENV = [
    {"name": "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "value": NO_METADATA_DATABASE},
    {"name": "CONNECTION_CHECK_MAX_COUNT", "value": "0"},
]

#: ``airflow users create`` with the chart's own user fields, but the password from the generated
#: Secret (through the environment) instead of ``defaultUser.password`` in the values.
CREATE_USER_ARGS = [
    "bash",
    "-c",
    f'exec airflow users create "$@" --password "${ADMIN_PASSWORD_ENV}"',
    "--",
    "--role",
    "{{ .Values.createUserJob.defaultUser.role }}",
    "--username",
    "{{ .Values.createUserJob.defaultUser.username }}",
    "--email",
    "{{ .Values.createUserJob.defaultUser.email }}",
    "--firstname",
    "{{ .Values.createUserJob.defaultUser.firstName }}",
    "--lastname",
    "{{ .Values.createUserJob.defaultUser.lastName }}",
]


@dataclass(frozen=True)
class ValuesArgs:
    settings: AirflowSettings
    control_plane: NodePlacement
    tasks: NodePlacement
    identity: WorkloadIdentity
    logging: RemoteLogging
    #: Whether a deploy key for a private DAG repository was configured.
    has_git_ssh_key: bool
    #: Annotations of every Airflow pod (the digests of the Secrets they read).
    pod_annotations: Mapping[str, Any]
    #: Where connections and variables come from, besides the environment and the database.
    secrets_backend: SecretsBackend | None = None
    #: Who scrapes Airflow's statsd metrics; None turns the exporter off.
    metrics: MetricsScraping | None = None


def secret_env(name: str, ref: SecretKeyRef) -> dict[str, Any]:
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": ref.name, "key": ref.key}}}


def git_sync(settings: GitSyncSettings, has_ssh_key: bool) -> dict[str, Any]:
    """git-sync from the configured repository, off without one.

    The settings already refuse a deploy key without a repository or without pinned host keys.
    """
    if settings.repo is None:
        return {"enabled": False}
    values: dict[str, Any] = {
        "enabled": True,
        "repo": settings.repo,
        # git-sync v4 (the chart's image) reads ``ref``; ``branch`` is what v3 read.
        "branch": settings.branch,
        "ref": settings.branch,
        "subPath": settings.sub_path,
        "period": settings.period,
    }
    if has_ssh_key:
        values["sshKeySecret"] = GIT_SSH_KEY.name
        values["knownHosts"] = settings.known_hosts
    return values


def chart_values(args: ValuesArgs) -> dict[str, Any]:
    s = args.settings
    identity = args.identity

    def bound_to_identity(component: str) -> dict[str, Any]:
        """A component whose pods read or write logs: its named service account and pod labels."""
        return {
            "serviceAccount": {
                "create": True,
                "name": AIRFLOW_SERVICE_ACCOUNTS[component],
                "annotations": dict(identity.service_account_annotations),
            },
            "labels": dict(identity.pod_labels),
        }

    available = availability_values(s, RELEASE_NAME, args.control_plane)
    r = s.resources

    def process(resources: ProcessResources, groomed: bool = False) -> dict[str, Any]:
        """A component's requests and memory limit (the chart gives its init container the same),
        and its log groomer sidecar's where the chart runs one."""
        values: dict[str, Any] = {"resources": resources.chart_value()}
        if groomed:
            values["logGroomerSidecar"] = {"resources": r.log_groomer.chart_value()}
        return values

    recovery = task_recovery_config(s)
    return {
        # The chart derives every Airflow image (pods, task pod template, executor config) from these.
        "defaultAirflowRepository": s.image.repository,
        "defaultAirflowTag": s.image.tag,
        "executor": "KubernetesExecutor",
        "postgresql": {"enabled": False},
        "redis": {"enabled": False},
        "data": {"metadataSecretName": METADATA_CONNECTION.name},
        # The chart would also expose the metadata DB to tasks as connection ``airflow_db``;
        # Airflow 3 tasks must not reach the metadata DB, and our psycopg2 URI is no valid connection type.
        "enableBuiltInSecretEnvVars": {"AIRFLOW_CONN_AIRFLOW_DB": False},
        "fernetKeySecretName": FERNET_KEY.name,
        "apiSecretKeySecretName": API_SECRET_KEY.name,
        "jwtSecretName": JWT_SECRET.name,
        # The chart reads airflowPodAnnotations into every Airflow pod: Deployments, Jobs, the task pod
        # template. A changed annotation rolls the Deployments, so a changed Secret reaches every process.
        "airflowPodAnnotations": dict(args.pod_annotations),
        # Every pod the chart runs falls back to these: the control-plane pool. Only task pods
        # (the pod template) select the task pool, through the keys below.
        "nodeSelector": dict(args.control_plane.node_selector),
        "tolerations": args.control_plane.toleration_dicts(),
        "workers": {
            # The pod template reads workers.kubernetes.nodeSelector, then workers.nodeSelector, then
            # the global one; tolerations only from workers.tolerations, then the global ones.
            "kubernetes": {
                "nodeSelector": dict(args.tasks.node_selector),
                "resources": s.task_pod.model_dump(),
            },
            "tolerations": args.tasks.toleration_dicts(),
            "env": TASK_POD_ENV,
            **bound_to_identity("workers"),
        },
        "scheduler": {**bound_to_identity("scheduler"), **available["scheduler"], **process(r.scheduler, groomed=True)},
        "apiServer": {**bound_to_identity("apiServer"), **available["apiServer"], **process(r.api_server)},
        "dagProcessor": {
            "enabled": True,
            **bound_to_identity("dagProcessor"),
            **available["dagProcessor"],
            **process(r.dag_processor, groomed=True),
        },
        # Triggerer logs go to blob storage like every other log: no volume claim.
        "triggerer": {
            "persistence": {"enabled": False},
            **bound_to_identity("triggerer"),
            **available["triggerer"],
            **process(r.triggerer, groomed=True),
        },
        "logs": {"persistence": {"enabled": False}},
        # Helm hooks, as the chart intends: on every install and upgrade Helm deletes the previous Job
        # (before-hook-creation), creates it anew and waits for it, the migration (weight 1) before
        # create-user (weight 2). A changed Job never meets the old one, so no "field is immutable".
        "migrateDatabaseJob": {"useHelmHooks": True, "applyCustomEnv": False, **process(r.migrate_database_job)},
        "createUserJob": {
            **process(r.create_user_job),
            "useHelmHooks": True,
            "applyCustomEnv": False,
            # Emptied so the chart's default password ("admin") is nowhere: CREATE_USER_ARGS use the
            # generated one, and the chart's own args would fail rather than create admin/admin.
            "defaultUser": {"username": ADMIN_USERNAME, "password": ""},
            "args": CREATE_USER_ARGS,
            "env": [secret_env(ADMIN_PASSWORD_ENV, ADMIN_PASSWORD)],
        },
        "ports": {"apiServer": API_SERVER_PORT, "statsdScrape": STATSD_SCRAPE_PORT},
        "statsd": {**statsd_values(args.metrics), **process(r.statsd)},
        "env": args.logging.env,
        # The metadata connection's sslrootcert, in every pod the chart runs: chart 1.20.0 mounts the global
        # volumeMounts in each Deployment and its wait-for-migrations init container, both Jobs and the pod template.
        "volumes": [{"name": DATABASE_CA_VOLUME, "configMap": {"name": DATABASE_CA_CONFIG_MAP}}],
        "volumeMounts": [
            {"name": DATABASE_CA_VOLUME, "mountPath": str(PurePosixPath(DATABASE_CA_PATH).parent), "readOnly": True}
        ],
        "config": {
            "core": {
                "parallelism": s.parallelism,
                "max_active_tasks_per_dag": s.max_active_tasks_per_dag,
                **recovery["core"],
            },
            "scheduler": recovery["scheduler"],
            # Every process's pool, the figure components/database_connections.py counts against the server.
            "database": database_pool_config(s.database_pool.size, s.database_pool.max_overflow),
            "kubernetes_executor": {
                "worker_pods_creation_batch_size": s.worker_pods_creation_batch_size,
                "delete_worker_pods": "True",
                # A failed task's pod stays for inspection until someone deletes it.
                "delete_worker_pods_on_failure": "False",
            },
            **args.logging.config,
            **secrets_config(args.secrets_backend),
        },
        "dags": {"gitSync": {**git_sync(s.git_sync, args.has_git_ssh_key), "resources": r.git_sync.chart_value()}},
    }

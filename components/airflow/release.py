"""Airflow 3 from the official Helm chart, with generated secrets, on any cloud's :class:`Platform`."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random
from pydantic import SecretStr

from components.airflow.front_door import AirflowFrontDoor, FrontDoorArgs
from components.airflow.network_policies import declare_network_policies
from components.airflow.proxy import behind_proxy
from components.airflow.readers import namespace_readers
from components.airflow.remote_logs import remote_logging
from components.airflow.role_job import DatabaseRoleJob, DatabaseRoleJobArgs
from components.airflow.secrets import (
    ADMIN_PASSWORD,
    API_SECRET_KEY,
    DATABASE_CA_CONFIG_MAP,
    DATABASE_CA_KEY,
    DATABASE_CA_PATH,
    FERNET_KEY,
    GIT_SSH_KEY,
    JWT_SECRET,
    METADATA_CONNECTION,
    SecretKeyRef,
    digest,
    digest_annotation,
    fernet_key,
    postgres_connection_uri,
)
from components.airflow.sign_in import (
    API_SERVER_CONFIG_KEY,
    API_SERVER_CONFIG_MAP,
    SIGN_IN_CLIENT_SECRET,
    config_file,
    with_admin_state,
    with_sign_in,
)
from components.airflow.values import (
    ADMIN_PASSWORD_ENV,
    ADMIN_USERNAME,
    API_SERVER_PORT,
    RELEASE_NAME,
    ValuesArgs,
    chart_values,
)
from components.config import AirflowSettings
from components.platform import Platform

CHART = "airflow"
CHART_REPOSITORY = "https://airflow.apache.org"
#: How long Helm waits for each hook Job. A first install pulls the Airflow image onto new nodes
#: and migrates an empty database; Helm's default of 300 s is not enough for that.
RELEASE_TIMEOUT_SECONDS = 1200


@dataclass(frozen=True)
class AirflowReleaseArgs:
    platform: Platform
    settings: AirflowSettings
    #: Deploy key of a private DAG repository (``pulumi config set --secret gitSshKey``).
    git_ssh_key: SecretStr | None = None


class AirflowRelease(pulumi.ComponentResource):
    """The namespace, the generated secrets and the Helm release; knows nothing of the cloud."""

    def __init__(self, name: str, args: AirflowReleaseArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("airflow-platform:airflow:Release", name, None, opts)
        platform = args.platform
        cluster = platform.cluster
        # Computed before any child is declared: an unsupported log store stops here.
        logging = remote_logging(platform.logs)
        in_cluster = pulumi.ResourceOptions(parent=self, provider=cluster.provider)

        self.namespace = k8s.core.v1.Namespace(
            "namespace",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=args.settings.namespace),
            opts=pulumi.ResourceOptions.merge(in_cluster, pulumi.ResourceOptions(depends_on=list(cluster.ready))),
        )
        namespace = self.namespace.metadata.apply(lambda m: m.name)
        self.readers = namespace_readers(namespace, cluster.reader_groups, in_cluster)

        # No keepers: each value is generated once and kept by every later `pulumi up`.
        fernet = random.RandomBytes("fernet-key", length=32, opts=pulumi.ResourceOptions(parent=self))
        self.admin_password = random.RandomPassword(
            "airflow-admin-password", length=32, special=False, opts=pulumi.ResourceOptions(parent=self)
        )
        database = platform.database
        generated: dict[SecretKeyRef, pulumi.Output[str]] = {
            # Airflow's own role, never the administrator; the server's name checked against its certificate.
            METADATA_CONNECTION: pulumi.Output.all(database.host, database.airflow_role.password).apply(
                lambda parts: postgres_connection_uri(
                    user=database.airflow_role.user,
                    password=parts[1],
                    host=parts[0],
                    port=database.port,
                    database=database.name,
                    root_cert=DATABASE_CA_PATH,
                )
            ),
            FERNET_KEY: fernet.base64.apply(fernet_key),
            API_SECRET_KEY: self._random_key("api-secret-key"),
            JWT_SECRET: self._random_key("jwt-secret"),
            ADMIN_PASSWORD: self.admin_password.result,
        }
        if args.git_ssh_key is not None:
            generated[GIT_SSH_KEY] = pulumi.Output.from_input(args.git_ssh_key.get_secret_value())
        sign_in = platform.sign_in
        if sign_in is not None:
            generated[SIGN_IN_CLIENT_SECRET] = sign_in.client_secret
        self.secrets = [
            k8s.core.v1.Secret(
                ref.name,
                metadata=k8s.meta.v1.ObjectMetaArgs(name=ref.name, namespace=namespace),
                type="Opaque",
                string_data={ref.key: pulumi.Output.secret(value)},
                opts=in_cluster,
            )
            for ref, value in generated.items()
        ]
        self.database_ca = k8s.core.v1.ConfigMap(
            DATABASE_CA_CONFIG_MAP,
            metadata=k8s.meta.v1.ObjectMetaArgs(name=DATABASE_CA_CONFIG_MAP, namespace=namespace),
            data={DATABASE_CA_KEY: database.ca_certificates},
            opts=in_cluster,
        )
        self.database_role = DatabaseRoleJob(
            "database-role",
            DatabaseRoleJobArgs(
                database=database,
                placement=cluster.control_plane,
                image=f"{args.settings.image.repository}:{args.settings.image.tag}",
                namespace=args.settings.database_setup_namespace,
                ca_config_map=DATABASE_CA_CONFIG_MAP,
                ca_key=DATABASE_CA_KEY,
                ca_path=DATABASE_CA_PATH,
                isolated=args.settings.network_policies,
                reader_groups=cluster.reader_groups,
                ready=[*cluster.ready, *platform.registry.ready],
            ),
            opts=in_cluster,
        )
        # Pods read the Secrets at start only: a digest of each in their annotations rolls them when one
        # changes. Deliberately not secret, so a preview shows which Secret changed.
        digests = {
            digest_annotation(ref): pulumi.Output.unsecret(pulumi.Output.from_input(value).apply(digest))
            for ref, value in generated.items()
        }
        values = chart_values(
            ValuesArgs(
                settings=args.settings,
                control_plane=cluster.control_plane,
                tasks=cluster.tasks,
                identity=platform.logs.identity,
                logging=logging,
                has_git_ssh_key=args.git_ssh_key is not None,
                pod_annotations=digests,
                secrets_backend=platform.secrets,
                metrics=platform.metrics,
            )
        )
        self.sign_in_config: list[k8s.core.v1.ConfigMap] = []
        if sign_in is not None:
            text = config_file(sign_in, args.settings.ui.sign_in)
            self.sign_in_config.append(
                k8s.core.v1.ConfigMap(
                    API_SERVER_CONFIG_MAP,
                    metadata=k8s.meta.v1.ObjectMetaArgs(name=API_SERVER_CONFIG_MAP, namespace=namespace),
                    data={API_SERVER_CONFIG_KEY: text},
                    opts=in_cluster,
                )
            )
            values = with_sign_in(values, config_digest=text.apply(digest))
        keep_admin = sign_in is None or args.settings.ui.sign_in.keep_admin_user
        values = with_admin_state(values, active=keep_admin, password_env=ADMIN_PASSWORD_ENV)
        if platform.front_door is not None:
            # Envoy speaks plain HTTP to the API server: https URLs and cookies on the host name all the same.
            values = behind_proxy(values, platform.front_door.hostname)
        # Before any pod of the release starts: a pod never runs without its policies.
        self.network_policies = declare_network_policies(namespace, args.settings, platform, values, in_cluster)
        # The UI and API on the stack's host name, when the platform has a front door (airflow.ui.hostname).
        door = platform.front_door
        self.front_door = (
            AirflowFrontDoor("front-door", FrontDoorArgs(door, args.settings.ui, namespace), opts=in_cluster)
            if door
            else None
        )

        self.release = k8s.helm.v3.Release(
            "airflow",
            name=RELEASE_NAME,
            chart=CHART,
            version=args.settings.chart_version,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=CHART_REPOSITORY),
            namespace=namespace,
            values=values,
            timeout=RELEASE_TIMEOUT_SECONDS,
            # Helm always waits for hooks: done means migrated and the admin user created. Its wait for
            # the pods stays off, as the pods wait for the migration, a post-install hook that runs
            # after that wait: a first install would never finish. Not atomic either, which turns that
            # wait back on; a failed release stays, and the next `pulumi up` upgrades it.
            skip_await=True,
            # The task pool is not waited for: it provisions alongside, and task pods wait for nodes.
            # The registry's pull grant is: the Jobs pull the image as soon as the release is created.
            opts=pulumi.ResourceOptions.merge(
                in_cluster,
                pulumi.ResourceOptions(
                    depends_on=[
                        *cluster.ready,
                        *database.ready,
                        *platform.logs.identity.ready,
                        *platform.logs.ready,
                        *(platform.secrets.ready if platform.secrets else []),
                        *platform.registry.ready,
                        *self.secrets,
                        self.database_ca,
                        # Airflow logs in as the role this Job creates.
                        self.database_role.job,
                        *self.network_policies,
                        *self.sign_in_config,
                        *(sign_in.ready if sign_in else []),
                    ]
                ),
            ),
        )
        status = self.release.status
        self.outputs: dict[str, pulumi.Input[object]] = {
            "airflowNamespace": namespace,
            "airflowReleaseName": self.release.name,
            "airflowReleaseStatus": status.apply(lambda s: s.status),
            "airflowApiServerUrl": pulumi.Output.concat(
                "http://", RELEASE_NAME, "-api-server.", namespace, ".svc.cluster.local:", str(API_SERVER_PORT)
            ),
            "airflowChartVersion": status.apply(lambda s: s.version),
            "airflowVersion": status.apply(lambda s: s.app_version),
            "airflowImage": f"{args.settings.image.repository}:{args.settings.image.tag}",
            "airflowRemoteLogFolder": logging.folder_url,
            "airflowAdminUsername": ADMIN_USERNAME,
            "airflowAdminPassword": pulumi.Output.secret(self.admin_password.result),
            **({"airflowUrl": self.front_door.url} if self.front_door else {}),
        }
        self.register_outputs(self.outputs)

    def _random_key(self, name: str) -> pulumi.Output[str]:
        """A signing key: 64 random letters and digits, kept across updates."""
        return random.RandomPassword(name, length=64, special=False, opts=pulumi.ResourceOptions(parent=self)).result

"""The API server's sign-in: FAB's OAuth against the platform's OpenID Connect provider (Entra ID).

Chart 1.20.0 mounts ``apiServer.apiServerConfigConfigMapName`` as ``$AIRFLOW_HOME/webserver_config.py``
in the API server, the file the FAB auth manager reads (``[fab] config_file``). The program writes
that ConfigMap itself: the chart's inline ``apiServerConfig`` goes through Helm's ``tpl``, and no
checksum of it rolls the pods. The client secret is read from the environment, which the chart
fills from a Kubernetes Secret; the file holds no secret.

FAB's security manager (provider 3.4.0) reads the ``azure`` provider's user from the id token:
``oid`` as user name, ``email`` or else ``upn``, and the role keys from the claim that
``AUTH_OAUTH_ROLE_KEYS["azure"]`` names (``roles`` unless set: here ``groups``). authlib checks the
id token's signature, issuer, audience and nonce against the tenant's discovery document
(``server_metadata_url``) when it fetches the token; ``verify_signature`` makes FAB check the
signature again with Microsoft's keys.
"""

from __future__ import annotations

import pprint
from typing import Any

import pulumi

from components.airflow.secrets import SecretKeyRef
from components.airflow.values import secret_env
from components.config.sign_in import SignInSettings
from components.platform import SignInProvider

SIGN_IN_CLIENT_SECRET = SecretKeyRef("airflow-sign-in", "client-secret")
SIGN_IN_CLIENT_SECRET_ENV = "AIRFLOW_PLATFORM_SIGN_IN_CLIENT_SECRET"
API_SERVER_CONFIG_MAP = "airflow-api-server-config"
API_SERVER_CONFIG_KEY = "webserver_config.py"
CONFIG_DIGEST_ANNOTATION = f"airflow-platform/sha256-{API_SERVER_CONFIG_MAP}"
FAB_AUTH_MANAGER = "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"
SCOPE = "openid email profile"
#: The id token claim that carries the user's group object ids (groupMembershipClaims).
ROLE_CLAIM = "groups"


def webserver_config(
    settings: SignInSettings,
    *,
    provider: str,
    client_id: str,
    authorize_url: str,
    token_url: str,
    metadata_url: str,
    issuer: str,
) -> str:
    """``webserver_config.py`` for FAB's OAuth with one provider; every value a Python literal."""
    remote_app: dict[str, Any] = {
        "client_id": client_id,
        "access_token_url": token_url,
        "authorize_url": authorize_url,
        "server_metadata_url": metadata_url,
        "client_kwargs": {"scope": SCOPE, "verify_signature": True},
    }
    roles = {group: [role] for group, role in sorted(settings.group_roles.items())}
    lines = [
        '"""Written by airflow-platform (components/airflow/sign_in.py): Entra ID sign-in, roles from groups."""',
        "import os",
        "",
        "from flask_appbuilder.security.manager import AUTH_OAUTH",
        "",
        "AUTH_TYPE = AUTH_OAUTH",
        "AUTH_USER_REGISTRATION = True",
        f"AUTH_USER_REGISTRATION_ROLE = {settings.default_role!r}",
        "AUTH_ROLES_SYNC_AT_LOGIN = True",
        f"AUTH_ROLES_MAPPING = {_literal(roles)}",
        f"AUTH_OAUTH_ROLE_KEYS = {_literal({provider: ROLE_CLAIM})}",
        f"OAUTH_ISSUER = {issuer!r}",
        f"_REMOTE_APP = {_literal(remote_app)}",
        f'_REMOTE_APP["client_secret"] = os.environ[{SIGN_IN_CLIENT_SECRET_ENV!r}]',
        f'OAUTH_PROVIDERS = [{{"name": {provider!r}, "icon": "fa-windows", "token_key": "access_token", '
        '"remote_app": _REMOTE_APP}]',
        "",
    ]
    return "\n".join(lines)


def config_file(provider: SignInProvider, settings: SignInSettings) -> pulumi.Output[str]:
    """The file's text once the provider's client id and endpoints are known."""
    parts = pulumi.Output.all(
        provider.client_id, provider.authorize_url, provider.token_url, provider.metadata_url, provider.issuer
    )
    return parts.apply(
        lambda p: webserver_config(
            settings,
            provider=provider.name,
            client_id=p[0],
            authorize_url=p[1],
            token_url=p[2],
            metadata_url=p[3],
            issuer=p[4],
        )
    )


def _literal(value: object) -> str:
    """A Python literal of strings, booleans, lists and dicts, keys sorted."""
    return pprint.pformat(value, width=110, sort_dicts=True)


#: Runs after ``airflow users create`` in the create-user Job: the generated admin's ``active`` flag.
#: FAB's token endpoint (``POST /auth/token``) takes a database user's password whatever AUTH_TYPE is,
#: so with sign-in on the admin is disabled, not merely hidden from the login page.
ADMIN_ACTIVE_SCRIPT = """\
import sys
from airflow.providers.fab.auth_manager.cli_commands.utils import get_application_builder
with get_application_builder() as appbuilder:
    user = appbuilder.sm.find_user(username=sys.argv[1])
    user.active = sys.argv[2] == "active"
    appbuilder.sm.update_user(user)
    print(f"user {user.username}: active={user.active}")
"""


def create_user_args(create_user: list[str], password_env: str, username: str, active: bool) -> list[str]:
    """The chart's create-user args, then the admin's active flag set (back on when sign-in goes off)."""
    script = ADMIN_ACTIVE_SCRIPT.replace("'", "")
    flag = "active" if active else "disabled"
    command = f'airflow users create "$@" --password "${password_env}" && exec python -c \'{script}\' {username} {flag}'
    return ["bash", "-c", command, *create_user[3:]]


def with_admin_state(values: dict[str, Any], *, active: bool, password_env: str) -> dict[str, Any]:
    """The create-user Job also sets the generated admin's active flag, on every upgrade: off while
    sign-in is on (unless kept for break-glass), and back on once a stack turns sign-in off."""
    create_user = dict(values["createUserJob"])
    username = create_user["defaultUser"]["username"]
    create_user["args"] = create_user_args(create_user["args"], password_env, username, active)
    return {**values, "createUserJob": create_user}


def with_sign_in(values: dict[str, Any], *, config_digest: Any) -> dict[str, Any]:
    """The release's values with sign-in on: the FAB auth manager, the API server's config file and
    secret. Other components' API server env vars are kept."""
    api_server = dict(values["apiServer"])
    api_server["apiServerConfigConfigMapName"] = API_SERVER_CONFIG_MAP
    api_server["env"] = [*api_server.get("env", []), secret_env(SIGN_IN_CLIENT_SECRET_ENV, SIGN_IN_CLIENT_SECRET)]
    # The chart has no checksum of this ConfigMap: a changed file rolls the API server through this.
    api_server["podAnnotations"] = {**api_server.get("podAnnotations", {}), CONFIG_DIGEST_ANNOTATION: config_digest}
    config = dict(values["config"])
    config["core"] = {**config.get("core", {}), "auth_manager": FAB_AUTH_MANAGER}
    return {**values, "apiServer": api_server, "config": config}

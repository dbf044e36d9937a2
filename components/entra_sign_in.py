"""Entra ID as the OpenID Connect provider Airflow's FAB auth manager signs users in with, on either cloud.

The endpoints are the tenant's own v2.0 ones, so only the tenant's users sign in and the id token's
issuer is checked against the tenant. On Azure the program may register the app itself
(components/azure/sign_in_app.py); on AWS, which has no Entra ID credentials to do so, the stack names
an existing registration (``airflow.ui.signIn.clientId`` and ``tenantId``, the secret in
``signInClientSecret``) whose redirect URI is :func:`redirect_uri`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
from pydantic import SecretStr

from components.config import StackSettings
from components.config.sign_in import CALLBACK_PATH
from components.platform import Destination, SignInProvider

#: Entra ID's sign-in host (the public cloud).
LOGIN_HOST = "https://login.microsoftonline.com"
#: The provider name FAB's security manager reads Entra ID's id token for (``provider == "azure"``).
PROVIDER_NAME = "azure"


def redirect_uri(hostname: str) -> str:
    return f"https://{hostname}{CALLBACK_PATH}"


def tenant_endpoints(tenant_id: pulumi.Input[str]) -> dict[str, pulumi.Output[str]]:
    """The tenant's v2.0 OpenID Connect endpoints and the issuer its id tokens carry."""
    base = pulumi.Output.concat(LOGIN_HOST, "/", tenant_id)
    return {
        "authorize_url": pulumi.Output.concat(base, "/oauth2/v2.0/authorize"),
        "token_url": pulumi.Output.concat(base, "/oauth2/v2.0/token"),
        "metadata_url": pulumi.Output.concat(base, "/v2.0/.well-known/openid-configuration"),
        "issuer": pulumi.Output.concat(base, "/v2.0"),
    }


def entra_provider(
    client_id: pulumi.Input[str],
    client_secret: pulumi.Input[str],
    tenant_id: pulumi.Input[str],
    ready: Sequence[pulumi.Resource] = (),
) -> SignInProvider:
    return SignInProvider(
        name=PROVIDER_NAME,
        client_id=pulumi.Output.from_input(client_id),
        client_secret=pulumi.Output.secret(client_secret),
        # login.microsoftonline.com: a public Microsoft endpoint (data/network-policies.yaml identity-provider).
        network=Destination.public(443),
        ready=ready,
        **tenant_endpoints(tenant_id),
    )


def sign_in_outputs(client_id: pulumi.Input[str], hostname: str) -> Mapping[str, pulumi.Input[object]]:
    """What the stack exports about sign-in: the app and the redirect URI it must list."""
    return {"signInClientId": client_id, "signInRedirectUri": redirect_uri(hostname)}


def existing_registration(settings: StackSettings) -> tuple[SignInProvider, Mapping[str, pulumi.Input[object]]] | None:
    """Sign-in through an existing registration the settings name (AWS stacks); None when sign-in is off."""
    ui = settings.airflow.ui
    sign_in = ui.sign_in
    if ui.hostname is None or not sign_in.enabled:
        return None
    secret: SecretStr | None = settings.sign_in_client_secret
    if sign_in.client_id is None or sign_in.tenant_id is None or secret is None:
        raise ValueError("sign-in through an existing registration needs clientId, tenantId and signInClientSecret")
    provider = entra_provider(sign_in.client_id, secret.get_secret_value(), sign_in.tenant_id)
    return provider, sign_in_outputs(sign_in.client_id, ui.hostname)

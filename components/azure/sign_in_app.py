"""Entra ID sign-in for the Airflow UI: the app registration Airflow's FAB auth manager signs users in with.

The program registers a single-tenant web app (pulumi-azuread) whose only redirect URI is FAB's
OAuth callback on the stack's host name, whose tokens carry the user's security group ids (the
role mapping's keys) and the optional ``upn`` claim (FAB falls back to it when a user has no
e-mail), and a client secret with an end date from the settings. Or it takes an existing
registration's client id and secret. Entra ID's endpoints are the tenant's own v2.0 ones, so only
the tenant's users sign in and the id token's issuer is checked against the tenant.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azuread as azuread
from pydantic import SecretStr

from components.config import StackSettings
from components.config.sign_in import SignInSettings
from components.entra_sign_in import entra_provider, redirect_uri, sign_in_outputs

#: Security groups only (no distribution lists or directory roles): the role mapping's keys.
GROUP_CLAIMS = ["SecurityGroup"]


@dataclass(frozen=True)
class SignInAppArgs:
    settings: SignInSettings
    hostname: str
    #: The tenant of the identity that deploys the stack: the app is registered there.
    tenant_id: pulumi.Input[str]
    #: Display name of the registration, e.g. ``airflow-platform-prod``.
    display_name: str
    #: An existing registration's client secret (settings.client_id set), else None.
    existing_secret: SecretStr | None = None


class SignInApp(pulumi.ComponentResource):
    """The app registration, its service principal and client secret, or an existing registration."""

    def __init__(self, name: str, args: SignInAppArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("airflow-platform:azure:SignInApp", name, None, opts)
        settings = args.settings
        child = pulumi.ResourceOptions(parent=self)
        self.application: azuread.Application | None = None
        ready: list[pulumi.Resource] = []
        if settings.client_id is None:
            self.application = azuread.Application(
                "application",
                display_name=args.display_name,
                sign_in_audience="AzureADMyOrg",
                web=azuread.ApplicationWebArgs(
                    redirect_uris=[redirect_uri(args.hostname)],
                    implicit_grant=azuread.ApplicationWebImplicitGrantArgs(
                        access_token_issuance_enabled=False, id_token_issuance_enabled=False
                    ),
                ),
                group_membership_claims=GROUP_CLAIMS,
                optional_claims=azuread.ApplicationOptionalClaimsArgs(
                    id_tokens=[
                        azuread.ApplicationOptionalClaimsIdTokenArgs(name="upn"),
                        azuread.ApplicationOptionalClaimsIdTokenArgs(name="email"),
                    ]
                ),
                opts=child,
            )
            # Without a service principal in the tenant nobody can sign in to the app.
            self.service_principal = azuread.ServicePrincipal(
                "service-principal", client_id=self.application.client_id, opts=child
            )
            # end_date is fixed at creation: a new date replaces the password, the new one first.
            self.password = azuread.ApplicationPassword(
                "client-secret",
                application_id=self.application.id,
                display_name="airflow-api-server",
                end_date=f"{settings.secret_end_date}T00:00:00Z",
                opts=child,
            )
            client_id: pulumi.Output[str] = self.application.client_id
            secret = pulumi.Output.secret(self.password.value)
            ready = [self.service_principal, self.password]
        else:
            if args.existing_secret is None:
                raise ValueError("an existing registration needs its client secret (signInClientSecret)")
            client_id = pulumi.Output.from_input(settings.client_id)
            secret = pulumi.Output.secret(args.existing_secret.get_secret_value())
        self.provider = entra_provider(client_id, secret, args.tenant_id, ready)
        self.outputs: dict[str, pulumi.Input[object]] = dict(sign_in_outputs(client_id, args.hostname))
        self.register_outputs(self.outputs)


def declare_sign_in(settings: StackSettings, tenant_id: pulumi.Input[str]) -> SignInApp | None:
    """Sign-in for a stack whose UI has a host name and sign-in on; None otherwise."""
    ui = settings.airflow.ui
    if ui.hostname is None or not ui.sign_in.enabled:
        return None
    return SignInApp(
        "sign-in",
        SignInAppArgs(
            settings=ui.sign_in,
            hostname=ui.hostname,
            tenant_id=ui.sign_in.tenant_id or tenant_id,
            display_name=f"{settings.project}-{settings.stack}",
            existing_secret=settings.sign_in_client_secret,
        ),
    )

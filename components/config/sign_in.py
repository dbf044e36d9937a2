"""The airflow.ui.signIn block: Entra ID sign-in through the FAB auth manager's OAuth.

On with a host name (``airflow.ui.hostname``): Entra ID redirects back to
``https://<hostname>/auth/oauth-authorized/azure``. The program registers the app itself
(pulumi-azuread), or takes an existing registration's client id with its secret in the Pulumi
secret ``signInClientSecret``. Members of the groups in ``groupRoles`` get those Airflow roles at
every sign-in; everyone else who signs in gets ``defaultRole``.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator
from typing import Annotated, Literal

from pydantic import Field

from components.config.base import _NOT_GIVEN, Problem, Settings
from components.config.values import _checked

#: FAB's OAuth callback: ``AuthOAuthView.oauth_authorized`` exposed at ``/oauth-authorized/<provider>``
#: under the FAB auth manager's ``/auth`` mount (apache-airflow-providers-fab 3.4.0).
CALLBACK_PATH = "/auth/oauth-authorized/azure"
#: The roles Airflow's FAB auth manager creates (Public has no permission at all).
AirflowRole = Literal["Admin", "Op", "User", "Viewer"]


def _canonical_guid(value: str) -> str | None:
    """Tokens carry ids in lower case, and FAB compares keys exactly: an upper-case key would match nobody."""
    try:
        canonical = str(uuid.UUID(value))
    except ValueError:
        return "must be an Entra ID object or client id (a GUID such as 0b1d2f3e-4c5a-4b6d-8e7f-9a0b1c2d3e4f)"
    return None if canonical == value else f"must be written in lower case with hyphens: {canonical}"


def _iso_date(value: str) -> str | None:
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return "must be a date YYYY-MM-DD, such as 2027-06-30"
    return None if len(value) == 10 else "must be a date YYYY-MM-DD, such as 2027-06-30"


Guid = Annotated[str, _checked(_canonical_guid)]
IsoDate = Annotated[str, _checked(_iso_date)]


class SignInSettings(Settings):
    enabled: bool = Field(True, description="with airflow.ui.hostname: Entra ID sign-in replaces the password form")
    client_id: Guid | None = Field(
        None,
        description="unset: the program registers the app; set: an existing registration's application (client) "
        "id, with its secret in `pulumi config set --secret signInClientSecret`",
    )
    tenant_id: Guid | None = Field(
        None,
        description="the existing registration's Entra ID tenant (with clientId); unset on azure: the tenant of "
        "the identity that deploys; required on aws",
    )
    group_roles: dict[Guid, AirflowRole] = Field(
        default_factory=dict, description="Entra ID group object id -> Airflow role, synced at every sign-in"
    )
    default_role: Literal["Public", "Viewer"] = Field(
        "Public", description="what a member of no mapped group gets: Public can see nothing"
    )
    keep_admin_user: bool = Field(
        False, description="break-glass: the generated admin user stays enabled (it can get API tokens by password)"
    )
    secret_end_date: IsoDate | None = Field(
        None,
        description="end of the client secret the program creates (required then); a new date creates a new "
        "secret, which the API server picks up before the old one is deleted",
    )

    @property
    def creates_app(self) -> bool:
        return self.client_id is None

    def problems(self) -> Iterator[Problem]:
        if self.creates_app and self.tenant_id is not None:
            yield Problem(
                self.key_path("tenant_id"),
                self.tenant_id,
                "applies only to an existing registration (clientId): the program registers its app in the "
                "tenant of the identity that deploys",
            )
        if not self.creates_app and self.secret_end_date is not None:
            yield Problem(
                self.key_path("secret_end_date"),
                self.secret_end_date,
                "applies only to the secret the program creates: an existing registration's secret is "
                "rotated where it was created (then update signInClientSecret)",
            )

    def problems_with_host(self) -> Iterator[Problem]:
        """Rules that hold once a host name turns sign-in on (keys relative to this block)."""
        if not self.enabled:
            return
        if not self.keep_admin_user and "Admin" not in self.group_roles.values():
            yield Problem(
                self.key_path("group_roles"),
                dict(self.group_roles),
                "must map at least one group to Admin while keepAdminUser is false: otherwise nobody administers "
                "Airflow once the generated admin user is disabled",
            )
        if self.creates_app and self.secret_end_date is None:
            yield Problem(
                self.key_path("secret_end_date"),
                _NOT_GIVEN,
                "is required when the program registers the app (clientId unset): the client secret's end date, "
                "at most two years ahead as Entra ID recommends; set a later date before then to rotate it",
            )

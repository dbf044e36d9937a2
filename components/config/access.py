"""The cluster.access block: who reaches the Kubernetes API, from where, and with which credential."""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Iterable, Iterator
from typing import Annotated, Literal

from pydantic import Field

from components.config.base import Problem, Settings
from components.config.values import PRIVATE_RANGES, Cidr, _checked

#: AKS accepts at most this many authorized IP ranges (aks-limits: "API server authorized IP ranges").
MAX_AUTHORIZED_RANGES = 200


def _object_id(value: str) -> str | None:
    """Entra ID object ids are GUIDs; a display name or an app (client) id would silently match nobody."""
    try:
        uuid.UUID(value)
    except ValueError:
        return "must be an Entra ID object id (a GUID such as 0b1d2f3e-4c5a-4b6d-8e7f-9a0b1c2d3e4f), not a name"
    return None


ObjectId = Annotated[str, _checked(_object_id)]
_PRIVATE = [ipaddress.IPv4Network(cidr) for cidr in PRIVATE_RANGES]
#: Ranges reserved for documentation (RFC 5737): fine in an example stack file, never a real client.
_DOCUMENTATION = [ipaddress.IPv4Network(c) for c in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")]


def documentation_ranges(cidrs: Iterable[str]) -> list[str]:
    """Example ranges (RFC 5737) left in a stack file: no real client has them."""
    return [cidr for cidr in cidrs if any(ipaddress.IPv4Network(cidr).subnet_of(doc) for doc in _DOCUMENTATION)]


def documentation_range_warnings(setting: str, cidrs: Iterable[str]) -> list[str]:
    """The plan's warnings for example ranges in an access list: they lock every deployer out."""
    return [
        f"{setting} lists {cidr}, a documentation range (RFC 5737) that no real client has: replace it with "
        "the public ranges of your deployers and CI runners before `pulumi up`"
        for cidr in documentation_ranges(cidrs)
    ]


class ClusterAccessSettings(Settings):
    """Entra ID sign-in with Azure RBAC for Kubernetes; no static credential unless asked for."""

    local_accounts: bool = Field(
        False, description="false: AKS issues no static admin credential; every client signs in through Entra ID"
    )
    authorized_ip_ranges: tuple[Cidr, ...] = Field(
        (),
        strict=False,
        description="CIDR ranges allowed to reach the public API server (deployers, CI runners); empty: any",
    )
    private: bool = Field(
        False, description="a private API server, reachable only from the VNet (pulumi must run there too)"
    )
    admin_group_object_ids: tuple[ObjectId, ...] = Field(
        (), strict=False, description="Entra ID groups whose members are cluster-admin (break-glass operators)"
    )
    deployer_object_id: ObjectId | None = Field(
        None,
        description="the identity that runs `pulumi up` (the CI deploy identity), made cluster admin; "
        "default: whoever runs it",
    )
    deployer_type: Literal["User", "ServicePrincipal"] | None = Field(
        None,
        description="what the deploying identity is; default: User when it signed in with the Azure CLI or "
        "Azure PowerShell (data/entra-clients.yaml), else ServicePrincipal",
    )
    preview_group_object_id: ObjectId | None = Field(
        None,
        description="Entra ID group of the pull-request preview identity: read-only in the Airflow namespace",
    )

    def problems(self) -> Iterator[Problem]:
        if self.private and self.authorized_ip_ranges:
            yield Problem(
                self.key_path("authorized_ip_ranges"),
                self.authorized_ip_ranges,
                "must be empty when private is true: authorized ranges apply only to a public API server",
            )
        if len(self.authorized_ip_ranges) > MAX_AUTHORIZED_RANGES:
            yield Problem(
                self.key_path("authorized_ip_ranges"),
                f"{len(self.authorized_ip_ranges)} ranges",
                f"must list at most {MAX_AUTHORIZED_RANGES} ranges (AKS's limit)",
            )
        for cidr in self.authorized_ip_ranges:
            network = ipaddress.IPv4Network(cidr)
            if network.is_loopback or network.is_link_local or any(network.overlaps(r) for r in _PRIVATE):
                yield Problem(
                    self.key_path("authorized_ip_ranges"),
                    cidr,
                    "must be a public range: the API server sees clients by their public address",
                )
        if len(set(self.admin_group_object_ids)) < len(self.admin_group_object_ids):
            groups = self.admin_group_object_ids
            yield Problem(self.key_path("admin_group_object_ids"), groups, "must not name a group twice")

    @property
    def restricted(self) -> bool:
        """Whether the API server is closed to the internet at large."""
        return self.private or bool(self.authorized_ip_ranges)

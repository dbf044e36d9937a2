"""The airflow.ui block: the Airflow UI and API on a host name over HTTPS, with Entra ID sign-in (azure).

Off until a stack sets ``hostname``: without it nothing is exposed and the way in stays
``kubectl port-forward``. ``dnsZone`` names the zone the way the stack's cloud does: an Azure DNS
zone's resource id, or a Route 53 public hosted zone's name (components/config/clouds.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from components.config.base import Problem, Settings
from components.config.sign_in import SignInSettings
from components.config.values import HostName, _checked, _host_name

#: An Azure DNS zone's resource id; the zone's name is its last segment.
DNS_ZONE_ID = (
    r"/subscriptions/[0-9a-fA-F-]{36}/resourceGroups/[-\w.()]+/providers/Microsoft\.Network/dnszones/[a-z0-9.-]+"
)
AZURE_ZONE_REQUIREMENT = (
    "must be an Azure DNS zone's resource id: "
    "/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Network/dnszones/<zone>"
)
ROUTE53_ZONE_REQUIREMENT = "must be a Route 53 public hosted zone's name in lower case, such as example.com"


def is_azure_zone_id(value: str) -> bool:
    return re.fullmatch(f"(?i){DNS_ZONE_ID}", value) is not None


def _dns_zone(value: str) -> str | None:
    if is_azure_zone_id(value) or _host_name(value) is None:
        return None
    return f"{AZURE_ZONE_REQUIREMENT} (azure), or {ROUTE53_ZONE_REQUIREMENT.removeprefix('must be ')} (aws)"


DnsZone = Annotated[str, _checked(_dns_zone)]


class UiSettings(Settings):
    hostname: HostName | None = None
    sign_in: SignInSettings = SignInSettings()
    #: The DNS zone the host name is in: its A record and DNS-01 challenges are made there.
    dns_zone: DnsZone | None = Field(
        None,
        description="azure: an Azure DNS zone's resource id; aws: a Route 53 public hosted zone's name; "
        "unset: HTTP-01, no record",
    )
    #: Let's Encrypt's contact for the ACME account (optional: it sends no expiry mail).
    acme_email: Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = None
    #: staging issues untrusted certificates under far higher rate limits, for trying a stack out.
    acme_server: Literal["production", "staging"] = "production"
    #: Strict-Transport-Security max-age in seconds (one year); 0 sends no HSTS header.
    hsts_max_age: int = Field(31536000, ge=0, le=63072000)

    @property
    def dns_zone_name(self) -> str | None:
        return None if self.dns_zone is None else self.dns_zone.rsplit("/", 1)[-1].lower()

    @property
    def zone_is_azure(self) -> bool:
        return self.dns_zone is not None and is_azure_zone_id(self.dns_zone)

    def sign_in_problems(self) -> Iterator[Problem]:
        """Rules of Entra ID sign-in once a host name turns it on (azure: clouds.py runs them there only)."""
        if self.hostname is not None:
            for keys, value, requirement in self.sign_in.problems_with_host():
                yield Problem((*self.key_path("sign_in"), *keys), value, requirement)

    def problems(self) -> Iterator[Problem]:
        zone = self.dns_zone_name
        if zone is None:
            return
        if self.hostname is None:
            needs = "needs airflow.ui.hostname: nothing is exposed without it"
            yield Problem(self.key_path("dns_zone"), self.dns_zone, needs)
        elif self.hostname != zone and not self.hostname.endswith("." + zone):
            inside = f"must be in the DNS zone {zone} (airflow.ui.dnsZone)"
            yield Problem(self.key_path("hostname"), self.hostname, inside)

    @property
    def exposed(self) -> bool:
        return self.hostname is not None

"""data/ingress.yaml: the chosen Gateway API controller, cert-manager, and their pinned charts."""

from __future__ import annotations

from datetime import date

from components.data_tables import DATA, Source, Table
from components.helm import HelmChart


class Controller(Table):
    choice: str
    why: str
    rejected: dict[str, str]
    sources: tuple[Source, ...]
    chart: HelmChart
    proxy_labels: dict[str, str]
    proxy_port_shift: int
    proxy_port_shift_below: int
    proxy_source: str

    def proxy_port(self, listener_port: int) -> int:
        """The port a proxy pod takes a Gateway listener's traffic on."""
        return listener_port + self.proxy_port_shift if listener_port < self.proxy_port_shift_below else listener_port


class Certificates(Table):
    choice: str
    why: str
    sources: tuple[Source, ...]
    chart: HelmChart
    acme_servers: dict[str, str]


class StaticIpAnnotations(Table):
    name: str
    resource_group: str


class StaticIp(Table):
    annotations: StaticIpAnnotations
    sources: tuple[Source, ...]


class IngressFacts(Table):
    seen: date
    controller: Controller
    certificates: Certificates
    static_ip: StaticIp


INGRESS = IngressFacts.read(DATA / "ingress.yaml")

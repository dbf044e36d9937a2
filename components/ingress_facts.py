"""data/ingress.yaml: the chosen Gateway API controller, cert-manager, and their pinned charts."""

from __future__ import annotations

from datetime import date

from components.data_tables import DATA, Table


class Source(Table):
    url: str
    said: str


class Chart(Table):
    repository: str
    version: str
    namespace: str
    service_account: str | None = None


class Controller(Table):
    choice: str
    why: str
    rejected: dict[str, str]
    sources: tuple[Source, ...]
    chart: Chart
    proxy_labels: dict[str, str]


class Certificates(Table):
    choice: str
    why: str
    sources: tuple[Source, ...]
    chart: Chart
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

"""data/aws-front-door.yaml: the load balancer controller chosen, its chart and permissions, the Service
annotations it reads, the Route 53 lookup and cert-manager's DNS-01 grant, with their sources."""

from __future__ import annotations

from datetime import date

from components.data_tables import DATA, Source, Table
from components.helm import HelmChart


class Annotations(Table):
    target_type: str
    scheme: str
    subnets: str
    eip_allocations: str
    attributes: str


class ControllerPermissions(Table):
    source: str
    tag_key: str
    describe: tuple[str, ...]
    service_linked_role: str
    create_security_group: tuple[str, ...]
    own_security_groups: tuple[str, ...]
    security_group_rules: tuple[str, ...]
    create_load_balancer: tuple[str, ...]
    own_load_balancers: tuple[str, ...]
    listeners: tuple[str, ...]
    targets: tuple[str, ...]


class LoadBalancer(Table):
    choice: str
    why: str
    rejected: dict[str, str]
    sources: tuple[Source, ...]
    chart: HelmChart
    load_balancer_class: str
    annotations: Annotations
    cross_zone_attribute: str
    cross_zone_source: Source
    service_deletion_sources: tuple[Source, ...]
    permissions: ControllerPermissions


class Dns(Table):
    sources: tuple[Source, ...]
    record_ttl_seconds: int


class Route53Policy(Table):
    get_change: str
    change_records: str
    list_records: str
    record_type: str
    record_prefix: str


class Certificates(Table):
    route53_policy: Route53Policy
    sources: tuple[Source, ...]


class AwsFrontDoorFacts(Table):
    seen: date
    load_balancer: LoadBalancer
    dns: Dns
    certificates: Certificates


FRONT_DOOR = AwsFrontDoorFacts.read(DATA / "aws-front-door.yaml")

"""The Airflow API server on the stack's host name over HTTPS: Gateway API objects and a cert-manager
certificate, on whatever controller the cloud installed (:class:`FrontDoor`).

The Gateway, its certificate and the HTTP->HTTPS redirect live in the controller's namespace (so do
cert-manager's HTTP-01 solver pods, outside the Airflow namespace's default deny); only the route to
the API server is in the Airflow namespace. Chart 1.20.0's ``ingress.apiServer`` writes an Ingress,
not Gateway API objects, so it stays off.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.airflow.network_policies import NAMESPACE_NAME
from components.airflow.values import API_SERVER_PORT, RELEASE_NAME
from components.config.ui import UiSettings
from components.ingress_facts import INGRESS
from components.platform import FrontDoor

GATEWAY = "airflow"
ISSUER = "airflow-acme"
TLS_SECRET = "airflow-tls"
HTTP, HTTPS = "http", "https"
LISTENER_PORTS = {HTTP: 80, HTTPS: 443}
API_SERVER_SERVICE = f"{RELEASE_NAME}-api-server"
#: The program's own LoadBalancer Service for the proxy, where the cloud asks for one (FrontDoor.load_balancer).
PROXY_LOAD_BALANCER = f"{GATEWAY}-proxy"


def url(hostname: str) -> str:
    return f"https://{hostname}/"


def issuer_spec(settings: UiSettings, door: FrontDoor, dns01: Mapping[str, object] | None) -> dict[str, Any]:
    """ACME with DNS-01 through the cloud's DNS zone, or HTTP-01 through the Gateway's HTTP listener."""
    solver: dict[str, Any] = (
        {"dns01": dict(dns01)}
        if dns01 is not None
        else {
            "http01": {
                "gatewayHTTPRoute": {
                    "parentRefs": [
                        {
                            "name": GATEWAY,
                            "namespace": door.controller_namespace,
                            "kind": "Gateway",
                            "sectionName": HTTP,
                        }
                    ]
                }
            }
        }
    )
    acme: dict[str, Any] = {
        "server": INGRESS.certificates.acme_servers[settings.acme_server],
        "privateKeySecretRef": {"name": f"{ISSUER}-account"},
        "solvers": [solver],
    }
    if settings.acme_email:
        acme["email"] = settings.acme_email
    return {"acme": acme}


def gateway_spec(
    hostname: str, gateway_class: str, airflow_namespace: str, controller_namespace: str
) -> dict[str, Any]:
    def only(*namespaces: str) -> dict[str, Any]:
        selector = {"matchExpressions": [{"key": NAMESPACE_NAME, "operator": "In", "values": list(namespaces)}]}
        return {"namespaces": {"from": "Selector", "selector": selector}}

    return {
        "gatewayClassName": gateway_class,
        "listeners": [
            {
                "name": HTTP,
                "protocol": "HTTP",
                "port": LISTENER_PORTS[HTTP],
                "hostname": hostname,
                "allowedRoutes": only(controller_namespace),
            },
            {
                "name": HTTPS,
                "protocol": "HTTPS",
                "port": LISTENER_PORTS[HTTPS],
                "hostname": hostname,
                "tls": {"mode": "Terminate", "certificateRefs": [{"kind": "Secret", "name": TLS_SECRET}]},
                "allowedRoutes": only(airflow_namespace),
            },
        ],
    }


def redirect_route_spec(hostname: str, controller_namespace: str) -> dict[str, Any]:
    parent = {"name": GATEWAY, "namespace": controller_namespace, "sectionName": HTTP}
    redirect = {"type": "RequestRedirect", "requestRedirect": {"scheme": "https", "statusCode": 301}}
    return {"parentRefs": [parent], "hostnames": [hostname], "rules": [{"filters": [redirect]}]}


def api_route_spec(hostname: str, controller_namespace: str, hsts_max_age: int) -> dict[str, Any]:
    parent = {"name": GATEWAY, "namespace": controller_namespace, "sectionName": HTTPS}
    rule: dict[str, Any] = {"backendRefs": [{"name": API_SERVER_SERVICE, "port": API_SERVER_PORT}]}
    if hsts_max_age:
        hsts = {"name": "Strict-Transport-Security", "value": f"max-age={hsts_max_age}; includeSubDomains"}
        rule["filters"] = [{"type": "ResponseHeaderModifier", "responseHeaderModifier": {"set": [hsts]}}]
    return {"parentRefs": [parent], "hostnames": [hostname], "rules": [rule]}


def load_balancer_spec(load_balancer: Mapping[str, Any]) -> dict[str, Any]:
    """The Service in front of the Gateway's proxy pods: each listener's port to the port the proxy
    takes it on (data/ingress.yaml), on the cloud's load balancer class."""
    controller = INGRESS.controller
    return {
        "type": "LoadBalancer",
        "loadBalancerClass": load_balancer["loadBalancerClass"],
        "selector": dict(controller.proxy_labels),
        "ports": [
            {"name": name, "protocol": "TCP", "port": port, "targetPort": controller.proxy_port(port)}
            for name, port in LISTENER_PORTS.items()
        ],
    }


@dataclass(frozen=True)
class FrontDoorArgs:
    door: FrontDoor
    settings: UiSettings
    namespace: pulumi.Input[str]


class AirflowFrontDoor(pulumi.ComponentResource):
    def __init__(self, name: str, args: FrontDoorArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("airflow-platform:airflow:FrontDoor", name, None, opts)
        door, s = args.door, args.settings
        controllers = pulumi.ResourceOptions(parent=self, depends_on=list(door.ready))
        dns01 = pulumi.Output.from_input(door.dns01) if door.dns01 is not None else pulumi.Output.from_input(None)
        self.issuer = _custom(
            "cluster-issuer",
            "cert-manager.io/v1",
            "ClusterIssuer",
            ISSUER,
            None,
            dns01.apply(lambda solver: issuer_spec(s, door, solver)),
            controllers,
        )
        self.certificate = _custom(
            "certificate",
            "cert-manager.io/v1",
            "Certificate",
            TLS_SECRET,
            door.controller_namespace,
            {
                "secretName": TLS_SECRET,
                "dnsNames": [door.hostname],
                "issuerRef": {"kind": "ClusterIssuer", "name": ISSUER},
            },
            pulumi.ResourceOptions.merge(controllers, pulumi.ResourceOptions(depends_on=[self.issuer])),
        )
        self.gateway = _custom(
            "gateway",
            "gateway.networking.k8s.io/v1",
            "Gateway",
            GATEWAY,
            door.controller_namespace,
            pulumi.Output.all(door.gateway_class, args.namespace).apply(
                lambda v: gateway_spec(door.hostname, v[0], v[1], door.controller_namespace)
            ),
            controllers,
        )
        after_gateway = pulumi.ResourceOptions.merge(controllers, pulumi.ResourceOptions(depends_on=[self.gateway]))
        if door.load_balancer is not None:
            # After the Gateway whose proxy pods it selects; before the controllers on deletion, and
            # Pulumi waits until it is gone: until the cloud's controller has removed its load balancer.
            balancer = pulumi.Output.from_input(door.load_balancer)
            self.load_balancer = k8s.core.v1.Service(
                "proxy-load-balancer",
                metadata=k8s.meta.v1.ObjectMetaArgs(
                    name=PROXY_LOAD_BALANCER,
                    namespace=door.controller_namespace,
                    annotations=balancer.apply(lambda b: dict(b["annotations"])),
                ),
                spec=balancer.apply(load_balancer_spec),
                opts=after_gateway,
            )
        self.redirect = _custom(
            "http-redirect",
            "gateway.networking.k8s.io/v1",
            "HTTPRoute",
            f"{GATEWAY}-http-redirect",
            door.controller_namespace,
            redirect_route_spec(door.hostname, door.controller_namespace),
            after_gateway,
        )
        self.route = _custom(
            "api-server-route",
            "gateway.networking.k8s.io/v1",
            "HTTPRoute",
            API_SERVER_SERVICE,
            args.namespace,
            api_route_spec(door.hostname, door.controller_namespace, s.hsts_max_age),
            after_gateway,
        )
        self.url = url(door.hostname)
        self.register_outputs({"airflowUrl": self.url})


def _custom(
    name: str,
    api_version: str,
    kind: str,
    object_name: str,
    namespace: pulumi.Input[str] | None,
    spec: pulumi.Input[Mapping[str, Any]],
    opts: pulumi.ResourceOptions,
) -> k8s.apiextensions.CustomResource:
    return k8s.apiextensions.CustomResource(
        name,
        api_version=api_version,
        kind=kind,
        metadata=k8s.meta.v1.ObjectMetaArgs(name=object_name, namespace=namespace),
        spec=spec,
        opts=opts,
    )

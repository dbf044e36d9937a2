"""The Gateway API controller (Envoy Gateway) and cert-manager, as Helm releases the program pins
(data/ingress.yaml), on the control-plane pool; the proxy takes the front door's static address."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.ingress_facts import INGRESS
from components.platform import FrontDoor, KubernetesCluster, NodePlacement

CONTROLLER = INGRESS.controller.chart
CERT_MANAGER = INGRESS.certificates.chart
ANNOTATIONS = INGRESS.static_ip.annotations
GATEWAY_CLASS = "airflow-envoy"
ENVOY_GATEWAY_CONTROLLER = "gateway.envoyproxy.io/gatewayclass-controller"


@dataclass(frozen=True)
class EdgeControllersArgs:
    hostname: str
    cluster: KubernetesCluster
    address_name: pulumi.Input[str]
    address_resource_group: pulumi.Input[str]
    #: cert-manager's DNS-01 solver with its identity, or None (HTTP-01).
    dns01: pulumi.Input[Mapping[str, object]] | None
    #: The address's grant to the cluster, the identity's federation and zone grant.
    ready: Sequence[pulumi.Resource]


def _placed(placement: NodePlacement) -> dict[str, Any]:
    return {"nodeSelector": dict(placement.node_selector), "tolerations": placement.toleration_dicts()}


def controller_values(placement: NodePlacement) -> dict[str, Any]:
    return {"deployment": {"pod": _placed(placement)}}


def cert_manager_values(placement: NodePlacement, workload_identity: bool) -> dict[str, Any]:
    placed = _placed(placement)
    values: dict[str, Any] = {
        "crds": {"enabled": True, "keep": True},
        # HTTP-01 answered through an HTTPRoute on the Gateway, when there is no DNS zone.
        "config": {
            "apiVersion": "controller.config.cert-manager.io/v1alpha1",
            "kind": "ControllerConfiguration",
            "enableGatewayAPI": True,
        },
        **placed,
        "webhook": placed,
        "cainjector": placed,
        "startupapicheck": placed,
        "serviceAccount": {"name": CERT_MANAGER.service_account},
    }
    if workload_identity:
        # The webhook injects the federated token into pods with this label (MS Learn, workload identity).
        values["podLabels"] = {"azure.workload.identity/use": "true"}
    return values


def proxy_spec(placement: NodePlacement, address_name: str, resource_group: str) -> dict[str, Any]:
    """The EnvoyProxy the GatewayClass points at: proxy pods on the control-plane pool, their
    LoadBalancer Service on the program's static address."""
    return {
        "provider": {
            "type": "Kubernetes",
            "kubernetes": {
                "envoyDeployment": {"pod": _placed(placement)},
                "envoyService": {
                    "type": "LoadBalancer",
                    "annotations": {ANNOTATIONS.name: address_name, ANNOTATIONS.resource_group: resource_group},
                },
            },
        }
    }


class EdgeControllers(pulumi.ComponentResource):
    def __init__(self, name: str, args: EdgeControllersArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("airflow-platform:azure:EdgeControllers", name, None, opts)
        cluster = args.cluster
        placement = cluster.control_plane
        in_cluster = pulumi.ResourceOptions(parent=self, provider=cluster.provider, depends_on=list(cluster.ready))
        self.controller = k8s.helm.v3.Release(
            "envoy-gateway",
            name="envoy-gateway",
            chart=CONTROLLER.repository,
            version=CONTROLLER.version,
            namespace=CONTROLLER.namespace,
            create_namespace=True,
            values=controller_values(placement),
            opts=in_cluster,
        )
        self.cert_manager = k8s.helm.v3.Release(
            "cert-manager",
            name="cert-manager",
            chart=CERT_MANAGER.repository,
            version=CERT_MANAGER.version,
            namespace=CERT_MANAGER.namespace,
            create_namespace=True,
            values=cert_manager_values(placement, args.dns01 is not None),
            # Gateway API's CRDs come with the controller's chart; the identity is federated first.
            opts=pulumi.ResourceOptions.merge(
                in_cluster, pulumi.ResourceOptions(depends_on=[self.controller, *args.ready])
            ),
        )
        after_controller = pulumi.ResourceOptions.merge(
            in_cluster, pulumi.ResourceOptions(depends_on=[self.controller, *args.ready])
        )
        self.proxy = k8s.apiextensions.CustomResource(
            "envoy-proxy",
            api_version="gateway.envoyproxy.io/v1alpha1",
            kind="EnvoyProxy",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=GATEWAY_CLASS, namespace=CONTROLLER.namespace),
            spec=pulumi.Output.all(args.address_name, args.address_resource_group).apply(
                lambda v: proxy_spec(placement, v[0], v[1])
            ),
            opts=after_controller,
        )
        self.gateway_class = k8s.apiextensions.CustomResource(
            "gateway-class",
            api_version="gateway.networking.k8s.io/v1",
            kind="GatewayClass",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=GATEWAY_CLASS),
            spec={
                "controllerName": ENVOY_GATEWAY_CONTROLLER,
                "parametersRef": {
                    "group": "gateway.envoyproxy.io",
                    "kind": "EnvoyProxy",
                    "name": GATEWAY_CLASS,
                    "namespace": CONTROLLER.namespace,
                },
            },
            opts=pulumi.ResourceOptions.merge(after_controller, pulumi.ResourceOptions(depends_on=[self.proxy])),
        )
        self.front_door = FrontDoor(
            hostname=args.hostname,
            gateway_class=GATEWAY_CLASS,
            controller_namespace=CONTROLLER.namespace,
            dns01=args.dns01,
            ready=[self.gateway_class, self.cert_manager],
        )
        self.register_outputs({})

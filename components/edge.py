"""The Gateway API controller (Envoy Gateway) and cert-manager, as Helm releases the program pins
(data/ingress.yaml), on the control-plane nodes, on either cloud.

What differs between clouds is handed in: the proxy's LoadBalancer Service fields that put it on the
cloud's load balancer with the stack's static addresses, the labels cert-manager's pods need for the
cloud's workload identity, and cert-manager's DNS-01 solver.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.helm import chart_release
from components.ingress_facts import INGRESS
from components.platform import FrontDoor, KubernetesCluster, NodePlacement

CONTROLLER = INGRESS.controller.chart
CERT_MANAGER = INGRESS.certificates.chart
GATEWAY_CLASS = "airflow-envoy"
ENVOY_GATEWAY_CONTROLLER = "gateway.envoyproxy.io/gatewayclass-controller"


@dataclass(frozen=True)
class EdgeControllersArgs:
    #: The cloud whose components own the controllers: part of the component's type, so each cloud's
    #: resources keep the names (URNs) they were created with.
    cloud: str
    hostname: str
    cluster: KubernetesCluster
    #: The proxy Service's fields (``type: LoadBalancer`` unless they say otherwise): annotations,
    #: ``loadBalancerClass``.
    proxy_service: pulumi.Input[Mapping[str, Any]]
    #: cert-manager's DNS-01 solver with its identity, or None (HTTP-01).
    dns01: pulumi.Input[Mapping[str, object]] | None
    #: What the controllers wait for: the addresses' grants, cert-manager's identity and its grants.
    ready: Sequence[pulumi.Resource]
    #: Labels cert-manager's pods carry for the cloud's workload identity (none: the cloud needs none).
    cert_manager_pod_labels: Mapping[str, str] = field(default_factory=dict)
    #: The program's own LoadBalancer Service for the proxy (:attr:`FrontDoor.load_balancer`), if any.
    load_balancer: pulumi.Input[Mapping[str, Any]] | None = None


def _placed(placement: NodePlacement) -> dict[str, Any]:
    return {"nodeSelector": dict(placement.node_selector), "tolerations": placement.toleration_dicts()}


def controller_values(placement: NodePlacement) -> dict[str, Any]:
    return {"deployment": {"pod": _placed(placement)}}


def cert_manager_values(placement: NodePlacement, pod_labels: Mapping[str, str]) -> dict[str, Any]:
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
    if pod_labels:
        values["podLabels"] = dict(pod_labels)
    return values


def proxy_spec(placement: NodePlacement, service: Mapping[str, Any]) -> dict[str, Any]:
    """The EnvoyProxy the GatewayClass points at: proxy pods on the control-plane nodes, their
    LoadBalancer Service on the cloud's load balancer as ``service`` configures it."""
    return {
        "provider": {
            "type": "Kubernetes",
            "kubernetes": {
                "envoyDeployment": {"pod": _placed(placement)},
                "envoyService": {"type": "LoadBalancer", **service},
            },
        }
    }


class EdgeControllers(pulumi.ComponentResource):
    def __init__(self, name: str, args: EdgeControllersArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"airflow-platform:{args.cloud}:EdgeControllers", name, None, opts)
        cluster = args.cluster
        placement = cluster.control_plane
        in_cluster = pulumi.ResourceOptions(parent=self, provider=cluster.provider, depends_on=list(cluster.ready))
        self.controller = chart_release(
            "envoy-gateway", CONTROLLER, controller_values(placement), in_cluster, create_namespace=True
        )
        # Gateway API's CRDs come with the controller's chart; the cloud's grants and identities first.
        after_controller = pulumi.ResourceOptions.merge(
            in_cluster, pulumi.ResourceOptions(depends_on=[self.controller, *args.ready])
        )
        self.cert_manager = chart_release(
            "cert-manager",
            CERT_MANAGER,
            cert_manager_values(placement, args.cert_manager_pod_labels),
            after_controller,
            create_namespace=True,
        )
        self.proxy = k8s.apiextensions.CustomResource(
            "envoy-proxy",
            api_version="gateway.envoyproxy.io/v1alpha1",
            kind="EnvoyProxy",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=GATEWAY_CLASS, namespace=CONTROLLER.namespace),
            spec=pulumi.Output.from_input(args.proxy_service).apply(lambda service: proxy_spec(placement, service)),
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
            load_balancer=args.load_balancer,
        )
        self.register_outputs({})

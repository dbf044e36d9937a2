"""AKS with an on-demand control-plane pool, a tainted spot task pool, and a Kubernetes provider."""

from __future__ import annotations

import base64
import ipaddress
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s
from pulumi_azure_native import containerservice

from components.azure.roles import NETWORK_CONTRIBUTOR, grant
from components.config import CLUSTER_POD_CIDR, CLUSTER_SERVICE_CIDR, ClusterSettings
from components.platform import KubernetesCluster, NodePlacement, Toleration

POOL_LABEL = "airflow-platform/pool"
CONTROL_PLANE_POOL = "controlplane"
TASK_POOL = "tasks"
#: Our own taint: nothing but Airflow task pods tolerate it.
TASK_TAINT = Toleration(key="airflow-platform/dedicated", value="airflow-tasks")
#: The taint Azure puts on every spot node; declared so updates show no spurious diff.
SPOT_TAINT = Toleration(key="kubernetes.azure.com/scalesetpriority", value="spot")


def taint_string(t: Toleration) -> str:
    return f"{t.key}={t.value}:{t.effect}"


def control_plane_placement() -> NodePlacement:
    return NodePlacement(pool_name=CONTROL_PLANE_POOL, node_selector={POOL_LABEL: "control-plane"})


def task_placement(spot: bool) -> NodePlacement:
    taints = (TASK_TAINT, SPOT_TAINT) if spot else (TASK_TAINT,)
    return NodePlacement(pool_name=TASK_POOL, node_selector={POOL_LABEL: "tasks"}, tolerations=taints)


@dataclass(frozen=True)
class ClusterArgs:
    resource_group_name: pulumi.Input[str]
    cluster_name: pulumi.Input[str]
    dns_prefix: pulumi.Input[str]
    location: str
    node_subnet_id: pulumi.Input[str]
    subscription_id: pulumi.Input[str]
    settings: ClusterSettings
    tags: dict[str, str]


class Cluster(pulumi.ComponentResource):
    """The cluster and its pools; hands out where control-plane and task pods go."""

    def __init__(self, name: str, args: ClusterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("airflow-platform:azure:Cluster", name, None, opts)
        s = args.settings
        cp = s.control_plane_pool
        tp = s.task_pool
        self.control_plane = control_plane_placement()
        self.tasks = task_placement(tp.spot)

        self.managed_cluster = containerservice.ManagedCluster(
            "aks",
            resource_group_name=args.resource_group_name,
            resource_name_=args.cluster_name,
            location=args.location,
            dns_prefix=args.dns_prefix,
            kubernetes_version=s.kubernetes_version,
            sku=containerservice.ManagedClusterSKUArgs(name="Base", tier=s.tier),
            identity=containerservice.ManagedClusterIdentityArgs(type="SystemAssigned"),
            enable_rbac=True,
            oidc_issuer_profile=containerservice.ManagedClusterOIDCIssuerProfileArgs(enabled=True),
            security_profile=containerservice.ManagedClusterSecurityProfileArgs(
                workload_identity=containerservice.ManagedClusterSecurityProfileWorkloadIdentityArgs(enabled=True)
            ),
            network_profile=containerservice.ContainerServiceNetworkProfileArgs(
                network_plugin="azure",
                network_plugin_mode="overlay",
                network_dataplane="cilium",
                network_policy="cilium",
                load_balancer_sku="standard",
                pod_cidr=CLUSTER_POD_CIDR,
                service_cidr=CLUSTER_SERVICE_CIDR,
                # Kubernetes convention: the cluster DNS service at the 10th address of the service range.
                dns_service_ip=str(ipaddress.ip_network(CLUSTER_SERVICE_CIDR)[10]),
            ),
            auto_upgrade_profile=containerservice.ManagedClusterAutoUpgradeProfileArgs(
                upgrade_channel="patch", node_os_upgrade_channel="NodeImage"
            ),
            agent_pool_profiles=[
                containerservice.ManagedClusterAgentPoolProfileArgs(
                    name=CONTROL_PLANE_POOL,
                    mode="System",
                    os_type="Linux",
                    vm_size=cp.vm_size,
                    scale_set_priority="Regular",
                    enable_auto_scaling=True,
                    min_count=cp.min_count,
                    max_count=cp.max_count,
                    count=cp.min_count,
                    availability_zones=list(cp.zones) or None,
                    node_labels=dict(self.control_plane.node_selector),
                    vnet_subnet_id=args.node_subnet_id,
                    orchestrator_version=s.kubernetes_version,
                    type="VirtualMachineScaleSets",
                )
            ],
            tags=args.tags,
            # The autoscaler owns the node count; an update must not reset it.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["agentPoolProfiles[0].count"]),
        )

        # `az aks create` grants this itself; through ARM the cluster's identity must be given the
        # subnet it was brought into, or AKS cannot place new nodes and load balancers there.
        self.subnet_access = grant(
            "network-contributor",
            role=NETWORK_CONTRIBUTOR,
            scope=args.node_subnet_id,
            principal_id=self.managed_cluster.identity.apply(lambda i: i.principal_id),
            subscription_id=args.subscription_id,
            parent=self,
        )

        spot = (
            dict(scale_set_priority="Spot", scale_set_eviction_policy="Delete", spot_max_price=tp.spot_max_price)
            if tp.spot
            else dict(scale_set_priority="Regular")
        )
        self.task_pool = containerservice.AgentPool(
            "task-pool",
            resource_group_name=args.resource_group_name,
            resource_name_=self.managed_cluster.name,
            agent_pool_name=TASK_POOL,
            mode="User",
            os_type="Linux",
            type="VirtualMachineScaleSets",
            vm_size=tp.vm_size,
            enable_auto_scaling=True,
            min_count=tp.min_count,
            max_count=tp.max_count,
            count=tp.min_count,
            node_labels=dict(self.tasks.node_selector),
            node_taints=[taint_string(t) for t in self.tasks.tolerations],
            vnet_subnet_id=args.node_subnet_id,
            orchestrator_version=s.kubernetes_version,
            tags=args.tags,
            **spot,
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["count"], depends_on=[self.subnet_access]),
        )

        credentials = containerservice.list_managed_cluster_user_credentials_output(
            resource_group_name=args.resource_group_name,
            resource_name=self.managed_cluster.name,
        )
        self.kubeconfig = pulumi.Output.secret(
            credentials.kubeconfigs[0].value.apply(lambda v: base64.b64decode(v).decode())
        )
        self.provider = k8s.Provider(
            "kubernetes",
            kubeconfig=self.kubeconfig,
            delete_unreachable=True,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs(
            {
                "clusterName": self.managed_cluster.name,
                "taskPoolName": self.task_pool.name,
                "oidcIssuerUrl": self.oidc_issuer_url,
                "kubeletObjectId": self.kubelet_object_id,
            }
        )

    @property
    def oidc_issuer_url(self) -> pulumi.Output[str]:
        return self.managed_cluster.oidc_issuer_profile.apply(lambda p: p.issuer_url)

    @property
    def kubelet_object_id(self) -> pulumi.Output[str]:
        return self.managed_cluster.identity_profile.apply(lambda p: p["kubeletidentity"].object_id)

    def handle(self) -> KubernetesCluster:
        return KubernetesCluster(
            name=self.managed_cluster.name,
            provider=self.provider,
            kubeconfig=self.kubeconfig,
            control_plane=self.control_plane,
            tasks=self.tasks,
            ready=[self.managed_cluster],
        )

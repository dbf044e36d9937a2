"""AKS with its System pool, the Airflow control-plane and task pools, and a Kubernetes provider."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s
from pulumi_azure_native import containerservice

from components.azure import access
from components.azure.kubeconfig import unattended
from components.azure.maintenance import autoscaler_profile, maintenance_windows
from components.azure.pools import (
    SYSTEM_POOL_SIZE_BEFORE_SETTING,
    PoolArgs,
    agent_pool,
    bootstrap_profile,
    control_plane_fixed,
    control_plane_placement,
    pool_names,
    system_placement,
    task_fixed,
    task_placement,
)
from components.azure.roles import NETWORK_CONTRIBUTOR, grant
from components.config import CLUSTER_POD_CIDR, CLUSTER_SERVICE_CIDR, ClusterSettings
from components.guards import Guard, Guarded
from components.platform import Destination, KubernetesCluster

MANAGED_CLUSTER = "azure-native:containerservice:ManagedCluster"


@dataclass(frozen=True)
class ClusterArgs:
    resource_group_name: pulumi.Input[str]
    cluster_name: pulumi.Input[str]
    dns_prefix: pulumi.Input[str]
    location: str
    node_subnet_id: pulumi.Input[str]
    node_subnet_cidr: str
    #: The resource group's id: the deploying identity's cluster-admin grant is made there, before the cluster.
    resource_group_id: pulumi.Input[str]
    subscription_id: pulumi.Input[str]
    #: The Entra ID tenant whose identities sign in to the cluster.
    tenant_id: pulumi.Input[str]
    #: Object id of the identity that runs `pulumi up`, made cluster admin, and what it is (User, ServicePrincipal).
    deployer_object_id: pulumi.Input[str]
    deployer_type: pulumi.Input[str]
    settings: ClusterSettings
    tags: dict[str, str]
    #: Container insights' agent and managed Prometheus (components/azure/monitoring.py).
    addon_profiles: Mapping[str, containerservice.ManagedClusterAddonProfileArgs] | None = None
    azure_monitor_profile: containerservice.ManagedClusterAzureMonitorProfileArgs | None = None


class Cluster(pulumi.ComponentResource):
    """The cluster and its pools; hands out where control-plane and task pods go."""

    def __init__(self, name: str, args: ClusterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("airflow-platform:azure:Cluster", name, None, opts)
        s = self.settings = args.settings
        cp = s.control_plane_pool
        tp = s.task_pool
        control_plane_name, task_name = pool_names(cp, tp)
        self.control_plane = (
            control_plane_placement(control_plane_name, cp.zones) if cp.dedicated else system_placement()
        )
        self.tasks = task_placement(task_name, tp.spot)

        # AKS upgrades one minor at a time and never downgrades: a preview that skips or goes back stops here.
        self.version_guard = Guard(
            "kubernetes-version-guard",
            "AKS cluster",
            [
                Guarded(
                    setting="airflow-platform:cluster.kubernetesVersion",
                    type=MANAGED_CLUSTER,
                    path="kubernetesVersion",
                    value=s.kubernetes_version,
                ),
                Guarded(
                    setting="airflow-platform:cluster.systemPool.vmSize",
                    type=MANAGED_CLUSTER,
                    path="agentPoolProfiles.vmSize",
                    value=s.system_pool.vm_size,
                    before_recorded=SYSTEM_POOL_SIZE_BEFORE_SETTING,
                ),
                *access.guarded(s.access),
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.deployer_admin = access.deployer_admin(
            principal_id=args.deployer_object_id,
            principal_type=args.deployer_type,
            resource_group_id=args.resource_group_id,
            subscription_id=args.subscription_id,
            parent=self,
        )
        self.managed_cluster = containerservice.ManagedCluster(
            "aks",
            resource_group_name=args.resource_group_name,
            resource_name_=args.cluster_name,
            location=args.location,
            dns_prefix=args.dns_prefix,
            kubernetes_version=s.kubernetes_version,
            sku=containerservice.ManagedClusterSKUArgs(name="Base", tier=s.tier),
            support_plan=s.support_plan,
            identity=containerservice.ManagedClusterIdentityArgs(type="SystemAssigned"),
            enable_rbac=True,
            aad_profile=access.aad_profile(s.access, args.tenant_id),
            disable_local_accounts=not s.access.local_accounts,
            api_server_access_profile=access.api_server_profile(s.access),
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
                upgrade_channel=s.upgrade_channel, node_os_upgrade_channel="NodeImage"
            ),
            auto_scaler_profile=autoscaler_profile(s.autoscaler),
            agent_pool_profiles=[bootstrap_profile(args.node_subnet_id, s.system_pool.vm_size)],
            addon_profiles=args.addon_profiles,
            azure_monitor_profile=args.azure_monitor_profile,
            tags=args.tags,
            # ARM's GET lists every pool here, and ARM changes none through the cluster: after a
            # refresh the program must not see a diff, nor ask ARM to change pools this way.
            opts=pulumi.ResourceOptions(
                parent=self, ignore_changes=["agentPoolProfiles"], depends_on=[self.version_guard]
            ),
        )

        # What others read of the cluster comes from calls keyed on the names the program chose,
        # released once the cluster has an id. An update's preview knows the id, so the calls run
        # and return the live values (identities, issuer, credentials an update does not change)
        # where the resource's own computed outputs would be unknown; before the cluster exists
        # the id is unknown, so a new stack's preview makes no call.
        address = pulumi.Output.all(self.managed_cluster.id, args.resource_group_name, args.cluster_name)
        resource_group = address.apply(lambda values: values[1])
        self.cluster_name = address.apply(lambda values: values[2])
        self.live = containerservice.get_managed_cluster_output(
            resource_group_name=resource_group, resource_name=self.cluster_name
        )

        # `az aks create` grants this itself; through ARM the cluster's identity must be given the
        # subnet it was brought into, or AKS cannot place new nodes and load balancers there.
        self.subnet_access = grant(
            "network-contributor",
            role=NETWORK_CONTRIBUTOR,
            scope=args.node_subnet_id,
            principal_id=self.live.identity.apply(lambda i: i.principal_id),
            subscription_id=args.subscription_id,
            parent=self,
        )

        # Both pools name the cluster by its output, so they are created, and upgraded, after it.
        pool_opts = pulumi.ResourceOptions(parent=self, depends_on=[self.subnet_access])
        common = dict(
            resource_group_name=args.resource_group_name,
            cluster_name=self.managed_cluster.name,
            subnet_id=args.node_subnet_id,
            kubernetes_version=s.kubernetes_version,
            tags=args.tags,
        )
        # Without a dedicated pool, Airflow's control plane runs on the System pool the cluster has.
        self.control_plane_pool = (
            agent_pool(
                "control-plane-pool",
                PoolArgs(
                    mode="System",
                    fixed=control_plane_fixed(cp),
                    placement=self.control_plane,
                    min_count=cp.min_count,
                    max_count=cp.max_count,
                    **common,
                ),
                pool_opts,
            )
            if cp.dedicated
            else None
        )
        self.task_pool = agent_pool(
            "task-pool",
            PoolArgs(
                mode="User",
                fixed=task_fixed(tp),
                placement=self.tasks,
                min_count=tp.min_count,
                max_count=tp.max_count,
                **common,
            ),
            pool_opts,
        )
        self.maintenance = maintenance_windows(
            s.maintenance, args.resource_group_name, self.managed_cluster.name, parent=self
        )

        # Entra ID credentials (an exec plugin, no static secret), made non-interactive.
        credentials = containerservice.list_managed_cluster_user_credentials_output(
            resource_group_name=resource_group, resource_name=self.cluster_name, format="exec"
        )
        # Not a secret: it names the server and its CA, and how to get a token; it grants nothing.
        self.kubeconfig = credentials.kubeconfigs[0].value.apply(unattended)
        # A private API server's endpoint is in the node subnet; a public one's addresses are Azure's.
        self.api_server = (
            Destination(cidrs=[args.node_subnet_cidr], ports=[443]) if s.access.private else Destination.public(443)
        )
        self.provider = k8s.Provider(
            "kubernetes",
            kubeconfig=self.kubeconfig,
            delete_unreachable=True,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs(
            {
                "clusterName": self.cluster_name,
                "controlPlanePoolName": self.control_plane_pool_name,
                "taskPoolName": self.task_pool.name,
                "oidcIssuerUrl": self.oidc_issuer_url,
                "kubeletObjectId": self.kubelet_object_id,
            }
        )

    @property
    def control_plane_pool_name(self) -> pulumi.Input[str]:
        return self.control_plane_pool.name if self.control_plane_pool else self.control_plane.pool_name

    @property
    def oidc_issuer_url(self) -> pulumi.Output[str]:
        return self.live.oidc_issuer_profile.apply(lambda p: p.issuer_url)

    @property
    def kubelet_object_id(self) -> pulumi.Output[str]:
        return self.live.identity_profile.apply(lambda p: p["kubeletidentity"].object_id)

    def handle(self) -> KubernetesCluster:
        return KubernetesCluster(
            name=self.cluster_name,
            provider=self.provider,
            kubeconfig=self.kubeconfig,
            control_plane=self.control_plane,
            tasks=self.tasks,
            # A public API server's addresses are Azure's (the FQDN resolves to them) and may change.
            api_server=self.api_server,
            # With Entra ID, Kubernetes names a group by its object id.
            reader_groups=[g for g in (self.settings.access.preview_group_object_id,) if g],
            ready=[r for r in (self.managed_cluster, self.control_plane_pool, self.deployer_admin) if r],
            api_server_needs_cilium_deny=True,
        )

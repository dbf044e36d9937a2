"""EKS with its control-plane and task node groups, Cluster Autoscaler, and a Kubernetes provider.

Access is through access entries only (authentication mode API: no aws-auth ConfigMap); the
creator gets no implicit admin rights, every admin is an explicit entry (components/aws/access.py).
The control plane logs every type to a log group the program creates first, with its retention,
and Kubernetes Secrets are envelope-encrypted with a KMS key the program owns.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.aws.access import PREVIEW_GROUP, admin_principals, cluster_admin, partition_of, preview_reader
from components.aws.autoscaler import AutoscalerArgs, ClusterAutoscaler
from components.aws.kubeconfig import eks_kubeconfig
from components.aws.network import FACTS as VPC_FACTS
from components.aws.node_groups import (
    CONTROL_PLANE_PREFIX,
    TASK_PREFIX,
    NodeGroupArgs,
    auto_scaling_group_tags,
    control_plane_fixed,
    control_plane_placement,
    node_group,
    node_group_name,
    node_role,
    scale_from_zero_tags,
    task_fixed,
    task_placement,
)
from components.aws.roles import service_role
from components.config.aws import EksSettings
from components.guards import Guard, Guarded
from components.platform import Destination, KubernetesCluster

EKS_CLUSTER = "aws:eks/cluster:Cluster"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
#: Every control plane log type EKS has (EKS User Guide, Send control plane logs to CloudWatch Logs).
LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
#: Add-ons the nodes need to become Ready: created with the cluster, before the node groups.
NODE_ADDONS = ("vpc-cni", "kube-proxy")
#: The VPC CNI enforces the Airflow namespace's NetworkPolicies only when told to (data/aws-vpc.yaml).
NODE_ADDON_CONFIGURATION = {"vpc-cni": VPC_FACTS.network_policy.addon_configuration}
#: Add-ons whose pods need nodes: created after the control-plane group (data/aws-provisioning-times.yaml).
WORKLOAD_ADDONS = ("coredns", "eks-pod-identity-agent")
#: What the cluster role needs of the Secrets key, besides the key policy's default grant to the account.
SECRETS_KEY_ACTIONS = ("kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey")
#: Where the public endpoint answers when a stack names no ranges: the config refuses that with protectData.
ANYWHERE = "0.0.0.0/0"


@dataclass(frozen=True)
class EksArgs:
    settings: EksSettings
    cluster_name: str
    role_prefix: str
    region: str
    vpc_id: pulumi.Input[str]
    vpc_cidr: str
    private_subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    #: ``getCallerIdentity``'s ARN: the identity running `pulumi up`, made cluster admin.
    deployer_arn: str
    tags: dict[str, str]
    #: The availability zones of the private subnets (the control-plane group spans them).
    zones: Sequence[str] = ()


def secrets_key_policy(key_arn: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": list(SECRETS_KEY_ACTIONS), "Resource": key_arn}],
        }
    )


class EksCluster(pulumi.ComponentResource):
    """The cluster, its node groups and autoscaler; hands out where control-plane and task pods go."""

    def __init__(self, name: str, args: EksArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("airflow-platform:aws:Cluster", name, None, opts)
        s = args.settings
        partition = partition_of(args.deployer_arn)
        child = pulumi.ResourceOptions(parent=self)
        self.api_server = Destination(cidrs=[args.vpc_cidr], ports=[443])
        self.control_plane = control_plane_placement(
            node_group_name(CONTROL_PLANE_PREFIX, control_plane_fixed(s.control_plane_nodes)), args.zones
        )
        self.tasks = task_placement(node_group_name(TASK_PREFIX, task_fixed(s.task_nodes)))

        self.log_group = aws.cloudwatch.LogGroup(
            "control-plane-logs",
            name=f"/aws/eks/{args.cluster_name}/cluster",
            retention_in_days=s.control_plane_log_retention_days,
            tags=args.tags,
            opts=child,
        )
        self.secrets_key = aws.kms.Key(
            "secrets-key",
            description=f"Envelope encryption of the Kubernetes Secrets of EKS cluster {args.cluster_name}",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            tags=args.tags,
            opts=child,
        )
        self.cluster_role, cluster_attachments = service_role(
            "cluster-role",
            f"{args.role_prefix}-eks-cluster",
            "eks.amazonaws.com",
            ("AmazonEKSClusterPolicy",),
            args.tags,
            self,
            partition,
        )
        self.cluster_key_access = aws.iam.RolePolicy(
            "cluster-secrets-key",
            name="secrets-key",
            role=self.cluster_role.name,
            policy=self.secrets_key.arn.apply(secrets_key_policy),
            opts=child,
        )
        # EKS upgrades one minor at a time and never downgrades: a preview that skips or goes back stops here.
        self.version_guard = Guard(
            "kubernetes-version-guard",
            "EKS cluster",
            [
                Guarded(
                    setting="airflow-platform:aws.cluster.kubernetesVersion",
                    type=EKS_CLUSTER,
                    path="version",
                    value=s.kubernetes_version,
                )
            ],
            opts=child,
        )
        self.cluster = aws.eks.Cluster(
            "eks",
            name=args.cluster_name,
            role_arn=self.cluster_role.arn,
            version=s.kubernetes_version,
            upgrade_policy=aws.eks.ClusterUpgradePolicyArgs(support_type=s.support_type),
            vpc_config=aws.eks.ClusterVpcConfigArgs(
                subnet_ids=args.private_subnet_ids,
                endpoint_private_access=True,
                endpoint_public_access=True,
                public_access_cidrs=list(s.public_access_cidrs) or [ANYWHERE],
            ),
            access_config=aws.eks.ClusterAccessConfigArgs(
                authentication_mode="API", bootstrap_cluster_creator_admin_permissions=False
            ),
            # vpc-cni, kube-proxy and coredns come as managed add-ons below, versioned by EKS.
            bootstrap_self_managed_addons=False,
            enabled_cluster_log_types=list(LOG_TYPES),
            encryption_config=aws.eks.ClusterEncryptionConfigArgs(
                provider=aws.eks.ClusterEncryptionConfigProviderArgs(key_arn=self.secrets_key.arn),
                resources=["secrets"],
            ),
            tags=args.tags,
            # The log group first, or EKS creates it itself, without retention, and the program's create fails.
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[self.log_group, self.cluster_key_access, self.version_guard, *cluster_attachments],
            ),
        )
        self.cluster_name: pulumi.Output[str] = self.cluster.name
        # Managed node groups without a launch template put their nodes in the cluster security group.
        self.node_security_group_id: pulumi.Output[str] = self.cluster.vpc_config.cluster_security_group_id
        self.admins = [
            cluster_admin(principal, self.cluster_name, args.tags, self)
            for principal in admin_principals(args.deployer_arn, s.admin_role_arns)
        ]
        self.preview_reader = (
            preview_reader(s.preview_role_arn, self.cluster_name, args.tags, self) if s.preview_role_arn else None
        )
        node_addons = [self._addon(addon, args.tags, [], NODE_ADDON_CONFIGURATION.get(addon)) for addon in NODE_ADDONS]

        self.node_role, node_attachments = node_role(f"{args.role_prefix}-eks-nodes", args.tags, partition, self)
        self.node_role_name: pulumi.Output[str] = self.node_role.name
        # EKS fixes a group's subnets at creation, and a group's name follows only its instance types and
        # capacity: other zones would replace both groups under the names they hold.
        self.zones_guard = Guard(
            "node-groups-guard",
            "node group",
            [
                Guarded(
                    setting="airflow-platform:aws.network.zones",
                    type=NODE_GROUP,
                    path="subnetIds",
                    value=sorted(args.zones),
                    shown=len(args.zones),
                )
            ],
            opts=child,
        )
        group_opts = pulumi.ResourceOptions(parent=self, depends_on=[*node_addons, *node_attachments, self.zones_guard])
        common = dict(
            cluster_name=self.cluster_name,
            node_role_arn=self.node_role.arn,
            subnet_ids=args.private_subnet_ids,
            kubernetes_version=s.kubernetes_version,
            tags=args.tags,
        )
        cp, tp = s.control_plane_nodes, s.task_nodes
        self.control_plane_group = node_group(
            "control-plane-nodes",
            NodeGroupArgs(
                fixed=control_plane_fixed(cp),
                placement=self.control_plane,
                min_size=cp.min_size,
                max_size=cp.max_size,
                **common,
            ),
            group_opts,
        )
        self.task_group = node_group(
            "task-nodes",
            NodeGroupArgs(
                fixed=task_fixed(tp), placement=self.tasks, min_size=tp.min_size, max_size=tp.max_size, **common
            ),
            group_opts,
        )
        self.task_group_tags = auto_scaling_group_tags(
            "task-nodes-template", self.task_group, scale_from_zero_tags(self.tasks), self
        )
        coredns, self.pod_identity_agent = (
            self._addon(addon, args.tags, [self.control_plane_group]) for addon in WORKLOAD_ADDONS
        )
        self.ready: list[pulumi.Resource] = [self.cluster, self.control_plane_group, coredns, *self.admins]

        self.kubeconfig: pulumi.Output[str] = pulumi.Output.all(
            self.cluster.name, self.cluster.endpoint, self.cluster.certificate_authority.data
        ).apply(lambda v: eks_kubeconfig(v[0], v[1], v[2], args.region))
        self.provider = k8s.Provider("kubernetes", kubeconfig=self.kubeconfig, delete_unreachable=True, opts=child)
        self.autoscaler = ClusterAutoscaler(
            "autoscaler",
            AutoscalerArgs(
                cluster_name=self.cluster_name,
                role_name=f"{args.role_prefix}-cluster-autoscaler",
                region=args.region,
                kubernetes_version=s.kubernetes_version,
                placement=self.control_plane,
                provider=self.provider,
                partition=partition,
                tags=args.tags,
                ready=[*self.ready, self.pod_identity_agent],
            ),
            child,
        )
        self.outputs: dict[str, pulumi.Input[object]] = {
            "clusterName": self.cluster_name,
            "clusterEndpoint": self.cluster.endpoint,
            "kubeconfig": self.kubeconfig,
            "controlPlaneNodeGroupName": self.control_plane_group.node_group_name,
            "taskNodeGroupName": self.task_group.node_group_name,
            "oidcIssuerUrl": self.cluster.identities.apply(lambda ids: ids[0].oidcs[0].issuer),
        }
        self.register_outputs(self.outputs)

    def _addon(
        self, addon: str, tags: dict[str, str], after: list[pulumi.Resource], configuration: dict | None = None
    ) -> aws.eks.Addon:
        """An EKS add-on at the version EKS defaults to for the cluster's Kubernetes version."""
        return aws.eks.Addon(
            addon,
            cluster_name=self.cluster_name,
            addon_name=addon,
            configuration_values=json.dumps(configuration, sort_keys=True) if configuration else None,
            # Adopt what is there on create (none here: no self-managed add-ons); keep our config on update.
            resolve_conflicts_on_create="OVERWRITE",
            resolve_conflicts_on_update="PRESERVE",
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=after),
        )

    def handle(self) -> KubernetesCluster:
        return KubernetesCluster(
            name=self.cluster_name,
            provider=self.provider,
            kubeconfig=self.kubeconfig,
            control_plane=self.control_plane,
            tasks=self.tasks,
            # With endpoint private access, the API server answers pods on addresses inside the VPC.
            api_server=self.api_server,
            # The preview role's access entry puts it in this group, which the release's Roles let read.
            reader_groups=[PREVIEW_GROUP] if self.preview_reader else [],
            ready=self.ready,
        )

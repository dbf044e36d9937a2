"""The EKS cluster of aws-dev and aws-prod: access entries only, logs, encrypted Secrets, a kubeconfig
without a static credential, and Cluster Autoscaler on the control-plane nodes."""

from __future__ import annotations

import functools
import json

import pytest
import yaml

from components.aws.access import PREVIEW_GROUP, principal_arn
from components.aws.cluster import LOG_TYPES, EksArgs, EksCluster
from components.aws.naming import aws_names
from components.config.aws import EksSettings
from components.config.report import settings_from_config
from components.platform import POOL_LABEL
from tests.helpers import plain
from tools.mock_aws import ACCOUNT_ID, CALLER_ARN
from tools.offline import ROOT, ProgramRun, run_function, run_program, stack_config

#: aws-dev's own aws block, to change one key of it.
AWS_DEV_BLOCK = yaml.safe_load((ROOT / "Pulumi.aws-dev.yaml").read_text())["config"]["airflow-platform:aws"]

CLUSTER = "aws:eks/cluster:Cluster"
ACCESS_ENTRY = "aws:eks/accessEntry:AccessEntry"
POLICY_ASSOCIATION = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"
RELEASE = "kubernetes:helm.sh/v3:Release"
STACKS = ["aws-dev", "aws-prod"]
BREAK_GLASS = f"arn:aws:iam::{ACCOUNT_ID}:role/platform-admins"
DEPLOYER_ROLE = f"arn:aws:iam::{ACCOUNT_ID}:role/airflow-platform-deploy"


def cluster_args(stack: str, settings: EksSettings | None = None) -> EksArgs:
    stack_settings = settings_from_config("airflow-platform", stack, *stack_config(stack))
    names = aws_names(stack_settings.project, stack_settings.stack, ACCOUNT_ID)
    return EksArgs(
        settings=settings or stack_settings.aws.cluster,
        cluster_name=names.cluster,
        role_prefix=names.role_prefix,
        region=stack_settings.aws_region,
        vpc_id="vpc-0a1b2c3d4e5f60718",
        vpc_cidr=stack_settings.aws.network.cidr,
        private_subnet_ids=["subnet-0a1b2c3d4e5f60718", "subnet-1a1b2c3d4e5f60718"],
        deployer_arn=CALLER_ARN,
        tags=stack_settings.tags,
        zones=("eu-west-1a", "eu-west-1b"),
    )


@functools.cache
def eks_of(stack: str) -> ProgramRun:
    return run_function(stack, lambda: EksCluster("cluster", cluster_args(stack)))


@pytest.fixture(params=STACKS)
def eks(request) -> ProgramRun:
    return eks_of(request.param)


def test_access_entries_only_and_no_implicit_creator_admin(eks: ProgramRun):
    access = eks.one(CLUSTER).inputs["accessConfig"]
    assert access == {"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": False}


def test_deployer_session_becomes_its_role():
    assert principal_arn(CALLER_ARN) == DEPLOYER_ROLE
    assert (
        principal_arn("arn:aws-cn:sts::123456789012:assumed-role/ops/jane") == "arn:aws-cn:iam::123456789012:role/ops"
    )
    assert principal_arn(BREAK_GLASS) == BREAK_GLASS
    with pytest.raises(ValueError, match="cannot be given an access entry"):
        principal_arn("arn:aws:sts::123456789012:federated-user/jane")


def test_the_deployer_role_is_cluster_admin(eks: ProgramRun):
    (entry,) = eks.of_type(ACCESS_ENTRY)
    assert entry.inputs["principalArn"] == DEPLOYER_ROLE
    assert entry.inputs["type"] == "STANDARD"
    (association,) = eks.of_type(POLICY_ASSOCIATION)
    assert association.inputs["principalArn"] == DEPLOYER_ROLE
    assert association.inputs["policyArn"] == "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
    assert association.inputs["accessScope"] == {"type": "cluster"}


def test_admin_roles_get_entries_once_each():
    settings = cluster_args("aws-dev").settings.model_copy(update={"admin_role_arns": (BREAK_GLASS, DEPLOYER_ROLE)})
    run = run_function("aws-dev", lambda: EksCluster("cluster", cluster_args("aws-dev", settings)))
    entries = sorted(r.inputs["principalArn"] for r in run.of_type(ACCESS_ENTRY))
    associated = sorted(r.inputs["principalArn"] for r in run.of_type(POLICY_ASSOCIATION))
    assert entries == associated == sorted([BREAK_GLASS, DEPLOYER_ROLE])


def test_every_control_plane_log_type_into_a_group_created_first(eks: ProgramRun):
    cluster = eks.one(CLUSTER)
    assert cluster.inputs["enabledClusterLogTypes"] == list(LOG_TYPES)
    assert set(LOG_TYPES) == {"api", "audit", "authenticator", "controllerManager", "scheduler"}
    group = eks.one("aws:cloudwatch/logGroup:LogGroup")
    assert group.inputs["name"] == f"/aws/eks/{cluster.inputs['name']}/cluster"
    assert group.inputs["retentionInDays"] == 90
    assert group.urn in cluster.dependencies


def test_secrets_are_encrypted_with_a_rotating_key_the_cluster_role_may_use(eks: ProgramRun):
    key = eks.one("aws:kms/key:Key")
    assert key.inputs["enableKeyRotation"] is True
    encryption = eks.one(CLUSTER).inputs["encryptionConfig"]
    assert encryption == {"resources": ["secrets"], "provider": {"keyArn": key.state["arn"]}}
    grant = next(r for r in eks.of_type("aws:iam/rolePolicy:RolePolicy") if r.name == "cluster-secrets-key")
    assert json.loads(grant.inputs["policy"])["Statement"][0]["Resource"] == key.state["arn"]


def test_public_endpoint_only_from_the_named_ranges():
    prod = eks_of("aws-prod").one(CLUSTER).inputs["vpcConfig"]
    assert prod["endpointPrivateAccess"] is True
    assert prod["publicAccessCidrs"] == ["203.0.113.0/24"]
    # aws-dev names none (allowed only without protectData): the public endpoint answers anyone.
    assert eks_of("aws-dev").one(CLUSTER).inputs["vpcConfig"]["publicAccessCidrs"] == ["0.0.0.0/0"]


def test_managed_addons_with_pod_identity_agent(eks: ProgramRun):
    addons = {r.inputs["addonName"] for r in eks.of_type("aws:eks/addon:Addon")}
    assert addons == {"vpc-cni", "coredns", "kube-proxy", "eks-pod-identity-agent"}
    assert eks.one(CLUSTER).inputs["bootstrapSelfManagedAddons"] is False


def test_kubeconfig_runs_aws_eks_get_token_and_holds_no_token(eks: ProgramRun):
    provider = eks.one("pulumi:providers:kubernetes")
    document = yaml.safe_load(provider.inputs["kubeconfig"])
    cluster = eks.one(CLUSTER)
    assert document["clusters"][0]["cluster"]["server"] == cluster.state["endpoint"]
    assert (
        document["clusters"][0]["cluster"]["certificate-authority-data"]
        == cluster.state["certificateAuthority"]["data"]
    )
    (user,) = document["users"]
    assert set(user["user"]) == {"exec"}
    exec_spec = user["user"]["exec"]
    assert exec_spec["apiVersion"] == "client.authentication.k8s.io/v1beta1"
    assert exec_spec["command"] == "aws"
    assert exec_spec["args"][:4] == ["eks", "get-token", "--cluster-name", cluster.inputs["name"]]
    assert exec_spec["args"][4:6] == ["--region", "eu-west-1"]


def test_autoscaler_runs_on_control_plane_nodes_with_its_pod_identity(eks: ProgramRun):
    release = eks.one(RELEASE)
    values = release.inputs["values"]
    assert values["nodeSelector"] == {POOL_LABEL: "control-plane"}
    assert values["autoDiscovery"]["clusterName"] == eks.one(CLUSTER).inputs["name"]
    assert values["image"]["tag"] == "v1.36.1"
    association = eks.one("aws:eks/podIdentityAssociation:PodIdentityAssociation")
    assert (association.inputs["namespace"], association.inputs["serviceAccount"]) == (
        release.inputs["namespace"],
        values["rbac"]["serviceAccount"]["name"],
    )
    role = next(r for r in eks.of_type("aws:iam/role:Role") if r.name == "autoscaler-role")
    assert association.inputs["roleArn"] == role.state["arn"]
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    assert association.urn in release.dependencies
    control_plane = next(r for r in eks.of_type("aws:eks/nodeGroup:NodeGroup") if r.name == "control-plane-nodes")
    assert control_plane.urn in eks.waits_for(release)


def test_autoscaler_scales_only_this_clusters_groups(eks: ProgramRun):
    policy = next(r for r in eks.of_type("aws:iam/rolePolicy:RolePolicy") if r.name == "autoscaler-scaling")
    statements = json.loads(policy.inputs["policy"])["Statement"]
    scaling = next(s for s in statements if "autoscaling:SetDesiredCapacity" in s["Action"])
    assert "autoscaling:SetDesiredCapacity" not in next(s for s in statements if s is not scaling)["Action"]
    name = eks.one(CLUSTER).inputs["name"]
    assert scaling["Condition"] == {"StringEquals": {f"aws:ResourceTag/k8s.io/cluster-autoscaler/{name}": "owned"}}


def test_a_pinned_deployer_stays_admin_and_the_preview_role_reads_airflow_only():
    """The preview runs as another role: it must neither take the admin entry nor be left without access."""
    deploy = "arn:aws:iam::123456789012:role/airflow-platform-deploy"
    preview = "arn:aws:iam::123456789012:role/airflow-platform-preview"
    cluster = {**AWS_DEV_BLOCK["cluster"], "deployerRoleArn": deploy, "previewRoleArn": preview}
    run = run_program("aws-dev", overrides={"airflow-platform:aws": {**AWS_DEV_BLOCK, "cluster": cluster}})
    entries = {plain(e.inputs["principalArn"]): e.inputs for e in run.of_type("aws:eks/accessEntry:AccessEntry")}
    assert set(entries) == {deploy, preview}
    assert entries[preview]["kubernetesGroups"] == [PREVIEW_GROUP]
    associations = run.of_type("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
    admins = [plain(a.inputs["principalArn"]) for a in associations]
    assert admins == [deploy]
    bindings = [plain(b.inputs) for b in run.of_type("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding")]
    assert bindings and all(
        [s["name"] for s in b["subjects"]] == [PREVIEW_GROUP] and b["roleRef"]["kind"] == "Role" for b in bindings
    )

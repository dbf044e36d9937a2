"""EKS Pod Identity: a role only EKS Pod Identity assumes, for the Airflow service accounts of one
cluster's namespace, and one association per service account of the release's table."""

from __future__ import annotations

import json

from components.aws.identity import FACTS
from components.platform import AIRFLOW_SERVICE_ACCOUNTS
from tests.aws_components import CLUSTER, components_run

ASSOCIATION = "aws:eks/podIdentityAssociation:PodIdentityAssociation"


def test_trust_policy_lets_only_eks_pod_identity_assume_the_role_for_the_airflow_accounts():
    run = components_run("aws-prod")
    (statement,) = json.loads(run.one("aws:iam/role:Role").inputs["assumeRolePolicy"])["Statement"]
    assert statement["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    assert statement["Action"] == ["sts:AssumeRole", "sts:TagSession"]
    tags = statement["Condition"]["StringEquals"]
    assert tags["aws:RequestTag/eks-cluster-name"] == CLUSTER
    assert tags["aws:RequestTag/kubernetes-namespace"] == "airflow"
    assert tags["aws:RequestTag/kubernetes-service-account"] == list(AIRFLOW_SERVICE_ACCOUNTS.values())


def test_one_association_per_airflow_service_account_to_the_role():
    run = components_run("aws-prod")
    role_arn = run.one("aws:iam/role:Role").state["arn"]
    associations = run.of_type(ASSOCIATION)
    assert sorted(a.inputs["serviceAccount"] for a in associations) == sorted(AIRFLOW_SERVICE_ACCOUNTS.values())
    for association in associations:
        assert association.inputs["clusterName"] == CLUSTER
        assert association.inputs["namespace"] == "airflow"
        assert association.inputs["roleArn"] == role_arn


def test_the_handle_needs_no_annotation_or_label_and_waits_for_associations_and_grants():
    outputs = components_run("aws-dev").outputs
    assert outputs["identityAnnotations"].value == {} and outputs["identityLabels"].value == {}
    ready = outputs["identityReady"].value
    assert sum(ASSOCIATION in urn for urn in ready) == len(AIRFLOW_SERVICE_ACCOUNTS)
    assert any("aws:iam/rolePolicy:RolePolicy::task-logs" in urn for urn in ready)


def test_pods_reach_the_node_local_pod_identity_agent():
    network = components_run("aws-dev").outputs["identityNetwork"].value
    assert network == {"cidrs": [FACTS.pod_identity.agent_address], "ports": [FACTS.pod_identity.agent_port]}
    assert network["cidrs"] == ["169.254.170.23/32"]

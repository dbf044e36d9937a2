"""Airflow's network policies on EKS: the VPC CNI enforces plain NetworkPolicies (turned on in its
add-on), and with the API server reached inside the VPC no Cilium deny is needed to keep the
other pods from it."""

from __future__ import annotations

import json

from tests.conftest import planned as planned_aws
from tests.helpers import named
from tests.test_airflow_network_policies import (
    API_SERVER,
    CREATE_USER,
    DAG_PROCESSOR,
    MIGRATE,
    SCHEDULER,
    TASK,
    TRIGGERER,
    Address,
    declared,
)

#: A private endpoint address of the EKS API server (in a private subnet of aws-dev's 10.50.0.0/16),
#: and the in-cluster `kubernetes` Service in EKS's default service range 172.20.0.0/16.
EKS_API_ENDPOINT = Address("10.50.0.10")
KUBERNETES_SERVICE = Address("172.20.0.1")


def test_the_vpc_cni_enforces_network_policies():
    addon = named(planned_aws("aws-dev"), "aws:eks/addon:Addon", "vpc-cni")
    assert json.loads(addon.inputs["configurationValues"]) == {"enableNetworkPolicy": "true"}


def test_only_the_scheduler_and_api_server_reach_the_kubernetes_api_and_no_cilium_policy_is_declared():
    policies = declared(planned_aws("aws-dev"))
    assert policies.denies == [], "EKS runs no Cilium: such a policy would not even apply"
    for pod in (SCHEDULER, API_SERVER):
        assert policies.allow(pod, EKS_API_ENDPOINT, 443), pod
    for pod in (TASK, TRIGGERER, DAG_PROCESSOR, MIGRATE, CREATE_USER):
        assert not policies.allow(pod, EKS_API_ENDPOINT, 443), pod
        assert not policies.allow(pod, KUBERNETES_SERVICE, 443), pod

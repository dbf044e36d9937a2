"""The AWS Load Balancer Controller (data/aws-front-door.yaml): it makes the internet-facing NLB the
front door's proxy Service asks for, on the stack's Elastic IPs, and opens the pods' security group to it.

It runs on the control-plane nodes and acts with its own IAM role through an EKS Pod Identity
association. The role's policy is the program's own, for what this stack asks of the controller: it
may create load balancers, target groups and security groups only tagged as this cluster's, change
and delete only those, and open security groups only in the stack's VPC.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.aws.front_door_facts import FRONT_DOOR
from components.aws.pod_roles import PodRoleArgs, ServiceAccount, pod_role
from components.helm import chart_release
from components.platform import NodePlacement

CONTROLLER = FRONT_DOOR.load_balancer
CHART = CONTROLLER.chart
PERMISSIONS = CONTROLLER.permissions


@dataclass(frozen=True)
class PolicyScope:
    """Where the controller's grants apply: this account's region, this VPC, this cluster's tag."""

    partition: str
    region: str
    account_id: str
    vpc_id: str
    cluster_name: str

    def ec2(self, resource: str) -> str:
        return f"arn:{self.partition}:ec2:{self.region}:{self.account_id}:{resource}"

    def elb(self, resource: str) -> str:
        return f"arn:{self.partition}:elasticloadbalancing:{self.region}:{self.account_id}:{resource}"


def _allow(actions: Sequence[str], resources: str | list[str], condition: Mapping[str, Any] | None = None) -> dict:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": list(actions), "Resource": resources}
    if condition:
        statement["Condition"] = dict(condition)
    return statement


def controller_policy(scope: PolicyScope) -> str:
    """Describe anything; create only tagged as this cluster's, then change and delete only what carries
    that tag; security group rules only in the stack's VPC (the controller's groups and the pods')."""
    p = PERMISSIONS
    tag = p.tag_key
    requested = {f"aws:RequestTag/{tag}": scope.cluster_name}
    ours = {"StringEquals": {f"aws:ResourceTag/{tag}": scope.cluster_name}}
    groups = scope.ec2("security-group/*")
    balancers = [scope.elb("loadbalancer/net/*/*"), scope.elb("targetgroup/*/*")]
    statements = [
        _allow(p.describe, "*"),
        _allow(["iam:CreateServiceLinkedRole"], "*", {"StringEquals": {"iam:AWSServiceName": p.service_linked_role}}),
        _allow(p.create_security_group, [scope.ec2(f"vpc/{scope.vpc_id}"), groups]),
        _allow(["ec2:CreateTags"], groups, {"StringEquals": {"ec2:CreateAction": "CreateSecurityGroup", **requested}}),
        _allow(p.own_security_groups, groups, ours),
        _allow(p.security_group_rules, groups, {"ArnEquals": {"ec2:Vpc": scope.ec2(f"vpc/{scope.vpc_id}")}}),
        _allow(p.create_load_balancer, balancers, {"StringEquals": requested}),
        _allow(
            ["elasticloadbalancing:AddTags"],
            balancers,
            {
                "StringEquals": {
                    "elasticloadbalancing:CreateAction": [a.split(":", 1)[1] for a in p.create_load_balancer],
                    **requested,
                }
            },
        ),
        _allow(p.own_load_balancers, balancers, ours),
        _allow(p.listeners, [scope.elb("loadbalancer/net/*/*"), scope.elb("listener/net/*/*/*")]),
        _allow(p.targets, scope.elb("targetgroup/*/*")),
    ]
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def chart_values(
    cluster_name: str, region: str, vpc_id: str, placement: NodePlacement, tags: Mapping[str, str]
) -> dict[str, Any]:
    return {
        "clusterName": cluster_name,
        # Given, not read from the instance metadata (the controller's installation guide).
        "region": region,
        "vpcId": vpc_id,
        "serviceAccount": {"create": True, "name": CHART.service_account},
        # The proxy's Service names its class itself; no webhook may fail another LoadBalancer Service's creation.
        "enableServiceMutatorWebhook": False,
        # The stack's tags on the NLB, its target groups and security groups, for cost reports and clean-ups.
        "defaultTags": dict(tags),
        "nodeSelector": dict(placement.node_selector),
        "tolerations": placement.toleration_dicts(),
    }


@dataclass(frozen=True)
class LoadBalancerControllerArgs:
    cluster_name: pulumi.Output[str]
    role_name: str
    partition: str
    region: str
    account_id: str
    vpc_id: pulumi.Output[str]
    placement: NodePlacement
    provider: k8s.Provider
    tags: dict[str, str]
    #: The cluster, its control-plane nodes and the Pod Identity agent: the pods start after them.
    ready: Sequence[pulumi.Resource]


class LoadBalancerController(pulumi.ComponentResource):
    def __init__(self, name: str, args: LoadBalancerControllerArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("airflow-platform:aws:LoadBalancerController", name, None, opts)
        self.identity = pod_role(
            "load-balancer-controller",
            "load-balancer-controller",
            PodRoleArgs(
                role_name=args.role_name,
                policy_name="aws-load-balancer-controller",
                policy=pulumi.Output.all(args.vpc_id, args.cluster_name).apply(
                    lambda v: controller_policy(PolicyScope(args.partition, args.region, args.account_id, v[0], v[1]))
                ),
                cluster_name=args.cluster_name,
                account=ServiceAccount(CHART.namespace, CHART.service_account),
                partition=args.partition,
                tags=args.tags,
                ready=args.ready,
            ),
            self,
        )
        self.release = chart_release(
            "aws-load-balancer-controller",
            CHART,
            pulumi.Output.all(args.cluster_name, args.vpc_id).apply(
                lambda v: chart_values(v[0], args.region, v[1], args.placement, args.tags)
            ),
            pulumi.ResourceOptions(parent=self, provider=args.provider, depends_on=[*args.ready, *self.identity.ready]),
        )
        #: What a LoadBalancer Service of class service.k8s.aws/nlb waits for.
        self.ready: list[pulumi.Resource] = [self.release]
        self.register_outputs({"roleArn": self.identity.role.arn})

"""The front door on AWS (issue 12): with airflow.ui.hostname, an Elastic IP per public subnet that the AWS
Load Balancer Controller gives the proxy's internet-facing NLB, the A record of those addresses in the
Route 53 zone named by dnsZone, and cert-manager answering DNS-01 there with a role scoped to that zone;
the Gateway, routes and certificate are the cloud-neutral ones Azure has."""

from __future__ import annotations

import json
from functools import cache

import pytest

from components.config import settings_from_config
from components.create_only import load_table
from tests.helpers import plain
from tests.test_guards import with_settings
from tools.aws_cost import estimate_aws_idle_cost
from tools.aws_prices import load_aws_prices
from tools.duration import estimate_duration, load_provisioning_times
from tools.front_door_lines import front_door_lines
from tools.mock_aws import ACCOUNT_ID, hosted_zone_id
from tools.offline import DeclaredResource, ProgramRun, run_program, stack_config
from tools.transitions import leaves, plan_update

HOST, ZONE = "airflow.example.com", "example.com"
ELASTIC_IP = "aws:ec2/eip:Eip"
SUBNET = "aws:ec2/subnet:Subnet"
RECORD = "aws:route53/record:Record"
ROLE, ROLE_POLICY = "aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy"
ASSOCIATION = "aws:eks/podIdentityAssociation:PodIdentityAssociation"
RELEASE = "kubernetes:helm.sh/v3:Release"
ENVOY_PROXY = "kubernetes:gateway.envoyproxy.io/v1alpha1:EnvoyProxy"
SERVICE = "kubernetes:core/v1:Service"
ISSUER = "kubernetes:cert-manager.io/v1:ClusterIssuer"
ANNOTATION = "service.beta.kubernetes.io/aws-load-balancer-"


def settings(stack: str, overrides: dict | None = None):
    return settings_from_config("airflow-platform", stack, *stack_config(stack, overrides))


def ui(zone: str | None = ZONE, **more) -> dict:
    return {"hostname": HOST, "signIn": {"enabled": False}, **({"dnsZone": zone} if zone else {}), **more}


@cache
def exposed(stack: str = "aws-prod", zone: str | None = ZONE) -> ProgramRun:
    return run_program(stack, overrides=with_settings(stack, "airflow", ui=ui(zone)))


def named(run: ProgramRun, type_token: str, name: str) -> DeclaredResource:
    (found,) = [r for r in run.of_type(type_token) if r.name == name]
    return found


def release(run: ProgramRun, name: str) -> DeclaredResource:
    (found,) = [r for r in run.of_type(RELEASE) if r.inputs["name"] == name]
    return found


def ingress_addresses(run: ProgramRun) -> list[DeclaredResource]:
    return [r for r in run.of_type(ELASTIC_IP) if r.name.startswith("ingress-")]


def service(run: ProgramRun) -> dict:
    """The load balancer Service's spec, with its annotations."""
    balancer = run.one(SERVICE)
    return {**balancer.inputs["spec"], "annotations": balancer.inputs["metadata"]["annotations"]}


def upstream(run: ProgramRun, resource: DeclaredResource) -> set[str]:
    """Every resource ``resource`` waits for, directly or through others (Pulumi deletes it before them)."""
    by_urn = {r.urn: r for r in run.resources}
    seen: set[str] = set()
    todo = list(resource.dependencies)
    while todo:
        urn = todo.pop()
        if urn not in seen:
            seen.add(urn)
            todo.extend(by_urn[urn].dependencies if urn in by_urn else ())
    return seen


def role_of(run: ProgramRun, association: DeclaredResource) -> DeclaredResource:
    (role,) = [r for r in run.of_type(ROLE) if r.state["arn"] == association.inputs["roleArn"]]
    return role


def policy_of(run: ProgramRun, role: DeclaredResource) -> dict:
    (found,) = [r for r in run.of_type(ROLE_POLICY) if r.inputs["role"] == role.inputs["name"]]
    return json.loads(found.inputs["policy"])


@pytest.mark.parametrize("stack", ["aws-dev", "aws-prod"])
def test_one_elastic_ip_per_public_subnet_and_the_record_lists_them_all(stack):
    run = exposed(stack)
    zones = settings(stack).aws.network.zones
    addresses = ingress_addresses(run)
    assert len(addresses) == zones and {a.inputs["domain"] for a in addresses} == {"vpc"}
    record = run.one(RECORD).inputs
    assert (record["name"], record["type"], record["ttl"]) == (HOST, "A", 300)
    assert record["zoneId"] == hosted_zone_id(ZONE)
    assert sorted(record["records"]) == sorted(a.state["publicIp"] for a in addresses)


def test_the_service_puts_each_zones_elastic_ip_in_that_zones_public_subnet():
    """The controller pairs the i-th allocation with the i-th subnet: both lists in the same zone order."""
    run = exposed()
    annotations = service(run)["annotations"]
    subnet_zone = {
        s.state["id"]: s.inputs["availabilityZone"] for s in run.of_type(SUBNET) if s.name.startswith("public-")
    }
    address_zone = {a.state["allocationId"]: a.name.removeprefix("ingress-") for a in ingress_addresses(run)}
    subnets = annotations[f"{ANNOTATION}subnets"].split(",")
    allocations = annotations[f"{ANNOTATION}eip-allocations"].split(",")
    assert len(subnets) == len(allocations) == 3
    assert [subnet_zone[s] for s in subnets] == [address_zone[a] for a in allocations]
    assert sorted(subnet_zone) == sorted(subnets)


def test_the_proxy_is_an_internet_facing_nlb_of_the_controller_to_the_pods_across_zones():
    spec = service(exposed())
    assert spec["type"] == "LoadBalancer" and spec["loadBalancerClass"] == "service.k8s.aws/nlb"
    annotations = spec["annotations"]
    assert annotations[f"{ANNOTATION}scheme"] == "internet-facing"
    assert annotations[f"{ANNOTATION}nlb-target-type"] == "ip"
    # Every address of the record reaches the proxy, wherever its one pod runs.
    assert annotations[f"{ANNOTATION}attributes"] == "load_balancing.cross_zone.enabled=true"


def test_the_issuer_answers_dns01_in_the_zone_by_id_with_ambient_credentials():
    run = exposed()
    (solver,) = run.one(ISSUER).inputs["spec"]["acme"]["solvers"]
    assert solver == {"dns01": {"route53": {"region": "eu-west-1", "hostedZoneID": hosted_zone_id(ZONE)}}}


def test_cert_managers_role_may_change_only_the_challenge_record_of_the_host_in_the_zone():
    run = exposed()
    association = named(run, ASSOCIATION, "cert-manager")
    assert (association.inputs["namespace"], association.inputs["serviceAccount"]) == ("cert-manager", "cert-manager")
    role = role_of(run, association)
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    statements = policy_of(run, role)["Statement"]
    by_action = {s["Action"]: s for s in statements}
    zone = f"arn:aws:route53:::hostedzone/{hosted_zone_id(ZONE)}"
    change = by_action["route53:ChangeResourceRecordSets"]
    assert change["Resource"] == zone
    assert change["Condition"]["ForAllValues:StringEquals"] == {
        "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"],
        "route53:ChangeResourceRecordSetsNormalizedRecordNames": [f"_acme-challenge.{HOST}"],
    }
    assert by_action["route53:ListResourceRecordSets"]["Resource"] == zone
    assert by_action["route53:GetChange"]["Resource"] == "arn:aws:route53:::change/*"
    assert set(by_action) == {"route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets", "route53:GetChange"}
    # The pods start after the association: the agent injects credentials into new pods only.
    assert association.urn in release(run, "cert-manager").dependencies


def test_the_load_balancer_controller_runs_on_the_control_plane_with_its_own_role():
    run = exposed()
    chart = release(run, "aws-load-balancer-controller")
    values = plain(chart.inputs["values"])
    assert (chart.inputs["chart"], chart.inputs["version"], chart.inputs["namespace"]) == (
        "aws-load-balancer-controller",
        "3.5.0",
        "kube-system",
    )
    assert chart.inputs["repositoryOpts"]["repo"] == "https://aws.github.io/eks-charts"
    vpc = run.one("aws:ec2/vpc:Vpc").state["id"]
    assert (values["region"], values["vpcId"], values["enableServiceMutatorWebhook"]) == ("eu-west-1", vpc, False)
    assert values["nodeSelector"] == release(run, "airflow").inputs["values"]["nodeSelector"]
    association = named(run, ASSOCIATION, "load-balancer-controller")
    assert (association.inputs["namespace"], association.inputs["serviceAccount"]) == (
        "kube-system",
        values["serviceAccount"]["name"],
    )
    assert values["clusterName"] == association.inputs["clusterName"]
    # The load balancer's Service exists only while the controller that deletes its NLB does.
    assert chart.urn in upstream(run, run.one(SERVICE))


def test_the_controllers_policy_is_scoped_to_the_vpc_and_the_clusters_tag():
    run = exposed()
    role = role_of(run, named(run, ASSOCIATION, "load-balancer-controller"))
    statements = policy_of(run, role)["Statement"]
    cluster = named(run, ASSOCIATION, "load-balancer-controller").inputs["clusterName"]
    vpc = run.one("aws:ec2/vpc:Vpc").state["id"]
    actions = {action for s in statements for action in s["Action"]}
    assert not {a for a in actions if a.split(":")[0] in ("wafv2", "waf-regional", "shield", "cognito-idp", "acm")}
    assert "elasticloadbalancing:CreateRule" not in actions
    (rules,) = [s for s in statements if "ec2:AuthorizeSecurityGroupIngress" in s["Action"]]
    assert rules["Condition"] == {"ArnEquals": {"ec2:Vpc": f"arn:aws:ec2:eu-west-1:{ACCOUNT_ID}:vpc/{vpc}"}}
    (create,) = [s for s in statements if "elasticloadbalancing:CreateLoadBalancer" in s["Action"]]
    assert create["Condition"] == {"StringEquals": {"aws:RequestTag/elbv2.k8s.aws/cluster": cluster}}
    (delete,) = [s for s in statements if "elasticloadbalancing:DeleteLoadBalancer" in s["Action"]]
    assert delete["Condition"] == {"StringEquals": {"aws:ResourceTag/elbv2.k8s.aws/cluster": cluster}}
    # Nothing that creates or deletes is granted on every resource without a condition.
    writes = [s for s in statements if any(":Create" in a or ":Delete" in a for a in s["Action"])]
    assert not [s for s in writes if s["Resource"] == "*" and "Condition" not in s]


def test_without_a_zone_http01_through_the_gateway_no_record_and_the_plan_names_the_addresses():
    run = exposed(zone=None)
    (solver,) = run.one(ISSUER).inputs["spec"]["acme"]["solvers"]
    assert solver["http01"]["gatewayHTTPRoute"]["parentRefs"][0]["sectionName"] == "http"
    assert not run.of_type(RECORD)
    assert not [r for r in run.of_type(ASSOCIATION) if r.name == "cert-manager"]
    lines = front_door_lines(run, settings("aws-prod", with_settings("aws-prod", "airflow", ui=ui(None))))
    assert lines[0] == f"Airflow UI: https://{HOST}/"
    assert all(a.state["publicIp"] in lines[1] for a in ingress_addresses(run)) and "create an A record" in lines[1]


def test_the_api_server_admits_the_proxy_namespace_and_keeps_airflows_own_login():
    run = exposed()
    (policy,) = [
        r for r in run.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy") if r.name == "api-server-ingress"
    ]
    outside = [peer for peer in policy.inputs["spec"]["ingress"][0]["from"] if "namespaceSelector" in peer]
    assert outside == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "envoy-gateway-system"}}}]
    values = plain(release(run, "airflow").inputs["values"])
    assert values["config"]["api"]["base_url"] == f"https://{HOST}/"
    assert values["createUserJob"]["args"][2].endswith(" admin active")
    assert run.outputs["airflowUrl"].value == f"https://{HOST}/"


@pytest.mark.parametrize("stack", ["aws-dev", "aws-prod"])
def test_the_committed_aws_stacks_expose_nothing(stack):
    run = run_program(stack)
    assert not ingress_addresses(run) and not run.of_type(RECORD) and not run.of_type(ENVOY_PROXY)
    assert "aws-load-balancer-controller" not in [r.inputs["name"] for r in run.of_type(RELEASE)]


def test_every_aws_input_of_the_front_door_has_a_create_only_row():
    table = load_table()
    run = exposed()
    for resource in run.resources:
        if resource.custom and resource.type.startswith("aws:"):
            for path in leaves(resource.inputs):
                assert table.rule(resource.type, path) is not None, (resource.type, path)


def test_the_front_door_is_priced_and_timed():
    run = exposed()
    estimate = estimate_aws_idle_cost(run, load_aws_prices())
    front_door_types = {r.type for r in run.resources} - {r.type for r in run_program("aws-prod").resources}
    assert RECORD in front_door_types and not front_door_types & set(estimate.unpriced_types)
    charges = {line.charge for line in estimate.lines}
    assert {"front door NLB", "front door NLB capacity 0.05 NLCU"} <= charges
    addresses = [line for line in estimate.lines if line.resource.name.startswith("ingress-")]
    assert len(addresses) == 3
    assert RECORD not in estimate_duration(run, load_provisioning_times()).unlisted_types


def test_turning_the_front_door_on_and_dropping_its_zone_is_accepted():
    base = run_program("aws-prod")
    assert plan_update(base, exposed()).violations == []
    assert plan_update(exposed(), exposed(zone=None)).violations == []


def test_the_load_balancer_service_is_the_programs_and_goes_before_the_controller_and_the_addresses():
    """Envoy Gateway's own Service stays in the cluster; the program's selects the proxy pods on the ports
    they take the listeners on (data/ingress.yaml), after the Gateway, and is deleted (Pulumi waiting for
    the controller to remove the NLB and its finalizer) before the controller and the Elastic IPs."""
    run = exposed()
    envoy_service = run.one(ENVOY_PROXY).inputs["spec"]["provider"]["kubernetes"]["envoyService"]
    assert envoy_service == {"type": "ClusterIP"}
    balancer = run.one(SERVICE)
    spec = balancer.inputs["spec"]
    assert spec["selector"] == {
        "app.kubernetes.io/name": "envoy",
        "app.kubernetes.io/component": "proxy",
        "app.kubernetes.io/managed-by": "envoy-gateway",
    }
    assert [(p["name"], p["port"], p["targetPort"]) for p in spec["ports"]] == [
        ("http", 80, 10080),
        ("https", 443, 10443),
    ]
    gateway = named(run, "kubernetes:gateway.networking.k8s.io/v1:Gateway", "gateway")
    listeners = {listener["name"]: listener["port"] for listener in gateway.inputs["spec"]["listeners"]}
    assert listeners == {p["name"]: p["port"] for p in spec["ports"]}
    assert balancer.inputs["metadata"]["namespace"] == gateway.inputs["metadata"]["namespace"]
    waits_for = upstream(run, balancer)
    assert gateway.urn in waits_for
    assert release(run, "aws-load-balancer-controller").urn in waits_for
    assert {a.urn for a in ingress_addresses(run)} <= waits_for


def test_azure_keeps_envoy_gateways_own_load_balancer():
    """Only a cloud whose controller must outlive its load balancer's Service gets one of the program's."""
    prod = run_program("prod", overrides=with_settings("prod", "airflow", ui=ui(zone=None)))
    assert prod.of_type(SERVICE) == []
    assert prod.one(ENVOY_PROXY).inputs["spec"]["provider"]["kubernetes"]["envoyService"]["type"] == "LoadBalancer"

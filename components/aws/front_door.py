"""The front door's AWS resources (data/aws-front-door.yaml): an Elastic IP per public subnet that the
AWS Load Balancer Controller gives the proxy's internet-facing NLB, and, with a Route 53 zone, the A
record of those addresses and the IAM role cert-manager answers DNS-01 challenges with."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws.cluster import EksCluster
from components.aws.front_door_facts import FRONT_DOOR
from components.aws.load_balancer_controller import LoadBalancerController, LoadBalancerControllerArgs
from components.aws.pod_roles import PodRoleArgs, ServiceAccount, pod_role
from components.config.ui import UiSettings
from components.edge import CERT_MANAGER, EdgeControllers, EdgeControllersArgs
from components.platform import FrontDoor

LOAD_BALANCER = FRONT_DOOR.load_balancer
ANNOTATIONS = LOAD_BALANCER.annotations
ROUTE53 = FRONT_DOOR.certificates.route53_policy


#: Envoy Gateway's own Service for the proxy stays in the cluster: the load balancer's Service is the
#: program's (FrontDoor.load_balancer), so that Pulumi deletes it, and waits for the controller to remove
#: the NLB, before the controller and the Elastic IPs go.
PROXY_SERVICE = {"type": "ClusterIP"}


def load_balancer(subnet_ids: Sequence[str], allocation_ids: Sequence[str]) -> dict[str, object]:
    """The load balancer Service's class and annotations: an internet-facing NLB to the proxy pods'
    addresses, in each public subnet on that zone's Elastic IP (both lists in the zones' order), across zones."""
    return {
        "loadBalancerClass": LOAD_BALANCER.load_balancer_class,
        "annotations": {
            ANNOTATIONS.scheme: "internet-facing",
            ANNOTATIONS.target_type: "ip",
            ANNOTATIONS.subnets: ",".join(subnet_ids),
            ANNOTATIONS.eip_allocations: ",".join(allocation_ids),
            ANNOTATIONS.attributes: LOAD_BALANCER.cross_zone_attribute,
        },
    }


def dns01_policy(partition: str, zone_id: str, hostname: str) -> str:
    """The challenge's TXT record of the host name in the one zone, and the change's status."""
    challenge = f"{ROUTE53.record_prefix}{hostname}"
    zone = f"arn:{partition}:route53:::hostedzone/{zone_id}"
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": ROUTE53.get_change, "Resource": f"arn:{partition}:route53:::change/*"},
                {"Effect": "Allow", "Action": ROUTE53.list_records, "Resource": zone},
                {
                    "Effect": "Allow",
                    "Action": ROUTE53.change_records,
                    "Resource": zone,
                    "Condition": {
                        "ForAllValues:StringEquals": {
                            "route53:ChangeResourceRecordSetsRecordTypes": [ROUTE53.record_type],
                            "route53:ChangeResourceRecordSetsNormalizedRecordNames": [challenge],
                        }
                    },
                },
            ],
        }
    )


@dataclass(frozen=True)
class FrontDoorAddressesArgs:
    settings: UiSettings
    #: The Name tag's prefix (components/aws/naming.py) and the IAM role names' prefix.
    name: str
    role_prefix: str
    partition: str
    region: str
    cluster_name: pulumi.Output[str]
    zones: Sequence[str]
    tags: Mapping[str, str]
    #: The Pod Identity agent: cert-manager's association is of no use before it.
    ready: Sequence[pulumi.Resource]


class FrontDoorAddresses(pulumi.ComponentResource):
    def __init__(self, name: str, args: FrontDoorAddressesArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("airflow-platform:aws:FrontDoorAddresses", name, None, opts)
        s = args.settings
        child = pulumi.ResourceOptions(parent=self)
        # The program's, not the controller's: they outlive a reinstall of it, and the record is declared.
        self.addresses = [
            aws.ec2.Eip(
                f"ingress-{zone}",
                domain="vpc",
                tags={**args.tags, "Name": f"{args.name}-ingress-{zone}"},
                opts=child,
            )
            for zone in args.zones
        ]
        self.public_ips: list[pulumi.Output[str]] = [address.public_ip for address in self.addresses]
        self.ready: list[pulumi.Resource] = []
        self.dns01: Mapping[str, object] | None = None
        zone_name = s.dns_zone_name
        if zone_name is None or s.hostname is None:
            self.register_outputs({"ingressAddresses": self.public_ips})
            return
        zone = aws.route53.get_zone(name=zone_name, private_zone=False, opts=pulumi.InvokeOptions(parent=self))
        self.record = aws.route53.Record(
            "airflow-a-record",
            zone_id=zone.zone_id,
            name=s.hostname,
            type="A",
            ttl=FRONT_DOOR.dns.record_ttl_seconds,
            records=self.public_ips,
            opts=child,
        )
        # Before cert-manager's pods start (``ready``): the agent gives credentials only to pods created after it.
        self.identity = pod_role(
            "cert-manager",
            "cert-manager-dns01",
            PodRoleArgs(
                role_name=f"{args.role_prefix}-cert-manager",
                policy_name="route53-dns01",
                policy=dns01_policy(args.partition, zone.zone_id, s.hostname),
                cluster_name=args.cluster_name,
                account=ServiceAccount(CERT_MANAGER.namespace, CERT_MANAGER.service_account),
                partition=args.partition,
                tags=dict(args.tags),
                ready=args.ready,
            ),
            self,
        )
        # Ambient credentials (a ClusterIssuer's): the solver names only the zone, by id, and the region.
        self.dns01 = {"route53": {"region": args.region, "hostedZoneID": zone.zone_id}}
        self.ready = self.identity.ready
        self.register_outputs({"ingressAddresses": self.public_ips, "certManagerRoleArn": self.identity.role.arn})


@dataclass(frozen=True)
class AwsFrontDoor:
    front_door: FrontDoor
    outputs: Mapping[str, pulumi.Input[object]]


def declare_front_door(
    settings: UiSettings,
    *,
    name: str,
    role_prefix: str,
    partition: str,
    region: str,
    account_id: str,
    cluster: EksCluster,
    vpc_id: pulumi.Output[str],
    zones: Sequence[str],
    public_subnet_ids: Sequence[pulumi.Output[str]],
    tags: Mapping[str, str],
) -> AwsFrontDoor | None:
    """The addresses, the load balancer controller, Envoy Gateway and cert-manager when the stack
    names a host; nothing otherwise."""
    if settings.hostname is None:
        return None
    addresses = FrontDoorAddresses(
        "front-door-addresses",
        FrontDoorAddressesArgs(
            settings=settings,
            name=name,
            role_prefix=role_prefix,
            partition=partition,
            region=region,
            cluster_name=cluster.cluster_name,
            zones=zones,
            tags=tags,
            ready=[cluster.pod_identity_agent],
        ),
    )
    controller = LoadBalancerController(
        "load-balancer-controller",
        LoadBalancerControllerArgs(
            cluster_name=cluster.cluster_name,
            role_name=f"{role_prefix}-lb-controller",
            partition=partition,
            region=region,
            account_id=account_id,
            vpc_id=vpc_id,
            placement=cluster.control_plane,
            provider=cluster.provider,
            tags=dict(tags),
            ready=[*cluster.ready, cluster.pod_identity_agent],
        ),
    )
    balancer = pulumi.Output.all(
        pulumi.Output.all(*public_subnet_ids), pulumi.Output.all(*(a.allocation_id for a in addresses.addresses))
    ).apply(lambda v: load_balancer(v[0], v[1]))
    edge = EdgeControllers(
        "edge",
        EdgeControllersArgs(
            cloud="aws",
            hostname=settings.hostname,
            cluster=cluster.handle(),
            proxy_service=PROXY_SERVICE,
            load_balancer=balancer,
            dns01=addresses.dns01,
            # The proxy and its load balancer only once the controller that makes the NLB runs.
            ready=[*controller.ready, *addresses.ready],
        ),
    )
    return AwsFrontDoor(
        front_door=edge.front_door,
        outputs={"ingressAddresses": addresses.public_ips},
    )

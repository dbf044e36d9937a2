"""The network block: the VNet's address plan, checked against the cluster's own networks."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from components.config.base import Problem, Settings
from components.config.cluster import CLUSTER_POD_CIDR, CLUSTER_SERVICE_CIDR
from components.config.values import Cidr, Subnet


class NetworkSettings(Settings):
    """Address plan; the pod network is an overlay, so only nodes and PostgreSQL use the VNet."""

    address_space: Cidr = "10.40.0.0/16"
    node_subnet: Subnet = "10.40.0.0/20"
    database_subnet: Subnet = "10.40.16.0/24"

    def problems(self) -> Iterator[Problem]:
        space = ipaddress.IPv4Network(self.address_space)
        subnets = {name: ipaddress.IPv4Network(getattr(self, name)) for name in ("node_subnet", "database_subnet")}
        for name, subnet in subnets.items():
            if not subnet.subnet_of(space):
                yield Problem(self.key_path(name), str(subnet), f"must lie inside addressSpace ({space})")
        if subnets["database_subnet"].overlaps(subnets["node_subnet"]):
            yield Problem(
                self.key_path("database_subnet"),
                self.database_subnet,
                f"must not overlap nodeSubnet ({self.node_subnet})",
            )
        cluster_networks = {"pod network": CLUSTER_POD_CIDR, "service network": CLUSTER_SERVICE_CIDR}
        for label, cidr in cluster_networks.items():
            for name, network in {"address_space": space, **subnets}.items():
                if network.overlaps(ipaddress.IPv4Network(cidr)):
                    yield Problem(
                        self.key_path(name),
                        str(network),
                        f"must not overlap the cluster's {label} {cidr}, which AKS keeps outside the VNet",
                    )

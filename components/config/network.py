"""The network block: the VNet's address plan, checked against the cluster's own networks."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from pydantic import Field

from components.config.base import Problem, Settings
from components.config.cluster import CLUSTER_POD_CIDR, CLUSTER_SERVICE_CIDR
from components.config.values import Cidr, Subnet


class NetworkSettings(Settings):
    """Address plan; the pod network is an overlay, so only nodes, PostgreSQL and private endpoints use the VNet."""

    address_space: Cidr = "10.40.0.0/16"
    node_subnet: Subnet = "10.40.0.0/20"
    database_subnet: Subnet = "10.40.16.0/24"
    #: Holds the private endpoints of blob storage, the registry and the vault (only with privateEndpoints).
    endpoint_subnet: Subnet = "10.40.17.0/24"
    private_endpoints: bool = Field(
        True, description="storage, registry and vault reached through private endpoints; false: service endpoints"
    )

    def _subnets(self) -> dict[str, ipaddress.IPv4Network]:
        names = ("node_subnet", "database_subnet", "endpoint_subnet")[: 3 if self.private_endpoints else 2]
        return {name: ipaddress.IPv4Network(getattr(self, name)) for name in names}

    def problems(self) -> Iterator[Problem]:
        space = ipaddress.IPv4Network(self.address_space)
        subnets = self._subnets()
        for name, subnet in subnets.items():
            if not subnet.subnet_of(space):
                yield Problem(self.key_path(name), str(subnet), f"must lie inside addressSpace ({space})")
        names = list(subnets)
        for later, name in enumerate(names[1:], start=1):
            for earlier in names[:later]:
                if subnets[name].overlaps(subnets[earlier]):
                    yield Problem(
                        self.key_path(name),
                        str(subnets[name]),
                        f"must not overlap {self.key_path(earlier)[0]} ({subnets[earlier]})",
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

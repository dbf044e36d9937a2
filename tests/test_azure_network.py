"""Network: the node subnet, a subnet delegated to PostgreSQL, and private DNS for the server."""

import ipaddress

import pytest

from tests.helpers import named, plain
from tests.test_guards import NETWORK, guard, guard_of, refusals

VNET = "azure-native:network:VirtualNetwork"
SUBNET = "azure-native:network:Subnet"


def test_subnets_sit_inside_the_address_space_without_overlap(stack_run):
    space = ipaddress.ip_network(stack_run.one(VNET).inputs["addressSpace"]["addressPrefixes"][0])
    subnets = [ipaddress.ip_network(s.inputs["addressPrefix"]) for s in stack_run.of_type(SUBNET)]
    # Nodes and PostgreSQL; prod also the private endpoints (tests/test_azure_private_link.py).
    assert len(subnets) == {"dev": 2, "prod": 3}[stack_run.stack]
    assert all(s.subnet_of(space) for s in subnets)
    assert not any(a.overlaps(b) for i, a in enumerate(subnets) for b in subnets[i + 1 :])


def test_database_subnet_is_delegated_to_flexible_server_only(stack_run):
    postgres = named(stack_run, SUBNET, "postgres")
    assert [d["serviceName"] for d in postgres.inputs["delegations"]] == ["Microsoft.DBforPostgreSQL/flexibleServers"]
    assert "delegations" not in named(stack_run, SUBNET, "nodes").inputs


def test_postgres_private_zone_is_linked_to_the_vnet(stack_run):
    (zone,) = [z for z in stack_run.of_type("azure-native:privatedns:PrivateZone") if z.name == "postgres-dns"]
    assert zone.inputs["privateZoneName"].endswith(".private.postgres.database.azure.com")
    (link,) = [
        k for k in stack_run.of_type("azure-native:privatedns:VirtualNetworkLink") if k.name == "postgres-dns-link"
    ]
    assert link.inputs["privateZoneName"] == zone.state["name"]
    assert link.inputs["virtualNetwork"]["id"] == stack_run.one(VNET).state["id"]
    # The server resolves through the zone; it must not register VM records into it.
    assert link.inputs["registrationEnabled"] is False


def test_every_taggable_resource_carries_the_stack_tags(stack_run):
    tagged = [r for r in stack_run.resources if r.type.startswith("azure-native:") and "tags" in r.inputs]
    assert len(tagged) >= 8
    for resource in tagged:
        assert plain(resource.inputs["tags"]) == {
            "project": "airflow-platform",
            "stack": stack_run.stack,
            "managed-by": "pulumi",
        }, resource.name


# -- on an existing stack ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "setting"),
    [
        ({"nodeSubnet": "10.40.0.0/21"}, "nodeSubnet: 10.40.0.0/20 -> 10.40.0.0/21"),
        ({"databaseSubnet": "10.40.18.0/24"}, "databaseSubnet: 10.40.16.0/24 -> 10.40.18.0/24"),
    ],
)
def test_the_range_of_a_subnet_in_use_stops_the_preview(stack_run, changes, setting):
    refused = refusals(stack_run.stack, NETWORK, "network", **changes)
    assert any(r.startswith(f"airflow-platform:network.{setting} is refused") for r in refused), refused
    assert all("virtual-network-manage-subnet" in r for r in refused)


def test_the_address_space_may_grow_around_the_subnets_in_place(stack_run):
    assert refusals(stack_run.stack, NETWORK, "network", addressSpace="10.40.0.0/15") == []


def test_the_subnets_wait_for_the_guard(stack_run):
    urn = guard(stack_run, NETWORK).urn
    for subnet in stack_run.of_type(SUBNET):
        assert urn in subnet.dependencies, subnet.name
    recorded = {e["value"] for e in guard_of(stack_run, NETWORK)["settings"].values()}
    assert {s.inputs["addressPrefix"] for s in stack_run.of_type(SUBNET)} <= recorded

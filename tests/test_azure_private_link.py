"""Private data paths: storage, registry and vault deny by default; prod reaches them through
private endpoints with their DNS zones, dev through the node subnet's service endpoints."""

import dataclasses
import json

import pytest

from components.config import ConfigurationError
from tests.conftest import planned
from tests.helpers import named, plain
from tests.test_guards import NETWORK, refusals, with_settings
from tools.offline import run_program
from tools.transitions import REPLACE, plan_update

ACCOUNT = "azure-native:storage:StorageAccount"
REGISTRY = "azure-native:containerregistry:Registry"
VAULT = "azure-native:keyvault:Vault"
SUBNET = "azure-native:network:Subnet"
ENDPOINT = "azure-native:network:PrivateEndpoint"
ZONE = "azure-native:privatedns:PrivateZone"
LINK = "azure-native:privatedns:VirtualNetworkLink"
ZONE_GROUP = "azure-native:network:PrivateDnsZoneGroup"
ASSIGNMENT = "azure-native:authorization:RoleAssignment"
BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
#: Group and zone of each service, as MS Learn's "Azure Private Endpoint private DNS zone values" lists them.
DOCUMENTED = {
    ACCOUNT: ("blob", "privatelink.blob.core.windows.net"),
    REGISTRY: ("registry", "privatelink.azurecr.io"),
    VAULT: ("vault", "privatelink.vaultcore.azure.net"),
}


def test_storage_and_vault_deny_by_default_with_no_bypass(stack_run):
    account = stack_run.one(ACCOUNT).inputs["networkRuleSet"]
    vault = stack_run.one(VAULT).inputs["properties"]["networkAcls"]
    for rules in (account, vault):
        assert rules["defaultAction"] == "Deny"
        assert rules["bypass"] == "None"


def test_prod_reaches_each_service_through_a_private_endpoint_with_its_zone(prod_run):
    subnet = named(prod_run, SUBNET, "endpoints")
    vnet = prod_run.one("azure-native:network:VirtualNetwork").state["id"]
    endpoints = {
        e.inputs["privateLinkServiceConnections"][0]["privateLinkServiceId"]: e for e in prod_run.of_type(ENDPOINT)
    }
    assert len(endpoints) == 3
    for type_token, (group, zone_name) in DOCUMENTED.items():
        endpoint = endpoints[prod_run.one(type_token).state["id"]]
        assert endpoint.inputs["privateLinkServiceConnections"][0]["groupIds"] == [group]
        assert endpoint.inputs["subnet"]["id"] == subnet.state["id"]
        (zone,) = [z for z in prod_run.of_type(ZONE) if z.inputs["privateZoneName"] == zone_name]
        (link,) = [k for k in prod_run.of_type(LINK) if k.inputs["privateZoneName"] == zone_name]
        assert link.inputs["virtualNetwork"]["id"] == vnet
        assert link.inputs["registrationEnabled"] is False
        (group_of_zone,) = [
            g for g in prod_run.of_type(ZONE_GROUP) if g.inputs["privateEndpointName"] == endpoint.state["name"]
        ]
        assert [c["privateDnsZoneId"] for c in group_of_zone.inputs["privateDnsZoneConfigs"]] == [zone.state["id"]]
    assert subnet.inputs["addressPrefix"] == "10.40.17.0/24"


def test_prod_turns_public_access_off_and_the_registry_is_premium(prod_run):
    assert prod_run.one(ACCOUNT).inputs["publicNetworkAccess"] == "Disabled"
    assert prod_run.one(VAULT).inputs["properties"]["publicNetworkAccess"] == "Disabled"
    registry = prod_run.one(REGISTRY).inputs
    assert (registry["sku"]["name"], registry["publicNetworkAccess"]) == ("Premium", "Disabled")
    assert prod_run.one(ACCOUNT).inputs["networkRuleSet"].get("virtualNetworkRules") is None


def test_dev_admits_the_node_subnet_through_service_endpoints_at_no_cost(dev_run):
    assert dev_run.of_type(ENDPOINT) == [] and dev_run.of_type(ZONE_GROUP) == []
    assert [s.name for s in dev_run.of_type(SUBNET) if s.name == "endpoints"] == []
    nodes = named(dev_run, SUBNET, "nodes")
    assert {e["service"] for e in nodes.inputs["serviceEndpoints"]} == {"Microsoft.Storage", "Microsoft.KeyVault"}
    account = dev_run.one(ACCOUNT).inputs
    assert account["publicNetworkAccess"] == "Enabled"
    assert [r["virtualNetworkResourceId"] for r in account["networkRuleSet"]["virtualNetworkRules"]] == [
        nodes.state["id"]
    ]
    vault = dev_run.one(VAULT).inputs["properties"]
    assert [r["id"] for r in vault["networkAcls"]["virtualNetworkRules"]] == [nodes.state["id"]]


def _policy_text(run) -> str:
    return json.dumps([plain(r.inputs) for r in run.resources if "NetworkPolicy" in r.type], default=str)


def test_pods_are_allowed_the_endpoints_subnet_in_prod_only(dev_run, prod_run):
    assert "10.40.17.0/24" in _policy_text(prod_run)
    assert "10.40.17.0/24" not in _policy_text(dev_run)


def test_the_blob_role_is_granted_on_the_log_container_not_the_account(stack_run):
    (assignment,) = [
        r for r in stack_run.of_type(ASSIGNMENT) if r.inputs["roleDefinitionId"].endswith(BLOB_DATA_CONTRIBUTOR)
    ]
    container = stack_run.one("azure-native:storage:BlobContainer").state["id"]
    assert assignment.inputs["scope"] == container
    assert container.startswith(stack_run.one(ACCOUNT).state["id"] + "/blobServices/default/containers/")


def test_moving_the_blob_role_from_the_account_is_a_new_assignment_before_the_old_goes(prod_run):
    """main granted it on the account; the scope is fixed at creation, so azure-native replaces it."""
    (new,) = [r for r in prod_run.of_type(ASSIGNMENT) if r.inputs["roleDefinitionId"].endswith(BLOB_DATA_CONTRIBUTOR)]
    on_account = dataclasses.replace(new, inputs={**new.inputs, "scope": prod_run.one(ACCOUNT).state["id"]})
    old = dataclasses.replace(prod_run, resources=[on_account if r is new else r for r in prod_run.resources])
    plan = plan_update(old, prod_run)
    (step,) = [s for s in plan.steps if s.resource.urn == new.urn]
    assert (step.action, [c.path for c in step.forced_by], step.delete_first) == (REPLACE, ["scope"], False)
    assert plan.violations == []


# -- settings ------------------------------------------------------------------------------------


def test_private_endpoints_need_a_premium_registry():
    with pytest.raises(ConfigurationError) as raised:
        run_program("dev", overrides=with_settings("dev", "network", privateEndpoints=True))
    assert 'airflow-platform:registry.sku = "Basic": must be Premium while network.privateEndpoints is true' in str(
        raised.value
    )


def test_the_endpoints_subnet_is_checked_like_the_others():
    with pytest.raises(ConfigurationError) as raised:
        run_program("prod", overrides=with_settings("prod", "network", endpointSubnet="10.40.16.0/25"))
    assert 'airflow-platform:network.endpointSubnet = "10.40.16.0/25": must not overlap databaseSubnet' in str(
        raised.value
    )


def test_the_endpoints_subnet_range_is_fixed_while_endpoints_are_in_it():
    (refusal,) = refusals("prod", NETWORK, "network", endpointSubnet="10.40.18.0/24")
    assert refusal.startswith("airflow-platform:network.endpointSubnet: 10.40.17.0/24 -> 10.40.18.0/24 is refused")


def test_dev_without_the_vault_has_only_the_storage_service_endpoint():
    run = run_program("dev", overrides=with_settings("dev", "secrets", enabled=False))
    assert [e["service"] for e in named(run, SUBNET, "nodes").inputs["serviceEndpoints"]] == ["Microsoft.Storage"]
    assert run.of_type(VAULT) == []
    assert planned("dev").of_type(VAULT)

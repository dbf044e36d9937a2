"""Registry: no admin user; the cluster pulls with its kubelet identity; tiers change in place."""

import pytest

from components.guards import row_for
from tests.conftest import planned
from tests.test_guards import GUARD, with_settings
from tools.offline import run_program

ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
REGISTRY = "azure-native:containerregistry:Registry"


def test_admin_user_is_disabled_and_sku_per_stack(dev_run, prod_run):
    assert dev_run.one(REGISTRY).inputs["adminUserEnabled"] is False
    assert dev_run.one(REGISTRY).inputs["sku"]["name"] == "Basic"
    # Premium: the only tier with private endpoints (tests/test_azure_private_link.py).
    assert prod_run.one(REGISTRY).inputs["sku"]["name"] == "Premium"


def test_kubelet_identity_can_pull(stack_run):
    kubelet = stack_run.one("azure-native:containerservice:ManagedCluster").state["identityProfile"]["kubeletidentity"]
    (pull,) = [
        r
        for r in stack_run.of_type("azure-native:authorization:RoleAssignment")
        if r.inputs["roleDefinitionId"].endswith(ACR_PULL)
    ]
    assert pull.inputs["principalId"] == kubelet["objectId"]
    assert pull.inputs["principalType"] == "ServicePrincipal"
    assert pull.inputs["scope"] == stack_run.one(REGISTRY).state["id"]
    subscription = stack_run.one("azure-native:resources:ResourceGroup").state["id"].split("/")[2]
    assert pull.inputs["roleDefinitionId"] == (
        f"/subscriptions/{subscription}/providers/Microsoft.Authorization/roleDefinitions/{ACR_PULL}"
    )


@pytest.mark.parametrize(("stack", "sku"), [("dev", "Standard"), ("dev", "Premium")])
def test_a_tier_change_is_an_in_place_update_of_the_same_registry(stack, sku):
    after = run_program(stack, overrides=with_settings(stack, "registry", sku=sku))
    before = planned(stack).one(REGISTRY).inputs
    changed = after.one(REGISTRY).inputs
    assert changed["sku"] == {"name": sku}
    assert {k: v for k, v in changed.items() if k != "sku"} == {k: v for k, v in before.items() if k != "sku"}
    # Azure moves a registry between Basic, Standard and Premium in place: nothing to guard.
    assert row_for(REGISTRY, "sku.name").update == "in-place"
    assert not any(after.by_urn(g.parent).type == "airflow-platform:azure:Registry" for g in after.of_type(GUARD))

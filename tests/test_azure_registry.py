"""Registry: no admin user; the cluster pulls with its kubelet identity."""

ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
REGISTRY = "azure-native:containerregistry:Registry"


def test_admin_user_is_disabled_and_sku_per_stack(dev_run, prod_run):
    assert dev_run.one(REGISTRY).inputs["adminUserEnabled"] is False
    assert dev_run.one(REGISTRY).inputs["sku"]["name"] == "Basic"
    assert prod_run.one(REGISTRY).inputs["sku"]["name"] == "Standard"


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

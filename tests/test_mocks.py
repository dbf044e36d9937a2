"""The mocks answer in the real providers' shapes, so the component tests prove something."""

import base64
import importlib
import string

import pulumi
import pytest
import yaml

from tools.mocks import PlatformMocks, random_password


def sdk_output_names(type_token: str) -> set[str]:
    """Wire names of a resource type's outputs, read from the provider SDK itself."""
    package, module, cls_name = type_token.split(":")
    sdk = importlib.import_module(f"pulumi_{package.replace('-', '_')}.{module}")
    cls = getattr(sdk, cls_name)
    getters = [attr.fget for attr in vars(cls).values() if isinstance(attr, property)]
    return {g._pulumi_name for g in getters if hasattr(g, "_pulumi_name")}


def test_every_azure_output_the_mocks_produce_is_a_real_sdk_output(stack_run):
    for resource in stack_run.resources:
        if not resource.type.startswith("azure-native:"):
            continue
        real = sdk_output_names(resource.type) | {"id"}
        invented = set(resource.state) - set(resource.inputs) - real
        assert not invented, f"{resource.type} mock invents {sorted(invented)}"


def test_nested_outputs_use_the_sdk_wire_names():
    from pulumi_azure_native.containerservice import outputs

    issuer = outputs.ManagedClusterOIDCIssuerProfileResponse.__dict__["issuer_url"].fget._pulumi_name
    kubelet = outputs.UserAssignedIdentityManagedClusterResponse.__dict__["object_id"].fget._pulumi_name
    mocks = PlatformMocks()
    state = {"dnsPrefix": "aks-x", "resourceGroupName": "rg", "oidcIssuerProfile": {"enabled": True}}
    mocks._cluster_outputs("aks-x", state)
    assert issuer in state["oidcIssuerProfile"]
    assert kubelet in state["identityProfile"]["kubeletidentity"]


@pytest.mark.parametrize("seed", range(20))
def test_random_password_honours_the_requested_rules(seed):
    rules = {"length": 20, "minUpper": 3, "minLower": 3, "minNumeric": 3, "minSpecial": 3, "overrideSpecial": "-_"}
    password = random_password(f"p{seed}", rules)
    assert len(password) == 20
    assert sum(c in string.ascii_uppercase for c in password) >= 3
    assert sum(c in string.digits for c in password) >= 3
    assert sum(c in "-_" for c in password) >= 3
    assert set(password) <= set(string.ascii_letters + string.digits + "-_")


def test_credentials_call_returns_a_base64_kubeconfig_for_the_cluster():
    mocks = PlatformMocks()
    mocks._cluster_outputs("aks-x", {"dnsPrefix": "aks-x", "resourceGroupName": "rg"})

    call = pulumi.runtime.MockCallArgs(
        token="azure-native:containerservice:listManagedClusterUserCredentials",
        args={"resourceName": "aks-x", "resourceGroupName": "rg"},
        provider="",
    )
    (entry,) = mocks.call(call)["kubeconfigs"]
    document = yaml.safe_load(base64.b64decode(entry["value"]))
    assert document["kind"] == "Config"
    assert document["clusters"][0]["cluster"]["server"].endswith(".azmk8s.io:443")

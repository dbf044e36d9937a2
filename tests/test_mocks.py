"""The mocks answer in the real providers' shapes, so the component tests prove something."""

import base64
import string

import pulumi
import pytest
import yaml
from pulumi.runtime.rpc import UNKNOWN

from tools.mock_values import random_password
from tools.mocks import PlatformMocks, sdk_output_names, update_preview
from tools.offline import RecordingMonitor, run_program


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


def test_update_preview_keeps_what_inputs_give_and_nothing_else():
    """pulumi-azure-native PR #408: an output takes the input of the same name, nested objects
    field by field; every other output is unknown. PR #282: name and location stay."""
    typ = "azure-native:containerservice:ManagedCluster"
    inputs = {
        "resourceName": "aks-x",
        "location": "westeurope",
        "kubernetesVersion": "1.34",
        "identity": {"type": "SystemAssigned"},
        "tags": {"stack": "dev"},
    }
    created = {
        **inputs,
        "name": "aks-x",
        "id": "/subscriptions/s/aks-x",
        "fqdn": "aks-x.hcp.io",
        "identity": {"type": "SystemAssigned", "principalId": "p", "tenantId": "t"},
    }
    state = update_preview(typ, inputs, created)
    assert (state["name"], state["location"], state["id"]) == ("aks-x", "westeurope", "/subscriptions/s/aks-x")
    assert state["kubernetesVersion"] == "1.34" and state["tags"] == {"stack": "dev"}
    assert state["identity"] == {"type": "SystemAssigned", "principalId": UNKNOWN, "tenantId": UNKNOWN}
    assert state["fqdn"] == UNKNOWN
    # Outputs the mock never computes are unknown too, as azure-native answers every response property.
    assert state["powerState"] == UNKNOWN and set(state) >= sdk_output_names(typ)


def test_update_preview_applies_to_the_types_asked_for_and_only_in_a_preview():
    registry = "azure-native:containerregistry:Registry"

    def run(preview: bool):
        mocks = PlatformMocks(location="westeurope", updating={registry})
        return run_program("dev", preview=preview, monitor=RecordingMonitor(mocks))

    previewed, applied = run(preview=True), run(preview=False)
    assert previewed.one(registry).state["loginServer"] == UNKNOWN
    assert applied.one(registry).state["loginServer"].endswith(".azurecr.io")
    # Other types answer as they do on creation.
    assert previewed.one("azure-native:storage:StorageAccount").state["primaryEndpoints"]["blob"].startswith("https://")

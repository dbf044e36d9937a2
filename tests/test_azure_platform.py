"""The composed Azure platform: provisioning order, data protection and stack outputs."""

import pytest

from tests.helpers import clear_leaks, generated_secrets

CLUSTER = "azure-native:containerservice:ManagedCluster"

EXPECTED_OUTPUTS = {
    "location",
    "resourceGroupName",
    "clusterName",
    "kubeconfig",
    "taskPoolName",
    "registryLoginServer",
    "databaseHost",
    "databaseName",
    "logStorageAccount",
    "logContainer",
    "airflowIdentityClientId",
    "oidcIssuerUrl",
}


@pytest.mark.parametrize(
    "type_token",
    [
        "azure-native:dbforpostgresql:Server",
        "azure-native:storage:StorageAccount",
        "azure-native:managedidentity:UserAssignedIdentity",
        "azure-native:containerregistry:Registry",
    ],
)
def test_slow_resources_do_not_wait_for_the_cluster(stack_run, type_token):
    cluster = stack_run.one(CLUSTER).urn
    assert cluster not in stack_run.waits_for(stack_run.one(type_token))


def test_only_what_needs_a_cluster_output_waits_for_it(stack_run):
    cluster = stack_run.one(CLUSTER).urn
    waiting = {r.type for r in stack_run.resources if r.custom and cluster in r.dependencies}
    assert waiting <= {
        "azure-native:containerservice:AgentPool",  # lives in the cluster
        "azure-native:managedidentity:FederatedIdentityCredential",  # trusts its OIDC issuer
        "azure-native:authorization:RoleAssignment",  # AcrPull for its kubelet identity
        "pulumi:providers:kubernetes",  # built from its credentials
        "azure-native:containerservice:MaintenanceConfiguration",  # a window of the cluster
        "azure-native:monitor:DataCollectionRuleAssociation",  # collects from the cluster
        "azure-native:alertsmanagement:PrometheusRuleGroup",  # its rules are scoped to the cluster
        "kubernetes:core/v1:Namespace",
        "kubernetes:core/v1:Secret",
        "kubernetes:core/v1:ConfigMap",
        "kubernetes:batch/v1:Job",
        "kubernetes:helm.sh/v3:Release",
    }


def test_every_resource_belongs_to_a_component(stack_run):
    components = {r.urn for r in stack_run.resources if not r.custom}
    assert all(r.parent in components for r in stack_run.resources if r.custom)


def test_outputs_are_all_there_and_none_of_the_platforms_is_secret(stack_run):
    """The kubeconfig included: it signs in through Entra ID and carries no credential."""
    assert set(stack_run.outputs) >= EXPECTED_OUTPUTS
    assert not [name for name in EXPECTED_OUTPUTS if stack_run.outputs[name].secret]
    assert all(stack_run.outputs[name].value for name in EXPECTED_OUTPUTS)


def test_outputs_match_what_was_provisioned(stack_run):
    outputs = {name: o.value for name, o in stack_run.outputs.items()}
    assert outputs["clusterName"] == stack_run.one(CLUSTER).state["name"]
    assert (
        outputs["databaseHost"]
        == stack_run.one("azure-native:dbforpostgresql:Server").state["fullyQualifiedDomainName"]
    )
    assert outputs["registryLoginServer"].endswith(".azurecr.io")
    assert (
        outputs["airflowIdentityClientId"]
        == stack_run.one("azure-native:managedidentity:UserAssignedIdentity").state["clientId"]
    )
    assert outputs["oidcIssuerUrl"].startswith("https://")


def test_no_secret_leaves_the_program_in_the_clear(stack_run):
    assert len(generated_secrets(stack_run)) >= 2, (
        "the stack generates secrets; the check must have something to look for"
    )
    assert not clear_leaks(stack_run)

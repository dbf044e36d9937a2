"""Derived Azure names obey Azure's naming rules for every project and stack name a user may choose.

The rules are Azure's documented ones for each resource type (length, characters, first and last
character), plus AKS's limit of 80 characters on the node resource group it names
``MC_<resource group>_<cluster>_<region>``.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from components.azure.pools import (
    CONTROL_PLANE_PREFIX,
    TASK_PREFIX,
    control_plane_fixed,
    pool_names,
    task_fixed,
)
from components.azure_facts import vm_sizes as known_vm_sizes
from components.config import ControlPlanePoolSettings, TaskPoolSettings
from components.naming import (
    NODE_RESOURCE_GROUP_MAX_LENGTH,
    POOL_NAME_PATTERN,
    REGION_NAME_BUDGET,
    digest,
    node_resource_group,
    pool_name,
    resource_names,
)

#: Azure's rule for each derived name: (pattern, minimum length, maximum length).
AZURE_RULES = {
    # Microsoft.Resources/resourceGroups: letters, digits, - _ . ( ); not ending in a period.
    "resource_group": (r"[-\w.()]*[-\w()]", 1, 90),
    # Microsoft.Network/virtualNetworks: starts alphanumeric, ends alphanumeric or underscore.
    "virtual_network": (r"[A-Za-z0-9][-\w.]*[A-Za-z0-9_]", 2, 64),
    # Microsoft.ContainerService/managedClusters: starts and ends alphanumeric.
    "cluster": (r"[A-Za-z0-9](?:[-\w]*[A-Za-z0-9])?", 1, 63),
    # managedClusters dnsPrefix: letters, digits and hyphens, starts and ends alphanumeric.
    "dns_prefix": (r"[A-Za-z0-9](?:[-A-Za-z0-9]*[A-Za-z0-9])?", 1, 54),
    # Microsoft.DBforPostgreSQL/flexibleServers: lower case, digits, hyphens; no hyphen at either end.
    "postgres_server": (r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?", 3, 63),
    # Microsoft.Storage/storageAccounts: lower case letters and digits.
    "storage_account": (r"[a-z0-9]+", 3, 24),
    # Microsoft.ContainerRegistry/registries: letters and digits.
    "registry": (r"[A-Za-z0-9]+", 5, 50),
    # Microsoft.ManagedIdentity/userAssignedIdentities: starts alphanumeric; letters, digits, - _.
    "identity": (r"[A-Za-z0-9][-\w]*", 3, 128),
    # Microsoft.KeyVault/vaults: starts with a letter, ends alphanumeric, letters, digits and single hyphens.
    "key_vault": (r"[A-Za-z](?:-?[A-Za-z0-9])*", 3, 24),
}
#: Any subscription id: names derived for one must obey the rules for all.
SUBSCRIPTION = "2f3b6c1e-8d4a-4c57-9b0e-5a1d7e9c3f42"
#: Globally unique in Azure (they are DNS names): two stacks must never share one.
GLOBAL_NAMES = ("postgres_server", "storage_account", "registry", "key_vault")

#: What Pulumi accepts in project and stack names: letters, digits, hyphens, underscores, periods.
pulumi_names = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_."),
    min_size=1,
    max_size=100,
)


def assert_azure_accepts(project: str, stack: str) -> None:
    names = resource_names(project, stack, SUBSCRIPTION)
    for field, (pattern, shortest, longest) in AZURE_RULES.items():
        name = getattr(names, field)
        assert re.fullmatch(pattern, name, flags=re.ASCII), (field, name)
        assert shortest <= len(name) <= longest, (field, name)
    longest_region = "x" * REGION_NAME_BUDGET
    assert len(node_resource_group(names.resource_group, names.cluster, longest_region)) <= (
        NODE_RESOURCE_GROUP_MAX_LENGTH
    )
    # Names built from these: the server's private DNS zone label and the VNet's DNS link.
    assert len(f"{names.virtual_network}-link") <= 80


@given(project=pulumi_names, stack=pulumi_names)
def test_names_from_any_pulumi_project_and_stack_are_valid_in_azure(project, stack):
    assert_azure_accepts(project, stack)


@settings(max_examples=300)
@given(stack=st.text(max_size=200))
def test_names_stay_valid_for_any_text_at_all(stack):
    """Unicode, spaces, emoji, nothing at all: still names Azure accepts."""
    assert_azure_accepts("airflow-platform", stack)


@given(stack=pulumi_names)
def test_names_are_the_same_on_every_run(stack):
    assert resource_names("airflow-platform", stack, SUBSCRIPTION) == resource_names(
        "airflow-platform", stack, SUBSCRIPTION
    )


@given(stack=pulumi_names.filter(lambda s: s.swapcase() != s))
def test_stacks_differing_only_in_case_never_share_a_global_name(stack):
    first, second = (
        resource_names("airflow-platform", stack, SUBSCRIPTION),
        resource_names("airflow-platform", stack.swapcase(), SUBSCRIPTION),
    )
    for field in GLOBAL_NAMES:
        assert getattr(first, field) != getattr(second, field)


@given(stack=st.builds(lambda head, tail: f"{head}-{tail}", pulumi_names, pulumi_names))
def test_stacks_differing_only_in_punctuation_never_share_a_global_name(stack):
    first = resource_names("airflow-platform", stack, SUBSCRIPTION)
    second = resource_names("airflow-platform", stack.replace("-", "_"), SUBSCRIPTION)
    for field in GLOBAL_NAMES:
        assert getattr(first, field) != getattr(second, field)


@given(stem=pulumi_names, first=pulumi_names, second=pulumi_names)
def test_long_stacks_cut_to_the_same_text_stay_apart(stem, first, second):
    """Stacks alike in their first 90 characters are cut alike; the digest of the whole name differs."""
    assume(first != second)
    common = (stem * 90)[:90]
    a = resource_names("airflow-platform", common + first, SUBSCRIPTION)
    b = resource_names("airflow-platform", common + second, SUBSCRIPTION)
    for field in GLOBAL_NAMES:
        assert getattr(a, field) != getattr(b, field)


def test_short_stack_names_read_as_themselves():
    tag = digest("airflow-platform", "dev", SUBSCRIPTION)
    names = resource_names("airflow-platform", "dev", SUBSCRIPTION)
    assert names.resource_group == f"rg-airflow-platform-dev-{tag}"
    assert names.cluster == f"aks-dev-{tag}"
    assert names.storage_account == f"stairflowplatformd{tag}"
    assert names.postgres_server == f"psql-airflow-platform-dev-{tag}"


def test_a_long_upper_case_stack_name_is_cut_and_lowered():
    stack = "Feature_Branch_" + "X" * 90
    names = resource_names("airflow-platform", stack, SUBSCRIPTION)
    assert names.cluster.startswith("aks-feature-bra")
    assert names.storage_account.islower()
    assert_azure_accepts("airflow-platform", stack)


@given(subscription=st.uuids(), other=st.uuids())
def test_the_same_stack_in_another_subscription_never_shares_a_global_name(subscription, other):
    """Someone else's ``dev`` of this project must not take the storage account, registry or server of ours."""
    assume(subscription != other)
    ours, theirs = (
        resource_names("airflow-platform", "dev", str(subscription)),
        resource_names("airflow-platform", "dev", str(other)),
    )
    for field in GLOBAL_NAMES:
        assert getattr(ours, field) != getattr(theirs, field)


def test_the_subscription_id_is_read_case_insensitively():
    """Azure prints subscription ids in either case; the names must not change with it."""
    assert resource_names("p", "dev", SUBSCRIPTION.upper()) == resource_names("p", "dev", SUBSCRIPTION)


# -- node pools --------------------------------------------------------------------------------

#: Any VM size the settings accept (data/vm-sizes.yaml): the name must be a valid pool name.
vm_sizes = st.sampled_from(sorted(size for series in known_vm_sizes().series.values() for size in series.sizes))
zone_sets = st.lists(st.sampled_from(["1", "2", "3"]), unique=True)
spot_prices = st.one_of(st.just(-1), st.decimals("0.00001", "100", places=5).map(float))


@given(vm_size=vm_sizes, zones=zone_sets, spot=st.booleans(), price=spot_prices)
def test_pool_names_are_valid_aks_names_for_any_settings(vm_size, zones, spot, price):
    cp = ControlPlanePoolSettings.model_construct(vm_size=vm_size, zones=tuple(zones), min_count=2, max_count=3)
    tp = TaskPoolSettings.model_construct(vm_size=vm_size, spot=spot, spot_max_price=price, min_count=0, max_count=3)
    for name in pool_names(cp, tp):
        assert re.fullmatch(POOL_NAME_PATTERN, name), name


@given(first=st.dictionaries(st.text(), st.text() | st.floats(allow_nan=False) | st.booleans()), other=st.text())
def test_pool_digests_are_stable_and_tell_settings_apart(first, other):
    assert pool_name("cp", first) == pool_name("cp", dict(reversed(list(first.items()))))
    if first.get("vmSize") != other:
        assert pool_name("cp", {**first, "vmSize": other}) != pool_name("cp", first)


def test_pool_digests_never_change_for_the_same_settings():
    """A digest that changed with the code would replace every pool of every stack."""
    cp = ControlPlanePoolSettings()
    tp = TaskPoolSettings()
    assert pool_name(CONTROL_PLANE_PREFIX, control_plane_fixed(cp)) == "cp8aad3d"
    assert pool_name(TASK_PREFIX, task_fixed(tp)) == "tasks058fa6"


def test_pool_digests_read_numbers_and_unset_settings_as_azure_does():
    assert pool_name("tasks", {"spotMaxPrice": -1}) == pool_name("tasks", {"spotMaxPrice": -1.0})
    assert pool_name("cp", {"vmSize": "X", "availabilityZones": None}) == pool_name("cp", {"vmSize": "X"})
    reordered = ControlPlanePoolSettings(zones=("2", "1"), min_count=2)
    assert control_plane_fixed(reordered) == control_plane_fixed(
        ControlPlanePoolSettings(zones=("1", "2"), min_count=2)
    )


@pytest.mark.parametrize("prefix", ["Cp", "1cp", "control-plane", "controlplane"])
def test_a_prefix_that_cannot_make_a_pool_name_is_refused(prefix):
    with pytest.raises(ValueError, match="node pool name"):
        pool_name(prefix, {})

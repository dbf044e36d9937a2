"""The value rules behind the settings: quantities, durations, URLs, names, and the primary sources.

Each rule is checked on values a user writes (accepted) and on near misses (refused); the allowed
sets are checked against the azure-native SDK's own enums, and the fixed cluster networks
against what the program declares.
"""

from __future__ import annotations

from decimal import Decimal
from typing import get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pulumi_azure_native import containerregistry, containerservice, dbforpostgresql, storage
from pydantic import ValidationError

from components.config import (
    CLUSTER_POD_CIDR,
    CLUSTER_SERVICE_CIDR,
    ClusterSettings,
    DatabaseSettings,
    GitSyncSettings,
    ImageSettings,
    LogsSettings,
    PostgresVersion,
    RegistrySettings,
    StackSettings,
    TaskPoolSettings,
    duration_seconds,
    is_ssh_git_url,
    parse_quantity,
)

# -- Kubernetes quantities -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("500m", Decimal("0.5")),
        ("2", Decimal(2)),
        ("0.5", Decimal("0.5")),
        (".5", Decimal("0.5")),
        ("5.", Decimal(5)),
        ("+1k", Decimal(1000)),
        ("-1", Decimal(-1)),
        ("100n", Decimal("1e-7")),
        ("3u", Decimal("3e-6")),
        ("1Ki", Decimal(1024)),
        ("1Gi", Decimal(2**30)),
        ("1.5Gi", Decimal(3 * 2**29)),
        ("2Ei", Decimal(2 * 2**60)),
        ("1M", Decimal(10**6)),
        ("1E", Decimal(10**18)),  # exa, not an exponent
        ("1E3", Decimal(1000)),
        ("1e3", Decimal(1000)),
        ("1e-3", Decimal("0.001")),
        ("1e+2", Decimal(100)),
    ],
)
def test_quantities_mean_what_kubernetes_reads(text, amount):
    assert parse_quantity(text) == amount


def test_the_kubernetes_documentation_example_is_one_amount():
    """ "128974848, 129e6, 129M, 128974848000m, 123Mi" (Kubernetes: Resource units)."""
    assert parse_quantity("128974848") == parse_quantity("123Mi") == parse_quantity("128974848000m")
    assert parse_quantity("129e6") == parse_quantity("129M")


@pytest.mark.parametrize(
    "text", ["", "Gi", "1 Gi", "1gi", "1K", "1KB", "1.2.3", "1e", "1e3.5", "two", "0x10", "1Gi ", "--1", "1Kii"]
)
def test_what_is_not_a_quantity_is_refused(text):
    with pytest.raises(ValueError, match="not a Kubernetes quantity"):
        parse_quantity(text)


SUFFIX_AMOUNTS = {
    "": 1,
    "k": 10**3,
    "M": 10**6,
    "G": 10**9,
    "T": 10**12,
    "P": 10**15,
    "E": 10**18,
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
    "Pi": 2**50,
    "Ei": 2**60,
}


@given(number=st.integers(min_value=0, max_value=10**6), suffix=st.sampled_from(sorted(SUFFIX_AMOUNTS)))
def test_a_whole_number_with_a_suffix_scales_exactly(number, suffix):
    assert parse_quantity(f"{number}{suffix}") == number * SUFFIX_AMOUNTS[suffix]


@given(thousandths=st.integers(min_value=1, max_value=10**6))
def test_millicores_and_decimal_cores_agree(thousandths):
    assert parse_quantity(f"{thousandths}m") == parse_quantity(str(Decimal(thousandths) / 1000))


@pytest.mark.parametrize(
    ("cpu", "memory"), [("500m", "1Gi"), (2, "4Gi"), (0.25, "512Mi"), ("1", "1048576"), ("1e-3", "1.5Gi")]
)
def test_task_pod_quantities_a_user_writes_are_accepted(cpu, memory):
    settings = StackSettings.model_validate(
        {
            "project": "p",
            "stack": "s",
            # Unprotected, so no API server ranges are required: only the task pod is under test.
            "airflow-platform:protectData": False,
            "airflow-platform:airflow": {
                "taskPod": {"requests": {"cpu": cpu, "memory": memory}, "limits": {"cpu": "4", "memory": "8Gi"}}
            },
        },
        by_alias=True,
        by_name=False,
    )
    assert settings.airflow.task_pod.requests.cpu == str(cpu)


# -- durations -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("60s", 60),
        ("1m30s", 90),
        ("1h", 3600),
        ("1.5h", 5400),
        ("500ms", Decimal("0.5")),
        (".5s", Decimal("0.5")),
        ("1us", Decimal("1e-6")),
        ("1µs", Decimal("1e-6")),  # the micro sign
        ("1μs", Decimal("1e-6")),  # the Greek mu
        ("2h45m", 9900),
    ],
)
def test_durations_mean_what_go_reads(text, seconds):
    assert duration_seconds(text) == seconds


@pytest.mark.parametrize("text", ["60", "", "s", "1d", "-5s", "1 m", "5 s", "1m 30s", "10sec"])
def test_what_is_not_a_go_duration_is_refused(text):
    with pytest.raises(ValueError, match="not a Go duration"):
        duration_seconds(text)


# -- git -------------------------------------------------------------------------------------------

ACCEPTED_REPOSITORIES = [
    "git@github.com:org/dags.git",
    "git@ssh.dev.azure.com:v3/org/project/dags",
    "ssh://git@github.com/org/dags.git",
    "ssh://git@git.example.com:2222/org/dags.git",
    "https://github.com/org/dags.git",
    "https://dev.azure.com/org/project/_git/dags",
    "https://deploy@gitlab.example.com/org/dags.git",
]
REFUSED_REPOSITORIES = [
    "http://github.com/org/dags.git",
    "git://github.com/org/dags.git",
    "file:///srv/dags.git",
    "/srv/dags.git",
    "github.com/org/dags",
    "https://github.com",
    "https://github.com/",
    "git@github.com",
    "https://github.com:port/org/dags.git",
    "https://git hub.com/org/dags.git",
    "",
]


@pytest.mark.parametrize("url", ACCEPTED_REPOSITORIES)
def test_ssh_and_https_git_urls_are_accepted(url):
    assert GitSyncSettings.model_validate({"repo": url}).repo == url


@pytest.mark.parametrize("url", REFUSED_REPOSITORIES)
def test_other_repository_locations_are_refused(url):
    with pytest.raises(ValidationError, match="git URL"):
        GitSyncSettings.model_validate({"repo": url})


def test_ssh_urls_are_told_from_https_ones():
    assert [is_ssh_git_url(url) for url in ACCEPTED_REPOSITORIES] == [True, True, True, True, False, False, False]


@pytest.mark.parametrize("branch", ["main", "release/3.1", "feature-x_y", "v1.2"])
def test_branch_names_git_accepts_are_accepted(branch):
    assert GitSyncSettings.model_validate({"branch": branch}).branch == branch


@pytest.mark.parametrize("branch", ["", "-x", "a..b", "a b", "x.lock", "a/", "/a", "a//b", "a@{b", "a~1", "a^", "a:b"])
def test_branch_names_git_refuses_are_refused(branch):
    with pytest.raises(ValidationError, match="branch name"):
        GitSyncSettings.model_validate({"branch": branch})


# -- Azure and image names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "size", ["Standard_D4ds_v5", "Standard_E64s_v5", "Standard_F2als_v6", "Standard_D192s_v6", "Standard_DS2_v2"]
)
def test_azure_vm_sizes_are_accepted(size):
    assert TaskPoolSettings.model_validate({"vmSize": size, "spot": False}).vm_size == size


@pytest.mark.parametrize(
    "size", ["Standard_E64-32s_v5", "Standard_NC24ads_A100_v4", "Standard_D2_v2", "Standard_L8s_v3"]
)
def test_azure_vm_sizes_off_the_table_are_refused(size):
    """Real Azure sizes, but not in data/vm-sizes.yaml: the program cannot check them, so refuses them."""
    with pytest.raises(ValidationError, match="is not a VM size this program knows"):
        TaskPoolSettings.model_validate({"vmSize": size, "spot": False})


@pytest.mark.parametrize("size", ["standard_d4ds_v5", "D4ds_v5", "Standard_", "Basic_A1", "Standard D4ds v5", ""])
def test_what_is_no_azure_vm_size_is_refused(size):
    with pytest.raises(ValidationError, match="Azure VM size"):
        TaskPoolSettings.model_validate({"vmSize": size})


@pytest.mark.parametrize(
    "repository",
    ["apache/airflow", "airflow", "myregistry.azurecr.io/airflow", "localhost:5000/team/airflow", "ghcr.io/o/a-b_c"],
)
def test_image_repositories_are_accepted(repository):
    assert ImageSettings.model_validate({"repository": repository}).repository == repository


@pytest.mark.parametrize(
    "repository", ["Apache/Airflow", "apache/airflow:3.1.8", "apache/airflow@sha256:abc", "", "apache//airflow", "-a/b"]
)
def test_what_is_no_image_repository_is_refused(repository):
    with pytest.raises(ValidationError, match="image repository"):
        ImageSettings.model_validate({"repository": repository})


@pytest.mark.parametrize("location", ["westeurope", "eastus2", "germanywestcentral", "australiasoutheast"])
def test_azure_region_names_are_accepted(location):
    assert StackSettings(project="p", stack="s", location=location, protect_data=False).location == location


@pytest.mark.parametrize("location", ["West Europe", "west-europe", "WESTEUROPE", "2westus", "a" * 21, ""])
def test_what_is_no_azure_region_name_is_refused(location):
    with pytest.raises(ValidationError, match="Azure region name"):
        StackSettings(project="p", stack="s", location=location)


# -- the primary sources -----------------------------------------------------------------------------


def test_postgres_versions_are_ones_the_sdk_offers():
    offered = {version.value for version in dbforpostgresql.PostgresMajorVersion}
    assert set(get_args(get_args(PostgresVersion)[0])) <= offered


def test_database_tiers_are_the_sdks():
    tiers = set(get_args(DatabaseSettings.model_fields["tier"].annotation))
    assert tiers == {tier.value for tier in dbforpostgresql.SkuTier}


def test_cluster_tiers_are_the_sdks():
    tiers = set(get_args(ClusterSettings.model_fields["tier"].annotation))
    assert tiers == {tier.value for tier in containerservice.ManagedClusterSKUTier}


def test_registry_skus_are_the_sdks():
    skus = set(get_args(RegistrySettings.model_fields["sku"].annotation))
    assert skus <= {sku.value for sku in containerregistry.SkuName}


def test_log_redundancies_are_storage_skus():
    redundancies = get_args(LogsSettings.model_fields["redundancy"].annotation)
    assert {f"Standard_{r}" for r in redundancies} <= {sku.value for sku in storage.SkuName}


def test_the_networks_checked_against_are_the_cluster_declares(stack_run):
    """The address plan is checked against the pod and service networks the cluster really uses."""
    profile = stack_run.one("azure-native:containerservice:ManagedCluster").inputs["networkProfile"]
    assert (profile["podCidr"], profile["serviceCidr"]) == (CLUSTER_POD_CIDR, CLUSTER_SERVICE_CIDR)

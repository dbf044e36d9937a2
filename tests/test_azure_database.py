"""Database: private PostgreSQL flexible server, TLS only, backups and HA per stack, protected."""

import string

import pytest

from components.airflow.secrets import METADATA_CONNECTION
from components.database_password import PASSWORD_SPECIALS
from components.guards import refused_changes, row_for
from tests.conftest import planned
from tests.helpers import is_secret, named, plain
from tests.test_guards import DATABASE, SERVER, guard, guard_of, refusals, with_settings
from tools.mocks import PlatformMocks
from tools.offline import RecordingMonitor, run_program

#: Logins Azure refuses for the flexible server administrator.
RESERVED_LOGINS = {"azure_superuser", "azure_pg_admin", "admin", "administrator", "root", "guest", "public"}


def test_server_has_no_public_endpoint_and_sits_in_the_delegated_subnet(stack_run):
    server = stack_run.one(SERVER).inputs
    network = server["network"]
    assert network["publicNetworkAccess"] == "Disabled"
    assert (
        network["delegatedSubnetResourceId"] == named(stack_run, "azure-native:network:Subnet", "postgres").state["id"]
    )
    zone = named(stack_run, "azure-native:privatedns:PrivateZone", "postgres-dns")
    assert network["privateDnsZoneArmResourceId"] == zone.state["id"]


def test_server_waits_for_the_dns_link_azure_requires(stack_run):
    server = stack_run.one(SERVER)
    link = named(stack_run, "azure-native:privatedns:VirtualNetworkLink", "postgres-dns-link")
    assert link.urn in server.dependencies


def test_tls_is_enforced(stack_run):
    configs = {
        c.inputs["configurationName"]: c.inputs["value"]
        for c in stack_run.of_type("azure-native:dbforpostgresql:Configuration")
    }
    assert configs["require_secure_transport"] == "on"
    assert configs["ssl_min_protocol_version"] == "TLSv1.2"


def test_airflow_database_and_version(stack_run):
    assert stack_run.one(SERVER).inputs["version"] == "16"
    database = stack_run.one("azure-native:dbforpostgresql:Database")
    assert database.inputs["databaseName"] == "airflow"
    assert database.inputs["serverName"] == stack_run.one(SERVER).state["name"]


def test_admin_login_is_one_azure_accepts(stack_run):
    login = stack_run.one(SERVER).inputs["administratorLogin"]
    assert login not in RESERVED_LOGINS and not login.startswith("pg_")
    assert login[0].isalpha() and login.isalnum() and len(login) <= 63


def test_password_is_generated_secret_complex_and_uri_safe(stack_run):
    password_resource = named(stack_run, "random:index/randomPassword:RandomPassword", "admin-password")
    server = stack_run.one(SERVER).inputs
    assert is_secret(server["administratorLoginPassword"])
    password = plain(server["administratorLoginPassword"])
    assert password == plain(password_resource.state["result"])
    assert 8 <= len(password) <= 128
    classes = [string.ascii_uppercase, string.ascii_lowercase, string.digits, PASSWORD_SPECIALS]
    assert sum(any(c in chars for c in password) for chars in classes) >= 3
    # Only RFC 3986 unreserved characters: the password never breaks a connection URI.
    assert set(password) <= set(string.ascii_letters + string.digits + "-._~")
    # The rules that make this hold for every result, not just this draw.
    inputs = password_resource.inputs
    assert inputs["minUpper"] >= 1 and inputs["minLower"] >= 1 and inputs["minNumeric"] >= 1
    assert set(inputs["overrideSpecial"]) <= set("-._~")


def test_prod_is_zone_redundant_with_long_geo_redundant_backups(prod_run):
    server = prod_run.one(SERVER).inputs
    assert server["sku"] == {"name": "Standard_D4ds_v5", "tier": "GeneralPurpose"}
    assert server["highAvailability"]["mode"] == "ZoneRedundant"
    assert server["availabilityZone"] != server["highAvailability"]["standbyAvailabilityZone"]
    assert server["backup"] == {"backupRetentionDays": 35, "geoRedundantBackup": "Enabled"}


def test_dev_is_burstable_without_ha(dev_run):
    server = dev_run.one(SERVER).inputs
    assert server["sku"]["tier"] == "Burstable"
    assert server["highAvailability"]["mode"] == "Disabled"
    assert server["backup"]["geoRedundantBackup"] == "Disabled"


def test_data_is_protected_in_prod_and_disposable_in_dev(prod_run, dev_run):
    for resource in (SERVER, "azure-native:dbforpostgresql:Database"):
        assert prod_run.one(resource).protect
        assert not dev_run.one(resource).protect


# -- on an existing stack ------------------------------------------------------------------------


def test_with_autogrow_the_size_is_set_at_creation_and_left_to_azure_after(stack_run):
    server = stack_run.one(SERVER)
    assert server.inputs["storage"]["autoGrow"] == "Enabled"
    assert "storage.storageSizeGB" in server.ignore_changes
    assert "airflow-platform:database.storageSizeGb" not in guard_of(stack_run, DATABASE)["settings"]


def test_without_autogrow_the_setting_owns_the_size_and_may_only_grow():
    run = run_program("prod", overrides=with_settings("prod", "database", storageAutoGrow=False))
    server = run.one(SERVER)
    assert server.inputs["storage"] == {"storageSizeGB": 128, "autoGrow": "Disabled"}
    assert "storage.storageSizeGB" not in server.ignore_changes
    before = guard_of(run, DATABASE)
    grown = run_program("prod", overrides=with_settings("prod", "database", storageAutoGrow=False, storageSizeGb=256))
    assert refused_changes(before, guard_of(grown, DATABASE)) == []
    shrunk = run_program("prod", overrides=with_settings("prod", "database", storageAutoGrow=False, storageSizeGb=64))
    (refusal,) = refused_changes(before, guard_of(shrunk, DATABASE))
    assert refusal.startswith("airflow-platform:database.storageSizeGb: 128 -> 64 is refused")


@pytest.mark.parametrize(
    ("stack", "changes", "setting"),
    [
        ("prod", {"geoRedundantBackup": False}, "airflow-platform:database.geoRedundantBackup: true -> false"),
        ("dev", {"geoRedundantBackup": True}, "airflow-platform:database.geoRedundantBackup: false -> true"),
        ("prod", {"version": "15"}, "airflow-platform:database.version: 16 -> 15"),
    ],
)
def test_what_azure_fixes_at_creation_stops_the_preview_naming_the_setting(stack, changes, setting):
    (refusal,) = refusals(stack, DATABASE, "database", **changes)
    assert refusal.startswith(f"{setting} is refused")


def test_the_admin_login_subnet_and_zone_are_recorded_as_fixed(prod_run):
    settings = guard_of(prod_run, DATABASE)["settings"]
    server = prod_run.one(SERVER).inputs
    fixed = {entry["path"]: entry["value"] for entry in settings.values() if entry["rule"] == "fixed"}
    assert fixed == {
        "administratorLogin": server["administratorLogin"],
        "network.delegatedSubnetResourceId": server["network"]["delegatedSubnetResourceId"],
        "network.privateDnsZoneArmResourceId": server["network"]["privateDnsZoneArmResourceId"],
        "backup.geoRedundantBackup": "Enabled",
    }


def test_azure_may_move_a_server_without_ha_to_another_private_zone(dev_run):
    paths = {entry["path"] for entry in guard_of(dev_run, DATABASE)["settings"].values()}
    assert "network.privateDnsZoneArmResourceId" not in paths
    assert "network.delegatedSubnetResourceId" in paths


@pytest.mark.parametrize(
    "changes",
    [
        {"version": "17"},
        {"version": "18"},
        {"highAvailability": False},
        {"skuName": "Standard_E4ds_v5", "tier": "MemoryOptimized"},
        {"storageSizeGb": 512},
        {"backupRetentionDays": 14},
    ],
)
def test_upgrades_ha_and_sku_changes_go_through_in_place(changes):
    assert refusals("prod", DATABASE, "database", **changes) == []
    after = run_program("prod", overrides=with_settings("prod", "database", **changes))
    server = after.one(SERVER)
    # Nothing azure-native replaces the server for: the same name, and each changed path updates in place.
    assert server.inputs["serverName"] == planned("prod").one(SERVER).inputs["serverName"]
    assert not row_for(SERVER, "version").replaces
    assert server.inputs["createMode"] == "Default"


def test_server_and_database_wait_for_the_guard_and_stay_protected(prod_run):
    urn = guard(prod_run, DATABASE).urn
    assert urn in prod_run.one(SERVER).dependencies
    assert urn in prod_run.waits_for(prod_run.one("azure-native:dbforpostgresql:Database"))
    assert prod_run.one(SERVER).protect and prod_run.one("azure-native:dbforpostgresql:Database").protect


class UpdatePreviewMocks(PlatformMocks):
    """What azure-native answers in an update preview: no computed outputs (the FQDN stays unknown)."""

    def _server_outputs(self, name: str, state: dict) -> None:
        pass

    def _storage_account_outputs(self, name: str, state: dict) -> None:
        pass


def test_the_host_follows_from_the_server_name_and_is_known_in_an_update_preview():
    run = run_program("prod", preview=True, monitor=RecordingMonitor(UpdatePreviewMocks()))
    server = run.one(SERVER)
    assert "fullyQualifiedDomainName" not in server.state
    host = f"{server.inputs['serverName']}.postgres.database.azure.com"
    assert run.outputs["databaseHost"].value == host
    # The metadata connection is known too, so its Secret and the release keep their plan.
    metadata = named(run, "kubernetes:core/v1:Secret", METADATA_CONNECTION.name)
    assert f"@{host}:5432/" in plain(metadata.inputs["stringData"])[METADATA_CONNECTION.key]
    assert server.urn in run.waits_for(metadata)

"""Database: private PostgreSQL flexible server, TLS only, backups and HA per stack, protected."""

import string

from components.azure.database import PASSWORD_SPECIALS
from tests.helpers import is_secret, named, plain

SERVER = "azure-native:dbforpostgresql:Server"
#: Logins Azure refuses for the flexible server administrator.
RESERVED_LOGINS = {"azure_superuser", "azure_pg_admin", "admin", "administrator", "root", "guest", "public"}


def test_server_has_no_public_endpoint_and_sits_in_the_delegated_subnet(stack_run):
    server = stack_run.one(SERVER).inputs
    network = server["network"]
    assert network["publicNetworkAccess"] == "Disabled"
    assert (
        network["delegatedSubnetResourceId"] == named(stack_run, "azure-native:network:Subnet", "postgres").state["id"]
    )
    assert network["privateDnsZoneArmResourceId"] == stack_run.one("azure-native:privatedns:PrivateZone").state["id"]


def test_server_waits_for_the_dns_link_azure_requires(stack_run):
    server = stack_run.one(SERVER)
    link = stack_run.one("azure-native:privatedns:VirtualNetworkLink")
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

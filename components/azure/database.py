"""PostgreSQL flexible server for Airflow's metadata, private to the VNet, TLS only.

What Azure fixes when the server is created (geo-redundant backup, the subnet, the admin login,
the private DNS zone while HA is on) or lets move one way only (the major version; the size
when autogrow is off) is recorded by a guard the server depends on, so a later change stops
`pulumi preview` with the setting named instead of failing, or replacing the server, in ARM.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pulumi
from pulumi_azure_native import dbforpostgresql

from components.azure.endpoints import endpoint_of
from components.config import DatabaseSettings, StackSettings
from components.database_password import database_password
from components.guards import FIXED, Guard, Guarded
from components.platform import Credentials, Destination
from components.platform import Database as DatabaseHandle

DATABASE_NAME = "airflow"
#: The role Airflow logs in as (not a name Azure reserves), owner of the database ``airflow``.
AIRFLOW_ROLE = "airflow"
#: The root CAs Azure documents for the server's certificate (sources in azure-postgres-ca.yaml).
CA_BUNDLE = Path(__file__).resolve().parents[2] / "data" / "azure-postgres-ca.pem"
#: Azure refuses azure_superuser, admin, administrator, root, guest, public and pg_* logins.
ADMIN_LOGIN = "airflowadmin"
PORT = 5432
SERVER = "azure-native:dbforpostgresql:Server"


def _setting(field: str) -> str:
    return ".".join(StackSettings.key_path("database", field))


@dataclass(frozen=True)
class DatabaseArgs:
    resource_group_name: pulumi.Input[str]
    server_name: pulumi.Input[str]
    location: str
    delegated_subnet_id: pulumi.Input[str]
    #: The delegated subnet's range: the server's address lies in it.
    subnet_cidr: str
    private_dns_zone_id: pulumi.Input[str]
    #: The zone's VNet link: Azure refuses to create the server before it exists.
    dns_ready: pulumi.Resource
    settings: DatabaseSettings
    protect: bool
    tags: dict[str, str]


class Database(pulumi.ComponentResource):
    def __init__(self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("airflow-platform:azure:Database", name, None, opts)
        s = args.settings
        self.subnet_cidr = args.subnet_cidr

        # 32 characters from all four classes: far beyond Azure's rule of 8-128 characters
        # from three of upper case, lower case, digits and symbols.
        self.password = database_password("admin-password", self)
        self.airflow_role_password = database_password("airflow-role-password", self)
        zone_redundant = s.high_availability
        geo_backup = "Enabled" if s.geo_redundant_backup else "Disabled"
        guarded = [
            Guarded(
                _setting("geo_redundant_backup"),
                SERVER,
                "backup.geoRedundantBackup",
                geo_backup,
                shown=s.geo_redundant_backup,
            ),
            Guarded(_setting("version"), SERVER, "version", s.version),
            Guarded(
                "the server's administratorLogin (chosen by the program)", SERVER, "administratorLogin", ADMIN_LOGIN
            ),
            Guarded(
                "the server's delegated subnet (chosen by the program)",
                SERVER,
                "network.delegatedSubnetResourceId",
                args.delegated_subnet_id,
            ),
        ]
        if not s.storage_auto_grow:
            guarded.append(Guarded(_setting("storage_size_gb"), SERVER, "storage.storageSizeGB", s.storage_size_gb))
        if zone_redundant:
            # Azure moves a server to another private DNS zone, but not while HA is on.
            guarded.append(
                Guarded(
                    "the server's private DNS zone (chosen by the program)",
                    SERVER,
                    "network.privateDnsZoneArmResourceId",
                    args.private_dns_zone_id,
                    rule=FIXED,
                )
            )
        self.guard = Guard("guard", "PostgreSQL server", guarded, opts=pulumi.ResourceOptions(parent=self))
        # With autogrow on, Azure owns the size after creation (it doubles the disk and never
        # shrinks it): the setting is the initial size, and `pulumi refresh` records the live one.
        size_owned_by_azure = ["storage.storageSizeGB"] if s.storage_auto_grow else []
        self.server = dbforpostgresql.Server(
            "server",
            resource_group_name=args.resource_group_name,
            server_name=args.server_name,
            location=args.location,
            version=s.version,
            # Create on a new server, update on an existing one: a higher version is an in-place
            # major version upgrade, taken after Azure's own pre-upgrade backup.
            create_mode="Default",
            sku=dbforpostgresql.SkuArgs(name=s.sku_name, tier=s.tier),
            storage=dbforpostgresql.StorageArgs(
                storage_size_gb=s.storage_size_gb, auto_grow="Enabled" if s.storage_auto_grow else "Disabled"
            ),
            backup=dbforpostgresql.BackupArgs(
                backup_retention_days=s.backup_retention_days,
                geo_redundant_backup=geo_backup,
            ),
            high_availability=dbforpostgresql.HighAvailabilityArgs(
                mode="ZoneRedundant" if zone_redundant else "Disabled",
                standby_availability_zone="2" if zone_redundant else None,
            ),
            availability_zone="1" if zone_redundant else None,
            network=dbforpostgresql.NetworkArgs(
                delegated_subnet_resource_id=args.delegated_subnet_id,
                private_dns_zone_arm_resource_id=args.private_dns_zone_id,
                public_network_access="Disabled",
            ),
            auth_config=dbforpostgresql.AuthConfigArgs(password_auth="Enabled", active_directory_auth="Disabled"),
            administrator_login=ADMIN_LOGIN,
            administrator_login_password=self.password.result,
            tags=args.tags,
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[args.dns_ready, self.guard],
                protect=args.protect,
                # Azure picks the zones when HA is off and may move the primary on failover.
                ignore_changes=["availabilityZone", "highAvailability.standbyAvailabilityZone", *size_owned_by_azure],
            ),
        )
        # On by default on flexible server; pinned here so nobody can switch it off by hand.
        tls_only = dbforpostgresql.Configuration(
            "require-secure-transport",
            resource_group_name=args.resource_group_name,
            server_name=self.server.name,
            configuration_name="require_secure_transport",
            value="on",
            source="user-override",
            opts=pulumi.ResourceOptions(parent=self),
        )
        min_tls = dbforpostgresql.Configuration(
            "ssl-min-protocol-version",
            resource_group_name=args.resource_group_name,
            server_name=self.server.name,
            configuration_name="ssl_min_protocol_version",
            value="TLSv1.2",
            source="user-override",
            # Azure rejects concurrent configuration writes on one server.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[tls_only]),
        )
        self.database = dbforpostgresql.Database(
            "airflow-db",
            resource_group_name=args.resource_group_name,
            server_name=self.server.name,
            database_name=DATABASE_NAME,
            charset="UTF8",
            collation="en_US.utf8",
            opts=pulumi.ResourceOptions(parent=self, depends_on=[min_tls], protect=args.protect),
        )
        self.host = endpoint_of("postgres", self.server, args.server_name)
        self.register_outputs({"host": self.host, "databaseName": self.database.name})

    def handle(self) -> DatabaseHandle:
        return DatabaseHandle(
            host=self.host,
            port=PORT,
            name=DATABASE_NAME,
            admin=Credentials(ADMIN_LOGIN, pulumi.Output.secret(self.password.result)),
            airflow_role=Credentials(AIRFLOW_ROLE, pulumi.Output.secret(self.airflow_role_password.result)),
            ca_certificates=CA_BUNDLE.read_text(),
            network=Destination(cidrs=[self.subnet_cidr], ports=[PORT]),
            ready=[self.database],
        )

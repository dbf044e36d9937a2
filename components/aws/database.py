"""RDS for PostgreSQL for Airflow's metadata: private subnets, reachable from the cluster's nodes only,
TLS only, encrypted, protected like the Azure server.

Versions: ``engineVersion`` is the major version alone ("16"); RDS picks that major's default minor
at creation and ``autoMinorVersionUpgrade`` moves it in the maintenance window (the provider treats a
prefix of the running version as no change). A higher major is an in-place upgrade: it is allowed
(``allowMajorVersionUpgrade``) and goes with a parameter group of the new family, named after the major,
so the new group exists before the instance moves to it and the old one is deleted after.

When changes apply: ``applyImmediately`` is on where the data is not protected (dev: a change is there
when ``pulumi up`` ends, and a restart costs nothing) and off where it is (prod: a class change, a major
upgrade or another change that restarts the instance waits for the maintenance window, so an update in
working hours never fails the database over under a running Airflow; the stack's state shows the new
value at once, ``aws rds describe-db-instances`` its ``PendingModifiedValues`` until then).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws
import yaml

from components.config import StackSettings
from components.config.aws import RdsSettings
from components.database_password import database_password
from components.guards import Guard, Guarded
from components.platform import Credentials, Destination
from components.platform import Database as DatabaseHandle

DATABASE_NAME = "airflow"
#: The role Airflow logs in as, owner of the database ``airflow`` (components/airflow/database_role.py).
AIRFLOW_ROLE = "airflow"
#: The master user: fixed at creation (ModifyDBInstance cannot rename it); not a name RDS reserves.
ADMIN_LOGIN = "airflow_admin"
PORT = 5432
INSTANCE = "aws:rds/instance:Instance"
#: The CA that signs the server certificate; its roots are in the bundle (data/aws-rds-ca.yaml).
CA_IDENTIFIER = "rds-ca-rsa2048-g1"
CA_BUNDLE = Path(__file__).resolve().parents[2] / "data" / "aws-rds-ca.pem"
CA_FACTS = CA_BUNDLE.with_suffix(".yaml")
#: Parameters set on top of the family's defaults (their sources are in aws-rds-ca.yaml).
TLS_PARAMETERS = {name: row["value"] for name, row in yaml.safe_load(CA_FACTS.read_text())["server_parameters"].items()}


def _setting(field: str) -> str:
    return ".".join(StackSettings.key_path("aws", "database", field))


def guarded(settings: RdsSettings, subnet_group_name: pulumi.Input[str]) -> list[Guarded]:
    """What RDS refuses to change in place, halfway through `pulumi up` (data/aws-create-only.yaml):
    a lower version or storage, another subnet group in the same VPC, another master user (replaced)."""
    return [
        Guarded(_setting("version"), INSTANCE, "engineVersion", settings.version),
        Guarded(_setting("allocated_storage_gb"), INSTANCE, "allocatedStorage", settings.allocated_storage_gb),
        Guarded("the subnet group (chosen by the program)", INSTANCE, "dbSubnetGroupName", subnet_group_name),
        Guarded("the instance's master user (chosen by the program)", INSTANCE, "username", ADMIN_LOGIN),
    ]


@dataclass(frozen=True)
class RdsArgs:
    settings: RdsSettings
    protect: bool
    #: The instance identifier (components/aws/naming.py); also names its subnet, parameter and security groups.
    identifier: str
    vpc_id: pulumi.Input[str]
    #: The private subnets, one per zone: Multi-AZ places the standby in another of them.
    subnet_ids: Sequence[pulumi.Input[str]]
    #: The cluster's node security group: the only source allowed to port 5432.
    client_security_group_id: pulumi.Input[str]
    #: The VPC's range: the instance's address lies in it (Airflow's egress network policy).
    vpc_cidr: str
    tags: dict[str, str]


class RdsDatabase(pulumi.ComponentResource):
    def __init__(self, name: str, args: RdsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("airflow-platform:aws:Database", name, None, opts)
        s, ident = args.settings, args.identifier
        self.vpc_cidr = args.vpc_cidr
        child = pulumi.ResourceOptions(parent=self)

        self.password = database_password("admin-password", self)
        self.airflow_role_password = database_password("airflow-role-password", self)
        subnet_group = aws.rds.SubnetGroup(
            "subnet-group",
            name=ident,
            description="Private subnets of Airflow's metadata database",
            subnet_ids=list(args.subnet_ids),
            tags=args.tags,
            opts=child,
        )
        self.security_group = aws.ec2.SecurityGroup(
            "security-group",
            name=f"{ident}-db",
            description="Airflow metadata database: PostgreSQL from the cluster's nodes only",
            vpc_id=args.vpc_id,
            tags={**args.tags, "Name": f"{ident}-db"},
            opts=child,
        )
        self.client_rule = aws.vpc.SecurityGroupIngressRule(
            "postgres-from-nodes",
            security_group_id=self.security_group.id,
            referenced_security_group_id=args.client_security_group_id,
            ip_protocol="tcp",
            from_port=PORT,
            to_port=PORT,
            description="PostgreSQL from the EKS nodes",
            tags=args.tags,
            opts=child,
        )
        parameters = aws.rds.ParameterGroup(
            "parameters",
            name=f"{ident}-postgres{s.version}",
            family=f"postgres{s.version}",
            description=f"Airflow metadata database, PostgreSQL {s.version}: TLS only",
            parameters=[
                aws.rds.ParameterGroupParameterArgs(name=key, value=value, apply_method="immediate")
                for key, value in TLS_PARAMETERS.items()
            ],
            tags=args.tags,
            opts=child,
        )
        self.guard = Guard("guard", "RDS instance", guarded(s, subnet_group.name), opts=child)
        self.instance = aws.rds.Instance(
            "instance",
            identifier=ident,
            engine="postgres",
            engine_version=s.version,
            auto_minor_version_upgrade=True,
            allow_major_version_upgrade=True,
            apply_immediately=not args.protect,
            instance_class=s.instance_class,
            allocated_storage=s.allocated_storage_gb,
            # Storage autoscaling: the provider then ignores the live size outgrowing allocatedStorage.
            max_allocated_storage=s.max_allocated_storage_gb,
            storage_type="gp3",
            # With no kmsKeyId RDS uses the account's AWS managed key aws/rds.
            storage_encrypted=True,
            db_name=DATABASE_NAME,
            username=ADMIN_LOGIN,
            password=self.password.result,
            port=PORT,
            db_subnet_group_name=subnet_group.name,
            vpc_security_group_ids=[self.security_group.id],
            parameter_group_name=parameters.name,
            ca_cert_identifier=CA_IDENTIFIER,
            publicly_accessible=False,
            multi_az=s.multi_az,
            backup_retention_period=s.backup_retention_days,
            copy_tags_to_snapshot=True,
            deletion_protection=args.protect,
            # Protected: a delete (never planned: protect) leaves a final snapshot and the automated backups.
            skip_final_snapshot=not args.protect,
            final_snapshot_identifier=f"{ident}-final" if args.protect else None,
            delete_automated_backups=not args.protect,
            tags=args.tags,
            # Not after the nodes' ingress rule: that rule waits for the cluster (its security group), and
            # the server needs it only once Airflow connects, which waits for both (``ready``).
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect, depends_on=[self.guard]),
        )
        self.outputs = {"databaseHost": self.instance.address, "databaseName": DATABASE_NAME}
        self.register_outputs({"host": self.instance.address, "databaseName": DATABASE_NAME})

    def handle(self) -> DatabaseHandle:
        return DatabaseHandle(
            host=self.instance.address,
            port=PORT,
            name=DATABASE_NAME,
            admin=Credentials(ADMIN_LOGIN, pulumi.Output.secret(self.password.result)),
            airflow_role=Credentials(AIRFLOW_ROLE, pulumi.Output.secret(self.airflow_role_password.result)),
            ca_certificates=CA_BUNDLE.read_text(),
            network=Destination(cidrs=[self.vpc_cidr], ports=[PORT]),
            ready=[self.instance, self.client_rule],
        )

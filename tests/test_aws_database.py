"""RDS for PostgreSQL: private, reachable from the nodes only, TLS only, encrypted, protected in
aws-prod, its password a secret, and Airflow's connections within what the class allows."""

from __future__ import annotations

import functools
import string

import pulumi
import pulumi_aws as aws
import pytest
import yaml

from components.aws.database import CA_BUNDLE, PORT, RdsArgs, RdsDatabase
from components.config import PROJECT, ConfigurationError, settings_from_config
from components.config.clouds import aws_database_connections
from components.create_only import load_table
from components.data_tables import DATA
from components.database_connections import settings_demand
from components.database_password import PASSWORD_SPECIALS
from components.rds_connections import connections_requirement, rds_postgres
from tests.helpers import generated_secrets, is_secret, named, plain
from tools.offline import ProgramRun, run_function, stack_config
from tools.transitions import leaves

STACKS = ("aws-dev", "aws-prod")
INSTANCE = "aws:rds/instance:Instance"
PARAMETER_GROUP = "aws:rds/parameterGroup:ParameterGroup"
SUBNET_GROUP = "aws:rds/subnetGroup:SubnetGroup"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
VPC_CIDR = "10.50.0.0/16"


def stack_settings(stack: str, overrides: dict | None = None):
    config, secret_keys = stack_config(stack, overrides)
    return settings_from_config(PROJECT, stack, config, set(secret_keys))


@functools.cache
def database_run(stack: str) -> ProgramRun:
    """The component on a VPC, two private subnets and a node security group, as the platform wires it."""

    def program() -> None:
        settings = stack_settings(stack)
        vpc = aws.ec2.Vpc("vpc", cidr_block=VPC_CIDR)
        subnets = [aws.ec2.Subnet(f"private-{i}", vpc_id=vpc.id, cidr_block=f"10.50.{i}.0/24") for i in range(2)]
        nodes = aws.ec2.SecurityGroup("nodes", vpc_id=vpc.id, description="EKS nodes")
        database = RdsDatabase(
            "database",
            RdsArgs(
                settings=settings.aws.database,
                protect=settings.protect_data,
                identifier=f"airflow-{stack}-0a1b2c",
                vpc_id=vpc.id,
                subnet_ids=[s.id for s in subnets],
                client_security_group_id=nodes.id,
                vpc_cidr=VPC_CIDR,
                tags=settings.tags,
            ),
        )
        handle = database.handle()
        for key, value in database.outputs.items():
            pulumi.export(key, value)
        pulumi.export("handleHost", handle.host)
        pulumi.export("handleAdminPassword", handle.admin.password)
        pulumi.export("handleRolePassword", handle.airflow_role.password)
        pulumi.export("handleFacts", {"port": handle.port, "name": handle.name, "cidrs": list(handle.network.cidrs)})
        pulumi.export("handleCa", handle.ca_certificates)

    return run_function(stack, program)


@pytest.fixture(params=STACKS)
def run(request) -> ProgramRun:
    return database_run(request.param)


def test_instance_is_private_in_the_private_subnets(run):
    instance = run.one(INSTANCE).inputs
    assert instance["publiclyAccessible"] is False
    subnet_group = run.one(SUBNET_GROUP)
    assert instance["dbSubnetGroupName"] == subnet_group.state["name"]
    private = [named(run, "aws:ec2/subnet:Subnet", f"private-{i}").state["id"] for i in range(2)]
    assert subnet_group.inputs["subnetIds"] == private


def test_only_the_node_security_group_reaches_port_5432(run):
    group = named(run, SECURITY_GROUP, "security-group")
    assert not group.inputs.get("ingress") and not group.inputs.get("egress")
    nodes = named(run, SECURITY_GROUP, "nodes").state["id"]
    rule = run.one(INGRESS).inputs
    assert rule["securityGroupId"] == group.state["id"]
    assert rule["referencedSecurityGroupId"] == nodes
    assert (rule["ipProtocol"], rule["fromPort"], rule["toPort"]) == ("tcp", PORT, PORT)
    assert not {"cidrIpv4", "cidrIpv6", "prefixListId"} & set(rule)
    assert run.one(INSTANCE).inputs["vpcSecurityGroupIds"] == [group.state["id"]]


def test_tls_is_forced_by_the_parameter_group_of_the_major_version(run):
    settings = stack_settings(run.stack).aws.database
    group = run.one(PARAMETER_GROUP)
    assert group.inputs["family"] == f"postgres{settings.version}"
    parameters = {p["name"]: (p["value"], p["applyMethod"]) for p in group.inputs["parameters"]}
    assert parameters["rds.force_ssl"] == ("1", "immediate")
    assert parameters["ssl_min_protocol_version"] == ("TLSv1.2", "immediate")
    instance = run.one(INSTANCE).inputs
    assert instance["parameterGroupName"] == group.state["name"]
    assert instance["caCertIdentifier"] == "rds-ca-rsa2048-g1"


def test_postgres_of_the_configured_major_with_minor_upgrades_and_major_ones_allowed(run):
    instance = run.one(INSTANCE).inputs
    assert (instance["engine"], instance["engineVersion"]) == (
        "postgres",
        stack_settings(run.stack).aws.database.version,
    )
    assert instance["autoMinorVersionUpgrade"] is True and instance["allowMajorVersionUpgrade"] is True


def test_storage_is_encrypted_gp3_and_grows_by_itself(run):
    settings = stack_settings(run.stack).aws.database
    instance = run.one(INSTANCE).inputs
    assert instance["storageEncrypted"] is True and instance["storageType"] == "gp3"
    assert (instance["allocatedStorage"], instance["maxAllocatedStorage"]) == (
        settings.allocated_storage_gb,
        settings.max_allocated_storage_gb,
    )
    assert instance["maxAllocatedStorage"] > instance["allocatedStorage"]


def test_prod_is_multi_az_protected_with_35_days_of_backups_and_a_final_snapshot():
    instance = database_run("aws-prod").one(INSTANCE)
    i = instance.inputs
    assert i["multiAz"] is True and i["deletionProtection"] is True and i["backupRetentionPeriod"] == 35
    assert i["skipFinalSnapshot"] is False and i["finalSnapshotIdentifier"] == f"{i['identifier']}-final"
    assert i["deleteAutomatedBackups"] is False and i["copyTagsToSnapshot"] is True
    assert i["applyImmediately"] is False  # restarts wait for the maintenance window
    assert instance.protect is True


def test_dev_is_single_az_disposable_and_applies_changes_at_once():
    instance = database_run("aws-dev").one(INSTANCE)
    i = instance.inputs
    assert i["multiAz"] is False and i["deletionProtection"] is False and i["backupRetentionPeriod"] == 7
    assert i["skipFinalSnapshot"] is True and "finalSnapshotIdentifier" not in i
    assert i["applyImmediately"] is True
    assert instance.protect is False


def test_master_password_is_generated_secret_and_accepted_by_rds(run):
    instance = run.one(INSTANCE).inputs
    assert is_secret(instance["password"])
    password = plain(instance["password"])
    assert password == plain(named(run, "random:index/randomPassword:RandomPassword", "admin-password").state["result"])
    assert 8 <= len(password) <= 128 and not set(password) & set('/@" ')
    assert set(password) <= set(string.ascii_letters + string.digits + PASSWORD_SPECIALS)
    assert instance["username"] == "airflow_admin"


def test_no_password_reaches_an_output_in_plain(run):
    secrets = generated_secrets(run)
    assert len(secrets) >= 2  # the master password and Airflow's role password
    for key, output in run.outputs.items():
        if key in {"handleAdminPassword", "handleRolePassword"}:
            assert output.secret and output.value in secrets
        else:
            assert not output.secret and not any(s in str(output.value) for s in secrets), key


def test_the_handle_names_the_instance_address_its_certificate_carries(run):
    address = run.one(INSTANCE).state["address"]
    region = stack_config(run.stack)[0]["aws:region"]
    assert address.endswith(f".{region}.rds.amazonaws.com")
    assert run.outputs["handleHost"].value == run.outputs["databaseHost"].value == address
    assert run.outputs["databaseName"].value == "airflow" == run.one(INSTANCE).inputs["dbName"]
    assert run.outputs["handleFacts"].value == {"port": PORT, "name": "airflow", "cidrs": [VPC_CIDR]}
    assert run.outputs["handleCa"].value == CA_BUNDLE.read_text()


def test_every_input_path_has_a_create_only_row(run):
    table = load_table(DATA / "aws-create-only.yaml")
    mine = [r for r in run.resources if r.type.startswith("aws:") and r.name not in {"vpc", "nodes"}]
    mine = [r for r in mine if not r.name.startswith("private-")]
    assert {r.type for r in mine} == {INSTANCE, PARAMETER_GROUP, SUBNET_GROUP, SECURITY_GROUP, INGRESS}
    missing = sorted({f"{r.type} {p}" for r in mine for p in leaves(r.inputs) if table.rule(r.type, p) is None})
    assert missing == []


def test_every_type_has_a_provisioning_time_and_a_price():
    times = yaml.safe_load((DATA / "aws-provisioning-times.yaml").read_text())["types"]
    prices = yaml.safe_load((DATA / "aws-prices.yaml").read_text())
    for token in (INSTANCE, PARAMETER_GROUP, SUBNET_GROUP, SECURITY_GROUP, INGRESS):
        assert times[token]["sources"], token
    for token in (PARAMETER_GROUP, SUBNET_GROUP, SECURITY_GROUP, INGRESS):
        assert token in prices["no_charge"]
    for stack in STACKS:
        database = stack_settings(stack).aws.database
        deployment = "rds_postgres_multi_az" if database.multi_az else "rds_postgres_single_az"
        assert prices["prices"][deployment][database.instance_class]["usd"] > 0, stack


def test_the_formula_gives_each_listed_upper_bound():
    table = rds_postgres()
    for name, figures in table.classes.items():
        assert table.formula.upper_bound(figures.memory_gib) == figures.max_connections_upper_bound, name
    assert table.observed_ratio == pytest.approx(198 / 225)


@pytest.mark.parametrize("stack", STACKS)
def test_each_stack_class_leaves_airflow_room(stack):
    settings = stack_settings(stack)
    assert list(aws_database_connections(settings)) == []
    limit = rds_postgres().limit(settings.aws.database.instance_class)
    assert settings_demand(settings.airflow).peak <= limit.available


def test_a_class_too_small_for_prod_airflow_is_refused_with_a_fitting_one():
    block = yaml.safe_load((DATA.parent / "Pulumi.aws-prod.yaml").read_text())["config"]["airflow-platform:aws"]
    small = {"airflow-platform:aws": {**block, "database": {"instanceClass": "db.t4g.micro"}}}
    with pytest.raises(ConfigurationError) as refused:
        stack_settings("aws-prod", small)
    (problem,) = str(refused.value).splitlines()[1:-1]
    assert problem.startswith('  - airflow-platform:aws.database.instanceClass = "db.t4g.micro": ')
    need = settings_demand(stack_settings("aws-prod").airflow).peak
    assert f"Airflow may open {need}" in problem and "use db.t4g.medium or larger" in problem


def test_a_class_without_figures_is_refused():
    demand = settings_demand(stack_settings("aws-dev").airflow)
    assert "is not in data/aws-instance-types.yaml" in connections_requirement("db.x2g.large", demand)

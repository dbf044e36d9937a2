"""The plan's line on the metadata database's connections: what the release's Airflow may open
against what the declared server leaves to users (components/database_connections.py counts)."""

from __future__ import annotations

from components.database_connections import postgres_connections, values_demand
from components.rds_connections import rds_postgres
from tools.capacity import airflow_release
from tools.offline import ProgramRun
from tools.transitions import plain

SERVER = "azure-native:dbforpostgresql:Server"
RDS_INSTANCE = "aws:rds/instance:Instance"


def connection_lines(run: ProgramRun) -> list[str]:
    sku = run.one(SERVER).inputs["sku"]["name"]
    need = values_demand(plain(airflow_release(run).inputs["values"]))
    limit = postgres_connections().limit(sku)
    if limit is None:
        return [f"Database connections: Airflow may open {need.peak}; {sku} is not in data/postgres-connections.yaml"]
    verdict = "fits" if need.peak <= limit.available else "DOES NOT FIT"
    return [
        f"Database connections: Airflow may open {need.peak} of {limit.available} ({limit.describe()}) "
        f"on {sku}: {verdict}",
        f"  ({need.running} with every pod up; the rest during an upgrade's rolling update and migration)",
    ]


def aws_connection_lines(run: ProgramRun) -> list[str]:
    """The same line for the RDS instance: its class's budget (components/rds_connections.py)."""
    instance_class = run.one(RDS_INSTANCE).inputs["instanceClass"]
    need = values_demand(plain(airflow_release(run).inputs["values"]))
    limit = rds_postgres().limit(instance_class)
    if limit is None:
        return [
            f"Database connections: Airflow may open {need.peak}; {instance_class} is not in "
            "data/aws-instance-types.yaml (postgres.classes)"
        ]
    verdict = "fits" if need.peak <= limit.available else "DOES NOT FIT"
    return [
        f"Database connections: Airflow may open {need.peak} of {limit.available} ({limit.describe()}) "
        f"on {instance_class}: {verdict}",
        f"  ({need.running} with every pod up; the rest during an upgrade's rolling update and migration)",
    ]

"""The plan's lines about the way in: the URL, and the DNS record to make when no zone is named."""

from __future__ import annotations

from components.config import StackSettings
from tools.offline import ProgramRun

PUBLIC_IP = "azure-native:network:PublicIPAddress"
RECORD = "azure-native:dns:RecordSet"


def front_door_lines(run: ProgramRun, settings: StackSettings) -> list[str]:
    hostname = settings.airflow.ui.hostname
    if hostname is None:
        return ["Airflow UI: not exposed (airflow.ui.hostname unset); reach it with kubectl port-forward"]
    lines = [f"Airflow UI: https://{hostname}/"]
    address = run.one(PUBLIC_IP).state.get("ipAddress", "the front door's static public IP")
    if run.of_type(RECORD):
        lines.append(f"  DNS: the A record {hostname} -> {address} is made in {settings.airflow.ui.dns_zone_name}")
    else:
        lines.append(f"  DNS: create an A record {hostname} -> {address} where the domain is hosted")
    return lines

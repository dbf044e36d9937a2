"""The plan's lines about the way in: the URL, and the DNS record to make when no zone is named."""

from __future__ import annotations

from components.config import StackSettings
from components.config.sign_in import CALLBACK_PATH
from tools.offline import ProgramRun

PUBLIC_IP = "azure-native:network:PublicIPAddress"
RECORD = "azure-native:dns:RecordSet"
ELASTIC_IP = "aws:ec2/eip:Eip"
ROUTE53_RECORD = "aws:route53/record:Record"
#: The logical names of the front door's Elastic IPs (components/aws/front_door.py), one per zone.
INGRESS_ADDRESS_PREFIX = "ingress-"


def _addresses(run: ProgramRun, cloud: str) -> tuple[str, bool]:
    """The front door's addresses as the plan shows them, and whether the program makes the record."""
    if cloud == "aws":
        eips = [r for r in run.of_type(ELASTIC_IP) if r.name.startswith(INGRESS_ADDRESS_PREFIX)]
        shown = ", ".join(r.state.get("publicIp", f"the Elastic IP of {r.name}") for r in eips)
        return shown, bool(run.of_type(ROUTE53_RECORD))
    return run.one(PUBLIC_IP).state.get("ipAddress", "the front door's static public IP"), bool(run.of_type(RECORD))


def front_door_lines(run: ProgramRun, settings: StackSettings) -> list[str]:
    hostname = settings.airflow.ui.hostname
    if hostname is None:
        return ["Airflow UI: not exposed (airflow.ui.hostname unset); reach it with kubectl port-forward"]
    lines = [f"Airflow UI: https://{hostname}/"]
    address, recorded = _addresses(run, settings.cloud)
    if recorded:
        lines.append(f"  DNS: the A record {hostname} -> {address} is made in {settings.airflow.ui.dns_zone_name}")
    else:
        lines.append(f"  DNS: create an A record {hostname} -> {address} where the domain is hosted")
    sign_in = settings.airflow.ui.sign_in
    if not sign_in.enabled:
        lines.append("  Sign-in: Airflow's own login, the generated admin user")
    else:
        app = "the app the program registers" if sign_in.creates_app else f"the registration {sign_in.client_id}"
        lines.append(f"  Sign-in: Entra ID, {app}; its redirect URI: https://{hostname}{CALLBACK_PATH}")
    return lines

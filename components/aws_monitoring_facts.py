"""data/aws-monitoring.yaml as a strict table, and the monitoring rule it gives an AWS stack's settings:
what CloudWatch Logs keeps, what the managed collector and the charts are, and where alerts go."""

from __future__ import annotations

from datetime import date

from components.data_tables import DATA, Table
from components.helm import HelmChart


class CloudWatchLogsFacts(Table):
    retention_days: tuple[int, ...]
    retention_source: str


class CollectorFacts(Table):
    scrape_interval_seconds: int
    scrape_interval_source: str
    min_subnet_zones: int
    network_source: str
    access: str
    access_source: str
    static_targets_source: str
    workspace_tag: str
    workspace_tag_source: str
    update_source: str


class Requests(Table):
    cpu_m: int
    memory_mi: int
    source: str
    #: No primary source pins the figure.
    estimate: bool = False

    def kubernetes(self) -> dict[str, str]:
        """As a container's ``resources.requests``."""
        return {"cpu": f"{self.cpu_m}m", "memory": f"{self.memory_mi}Mi"}


class ChartFacts(HelmChart):
    choice: str
    why: str
    rejected: dict[str, str]
    #: What its pod requests (per node for a DaemonSet): the chart values and the plan's capacity line.
    requests: Requests


class KubeStateMetricsFacts(ChartFacts):
    release: str
    service: str
    port_name: str
    collectors: tuple[str, ...]
    label_name_source: str


class StatsdServiceFacts(Table):
    service_suffix: str
    port_name: str
    source: str


class AlertingFacts(Table):
    sns_publish_actions: tuple[str, ...]
    sns_source: str
    receiver_source: str
    topic_encryption: str
    topic_encryption_why: str
    email_confirmation_source: str


class ContainerLogsFacts(ChartFacts):
    service_account: str
    write_actions: tuple[str, ...]
    write_actions_source: str
    pod_identity_source: str
    assumption: str


class AwsMonitoringFacts(Table):
    seen: date
    cloudwatch_logs: CloudWatchLogsFacts
    collector: CollectorFacts
    kube_state_metrics: KubeStateMetricsFacts
    airflow_statsd: StatsdServiceFacts
    alerting: AlertingFacts
    container_logs: ContainerLogsFacts


MONITORING = AwsMonitoringFacts.read(DATA / "aws-monitoring.yaml")


def retention_requirement(days: int, low: int = 1, high: int | None = None) -> str | None:
    """What is wrong with ``days`` as a CloudWatch Logs retention, naming those within ``low``-``high``
    (the setting's own bounds); None when CloudWatch takes it."""
    accepted = MONITORING.cloudwatch_logs.retention_days
    if days in accepted:
        return None
    choices = ", ".join(str(d) for d in accepted if low <= d <= (high or max(accepted)))
    return (
        f"is not a retention CloudWatch Logs takes: use one of {choices} "
        "(PutRetentionPolicy takes only these day counts)"
    )

"""The monitoring block: Container insights, managed Prometheus, the alert rules and who they reach."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from components.config.base import Problem, Settings

#: Domains reserved for examples and tests (RFC 2606, RFC 6761): mail to them reaches no one.
RESERVED_MAIL_DOMAINS = ("example.com", "example.net", "example.org", "example", "invalid", "test", "localhost")
#: Log Analytics keeps a PerGB2018 workspace's data 30 to 730 days (the first 31 are not billed);
#: on aws the days must also be a retention CloudWatch Logs takes (components/config/clouds.py).
LOG_RETENTION_MIN_DAYS, LOG_RETENTION_MAX_DAYS = 30, 730
#: Where each cloud evaluates the alert rules.
ALERT_SERVICES = {"azure": "Azure Monitor", "aws": "Amazon Managed Service for Prometheus"}


class MonitoringSettings(Settings):
    enabled: bool = Field(True, description="Container insights, managed Prometheus and the alert rules")
    log_retention_days: int = Field(30, ge=LOG_RETENTION_MIN_DAYS, le=LOG_RETENTION_MAX_DAYS)
    alert_email: str | None = Field(
        None,
        pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        description="an e-mail address: the on-call team the alert rules mail (none: no action group)",
    )
    grafana: bool = Field(False, description="Azure Managed Grafana (Standard) reading the Prometheus workspace")

    def problems(self) -> Iterator[Problem]:
        if self.alert_email is not None:
            domain = self.alert_email.rsplit("@", 1)[1].lower()
            if any(domain == reserved or domain.endswith(f".{reserved}") for reserved in RESERVED_MAIL_DOMAINS):
                yield Problem(
                    self.key_path("alert_email"),
                    self.alert_email,
                    "is on a domain reserved for examples, which receives no mail: set the on-call team's address",
                )
        if self.grafana and not self.enabled:
            yield Problem(
                self.key_path("grafana"), self.grafana, "reads the Prometheus workspace: needs monitoring.enabled"
            )

    def warnings(self, cloud: str) -> list[str]:
        """What the plan points out: alerts that reach no one."""
        if self.enabled and self.alert_email is None:
            return [
                f"airflow-platform:monitoring.alertEmail is not set: the alert rules fire in {ALERT_SERVICES[cloud]} "
                "but notify no one: `pulumi config set --path "
                "'airflow-platform:monitoring.alertEmail' <on-call address>`"
            ]
        return []

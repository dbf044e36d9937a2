"""The alert rules of :mod:`components.alert_rules` as an Azure Monitor Prometheus rule group takes them."""

from __future__ import annotations

from pulumi_azure_native import alertsmanagement

from components.alert_rules import AlertFacts, AlertRule, Severity, alert_rules

#: Azure Monitor's severity numbers (0 Critical, 1 Error, 2 Warning, 3 Informational, 4 Verbose).
AZURE_SEVERITY: dict[Severity, int] = {"error": 1, "warning": 2, "informational": 3}


def iso_duration(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"PT{minutes}M{rest}S" if rest else f"PT{minutes}M"


def azure_alert_rules(facts: AlertFacts, action_group_id: object | None) -> list[alertsmanagement.PrometheusRuleArgs]:
    actions = (
        [alertsmanagement.PrometheusRuleGroupActionArgs(action_group_id=action_group_id)]
        if action_group_id is not None
        else None
    )
    resolve = alertsmanagement.PrometheusRuleResolveConfigurationArgs(auto_resolved=True, time_to_resolve="PT10M")

    def rule(alert: AlertRule) -> alertsmanagement.PrometheusRuleArgs:
        return alertsmanagement.PrometheusRuleArgs(
            alert=alert.name,
            expression=alert.expression,
            for_=None if alert.for_seconds is None else iso_duration(alert.for_seconds),
            severity=AZURE_SEVERITY[alert.severity],
            enabled=True,
            annotations={"summary": alert.summary},
            labels={"namespace": facts.namespace},
            resolve_configuration=resolve,
            actions=actions,
        )

    return [rule(alert) for alert in alert_rules(facts)]

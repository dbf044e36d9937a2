"""Airflow's statsd metrics, exported for Prometheus by the chart's statsd exporter.

Airflow sends statsd counters and timers to the exporter (``[metrics] statsd_on`` follows
``statsd.enabled`` in chart 1.20.0); the exporter turns them into Prometheus series by the chart's
``files/statsd-mappings.yml`` and the extra mappings below, and the platform's collector scrapes
it where the platform says how (:class:`components.platform.MetricsScraping`).
"""

from __future__ import annotations

from typing import Any

from components.platform import MetricsScraping

#: The exporter's Prometheus port (the chart's ``ports.statsdScrape``), stated so the scrape
#: annotations and the Service agree.
STATSD_SCRAPE_PORT = 9102

#: Airflow 3's task runner counts every finished try as ``ti.finish.<dag_id>.<task_id>.<state>``;
#: the chart maps none of it, so the exporter would make one series name per task. Labelled
#: instead, as the chart labels its ``ti.running`` family.
STATSD_EXTRA_MAPPINGS: list[dict[str, Any]] = [
    {
        "match": "airflow.ti.finish.*.*.*",
        "name": "airflow_ti_finish",
        "labels": {"dag_id": "$1", "task_id": "$2", "state": "$3"},
    }
]


def statsd_values(metrics: MetricsScraping | None) -> dict[str, Any]:
    """The exporter when something scrapes it, with the annotations that ask for the scrape."""
    if metrics is None:
        return {"enabled": False}
    return {
        "enabled": True,
        "podAnnotations": dict(metrics.pod_annotations(STATSD_SCRAPE_PORT)),
        "extraMappings": STATSD_EXTRA_MAPPINGS,
    }

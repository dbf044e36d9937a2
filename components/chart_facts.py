"""The Airflow version each official Helm chart ships (``data/airflow-charts.yaml``).

A chart's templates and values are written for one Airflow major version, so an image of another
major fails at ``pulumi up`` (or worse, after it). The program reads the table at run time and never
needs the chart itself; the tests compare the table with the chart's own ``Chart.yaml``.
"""

from __future__ import annotations

import functools
import re
from datetime import date
from pathlib import Path

from pydantic import Field

from components.data_tables import DATA, Table

CHARTS = DATA / "airflow-charts.yaml"

#: The Airflow version inside an image tag: its first X.Y.Z (``3.1.8``, ``slim-3.1.8-python3.12``).
_TAG_VERSION = re.compile(r"(\d+)\.\d+\.\d+")


class Chart(Table):
    app_version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    source: str


class ChartTable(Table):
    seen: date
    charts: dict[str, Chart] = Field(min_length=1)


@functools.cache
def charts(path: Path = CHARTS) -> ChartTable:
    return ChartTable.read(path)


def airflow_major(chart_version: str) -> int | None:
    """The Airflow major version the chart ships, or None for a chart not in the table."""
    chart = charts().charts.get(chart_version)
    return None if chart is None else int(chart.app_version.split(".")[0])


def image_tag_requirement(tag: str, chart_version: str) -> str | None:
    """An image tag of another Airflow major than the chart's is refused. A tag without X.Y.Z (a
    commit hash) and a chart not in the table cannot be checked and pass."""
    found, major = _TAG_VERSION.search(tag), airflow_major(chart_version)
    if found is None or major is None or int(found[1]) == major:
        return None
    app_version = charts().charts[chart_version].app_version
    return (
        f"is Airflow {found[1]} (the tag's first X.Y.Z), but chart {chart_version} runs Airflow {app_version}: "
        f"use an Airflow {major} image, or a chartVersion made for Airflow {found[1]}"
    )

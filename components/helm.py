"""A chart the platform installs besides Airflow's, pinned in a data file, and its Helm release.

A chart comes from a classic repository (``repository`` is its URL and ``name`` the chart) or from an
OCI registry (``repository`` is the chart's ``oci://`` reference and there is no ``name``).
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.data_tables import Table


class HelmChart(Table):
    repository: str
    version: str
    namespace: str
    name: str | None = None
    service_account: str | None = None
    #: Where the version and the values used were read (file, commit).
    source: str | None = None


def chart_release(
    logical_name: str,
    chart: HelmChart,
    values: pulumi.Input[dict[str, Any]],
    opts: pulumi.ResourceOptions,
    *,
    release_name: str | None = None,
    create_namespace: bool = False,
) -> k8s.helm.v3.Release:
    """The release of ``chart``, named ``release_name`` (default: the logical name) in its namespace."""
    from_registry = chart.name is None
    return k8s.helm.v3.Release(
        logical_name,
        name=release_name or logical_name,
        chart=chart.repository if from_registry else chart.name,
        version=chart.version,
        repository_opts=None if from_registry else k8s.helm.v3.RepositoryOptsArgs(repo=chart.repository),
        namespace=chart.namespace,
        create_namespace=create_namespace or None,
        values=values,
        opts=opts,
    )

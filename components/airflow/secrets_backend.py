"""Airflow's ``[secrets]`` section from the platform's secrets backend handle.

Set in ``[secrets]``, the backend serves every Airflow process: the scheduler, API server, DAG
processor and triggerer, and task pods too (with no ``[workers] secrets_backend`` set, Airflow 3.1
workers fall back to ``[secrets] backend`` and its kwargs), ahead of environment variables and the
metadata database.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi

from components.platform import SecretsBackend


def secrets_config(backend: SecretsBackend | None) -> dict[str, dict[str, Any]]:
    """The ``config`` entries of the chart values that turn the backend on; none without one."""
    if backend is None:
        return {}
    kwargs = pulumi.Output.from_input(backend.kwargs).apply(lambda given: json.dumps(dict(given), sort_keys=True))
    return {"secrets": {"backend": backend.backend, "backend_kwargs": kwargs}}

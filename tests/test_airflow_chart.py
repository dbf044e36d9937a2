"""The release's values against the official chart's own schema and defaults, as Helm sees them.

Also home of the readers the other ``test_airflow_*`` modules share: the chart files and the
values the chart's templates see (the chart's ``values.yaml`` coalesced with ours, as Helm does).
"""

from __future__ import annotations

import copy
import functools
import os
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.helpers import plain
from tools.offline import ROOT, DeclaredResource, ProgramRun, strings_in

RELEASE = "kubernetes:helm.sh/v3:Release"


def chart_dir() -> Path:
    return Path(os.environ.get("AIRFLOW_CHART_DIR", ROOT.parent / "shared" / "airflow-chart"))


@functools.cache
def _load(name: str) -> Any:
    path = chart_dir() / name
    if not path.exists():
        return None
    text = path.read_text()
    return yaml.safe_load(text)  # JSON is YAML


def chart_file(name: str) -> Any:
    """A file of the official chart 1.20.0, or a skip saying where it was looked for."""
    document = _load(name)
    if document is None:
        pytest.skip(f"official Airflow chart file {name} not found in {chart_dir()} (set AIRFLOW_CHART_DIR)")
    return document


#: A git checkout of the chart's source (apache/airflow or a full fork) and the commit of chart 1.20.0,
#: for what ../shared does not hold: the templates and files/. Set AIRFLOW_CHART_REPO to point elsewhere.
CHART_COMMIT = "64875d3e"


def chart_repo() -> Path:
    return Path(os.environ.get("AIRFLOW_CHART_REPO", ROOT.parent / ".mirror" / "n-badtke-cg+airflow" / "repo"))


def chart_source(path: str) -> str:
    """A file of the chart's source at 1.20.0 (``templates/…``, ``files/…``), or a skip saying where."""
    shown = subprocess.run(
        ["git", "-C", str(chart_repo()), "show", f"{CHART_COMMIT}:chart/{path}"], capture_output=True, text=True
    )
    if shown.returncode != 0:
        pytest.skip(f"chart source {path} not found in {chart_repo()} at {CHART_COMMIT} (set AIRFLOW_CHART_REPO)")
    return shown.stdout


def release(run: ProgramRun) -> DeclaredResource:
    return run.one(RELEASE)


def user_values(run: ProgramRun) -> dict[str, Any]:
    """The values the program hands Helm; no secret may be among them."""
    values = release(run).inputs["values"]
    assert not strings_in(values, secret=True), "the Helm values carry a secret"
    return plain(values)


def coalesce(defaults: Any, overrides: Any) -> Any:
    """Helm's merge of user values over the chart's: maps merge key by key, a null deletes, the rest replaces."""
    if not (isinstance(defaults, dict) and isinstance(overrides, dict)):
        return copy.deepcopy(overrides)
    merged = copy.deepcopy(defaults)
    for key, value in overrides.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = coalesce(merged.get(key), value)
    return merged


def template_values(run: ProgramRun) -> dict[str, Any]:
    """``.Values`` as the chart's templates see it for this run."""
    return coalesce(chart_file("values.yaml"), user_values(run))


def go_or(*values: Any) -> Any:
    """Go templates' ``or``: the first non-empty argument, else the last one."""
    for value in values:
        if value:
            return value
    return values[-1]


def schema_validator() -> jsonschema.Draft7Validator:
    schema = chart_file("values.schema.json")
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema"
    return _validator()


@functools.cache
def _validator() -> jsonschema.Draft7Validator:
    """One validator per process: it resolves the schema's references once."""
    return jsonschema.Draft7Validator(_load("values.schema.json"))


def undeclared_keys(value: Any, node: dict[str, Any], schema: dict[str, Any], path: str = "") -> list[str]:
    """Keys in ``value`` that the schema does not declare, even where it would let them through.

    Helm only rejects unknown keys in sections the schema closes with ``additionalProperties: false``;
    the top level and several sections (``workers.kubernetes``...) are open, and a typo there is
    silently ignored. Free-form maps (``nodeSelector``, ``labels``, ``config``) stay free.
    """
    while "$ref" in node:
        node = schema["definitions"][node["$ref"].rsplit("/", 1)[-1]]
    if isinstance(value, list):
        items = node.get("items")
        if not isinstance(items, dict):
            return []
        return [k for i, v in enumerate(value) for k in undeclared_keys(v, items, schema, f"{path}[{i}]")]
    if not isinstance(value, dict):
        return []
    declared = node.get("properties")
    free = node.get("additionalProperties")
    found = []
    for key, child in value.items():
        where = f"{path}.{key}" if path else key
        if declared and key in declared:
            found += undeclared_keys(child, declared[key], schema, where)
        elif isinstance(free, dict):
            found += undeclared_keys(child, free, schema, where)
        elif declared is not None:
            found.append(where)
    return found


def test_values_validate_against_the_chart_schema(stack_run):
    errors = sorted(schema_validator().iter_errors(template_values(stack_run)), key=lambda e: e.json_path)
    assert not errors, [f"{e.json_path}: {e.message}" for e in errors]


def test_every_key_set_is_one_the_chart_declares(stack_run):
    schema = chart_file("values.schema.json")
    assert undeclared_keys(user_values(stack_run), schema, schema) == []


def test_a_misspelled_key_is_caught(dev_run):
    schema = chart_file("values.schema.json")
    validator = schema_validator()

    in_closed_section = user_values(dev_run)
    in_closed_section["createUserJob"]["useHelmHook"] = False
    assert not validator.is_valid(coalesce(chart_file("values.yaml"), in_closed_section))

    # Helm's schema lets these two through; the declared-key check does not.
    in_open_section = user_values(dev_run)
    in_open_section["workers"]["kubernetes"]["nodeSelecter"] = {"pool": "tasks"}
    in_open_section["tolerationz"] = []
    assert validator.is_valid(coalesce(chart_file("values.yaml"), in_open_section))
    assert undeclared_keys(in_open_section, schema, schema) == ["workers.kubernetes.nodeSelecter", "tolerationz"]


def test_coalesce_follows_helm():
    defaults = {"a": {"b": 1, "c": [1, 2]}, "d": "x", "e": {"f": 1}}
    assert coalesce(defaults, {"a": {"c": [3]}, "d": None, "e": "plain"}) == {"a": {"b": 1, "c": [3]}, "e": "plain"}
    assert defaults == {"a": {"b": 1, "c": [1, 2]}, "d": "x", "e": {"f": 1}}

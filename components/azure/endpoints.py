"""Endpoints that follow from the names the program chose, so they are known in an update preview.

azure-native leaves a resource's computed outputs (``fullyQualifiedDomainName``,
``primaryEndpoints``) unknown while it previews an update; the formats Azure documents for them
(``data/azure-endpoints.yaml``) give the same value from the name alone.
"""

from __future__ import annotations

from pathlib import Path

import pulumi
import yaml

ENDPOINTS_FILE = Path(__file__).resolve().parents[2] / "data" / "azure-endpoints.yaml"
_DOCUMENTED = yaml.safe_load(ENDPOINTS_FILE.read_text())
_FORMATS = {kind: entry["format"] for kind, entry in _DOCUMENTED.items() if kind != "seen"}


def endpoint(kind: str, name: str) -> str:
    """The documented endpoint of a ``kind`` ("blob", "postgres") resource named ``name``."""
    return _FORMATS[kind].format(name=name)


def endpoint_of(kind: str, resource: pulumi.CustomResource, name: pulumi.Input[str]) -> pulumi.Output[str]:
    """The endpoint of ``resource``, once it exists: consumers wait for its id, not its outputs."""
    return pulumi.Output.all(resource.id, name).apply(lambda values: endpoint(kind, values[1]))

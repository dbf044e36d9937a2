"""Small readers over a recorded program run, shared by the component tests."""

from __future__ import annotations

from typing import Any

from pulumi.runtime import rpc

from tools.offline import DeclaredResource, ProgramRun, strings_in
from tools.transitions import plain as plain  # re-exported: one reader of recorded values for tools and tests


def is_secret(value: Any) -> bool:
    return rpc.is_rpc_secret(value)


def is_unknown(value: Any) -> bool:
    """Whether a value recorded in a preview is, or holds anywhere inside, a value not known yet
    (an input as the engine received it, or a mock's answer with the wire's unknown marker)."""
    if isinstance(value, dict | list):
        return any(is_unknown(v) for v in (value.values() if isinstance(value, dict) else value))
    return value == rpc.UNKNOWN or rpc.contains_unknowns(value)


def named(run: ProgramRun, type_token: str, name: str) -> DeclaredResource:
    found = [r for r in run.of_type(type_token) if r.name == name]
    assert len(found) == 1, f"expected one {type_token} named {name}, found {len(found)}"
    return found[0]


def component_of(run: ProgramRun, resource: DeclaredResource) -> str:
    """The type token of the component that owns ``resource``."""
    return run.by_urn(resource.parent).type


def generated_secrets(run: ProgramRun, min_length: int = 12) -> set[str]:
    """Every secret value the program's resources take or produce (long enough to be a real one)."""
    return {
        s
        for r in run.resources
        for record in (r.inputs, r.state)
        for s in strings_in(record, secret=True)
        if len(s) >= min_length
    }


def clear_leaks(run: ProgramRun) -> list[str]:
    """Where a generated secret appears in the clear: a non-secret output or a plain resource input."""
    secrets = generated_secrets(run)
    found = []
    for name, output in run.outputs.items():
        text = "" if output.secret else " ".join(strings_in(output.value))
        found += [f"output {name}" for s in secrets if s in text]
    for resource in run.resources:
        text = " ".join(strings_in(resource.inputs, secret=False))
        found += [f"{resource.type} {resource.name}" for s in secrets if s in text]
    return found


def parse_taint(taint: str) -> dict:
    key_value, effect = taint.rsplit(":", 1)
    key, value = key_value.split("=", 1)
    return {"key": key, "value": value, "effect": effect}


def tolerates(tolerations: list[dict], taint: dict) -> bool:
    """Kubernetes' rule for whether a pod tolerates a node taint."""
    for t in tolerations:
        effect_ok = not t.get("effect") or t["effect"] == taint["effect"]
        if t.get("operator", "Equal") == "Exists":
            key_ok = not t.get("key") or t["key"] == taint["key"]
            if key_ok and effect_ok:
                return True
        elif t.get("key") == taint["key"] and t.get("value") == taint["value"] and effect_ok:
            return True
    return False

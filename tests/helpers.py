"""Small readers over a recorded program run, shared by the component tests."""

from __future__ import annotations

from typing import Any

from pulumi.runtime import rpc

from tools.offline import DeclaredResource, ProgramRun


def plain(value: Any) -> Any:
    """A recorded value with secret markers removed (for comparing content)."""
    if rpc.is_rpc_secret(value):
        return plain(rpc.unwrap_rpc_secret(value))
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def is_secret(value: Any) -> bool:
    return rpc.is_rpc_secret(value)


def named(run: ProgramRun, type_token: str, name: str) -> DeclaredResource:
    found = [r for r in run.of_type(type_token) if r.name == name]
    assert len(found) == 1, f"expected one {type_token} named {name}, found {len(found)}"
    return found[0]


def component_of(run: ProgramRun, resource: DeclaredResource) -> str:
    """The type token of the component that owns ``resource``."""
    return run.by_urn(resource.parent).type


def _strings(value: Any, *, keep_public: bool, keep_secret: bool, under_secret: bool = False) -> list[str]:
    if rpc.is_rpc_secret(value):
        return _strings(
            rpc.unwrap_rpc_secret(value), keep_public=keep_public, keep_secret=keep_secret, under_secret=True
        )
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else None
    if children is not None:
        return [
            s
            for child in children
            for s in _strings(child, keep_public=keep_public, keep_secret=keep_secret, under_secret=under_secret)
        ]
    keep = keep_secret if under_secret else keep_public
    return [value] if keep and isinstance(value, str) else []


def leaf_strings(value: Any) -> list[str]:
    """Every string inside a recorded value, secrets included, for leak checks."""
    return _strings(value, keep_public=True, keep_secret=True)


def public_strings(value: Any) -> list[str]:
    """Every string inside a recorded value that is NOT under a secret marker."""
    return _strings(value, keep_public=True, keep_secret=False)


def secret_strings(value: Any) -> list[str]:
    """Every string inside a recorded value that IS under a secret marker."""
    return _strings(value, keep_public=False, keep_secret=True)


def generated_secrets(run: ProgramRun, min_length: int = 12) -> set[str]:
    """Every secret value the program's resources take or produce (long enough to be a real one)."""
    return {
        s
        for r in run.resources
        for record in (r.inputs, r.state)
        for s in secret_strings(record)
        if len(s) >= min_length
    }


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

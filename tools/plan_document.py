"""The plan as a normalized document: stable across runs, secrets and random results replaced by markers.

Resources are keyed by their names from the top component down; the document is what
``--json`` writes and what ``tests/snapshots/`` holds.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from pulumi.runtime import rpc

from components.config import SECRET_MARK
from components.guards import PROVIDER_KEY
from tools.cloud_figures import cold_start, idle_cost
from tools.cold_start import ColdStartEstimate
from tools.duration import ProvisioningTimes, estimate_duration
from tools.offline import DeclaredResource, ProgramRun, strings_in
from tools.prices import ListPrices

#: Replaces a random resource's non-secret result (a RandomId's hex, ...) wherever it appears.
RANDOM_MARK = "[random]"
#: Random results shorter than this are left alone: too short to be told from ordinary text.
MIN_RANDOM_LENGTH = 6


def random_results(run: ProgramRun) -> frozenset[str]:
    """What random resources computed in the open (a RandomId's hex, ...): random in a real ``pulumi up``.

    Secret results (passwords, keys) are masked wherever they are marked secret; they are not
    collected here, so that a secret which lost its marking still shows up (and fails the tests).
    """
    return frozenset(
        text
        for resource in run.resources
        if resource.type.startswith("random:")
        for key, value in resource.state.items()
        if key not in resource.inputs
        for text in strings_in(value, secret=False)
        if len(text) >= MIN_RANDOM_LENGTH
    )


def masked(value: Any, randoms: frozenset[str] = frozenset()) -> Any:
    """The value with every secret replaced by :data:`SECRET_MARK`, random results by :data:`RANDOM_MARK`."""
    if rpc.is_rpc_secret(value):
        return SECRET_MARK
    if isinstance(value, dict):
        return {k: masked(v, randoms) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v, randoms) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)  # the wire format has only floats; show counts as counts
    if isinstance(value, str):
        for result in randoms:
            value = value.replace(result, RANDOM_MARK)
    return value


def resource_keys(run: ProgramRun) -> dict[str, str]:
    """A readable, unique key per URN: the names from the top component down (``database/server``).

    Pulumi makes (parent, type, name) unique; siblings that share a name get their type in
    the key, so keys are unique too.
    """
    by_urn = {r.urn: r for r in run.resources}
    shared = Counter((r.parent, r.name) for r in run.resources)
    keys: dict[str, str] = {}

    def key(resource: DeclaredResource) -> str:
        if resource.urn not in keys:
            segment = (
                resource.name if shared[resource.parent, resource.name] == 1 else f"{resource.name}[{resource.type}]"
            )
            parent = by_urn.get(resource.parent)
            keys[resource.urn] = f"{key(parent)}/{segment}" if parent else segment
        return keys[resource.urn]

    for resource in run.resources:
        key(resource)
    return keys


def output_value(run: ProgramRun, name: str, randoms: frozenset[str] = frozenset()) -> Any:
    output = run.outputs[name]
    return SECRET_MARK if output.secret else masked(output.value, randoms)


def rounded(number: float) -> float | int:
    """Two decimals, and a whole number as an integer, so the document reads the same everywhere."""
    value = round(float(number), 2)
    return int(value) if value.is_integer() else value


def plan_document(run: ProgramRun, times: ProvisioningTimes, table: ListPrices) -> dict[str, Any]:
    """The plan as data: stable across runs, secrets and random results replaced by markers.

    ``table`` is the stack's cloud's price table (:mod:`tools.cloud_figures`), which also picks the
    cold start of that cloud's autoscaler.
    """
    keys = resource_keys(run)
    randoms = random_results(run)
    resources = {}
    for r in run.resources:
        default_provider = (
            f"default {r.type.split(':', 1)[0]}" if r.custom and not r.type.startswith("pulumi:") else None
        )
        resources[keys[r.urn]] = {
            "type": r.type,
            "name": r.name,
            "parent": keys.get(r.parent),
            "protect": r.protect,
            # A URN the run did not record (a resource read, not declared) stays a URN.
            "dependencies": sorted(keys.get(urn, urn) for urn in set(r.dependencies)),
            "provider": keys.get(r.provider_urn, r.provider_urn) if r.provider_urn else default_provider,
            "ignoreChanges": sorted(r.ignore_changes),
            # A guard's serialized provider is code, not a setting: never in the plan.
            "inputs": masked({k: v for k, v in r.inputs.items() if k != PROVIDER_KEY}, randoms),
        }
    duration = estimate_duration(run, times)
    cost = idle_cost(run, table)
    estimate = cold_start(run, table)
    return {
        "project": run.project,
        "stack": run.stack,
        "resources": resources,
        "outputs": {name: output_value(run, name, randoms) for name in run.outputs},
        "estimates": {
            "pulumiUpMinutes": rounded(duration.minutes),
            "criticalPath": [
                {"resource": keys[r.urn], "type": r.type, "minutes": rounded(m)} for r, m in duration.chain
            ],
            "unlistedTypes": list(duration.unlisted_types),
            "idleMonthlyCost": {
                "currency": table.currency,
                "region": table.region,
                "pricesAsOf": table.as_of.isoformat(),
                "totalUsd": rounded(cost.total_usd),
                "estimatedUsd": rounded(cost.estimated_usd),
                "lines": sorted(
                    (
                        {
                            "resource": keys[line.resource.urn],
                            "charge": line.charge,
                            "quantity": rounded(line.quantity),
                            "unit": line.unit,
                            "monthlyUsd": None if line.monthly_usd is None else rounded(line.monthly_usd),
                            "estimated": line.estimated,
                        }
                        for line in cost.lines
                    ),
                    key=lambda item: (item["resource"], item["charge"]),
                ),
                "unpricedTypes": list(cost.unpriced_types),
                "otherRegions": list(cost.other_regions),
            },
            "coldStart": cold_start_document(estimate),
        },
    }


def cold_start_document(estimate: ColdStartEstimate | None) -> dict[str, Any] | None:
    if estimate is None:
        return None
    window = estimate.node_window_usd
    return {
        "pool": estimate.pool,
        "vmSize": estimate.vm_size,
        "spot": estimate.spot,
        "image": estimate.image,
        "sizedImage": estimate.sized_image,
        "waitMinutes": rounded(estimate.wait_minutes),
        "steps": [{"step": s.name, "minutes": rounded(s.minutes), "basis": s.basis} for s in estimate.steps],
        "boundMinutes": rounded(estimate.bound_minutes),
        "scaleDownUnneededMinutes": rounded(estimate.scale_down_unneeded_minutes),
        "scaleDownDelayAfterAddMinutes": rounded(estimate.scale_down_delay_after_add_minutes),
        "keptMinutes": rounded(estimate.kept_minutes),
        # On-demand: for a spot pool an upper bound (data/prices.yaml has no spot price).
        "nodeHourUsd": None if estimate.node_hour_usd is None else round(estimate.node_hour_usd, 4),
        "priceConfirmed": estimate.price_confirmed,
        "nodeWindowUsd": None if window is None else round(window, 4),
        "maxCountWindowUsd": None if window is None else rounded(window * estimate.max_count),
    }


def render_json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"

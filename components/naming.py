"""Azure resource names derived from the project and stack, compliant for any stack name.

A stack may be called anything Pulumi accepts (``Prod_EU``, a 100-character branch name, ...);
Azure does not accept all of that. Names are slugged to the characters each resource type
allows and cut to its length limit, and end in a short digest of the full ``project/stack`` and
the subscription, so two stacks never collide on the same derived name, whatever the cut or the
case, and the same stack of this project in another organisation's subscription does not take
the globally unique names (storage account, registry, PostgreSQL server, key vault) of ours.

AKS adds one rule across names: it creates the cluster's node resource group as
``MC_<resource group>_<cluster>_<region>`` and refuses the cluster when that name exceeds 80
characters. The cluster name is therefore short (``aks-<stack>-<digest>``: it only needs to be
unique inside its resource group), and the resource group takes what is left.

Node pools are named by what AKS fixes when it creates them (:func:`pool_name`): a change to one
of those settings yields a new name, so Pulumi builds the new pool before it deletes the old one.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

DIGEST_LENGTH = 6

#: AKS refuses a cluster whose node resource group name is longer than this.
NODE_RESOURCE_GROUP_MAX_LENGTH = 80
#: Room kept for the region in that name: the longest public region names
#: (``australiasoutheast``, ``germanywestcentral``) have 18 characters.
REGION_NAME_BUDGET = 20
#: Short enough that any resource group name of 31 characters or more still fits beside it.
CLUSTER_NAME_MAX_LENGTH = 24


#: AKS's rules for node pools, with their sources.
AKS_POOLS = yaml.safe_load((Path(__file__).resolve().parent.parent / "data" / "aks-pools.yaml").read_text())
#: What AKS accepts as a Linux node pool name.
POOL_NAME_PATTERN: str = AKS_POOLS["pool_name"]["pattern"]


def digest(project: str, stack: str, subscription_id: str) -> str:
    return hashlib.sha256(f"{project}/{stack}/{subscription_id.lower()}".encode()).hexdigest()[:DIGEST_LENGTH]


def _slug(text: str) -> str:
    """Lower case, runs of anything but ASCII letters and digits become one hyphen."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _compact(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _hyphenated(prefix: str, base: str, tag: str, max_length: int) -> str:
    """``prefix-base-tag`` within ``max_length``, the base cut first, never a dangling hyphen."""
    room = max_length - len(prefix) - len(tag) - 2
    body = _slug(base)[:room].strip("-")
    return "-".join(part for part in (prefix, body, tag) if part)


def _compacted(prefix: str, base: str, tag: str, max_length: int) -> str:
    room = max_length - len(prefix) - len(tag)
    return prefix + _compact(base)[:room] + tag


def node_resource_group(resource_group: str, cluster: str, location: str) -> str:
    """The name AKS gives the resource group that holds the cluster's nodes."""
    return f"MC_{resource_group}_{cluster}_{location}"


@dataclass(frozen=True)
class ResourceNames:
    resource_group: str  # 1-90: letters, digits, - _ . ( ); not ending in .
    virtual_network: str  # 2-64: letters, digits, - _ .; starts alphanumeric, ends alphanumeric or _
    cluster: str  # 1-63: letters, digits, - _; starts and ends alphanumeric
    dns_prefix: str  # 1-54: letters, digits, -; starts and ends alphanumeric
    postgres_server: str  # 3-63: lower case letters, digits, -; not starting or ending in -; globally unique
    storage_account: str  # 3-24: lower case letters and digits; globally unique
    registry: str  # 5-50: letters and digits; globally unique
    identity: str  # 3-128: letters, digits, - _; starts alphanumeric
    key_vault: str  # 3-24: letters, digits, -; starts with a letter, no "--", ends alphanumeric; globally unique


def resource_names(project: str, stack: str, subscription_id: str) -> ResourceNames:
    tag = digest(project, stack, subscription_id)
    base = f"{project}-{stack}"
    cluster = _hyphenated("aks", stack, tag, CLUSTER_NAME_MAX_LENGTH)
    # What the node resource group name leaves for ours: MC_ and two underscores, the region.
    group_room = NODE_RESOURCE_GROUP_MAX_LENGTH - len(node_resource_group("", "", "")) - REGION_NAME_BUDGET
    return ResourceNames(
        resource_group=_hyphenated("rg", base, tag, min(90, group_room - len(cluster))),
        virtual_network=_hyphenated("vnet", base, tag, 64),
        cluster=cluster,
        dns_prefix=_hyphenated("aks", base, tag, 54),
        postgres_server=_hyphenated("psql", base, tag, 63),
        storage_account=_compacted("st", base, tag, 24),
        registry=_compacted("acr", base, tag, 50),
        identity=_hyphenated("id", base + "-airflow", tag, 128),
        key_vault=_hyphenated("kv", stack, tag, 24),
    )


def _canonical(value: object) -> object:
    """One spelling per value: numbers as floats (``-1`` and ``-1.0`` are the same price), no nulls."""
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return value


def pool_name(prefix: str, create_only: Mapping[str, object]) -> str:
    """``prefix`` and a digest of the settings AKS fixes when it creates the pool.

    Settings left unset (``None``) do not count, so declaring a new optional create-only setting
    later does not rename, and so replace, every existing pool.
    """
    text = json.dumps(_canonical(create_only), sort_keys=True, separators=(",", ":"))
    name = prefix + hashlib.sha256(text.encode()).hexdigest()[:DIGEST_LENGTH]
    if not re.fullmatch(POOL_NAME_PATTERN, name):
        raise ValueError(f"{name!r} is not an AKS node pool name (prefix {prefix!r} too long or not lower case)")
    return name

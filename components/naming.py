"""Azure resource names derived from the project and stack, compliant for any stack name.

A stack may be called anything Pulumi accepts (``Prod_EU``, a 100-character branch name, ...);
Azure does not accept all of that. Names are slugged to the characters each resource type
allows, cut to its length limit, and, where Azure requires global uniqueness or the cut
loses information, end in a short digest of the full ``project/stack`` so two stacks never
collide on the same derived name.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

DIGEST_LENGTH = 6


def digest(project: str, stack: str) -> str:
    return hashlib.sha256(f"{project}/{stack}".encode()).hexdigest()[:DIGEST_LENGTH]


def _slug(text: str) -> str:
    """Lower case, runs of anything but letters and digits become one hyphen."""
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


@dataclass(frozen=True)
class ResourceNames:
    resource_group: str  # 1-90: letters, digits, - _ . ( )
    virtual_network: str  # 2-64: letters, digits, - _ .
    cluster: str  # 1-63: letters, digits, - _
    dns_prefix: str  # 1-54: letters, digits, -
    postgres_server: str  # 3-63: lower case letters, digits, -; globally unique
    storage_account: str  # 3-24: lower case letters and digits; globally unique
    registry: str  # 5-50: letters and digits; globally unique
    identity: str  # 3-128: letters, digits, - _


def resource_names(project: str, stack: str) -> ResourceNames:
    tag = digest(project, stack)
    base = f"{project}-{stack}"
    return ResourceNames(
        resource_group=_hyphenated("rg", base, tag, 90),
        virtual_network=_hyphenated("vnet", base, tag, 64),
        cluster=_hyphenated("aks", base, tag, 63),
        dns_prefix=_hyphenated("aks", base, tag, 54),
        postgres_server=_hyphenated("psql", base, tag, 63),
        storage_account=_compacted("st", base, tag, 24),
        registry=_compacted("acr", base, tag, 50),
        identity=_hyphenated("id", base + "-airflow", tag, 128),
    )

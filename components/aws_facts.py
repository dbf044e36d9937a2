"""What EKS accepts for a node group, from data/aws-instance-types.yaml: the instance types this
program knows (vCPUs, memory, architecture, max pods) and the rules a group's types keep to.

The AWS counterpart of components/azure_facts.py's VM sizes: each rule returns what is wrong (the
text after "airflow-platform:<setting> = <value>:"), or None; the settings attach it to the setting.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Literal

import yaml
from pydantic import Field

from components.azure_facts import _did_you_mean, closest
from components.data_tables import DATA, Table

INSTANCE_TYPES = DATA / "aws-instance-types.yaml"


class NodeType(Table):
    vcpus: int = Field(gt=0)
    memory_gib: float = Field(gt=0)
    arch: Literal["amd64", "arm64"]
    enis: int = Field(gt=0)
    ipv4_per_eni: int = Field(gt=1)
    max_pods: int = Field(gt=0)


class Rule(Table):
    source: str


class BurstableRule(Rule):
    families: tuple[str, ...]


class NodeGroupRules(Table):
    one_size: Rule
    one_architecture: Rule
    burstable: BurstableRule


class NodeTypeTable(Table):
    """``data/aws-instance-types.yaml`` less its ``postgres`` part (components/rds_connections.py)."""

    seen: date
    sources: dict[str, str]
    node_types: dict[str, dict[str, NodeType]]
    node_group_rules: NodeGroupRules

    @property
    def types(self) -> dict[str, NodeType]:
        return {name: node for family in self.node_types.values() for name, node in family.items()}


@functools.cache
def node_type_table(path: Path = INSTANCE_TYPES) -> NodeTypeTable:
    listed = yaml.safe_load(path.read_text())
    listed.pop("postgres", None)
    return NodeTypeTable.model_validate(listed)


def node_type(name: str) -> NodeType:
    return node_type_table().types[name]


def instance_type_requirement(name: str) -> str | None:
    known = node_type_table().types
    if name in known:
        return None
    hint = _did_you_mean(closest(name, known, count=3))
    return (
        f"is not an EC2 instance type this program knows{hint} (data/aws-instance-types.yaml lists them; add one "
        "there with its vCPUs, memory, architecture and max pods)"
    )


def _shape(name: str) -> str:
    node = node_type(name)
    return f"{name} {node.vcpus} vCPUs / {node.memory_gib:g} GiB"


def one_size_requirement(names: Sequence[str]) -> str | None:
    """Spot's several types must be one size: Cluster Autoscaler sizes the group by one of them."""
    known = [n for n in names if n in node_type_table().types]
    if len({(node_type(n).vcpus, node_type(n).memory_gib) for n in known}) <= 1:
        return None
    return (
        f"mixes sizes ({', '.join(_shape(n) for n in known)}): the types of one group must have the same vCPUs "
        "and memory, since Cluster Autoscaler plans a scale-up on one of them (EKS User Guide, Managed node "
        'groups: "a flexible set of instance types with the same amount of vCPU and memory resources")'
    )


def architecture_requirement(names: Sequence[str], others: Sequence[str]) -> str | None:
    """``names`` (one group's types) share one architecture with each other and with ``others``
    (the other group's types): a group runs one AMI, and both run the one Airflow image."""
    known = node_type_table().types
    archs = {known[n].arch for n in (*names, *others) if n in known}
    if len(archs) <= 1:
        return None
    listed = ", ".join(f"{n} {known[n].arch}" for n in dict.fromkeys((*names, *others)) if n in known)
    return (
        f"mixes architectures across the node groups ({listed}): a node group runs one AMI, and both groups run "
        "the one Airflow image; use arm64 types (m6g, m7g) in both groups or amd64 types in both"
    )


def burstable_requirement(name: str) -> str | None:
    """The control-plane group runs Airflow's loops all day: no CPU-credit instance types."""
    family = name.split(".", 1)[0]
    if family not in node_type_table().node_group_rules.burstable.families:
        return None
    return (
        f"is a burstable {family} type: it launches in unlimited mode, where Airflow's always-running scheduler, "
        "triggerer and DAG processor pay surplus CPU credits on top of the hourly price (or run throttled to the "
        "baseline in standard mode); use m6i.large or m7g.large (data/aws-instance-types.yaml node_group_rules)"
    )

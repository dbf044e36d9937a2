"""data/create-only.yaml and data/aws-create-only.yaml: a row with a source for every input the program
sets on Azure or AWS."""

from __future__ import annotations

import pytest

from components.create_only import AWS_TABLE, Rule, load_table
from tests.conftest import planned
from tools.transitions import leaves


def test_rules_say_what_azure_refuses() -> None:
    version = Rule(update="grow-only", source="s", max_step=1)
    assert version.refusal("1.33", "1.34") is None
    assert version.refusal("1.33", "1.35")
    assert version.refusal("1.34", "1.33")
    assert Rule(update="grow-only", source="s").refusal(64.0, 32.0)
    moves = Rule(update="transitions", source="s", allowed=(("LRS", "GRS"),))
    assert moves.refusal("LRS", "GRS") is None
    assert moves.refusal("LRS", "ZRS")
    assert Rule(update="create-only", source="s").refusal("a", "b")


@pytest.mark.parametrize(
    ("stack", "provider", "rows"),
    [
        ("dev", "azure-native:", "data/create-only.yaml"),
        ("prod", "azure-native:", "data/create-only.yaml"),
        ("aws-dev", "aws:", "data/aws-create-only.yaml"),
        ("aws-prod", "aws:", "data/aws-create-only.yaml"),
    ],
)
def test_every_cloud_input_path_has_a_row(stack, provider, rows) -> None:
    table = load_table()
    missing = sorted(
        {
            f"{r.type} {path}"
            for r in planned(stack).resources
            if r.type.startswith(provider)
            for path in leaves(r.inputs)
            if table.rule(r.type, path) is None
        }
    )
    assert missing == [], f"add rows to {rows}"


def test_both_clouds_rows_are_one_table_and_a_type_has_rows_in_one_file(tmp_path) -> None:
    table = load_table()
    assert any(t.startswith("azure-native:") for t in table.types) and any(t.startswith("aws:") for t in table.types)
    twice = tmp_path / "twice.yaml"
    twice.write_text("seen: 2026-12-06\ntypes:\n  aws:ec2/vpc:Vpc:\n    tags: {update: in-place, source: TAGS}\n")
    with pytest.raises(ValueError, match="aws:ec2/vpc:Vpc"):
        load_table(AWS_TABLE, twice)


def test_rows_have_a_kind_and_a_source() -> None:
    table = load_table()
    assert str(table.seen) == "2026-12-01"
    for type_token, rows in table.types.items():
        for path, rule in rows.items():
            assert rule.update in {"in-place", "create-only", "grow-only", "transitions"}, (type_token, path)
            assert rule.source.strip(), (type_token, path)
            assert rule.update != "transitions" or rule.allowed, (type_token, path)

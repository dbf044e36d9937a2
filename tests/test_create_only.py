"""data/create-only.yaml: a row with a source for every input the program sets on Azure."""

from __future__ import annotations

import pytest

from components.create_only import Rule, load_table
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


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_azure_input_path_has_a_row(stack) -> None:
    table = load_table()
    missing = sorted(
        {
            f"{r.type} {path}"
            for r in planned(stack).resources
            if r.type.startswith("azure-native:")
            for path in leaves(r.inputs)
            if table.rule(r.type, path) is None
        }
    )
    assert missing == [], "add rows to data/create-only.yaml"


def test_rows_have_a_kind_and_a_source() -> None:
    table = load_table()
    assert str(table.seen) == "2026-12-01"
    for type_token, rows in table.types.items():
        for path, rule in rows.items():
            assert rule.update in {"in-place", "create-only", "grow-only", "transitions"}, (type_token, path)
            assert rule.source.strip(), (type_token, path)
            assert rule.update != "transitions" or rule.allowed, (type_token, path)

"""`python -m tools.plan STACK --compare-to REF`: a reviewer sees what a pull request does to a live stack.

The comparisons run in a throwaway git repository holding the project's Pulumi.yaml, __main__.py
and a stack file committed once and then changed the way a pull request would change it.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import planned
from tools.duration import load_provisioning_times
from tools.offline import ROOT
from tools.plan import main
from tools.plan_document import plan_document, render_json
from tools.prices import load_prices


def git(repo: Path, *args: str) -> str:
    command = ["git", "-c", "user.name=test", "-c", "user.email=test@example.com", *args]
    return subprocess.run(command, cwd=repo, check=True, capture_output=True, text=True).stdout


def edit(path: Path, key: str, *where: str, value: object) -> None:
    document = yaml.safe_load(path.read_text())
    node = document["config"][f"airflow-platform:{key}"]
    for part in where[:-1]:
        node = node[part]
    node[where[-1]] = value
    path.write_text(yaml.safe_dump(document))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose one commit has prod's settings as committed today."""
    for name in ("Pulumi.yaml", "__main__.py", "Pulumi.prod.yaml"):
        shutil.copy(ROOT / name, tmp_path / name)
    git(tmp_path, "init", "--quiet")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "--quiet", "-m", "prod as it is deployed")
    return tmp_path


def compared(repo: Path, ref: str, capsys) -> tuple[int, str]:
    status = main(["prod", "--compare-to", ref], root=repo)
    return status, capsys.readouterr().out


def test_a_pull_request_that_resizes_the_task_pool_and_scales_the_database(repo, capsys) -> None:
    edit(repo / "Pulumi.prod.yaml", "cluster", "taskPool", "vmSize", value="Standard_D16ds_v5")
    edit(repo / "Pulumi.prod.yaml", "database", "skuName", value="Standard_D8ds_v5")
    status, out = compared(repo, "HEAD", capsys)
    assert status == 0
    replaced = out[out.index("replaced (1):") : out.index("updated in place")]
    assert "cluster/task-pool  (azure-native:containerservice:AgentPool), creating the new one first" in replaced
    assert "forced by vmSize: Standard_D8ds_v5 -> Standard_D16ds_v5" in replaced
    assert "You can't change the VM size of a node pool" in replaced  # the row's source
    assert "meanwhile: " in replaced
    updated = out[out.index("updated in place") :]
    assert "database/server  (azure-native:dbforpostgresql:Server)" in updated
    assert "sku.name: Standard_D4ds_v5 -> Standard_D8ds_v5" in updated
    assert "refused" not in out and "VIOLATION" not in out


def test_a_pull_request_that_turns_geo_backup_off_is_refused_with_the_guards_reason(repo, capsys) -> None:
    edit(repo / "Pulumi.prod.yaml", "database", "geoRedundantBackup", value=False)
    git(repo, "commit", "--quiet", "-am", "geo backup off")
    status, out = compared(repo, "HEAD~1:Pulumi.prod.yaml", capsys)
    assert status == 0
    refused = out[out.index("refused (") : out.index("\n\n", out.index("refused ("))]
    assert "airflow-platform:database.geoRedundantBackup: true -> false is refused" in refused
    assert "the engine refuses to replace it" in refused  # the protected server
    assert "`pulumi preview` stops at the refusal above" in out


def test_settings_from_a_file_and_from_a_commit_without_the_stack(repo, tmp_path_factory, capsys) -> None:
    other = tmp_path_factory.mktemp("settings") / "old.yaml"
    shutil.copy(repo / "Pulumi.prod.yaml", other)
    edit(other, "logs", "retentionDays", value=30)
    status, out = compared(repo, str(other), capsys)
    assert status == 0
    assert "logs/retention  (azure-native:storage:ManagementPolicy)" in out
    assert "daysAfterModificationGreaterThan: 30 -> 90" in out

    (repo / "Pulumi.staging.yaml").write_text((repo / "Pulumi.prod.yaml").read_text())
    status = main(["staging", "--compare-to", "HEAD"], root=repo)
    out = capsys.readouterr().out
    assert status == 0
    assert "HEAD has no settings for staging: a new stack, every resource is created." in out


def test_an_unreadable_reference_is_an_error_naming_it(repo, capsys) -> None:
    status = main(["prod", "--compare-to", "no-such-commit"], root=repo)
    assert status == 2
    assert "cannot read no-such-commit:Pulumi.prod.yaml" in capsys.readouterr().err


def test_the_plan_document_never_holds_a_guards_serialized_provider() -> None:
    run = planned("prod")
    assert any("__provider" in r.inputs for r in run.resources), "the program declares guards"
    text = render_json(plan_document(run, load_provisioning_times(), load_prices()))
    assert "__provider" not in text

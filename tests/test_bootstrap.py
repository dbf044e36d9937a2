"""The bootstrap's orchestration against the stand-in Pulumi CLI (tests/stand_in_cli.py): preview,
deploy, nothing to do the second time, and every refusal before a stack is created."""

from __future__ import annotations

import pytest
import yaml

from components.config import LOCATION_KEY
from tests.conftest import TEMPLATE_CIPHERTEXT
from tests.stand_in_cli import ROOT, words_of
from tools import bootstrap

DEV = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
PROTECT = "airflow-platform:protectData"
KNOWN_HOSTS = "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"


def test_bootstrap_previews_then_deploys_then_changes_nothing(stand_in, project, logged_in, tmp_path, capsys):
    deploy_key = tmp_path / "deploy_key"
    deploy_key.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nstaging-only\n-----END OPENSSH PRIVATE KEY-----\n")
    argv = [
        "staging",
        "--location",
        "northeurope",
        "--task-pool-max",
        "8",
        "--set",
        "cluster.access.authorizedIpRanges=[198.51.100.0/24]",
        "--set",
        "airflow.gitSync.repo=git@github.com:example/dags.git",
        "--set",
        f"airflow.gitSync.knownHosts={KNOWN_HOSTS}",
        "--secret-file",
        f"gitSshKey={deploy_key}",
    ]

    # 1. Without --yes: the stack is created, its settings written, the preview shown, nothing deployed.
    assert bootstrap.main(argv, project_dir=project) == 0
    first = stand_in.commands()
    assert [words_of(c) for c in first[:4]] == [["version"], ["whoami"], ["stack", "select"], ["stack", "init"]]
    assert first[3][1:4] == ["stack", "init", "staging"]
    assert any(words_of(c) == ["config", "set-all"] for c in first)
    preview = next(c for c in first if words_of(c) == ["preview"])
    assert "--diff" in preview
    assert not any(words_of(c) == ["up"] for c in first)
    printed = capsys.readouterr().out
    assert "Previewing update (staging):" in printed  # the CLI's own progress, streamed
    assert "Preview only" in printed
    assert "(none: the stack has not been deployed)" in printed
    assert "Not copied: azure-native:clientSecret is a secret of the template" in printed
    assert "pulumi config set --secret azure-native:clientSecret --stack staging < FILE" in printed
    assert "Not copied: airflow-platform:gitSshKey" not in printed  # given its own value instead
    assert "protectData: true for this stack, although the template dev sets false" in printed

    written = yaml.safe_load((project / "Pulumi.staging.yaml").read_text())["config"]
    assert written[LOCATION_KEY] == "northeurope"
    assert written["airflow-platform:cluster"]["taskPool"]["maxCount"] == 8
    assert written["airflow-platform:database"] == DEV["airflow-platform:database"]
    assert written[PROTECT] == "true"  # as `pulumi config set-all` writes a boolean
    assert set(written["airflow-platform:gitSshKey"]) == {"secure"}
    assert TEMPLATE_CIPHERTEXT not in (project / "Pulumi.staging.yaml").read_text()
    assert "azure-native:clientSecret" not in written

    # 2. With --yes: the stack exists, its settings already match, the preview's changes are deployed.
    stand_in.clear()
    assert bootstrap.main([*argv, "--yes"], project_dir=project) == 0
    second = [words_of(c) for c in stand_in.commands()]
    assert ["stack", "init"] not in second
    assert ["config", "set-all"] not in second
    assert ["config", "set"] not in second
    assert ["up"] in second
    printed = capsys.readouterr().out
    assert "Settings unchanged" in printed
    assert "Secret airflow-platform:gitSshKey unchanged" in printed
    assert "Updating (staging):" in printed
    assert '  location: "northeurope"' in printed
    assert "  airflowAdminPassword: [secret]" in printed
    # The kubeconfig carries no credential (Entra ID through kubelogin), so it is an ordinary output.
    assert "  kubeconfig: " in printed and "  kubeconfig: [secret]" not in printed

    # 3. Once more: nothing is written and nothing deployed.
    stack_file = (project / "Pulumi.staging.yaml").read_bytes()
    state = (logged_in / ".pulumi" / "stacks" / "airflow-platform" / "staging.json").read_bytes()
    stand_in.clear()
    assert bootstrap.main([*argv, "--yes"], project_dir=project) == 0
    third = [words_of(c) for c in stand_in.commands()]
    assert third == [
        ["version"],
        ["whoami"],
        ["stack", "select"],
        ["config"],
        ["preview"],
        ["stack", "output"],
        ["stack", "output"],
    ]
    assert (project / "Pulumi.staging.yaml").read_bytes() == stack_file
    assert (logged_in / ".pulumi" / "stacks" / "airflow-platform" / "staging.json").read_bytes() == state
    assert "Nothing to deploy" in capsys.readouterr().out


def test_a_missing_cli_is_reported_before_anything_runs(project, tmp_path, monkeypatch, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert bootstrap.main(["staging"], project_dir=project) == 2
    assert "the Pulumi CLI is not on PATH" in capsys.readouterr().err


def test_missing_credentials_are_reported_and_no_stack_is_created(stand_in, project, capsys):
    assert bootstrap.main(["staging", "--yes"], project_dir=project) == 2
    error = capsys.readouterr().err
    assert "not logged in to a Pulumi backend" in error
    assert "PULUMI_ACCESS_TOKEN must be set" in error  # the CLI's own reason, passed on
    assert [words_of(c) for c in stand_in.commands()] == [["version"], ["whoami"]]


def test_invalid_settings_create_and_write_nothing(stand_in, project, logged_in, capsys):
    assert bootstrap.main(["staging", "--set", "cluster.taskPool.maxCount=many"], project_dir=project) == 2
    assert "cluster.taskPool.maxCount" in capsys.readouterr().err
    assert [words_of(c) for c in stand_in.commands()] == [["version"], ["whoami"], ["stack", "select"]]
    assert not (project / "Pulumi.staging.yaml").exists()

    stand_in.clear()
    assert bootstrap.main(["staging", "--from", "nosuch"], project_dir=project) == 2
    assert "Pulumi.nosuch.yaml" in capsys.readouterr().err
    assert stand_in.commands() == []


@pytest.mark.parametrize(
    ("template", "argv", "named"),
    [
        ("aws-dev", ["--location", "northeurope"], "use --region (aws:region)"),
        ("dev", ["--region", "eu-central-1"], "use --location (azure-native:location)"),
        ("aws-dev", ["--task-pool-vm-size", "Standard_D8ds_v5"], "--set 'aws.cluster.taskNodes.instanceTypes=["),
        ("aws-dev", ["--control-plane-vm-size", "Standard_D8ds_v5"], "'aws.cluster.controlPlaneNodes.instanceTypes="),
        ("aws-dev", ["--system-vm-size", "Standard_D4ds_v5"], "'aws.cluster.controlPlaneNodes.instanceTypes="),
    ],
)
def test_an_option_of_the_other_cloud_is_refused_before_anything_runs(
    stand_in, aws_cli, aws_project, template, argv, named, capsys
):
    assert bootstrap.main(["staging", "--from", template, *argv], project_dir=aws_project) == 2
    error = capsys.readouterr().err
    assert named in error
    assert f"the template {template} is a" in error
    assert stand_in.commands() == []
    assert aws_cli.commands() == []

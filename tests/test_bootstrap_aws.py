"""The bootstrap of an AWS stack against the stand-in CLIs: the AWS identity is checked before a
stack is created, then preview and deploy as for Azure."""

from __future__ import annotations

import yaml

from components.config import LOCATION_KEY
from tests.stand_in_aws import DEPLOYER
from tests.stand_in_cli import ROOT, words_of
from tools import bootstrap
from tools.bootstrap_settings import AWS_REGION_KEY

AWS_DEV = yaml.safe_load((ROOT / "Pulumi.aws-dev.yaml").read_text())["config"]


AWS_ARGV = [
    "aws-staging",
    "--from",
    "aws-dev",
    "--region",
    "eu-central-1",
    "--set",
    "aws.cluster.publicAccessCidrs=[198.51.100.0/24]",
]


def test_bootstrap_of_an_aws_stack_checks_the_aws_identity_then_previews_and_deploys(
    stand_in, aws_cli, aws_project, logged_in, capsys
):
    # 1. Without --yes: the identity is checked before the stack is created; settings written, preview shown.
    assert bootstrap.main(AWS_ARGV, project_dir=aws_project) == 0
    assert aws_cli.commands() == [["sts", "get-caller-identity", "--output", "json", "--region", "eu-central-1"]]
    assert [words_of(c) for c in stand_in.commands()[:4]] == [
        ["version"],
        ["whoami"],
        ["stack", "select"],
        ["stack", "init"],
    ]
    printed = capsys.readouterr().out
    assert f"AWS credentials: {DEPLOYER}" in printed
    assert printed.index("AWS credentials") < printed.index("Created the stack aws-staging")
    assert "Previewing update (aws-staging):" in printed
    assert "--set 'aws.cluster.publicAccessCidrs=[...]'" in printed
    written = yaml.safe_load((aws_project / "Pulumi.aws-staging.yaml").read_text())["config"]
    assert written[AWS_REGION_KEY] == "eu-central-1"
    assert written["airflow-platform:cloud"] == "aws"
    assert written["airflow-platform:aws"]["cluster"]["publicAccessCidrs"] == ["198.51.100.0/24"]
    assert written["airflow-platform:aws"]["database"] == AWS_DEV["airflow-platform:aws"]["database"]
    assert written["airflow-platform:protectData"] == "true"
    assert LOCATION_KEY not in written

    # 2. With --yes: deployed, and the outputs are the new region's.
    stand_in.clear()
    assert bootstrap.main([*AWS_ARGV, "--yes"], project_dir=aws_project) == 0
    assert ["up"] in [words_of(c) for c in stand_in.commands()]
    printed = capsys.readouterr().out
    assert "Updating (aws-staging):" in printed
    assert '  region: "eu-central-1"' in printed
    assert "  airflowAdminPassword: [secret]" in printed


def test_an_aws_stack_without_aws_credentials_is_refused_and_no_stack_is_created(
    stand_in, aws_cli, aws_project, logged_in, monkeypatch, capsys
):
    monkeypatch.delenv("AWS_PROFILE")
    assert bootstrap.main(AWS_ARGV, project_dir=aws_project) == 2
    error = capsys.readouterr().err
    assert "the AWS CLI has no usable credentials" in error
    assert "Unable to locate credentials" in error  # the CLI's own reason, passed on
    assert [words_of(c) for c in stand_in.commands()] == [["version"], ["whoami"], ["stack", "select"]]
    assert not (aws_project / "Pulumi.aws-staging.yaml").exists()


def test_an_aws_stack_without_the_aws_cli_is_refused_naming_what_needs_it(
    stand_in, aws_project, logged_in, monkeypatch, capsys
):
    monkeypatch.setenv("PATH", str(stand_in.bin_dir))  # the stand-in pulumi, and no aws
    assert bootstrap.main(AWS_ARGV, project_dir=aws_project) == 2
    error = capsys.readouterr().err
    assert "the AWS CLI (v2) is not on PATH" in error
    assert "aws eks get-token" in error
    assert not (aws_project / "Pulumi.aws-staging.yaml").exists()


def test_an_azure_stack_does_not_ask_the_aws_cli(stand_in, aws_cli, project, logged_in):
    argv = ["staging", "--location", "northeurope", "--set", "cluster.access.authorizedIpRanges=[198.51.100.0/24]"]
    assert bootstrap.main(argv, project_dir=project) == 0
    assert aws_cli.commands() == []

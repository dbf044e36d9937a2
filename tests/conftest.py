"""Shared fixtures: the real program run offline for the real dev and prod stack files, and the
stand-in CLIs the bootstrap's orchestration runs against (tests/stand_in_cli.py, stand_in_aws.py)."""

from __future__ import annotations

import functools
import json
import shutil
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from tests.stand_in_aws import AwsStandIn, install_aws
from tests.stand_in_cli import ROOT, StandIn, install_pulumi, path_with
from tools.offline import ProgramRun, run_program

#: The template's secrets, as the project's stack file would hold them encrypted: never copied.
TEMPLATE_CIPHERTEXT = "v1:TEMPLATEONLYCIPHERTEXT"
TEMPLATE_CLIENT_SECRET = "v1:TEMPLATECLIENTSECRET"

STACKS = ("dev", "prod")


@functools.cache
def planned(stack: str) -> ProgramRun:
    """The program's run for a committed stack file; one run per stack per test process."""
    return run_program(stack)


@pytest.fixture(params=STACKS)
def stack_run(request) -> ProgramRun:
    return planned(request.param)


@pytest.fixture
def dev_run() -> ProgramRun:
    return planned("dev")


@pytest.fixture
def prod_run() -> ProgramRun:
    return planned("prod")


@pytest.fixture
def stand_in(tmp_path, monkeypatch) -> StandIn:
    """The stand-in ``pulumi`` first on PATH, with no backend or token of the machine's."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    cli = install_pulumi(bin_dir)
    monkeypatch.setenv("PATH", path_with(bin_dir))
    for name in ("PULUMI_ACCESS_TOKEN", "PULUMI_BACKEND_URL", "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK"):
        monkeypatch.delenv(name, raising=False)
    return cli


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the project's settings (the template dev holding secrets) beside the real program."""
    directory = tmp_path / "project"
    directory.mkdir()
    shutil.copy(ROOT / "Pulumi.yaml", directory)
    template = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    template["config"]["airflow-platform:gitSshKey"] = {"secure": TEMPLATE_CIPHERTEXT}
    template["config"]["azure-native:clientSecret"] = {"secure": TEMPLATE_CLIENT_SECRET}
    (directory / "Pulumi.dev.yaml").write_text(yaml.safe_dump(template))
    (directory / "__main__.py").symlink_to(ROOT / "__main__.py")
    return directory


@pytest.fixture
def logged_in(tmp_path, monkeypatch) -> Path:
    """A file backend the stand-in logs in to."""
    backend = tmp_path / "backend"
    backend.mkdir()
    monkeypatch.setenv("PULUMI_BACKEND_URL", f"file://{backend}")
    return backend


@pytest.fixture
def aws_cli(stand_in, monkeypatch) -> AwsStandIn:
    """The stand-in ``aws`` beside the stand-in ``pulumi``, signed in (``AWS_PROFILE=deployer``)."""
    monkeypatch.setenv("AWS_PROFILE", "deployer")
    return install_aws(stand_in.bin_dir)


@pytest.fixture
def aws_project(project) -> Path:
    """The project copy with the aws-dev template beside dev."""
    shutil.copy(ROOT / "Pulumi.aws-dev.yaml", project)
    return project


def deployed_project(directory: Path, backend: Path, outputs: Mapping[str, Mapping[str, object]]) -> Path:
    """``directory`` with the project's file and the named stacks' settings, beside a file backend
    holding each of those stacks as deployed with the given outputs (what tools read through the CLI)."""
    directory.mkdir()
    shutil.copy(ROOT / "Pulumi.yaml", directory)
    stacks = backend / ".pulumi" / "stacks" / "airflow-platform"
    stacks.mkdir(parents=True)
    for stack, values in outputs.items():
        shutil.copy(ROOT / f"Pulumi.{stack}.yaml", directory)
        urn = f"urn:pulumi:{stack}::airflow-platform::pulumi:pulumi:Stack::airflow-platform-{stack}"
        latest = {"resources": [], "outputs": {k: {"value": v, "secret": False} for k, v in values.items()}}
        state = {"version": 3, "checkpoint": {"stack": urn, "latest": latest}, "history": []}
        (stacks / f"{stack}.json").write_text(json.dumps(state))
    return directory


def amsterdam(text: str) -> datetime:
    """A UTC instant from Amsterdam's wall-clock time in December (UTC+1)."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC) - timedelta(hours=1)

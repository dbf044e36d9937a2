"""Pausing an AWS stack against a stand-in ``aws`` (tests/stand_in_aws_pause.py) and the stand-in
``pulumi`` of tests/stand_in_cli.py: node groups to zero and back to the stack's settings, the RDS
instance stopped and started, each step idempotent; and the paused cost the plan prints for aws-dev.

The backend holds aws-dev and aws-prod as deployed: the outputs the program exports (one offline
run), and the stand-in starts from the node group sizes the program declares.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from components.config import ConfigurationError, settings_from_config
from tests.conftest import amsterdam, deployed_project, planned
from tests.stand_in_aws_pause import AwsForPause, install_aws_for_pause
from tools import pause, pause_aws, plan
from tools.aws_cost import EKS_CLUSTER, NODE_GROUP, RDS_INSTANCE, estimate_aws_idle_cost
from tools.aws_prices import load_aws_prices
from tools.offline import stack_config
from tools.paused_cost import HOURS_PER_WEEK, load_pause_facts, paused_cost, stops_when_paused

ROOT = Path(__file__).resolve().parent.parent
RUN = planned("aws-dev")
CLUSTER, DATABASE = RUN.outputs["clusterName"].value, RUN.one(RDS_INSTANCE).inputs["identifier"]
CONTROL_PLANE, TASKS = RUN.outputs["controlPlaneNodeGroupName"].value, RUN.outputs["taskNodeGroupName"].value
#: (minSize, maxSize, desiredSize) of each group as `pulumi up` creates it.
DECLARED = {
    group.inputs["nodeGroupName"]: tuple(
        int(group.inputs["scalingConfig"][k]) for k in ("minSize", "maxSize", "desiredSize")
    )
    for group in RUN.of_type(NODE_GROUP)
}


@pytest.fixture
def aws(stand_in, monkeypatch) -> AwsForPause:
    """The stand-in ``aws`` beside the stand-in ``pulumi``: the stack running, as `pulumi up` left it."""
    monkeypatch.setattr(pause_aws, "POLL_SECONDS", 0)
    cli = install_aws_for_pause(stand_in.bin_dir)
    cli.set({DATABASE: "available"}, DECLARED, CLUSTER)
    return cli


@pytest.fixture
def deployed(tmp_path, logged_in) -> Path:
    """The project's settings beside a backend holding aws-dev and aws-prod with aws-dev's outputs."""
    outputs = {key: RUN.outputs[key].value for key in pause_aws.OUTPUTS}
    return deployed_project(tmp_path / "project", logged_in, {"aws-dev": outputs, "aws-prod": outputs})


def test_pause_scales_the_node_groups_to_zero_then_stops_the_database_and_resume_restores_them(aws, deployed, capsys):
    # The autoscaler added two task nodes for the day's tasks.
    aws.set({DATABASE: "available"}, {CONTROL_PLANE: DECLARED[CONTROL_PLANE], TASKS: (0, 5, 2)}, CLUSTER)
    assert pause.main(["pause", "aws-dev"], project_dir=deployed) == 0
    assert aws.changes() == [
        ("update-nodegroup-config", CONTROL_PLANE),
        ("update-nodegroup-config", TASKS),
        ("stop-db-instance", DATABASE),
    ]
    # maxSize stays: EKS wants at least 1 (data/pause.yaml).
    assert aws.sizes(CLUSTER, CONTROL_PLANE) == (0, DECLARED[CONTROL_PLANE][1], 0)
    assert aws.sizes(CLUSTER, TASKS) == (0, DECLARED[TASKS][1], 0)
    assert aws.database(DATABASE) == "stopped", "the tool waits until RDS has stopped it"
    assert "Paused" in capsys.readouterr().out

    # Again: nothing left to change, nothing run but the reads.
    assert pause.main(["pause", "aws-dev"], project_dir=deployed) == 0
    assert len(aws.changes()) == 3
    printed = capsys.readouterr().out
    assert f"The control-plane node group {CONTROL_PLANE} is already at zero nodes" in printed
    assert f"The RDS instance {DATABASE} is already stopped" in printed

    assert pause.main(["resume", "aws-dev"], project_dir=deployed) == 0
    assert aws.changes()[3:] == [("start-db-instance", DATABASE), ("update-nodegroup-config", CONTROL_PLANE)]
    assert aws.database(DATABASE) == "available"
    # Back to what `pulumi up` declared; the task group's settings are its paused sizes (minSize 0).
    assert {name: aws.sizes(CLUSTER, name) for name in DECLARED} == DECLARED
    assert f"The task node group {TASKS} is already at its settings" in capsys.readouterr().out

    assert pause.main(["resume", "aws-dev"], project_dir=deployed) == 0
    assert len(aws.changes()) == 5


def test_the_commands_name_the_deployed_resources_in_the_stacks_region_and_wait_for_them(aws, deployed):
    assert pause.main(["pause", "aws-dev"], project_dir=deployed) == 0
    commands = aws.commands()
    tail = ["--region", "eu-west-1", "--output", "json"]
    update = ["eks", "update-nodegroup-config", "--cluster-name", CLUSTER, "--nodegroup-name", CONTROL_PLANE]
    scaling = f"minSize=0,maxSize={DECLARED[CONTROL_PLANE][1]},desiredSize=0"
    assert [*update, "--scaling-config", scaling, *tail] in commands
    assert ["rds", "stop-db-instance", "--db-instance-identifier", DATABASE, *tail] in commands
    # Each change is followed by reads until it is done: the update's status, the instance's.
    after_update = commands[commands.index([*update, "--scaling-config", scaling, *tail]) + 1]
    assert after_update[:2] == ["eks", "describe-update"] and "update-1" in after_update
    stop = commands.index(["rds", "stop-db-instance", "--db-instance-identifier", DATABASE, *tail])
    assert [c[1] for c in commands[stop + 1 :]] == ["describe-db-instances", "describe-db-instances"]


def test_resume_gives_the_node_groups_the_sizes_of_the_stacks_settings(aws, deployed):
    """The settings decide, not the sizes the groups had: here they changed since the last update."""
    stack_file = deployed / "Pulumi.aws-dev.yaml"
    document = yaml.safe_load(stack_file.read_text())
    cluster = document["config"]["airflow-platform:aws"]["cluster"]
    cluster["controlPlaneNodes"].update(minSize=2, maxSize=3)
    cluster["taskNodes"] = {"maxSize": 8}
    stack_file.write_text(yaml.safe_dump(document))
    aws.set({DATABASE: "stopped"}, {CONTROL_PLANE: (0, 2, 0), TASKS: (0, 5, 0)}, CLUSTER)
    assert pause.main(["resume", "aws-dev"], project_dir=deployed) == 0
    assert aws.sizes(CLUSTER, CONTROL_PLANE) == (2, 3, 2)
    assert aws.sizes(CLUSTER, TASKS) == (0, 8, 0)


def test_resume_keeps_the_autoscalers_desired_size_within_the_settings(aws, deployed, capsys):
    aws.set({DATABASE: "available"}, {CONTROL_PLANE: (1, 2, 2), TASKS: (0, 5, 3)}, CLUSTER)
    assert pause.main(["resume", "aws-dev"], project_dir=deployed) == 0
    assert aws.changes() == []
    printed = capsys.readouterr().out
    assert f"The RDS instance {DATABASE} is already running" in printed
    assert f"The control-plane node group {CONTROL_PLANE} is already at its settings" in printed


def test_a_protected_stack_is_refused_before_any_command_runs(aws, deployed, stand_in, capsys):
    assert pause.main(["pause", "aws-prod"], project_dir=deployed) == 2
    error = capsys.readouterr().err
    assert "the stack aws-prod sets protectData: true" in error and "never paused" in error
    assert stand_in.commands() == [] and aws.commands() == []


def test_a_schedule_on_aws_prod_is_a_settings_error_naming_the_setting(deployed, capsys):
    config = stack_config("aws-prod", {"airflow-platform:pause": {"schedule": {"enabled": True}}}, root=deployed)
    with pytest.raises(ConfigurationError) as refused:
        settings_from_config("airflow-platform", "aws-prod", *config)
    problem = "airflow-platform:pause.schedule.enabled = true: must be false while protectData is true"
    assert problem in str(refused.value)

    prod = deployed / "Pulumi.aws-prod.yaml"
    prod.write_text(prod.read_text() + "  airflow-platform:pause:\n    schedule: {enabled: true}\n")
    assert pause.main(["scheduled", "aws-prod"], project_dir=deployed) == 2
    assert "airflow-platform:pause.schedule.enabled" in capsys.readouterr().err


@pytest.mark.parametrize("restarted", ["available", "starting"])
def test_an_instance_rds_restarted_inside_the_paused_window_is_stopped_again(aws, deployed, restarted, capsys):
    """RDS starts a stopped instance after seven days; the next scheduled run (Saturday) stops it again,
    waiting first for a start under way to finish (RDS stops only an available instance)."""
    aws.set({DATABASE: restarted}, {CONTROL_PLANE: (0, 2, 0), TASKS: (0, 5, 0)}, CLUSTER)
    assert pause.main(["scheduled", "aws-dev"], project_dir=deployed, now=amsterdam("2026-12-12T03:00")) == 0
    assert aws.changes() == [("stop-db-instance", DATABASE)]
    assert aws.database(DATABASE) == "stopped"
    printed = capsys.readouterr().out
    assert "so pause" in printed
    assert "RDS starts a stopped instance after 7 days" in printed


def test_the_scheduled_run_resumes_inside_working_hours(aws, deployed, capsys):
    aws.set({DATABASE: "stopped"}, {CONTROL_PLANE: (0, 2, 0), TASKS: (0, 5, 0)}, CLUSTER)
    assert pause.main(["scheduled", "aws-dev"], project_dir=deployed, now=amsterdam("2026-12-07T07:05")) == 0
    assert "so resume" in capsys.readouterr().out
    assert aws.database(DATABASE) == "available" and aws.sizes(CLUSTER, CONTROL_PLANE) == DECLARED[CONTROL_PLANE]


def test_a_group_the_autoscaler_raises_as_its_node_goes_away_is_scaled_to_zero_again(aws, deployed, capsys):
    aws.set_group(CLUSTER, CONTROL_PLANE, autoscaler_raises=1)
    assert pause.main(["pause", "aws-dev"], project_dir=deployed) == 0
    assert aws.changes()[:2] == [("update-nodegroup-config", CONTROL_PLANE)] * 2
    assert aws.sizes(CLUSTER, CONTROL_PLANE) == (0, DECLARED[CONTROL_PLANE][1], 0)
    assert f"The control-plane node group {CONTROL_PLANE} wants 1 nodes again" in capsys.readouterr().out

    aws.set({DATABASE: "available"}, DECLARED, CLUSTER)
    aws.set_group(CLUSTER, CONTROL_PLANE, autoscaler_raises=pause_aws.SCALE_DOWN_ATTEMPTS)
    assert pause.main(["pause", "aws-dev"], project_dir=deployed) == 2
    assert "something else scales it" in capsys.readouterr().err
    assert aws.database(DATABASE) == "available", "the database is left alone"


def test_a_node_group_eks_is_still_updating_is_reported_and_left_for_the_next_run(aws, deployed, capsys):
    aws.set_group(CLUSTER, CONTROL_PLANE, status="UPDATING")
    assert pause.main(["pause", "aws-dev"], project_dir=deployed) == 2
    assert f"the control-plane node group {CONTROL_PLANE} is UPDATING: try again later" in capsys.readouterr().err
    assert aws.changes() == []


def test_a_missing_aws_cli_is_reported_before_anything_runs(deployed, stand_in, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(stand_in.bin_dir))  # the stand-in pulumi only
    assert pause.main(["pause", "aws-dev"], project_dir=deployed) == 2
    assert "the AWS CLI (aws) is not on PATH" in capsys.readouterr().err
    assert stand_in.commands() == []


def test_resuming_an_aws_stack_never_deployed_does_nothing(aws, deployed, capsys):
    """The update workflow resumes aws-dev before every `pulumi up`, the first one included."""
    state = Path(os.environ["PULUMI_BACKEND_URL"].removeprefix("file://")) / ".pulumi" / "stacks"
    (state / "airflow-platform" / "aws-dev.json").unlink()
    assert pause.main(["resume", "aws-dev"], project_dir=deployed) == 0
    assert "The stack aws-dev has not been deployed: nothing to resume" in capsys.readouterr().out
    assert aws.commands() == []


def test_multi_az_is_refused_only_where_rds_cannot_stop_it(deployed):
    settings = pause.read_settings("aws-dev", deployed)
    database = settings.aws.database.model_copy(update={"multi_az": True})
    multi_az = settings.model_copy(update={"aws": settings.aws.model_copy(update={"database": database})})
    facts = load_pause_facts()
    pause.refuse_to_pause(multi_az, facts)  # data/pause.yaml: RDS stops a Multi-AZ PostgreSQL instance
    unstoppable = facts.model_copy(update={"rds": facts.rds.model_copy(update={"multi_az_stoppable": False})})
    with pytest.raises(pause.PauseError, match=r"aws\.database\.multiAz: true"):
        pause.refuse_to_pause(multi_az, unstoppable)


@pytest.mark.parametrize("stack", ["aws-dev", "aws-prod"])
def test_every_aws_cost_line_either_stops_when_paused_or_says_why_it_goes_on(stack):
    facts = load_pause_facts()
    idle = estimate_aws_idle_cost(planned(stack), load_aws_prices())
    kept = {line.resource.type for line in idle.lines if not stops_when_paused(line, facts.stops)}
    assert kept <= set(facts.billed_while_paused), "data/pause.yaml billed_while_paused names each"


def test_the_paused_cost_drops_the_nodes_and_the_instance_hours_and_keeps_the_rest():
    idle = estimate_aws_idle_cost(RUN, load_aws_prices())
    facts = load_pause_facts()
    cost = paused_cost(idle, 108.0, facts, cloud="aws")
    stopped = [line for line in idle.lines if stops_when_paused(line, facts.stops)]
    assert {(line.resource.type, line.unit) for line in stopped} == {
        (NODE_GROUP, "nodes"),
        (NODE_GROUP, "GB"),
        (RDS_INSTANCE, "instance"),
    }
    assert cost.paused_usd == pytest.approx(idle.total_usd - sum(line.monthly_usd or 0 for line in stopped))
    # RDS bills storage and backups while stopped (USER_StopInstance.html).
    assert [line.unit for line in idle.lines if line.resource.type == RDS_INSTANCE and line not in stopped] == [
        "GB",
        "GB",
    ]
    billed = dict(cost.still_billed)
    assert billed["EKS control plane"] == pytest.approx(
        sum(line.monthly_usd or 0 for line in idle.lines if line.resource.type == EKS_CLUSTER)
    )
    assert cost.still_billed[0][0] == "EKS control plane", "the dearest first"
    share = 108.0 / HOURS_PER_WEEK
    assert cost.scheduled_usd == pytest.approx(cost.paused_usd * share + idle.total_usd * (1 - share))


def test_the_plan_prints_the_paused_figures_for_aws_dev_only(capsys):
    assert plan.main(["aws-dev"]) == 0
    out = capsys.readouterr().out
    assert "paused (node groups at zero, database stopped by tools.pause): $" in out
    assert "(what AWS bills while paused goes on: data/pause.yaml)" in out
    assert "with the pause.schedule setting (108 of 168 hours a week paused): $" in out
    assert "still billed while paused: EKS control plane $73.00, NAT gateways $" in out
    assert plan.main(["aws-prod"]) == 0
    assert "paused" not in capsys.readouterr().out, "a protected stack is never paused"

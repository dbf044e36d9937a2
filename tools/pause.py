"""``python -m tools.pause pause|resume|scheduled STACK``: stop and start a stack's AKS cluster and
PostgreSQL server, the way Azure supports it (``az aks stop/start``, ``az postgres flexible-server
stop/start``; data/pause.yaml); on AWS, scale its node groups to zero and stop its RDS instance
(tools/pause_aws.py).

The stack's deployed outputs name the resources (read through Pulumi's Automation API); its
settings decide whether it may be paused (never with ``protectData``) and, for ``scheduled``
(what the hourly workflow runs), whether it should be paused now. Every command is idempotent:
what is already stopped or started is left alone. Azure and RDS start a stopped database by
themselves after seven days; a run inside a paused window that finds it running stops it again.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pulumi import automation as auto

from components.config import PROJECT, ConfigurationError, StackSettings, settings_from_config
from components.config.pause import PauseScheduleSettings, clock
from tools import pause_aws
from tools.bootstrap import find_stack, open_workspace
from tools.bootstrap_settings import BootstrapError
from tools.cli import AWS_CLI_INSTALL, PauseError, run_command
from tools.offline import ROOT, OfflineConfigError, stack_config
from tools.paused_cost import PauseFacts, load_pause_facts

Print = Callable[[str], None]

#: Each cloud's CLI (the ``cloud`` setting), and what to do when it is not on PATH.
CLOUD_CLIS = {
    "azure": ("az", "the Azure CLI (az) is not on PATH: install it and sign in with `az login`"),
    "aws": ("aws", f"the AWS CLI (aws) is not on PATH: install it ({AWS_CLI_INSTALL}) and sign in"),
}


@dataclass(frozen=True)
class Targets:
    resource_group: str
    cluster: str
    server: str


def read_settings(stack: str, project_dir: Path) -> StackSettings:
    try:
        return settings_from_config(PROJECT, stack, *stack_config(stack, root=project_dir))
    except OfflineConfigError as error:
        raise PauseError(str(error)) from None


def should_pause(schedule: PauseScheduleSettings, now: datetime) -> bool:
    """Whether ``now`` falls in the schedule's paused window, read in the schedule's time zone."""
    local = now.astimezone(ZoneInfo(schedule.timezone))
    if schedule.weekends and local.weekday() >= 5:
        return True
    return not clock(schedule.resume_at) <= local.time().replace(second=0, microsecond=0) < clock(schedule.pause_at)


def refuse_to_pause(settings: StackSettings, facts: PauseFacts) -> None:
    """Checked before any command runs."""
    if settings.protect_data:
        raise PauseError(
            f"the stack {settings.stack} sets protectData: true (airflow-platform:protectData): a stack whose data "
            "is protected is never paused (a stopped cluster, or a node group at zero, may not start again where "
            "the cloud is short of capacity)"
        )
    if settings.cloud == "aws":
        pause_aws.refuse_aws_pause(settings, facts)
    elif settings.database.high_availability and not facts.postgres.high_availability_stoppable:
        raise PauseError(
            f"the stack {settings.stack} sets database.highAvailability: true, and Azure does not stop a server "
            f"with high availability ({facts.postgres.high_availability_source})"
        )


def targets_of(outputs: Mapping[str, auto.OutputValue], stack: str) -> Targets:
    missing = [key for key in ("resourceGroupName", "clusterName", "databaseHost") if key not in outputs]
    if missing:
        raise PauseError(f"the stack {stack} has no output {', '.join(missing)}: has it been deployed?")
    host = str(outputs["databaseHost"].value)
    return Targets(str(outputs["resourceGroupName"].value), str(outputs["clusterName"].value), host.split(".")[0])


class AzureCli:
    """The ``az`` commands this tool runs, each waiting for Azure to finish."""

    def __init__(self, targets: Targets, say: Print):
        self.targets = targets
        self.say = say

    def run(self, *args: str) -> str:
        command = ["az", *args, "--resource-group", self.targets.resource_group]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise PauseError(f"`{' '.join(command)}` failed:\n{result.stderr.strip()}")
        return result.stdout.strip()

    def cluster_state(self) -> str:
        return self.run("aks", "show", "--name", self.targets.cluster, "--query", "powerState.code", "--output", "tsv")

    def server_state(self) -> str:
        return self.run(
            "postgres", "flexible-server", "show", "--name", self.targets.server, "--query", "state", "--output", "tsv"
        )

    def cluster(self, verb: str) -> None:
        self.say(f"{verb.capitalize()}ing the AKS cluster {self.targets.cluster}")
        self.run("aks", verb, "--name", self.targets.cluster)

    def server(self, verb: str) -> None:
        self.say(f"{verb.capitalize()}ing the PostgreSQL server {self.targets.server}")
        self.run("postgres", "flexible-server", verb, "--name", self.targets.server)


def pause(az: AzureCli, facts: PauseFacts, say: Print) -> None:
    """The cluster first (Airflow stops using the database), then the server."""
    cluster = az.cluster_state()
    if cluster == "Running":
        az.cluster("stop")
    elif cluster == "Stopped":
        say(f"The AKS cluster {az.targets.cluster} is already stopped")
    else:
        raise PauseError(f"the AKS cluster {az.targets.cluster} is {cluster or 'in no power state'}: try again later")
    server = az.server_state()
    if server in facts.postgres.stoppable_states:
        if cluster == "Stopped":
            say(
                f"The PostgreSQL server {az.targets.server} was running while the stack is paused: Azure starts a "
                f"stopped flexible server after {facts.postgres.restarts_after_days} days (data/pause.yaml)"
            )
        az.server("stop")
    elif server == "Stopped":
        say(f"The PostgreSQL server {az.targets.server} is already stopped")
    else:
        raise PauseError(f"the PostgreSQL server {az.targets.server} is {server}: Azure stops only a Ready server")
    say(
        f"Paused. Azure keeps a stopped cluster's state for {facts.aks.state_kept_months} months; resume before "
        "`pulumi up` (a stopped cluster takes only start and delete)"
    )


def resume(az: AzureCli, say: Print) -> None:
    """The server first, so that Airflow finds its database when the cluster's pods come back."""
    server = az.server_state()
    if server == "Stopped":
        az.server("start")
    elif server == "Ready":
        say(f"The PostgreSQL server {az.targets.server} is already running")
    else:
        raise PauseError(f"the PostgreSQL server {az.targets.server} is {server}: try again later")
    cluster = az.cluster_state()
    if cluster == "Stopped":
        az.cluster("start")
    elif cluster == "Running":
        say(f"The AKS cluster {az.targets.cluster} is already running")
    else:
        raise PauseError(f"the AKS cluster {az.targets.cluster} is {cluster or 'in no power state'}: try again later")
    say("Resumed")


def decide(settings: StackSettings, now: datetime, say: Print) -> str | None:
    """``scheduled``: pause or resume by the stack's schedule, or nothing without one."""
    schedule = settings.pause.schedule
    if not schedule.enabled:
        say(f"The stack {settings.stack} has no pause schedule (pause.schedule.enabled is false): nothing to do")
        return None
    local = now.astimezone(ZoneInfo(schedule.timezone))
    action = "pause" if should_pause(schedule, now) else "resume"
    window = "paused" if action == "pause" else "running"
    say(f"{local:%A %H:%M} in {schedule.timezone}: inside the {window} window of the schedule, so {action}")
    return action


def run(
    action: str,
    stack: str,
    project_dir: Path = ROOT,
    say: Print = print,
    now: datetime | None = None,
    facts: PauseFacts | None = None,
) -> None:
    facts = facts or load_pause_facts()
    settings = read_settings(stack, project_dir)
    if action == "scheduled":
        decided = decide(settings, now or datetime.now(UTC), say)
        if decided is None:
            return
        action = decided
    if action == "pause":
        refuse_to_pause(settings, facts)
    executable, missing = CLOUD_CLIS[settings.cloud]
    if shutil.which(executable) is None:
        raise PauseError(missing)
    workspace = open_workspace(project_dir, None, say)
    selected = find_stack(stack, workspace)
    outputs = selected.outputs() if selected is not None else {}
    if action == "resume" and not outputs:
        # What runs before every update (the update workflow) must not fail the stack's first one.
        say(f"The stack {stack} has not been deployed: nothing to resume")
        return
    if selected is None:
        raise PauseError(f"no stack named {stack} in this Pulumi backend")
    if settings.cloud == "aws":
        aws = pause_aws.AwsCli(pause_aws.aws_targets(outputs, settings), say)
        if action == "pause":
            pause_aws.pause(aws, facts, say)
        else:
            pause_aws.resume(aws, say)
        return
    az = AzureCli(targets_of(outputs, stack), say)
    if action == "pause":
        pause(az, facts, say)
    else:
        resume(az, say)


def main(argv: Sequence[str] | None = None, project_dir: Path = ROOT, now: datetime | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pause", description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("pause", "resume", "scheduled"))
    parser.add_argument("stack")
    args = parser.parse_args(argv)
    return run_command(
        lambda: run(args.action, args.stack, project_dir, lambda line: print(line, flush=True), now),
        (PauseError, BootstrapError, ConfigurationError),
    )


if __name__ == "__main__":
    sys.exit(main())

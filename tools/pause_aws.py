"""The AWS half of ``python -m tools.pause``: EKS has no stop, so a paused AWS stack has its managed
node groups at zero nodes and its RDS instance stopped (``aws eks update-nodegroup-config``, ``aws rds
stop-db-instance``). The EKS control plane, NAT gateways, addresses, endpoints and storage go on
billing (data/pause.yaml).

Pausing scales the control-plane group, then the task group, to minSize 0 and desiredSize 0 (maxSize
stays: EKS wants at least 1), then stops the database. Resuming starts the database, then gives each
group the minSize and maxSize of the stack's settings and a desiredSize within them, as ``pulumi up``
creates it. Each step reads first and leaves alone what is already done; it waits for RDS's
``stopping`` and ``starting`` and for each node group update to finish, polling as the AWS CLI's own
waiters do, so that the next command (a resume, ``pulumi up``) finds nothing in flight.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from pulumi import automation as auto

from components.config import StackSettings
from tools.cli import PauseError
from tools.paused_cost import PauseFacts

Print = Callable[[str], None]

#: botocore's waiters for RDS and EKS poll every 30 seconds, RDS's 60 times.
POLL_SECONDS = 30
POLL_ATTEMPTS = 60
#: A paused group is read back after its update: the cluster autoscaler, evicted with its node, may
#: have raised desiredSize for the pods evicted with it. Scaled to zero again at most this often.
SCALE_DOWN_ATTEMPTS = 3
#: Node group statuses in which no operation of EKS's runs (NodegroupStatus in the EKS API).
SETTLED_GROUP_STATUSES = ("ACTIVE", "DEGRADED")
OUTPUTS = ("region", "clusterName", "databaseHost", "controlPlaneNodeGroupName", "taskNodeGroupName")


@dataclass(frozen=True)
class NodeGroup:
    name: str
    #: ``control-plane`` or ``task``, for messages.
    role: str
    #: minSize and maxSize as the stack's settings give them.
    min_size: int
    max_size: int


@dataclass(frozen=True)
class AwsTargets:
    region: str
    cluster: str
    database: str
    #: The control-plane group first.
    node_groups: tuple[NodeGroup, ...]


@dataclass(frozen=True)
class Scaling:
    """A node group's sizes as ``aws eks describe-nodegroup`` reports them."""

    min_size: int
    max_size: int
    desired_size: int


def refuse_aws_pause(settings: StackSettings, facts: PauseFacts) -> None:
    if settings.aws.database.multi_az and not facts.rds.multi_az_stoppable:
        raise PauseError(
            f"the stack {settings.stack} sets aws.database.multiAz: true, and RDS does not stop a Multi-AZ "
            f"instance ({facts.rds.limits_source})"
        )


def aws_targets(outputs: Mapping[str, auto.OutputValue], settings: StackSettings) -> AwsTargets:
    """The deployed resources' names from the stack's outputs; the node groups' sizes from its settings.

    RDS names an instance's endpoint after its identifier ("if you specify `db1` as the DB instance
    identifier, then RDS will automatically allocate a DNS endpoint for your instance, such as
    `db1.123456789012.us-east-1.rds.amazonaws.com`", RDS User Guide, Overview.DBInstance.html).
    """
    missing = [key for key in OUTPUTS if key not in outputs]
    if missing:
        raise PauseError(f"the stack {settings.stack} has no output {', '.join(missing)}: has it been deployed?")
    nodes = settings.aws.cluster
    control_plane, tasks = nodes.control_plane_nodes, nodes.task_nodes
    return AwsTargets(
        region=str(outputs["region"].value),
        cluster=str(outputs["clusterName"].value),
        database=str(outputs["databaseHost"].value).split(".")[0],
        node_groups=(
            NodeGroup(
                str(outputs["controlPlaneNodeGroupName"].value),
                "control-plane",
                control_plane.min_size,
                control_plane.max_size,
            ),
            NodeGroup(str(outputs["taskNodeGroupName"].value), "task", tasks.min_size, tasks.max_size),
        ),
    )


class AwsCli:
    """The ``aws`` commands this tool runs, in the stack's region, answers read as JSON."""

    def __init__(self, targets: AwsTargets, say: Print):
        self.targets = targets
        self.say = say

    def run(self, *args: str) -> dict:
        command = ["aws", *args, "--region", self.targets.region, "--output", "json"]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise PauseError(f"`{' '.join(command)}` failed:\n{result.stderr.strip()}")
        return json.loads(result.stdout)

    def wait(self, read: Callable[[], str], done: str, passing: str, what: str) -> None:
        """Until ``read()`` answers ``done``; ``passing`` is the one state on the way there."""
        for _ in range(POLL_ATTEMPTS):
            state = read()
            if state == done:
                return
            if state != passing:
                raise PauseError(f"{what} is {state}, not {done}")
            time.sleep(POLL_SECONDS)
        raise PauseError(f"{what} is still {passing} after {POLL_ATTEMPTS * POLL_SECONDS // 60} minutes")

    def database_status(self) -> str:
        answer = self.run("rds", "describe-db-instances", "--db-instance-identifier", self.targets.database)
        return answer["DBInstances"][0]["DBInstanceStatus"]

    def wait_for_database(self, done: str, passing: str) -> None:
        self.wait(self.database_status, done, passing, f"the RDS instance {self.targets.database}")

    def settled_database_status(self) -> str:
        """The instance's status once a stop or start under way has finished (USER_StopInstance.html)."""
        status = self.database_status()
        for passing, done in (("stopping", "stopped"), ("starting", "available")):
            if status == passing:
                self.say(f"The RDS instance {self.targets.database} is {passing}: waiting until it is {done}")
                self.wait_for_database(done, passing)
                return done
        return status

    def stop_database(self) -> None:
        self.say(f"Stopping the RDS instance {self.targets.database}")
        self.run("rds", "stop-db-instance", "--db-instance-identifier", self.targets.database)
        self.wait_for_database("stopped", passing="stopping")

    def start_database(self) -> None:
        self.say(f"Starting the RDS instance {self.targets.database}")
        self.run("rds", "start-db-instance", "--db-instance-identifier", self.targets.database)
        self.wait_for_database("available", passing="starting")

    def scaling(self, group: NodeGroup) -> Scaling:
        """The group's sizes, once no operation of EKS's runs on it."""
        answer = self.run(
            "eks", "describe-nodegroup", "--cluster-name", self.targets.cluster, "--nodegroup-name", group.name
        )["nodegroup"]
        if answer["status"] not in SETTLED_GROUP_STATUSES:
            raise PauseError(f"the {group.role} node group {group.name} is {answer['status']}: try again later")
        sizes = answer["scalingConfig"]
        return Scaling(sizes["minSize"], sizes["maxSize"], sizes["desiredSize"])

    def scale(self, group: NodeGroup, min_size: int, max_size: int, desired_size: int) -> None:
        sizes = f"minSize={min_size},maxSize={max_size},desiredSize={desired_size}"
        self.say(f"Scaling the {group.role} node group {group.name} to {sizes}")
        cluster, nodegroup = self.targets.cluster, ("--nodegroup-name", group.name)
        answer = self.run(
            "eks", "update-nodegroup-config", "--cluster-name", cluster, *nodegroup, "--scaling-config", sizes
        )
        update = answer["update"]["id"]

        def status() -> str:
            described = self.run("eks", "describe-update", "--name", cluster, *nodegroup, "--update-id", update)
            return described["update"]["status"]

        self.wait(status, "Successful", "InProgress", f"the update {update} of node group {group.name}")


def scale_to_zero(aws: AwsCli, group: NodeGroup, say: Print) -> bool:
    """Scales the group to zero nodes and reads it back; whether it was there already."""
    for attempt in range(SCALE_DOWN_ATTEMPTS + 1):
        scaling = aws.scaling(group)
        if scaling.min_size == 0 and scaling.desired_size == 0:
            if attempt == 0:
                say(f"The {group.role} node group {group.name} is already at zero nodes")
            return attempt == 0
        if attempt == SCALE_DOWN_ATTEMPTS:
            break
        if attempt:
            say(
                f"The {group.role} node group {group.name} wants {scaling.desired_size} nodes again (the cluster "
                "autoscaler, as its own node went away): scaling it to zero again"
            )
        aws.scale(group, 0, scaling.max_size, 0)
    raise PauseError(
        f"the {group.role} node group {group.name} went back to {scaling.desired_size} nodes after each of "
        f"{SCALE_DOWN_ATTEMPTS} scalings to zero: something else scales it"
    )


def pause(aws: AwsCli, facts: PauseFacts, say: Print) -> None:
    """The node groups first, the control plane's first (Airflow's scheduler and the autoscaler stop), then
    the database."""
    already_at_zero = [scale_to_zero(aws, group, say) for group in aws.targets.node_groups]
    was_paused = all(already_at_zero)
    database = aws.targets.database
    status = aws.settled_database_status()
    if status == "stopped":
        say(f"The RDS instance {database} is already stopped")
    elif status in facts.rds.stoppable_states:
        if was_paused:
            say(
                f"The RDS instance {database} was running while the stack is paused: RDS starts a stopped "
                f"instance after {facts.rds.restarts_after_days} days (data/pause.yaml)"
            )
        aws.stop_database()
    else:
        raise PauseError(f"the RDS instance {database} is {status}: RDS stops only an available instance")
    say(
        f"Paused. RDS starts the instance again after {facts.rds.restarts_after_days} days (a scheduled run "
        "stops it again); resume before `pulumi up` (a paused stack's node groups refuse its update)"
    )


def resume(aws: AwsCli, say: Print) -> None:
    """The database first, so that Airflow finds it when its nodes come back; then the node groups at
    the sizes of the stack's settings (the autoscaler's desiredSize kept where it lies within them)."""
    database = aws.targets.database
    status = aws.settled_database_status()
    if status == "stopped":
        aws.start_database()
    elif status == "available":
        say(f"The RDS instance {database} is already running")
    else:
        raise PauseError(f"the RDS instance {database} is {status}: try again later")
    for group in aws.targets.node_groups:
        scaling = aws.scaling(group)
        desired = min(max(scaling.desired_size, group.min_size), group.max_size)
        if (scaling.min_size, scaling.max_size, scaling.desired_size) == (group.min_size, group.max_size, desired):
            say(f"The {group.role} node group {group.name} is already at its settings")
        else:
            aws.scale(group, group.min_size, group.max_size, desired)
    say("Resumed")

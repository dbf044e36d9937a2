"""A stand-in AWS CLI for ``tools.pause`` on AWS stacks: RDS instances and EKS managed node groups.

It keeps each resource in a state file beside it and answers as AWS CLI v2 does with ``--output
json``: ``describe-db-instances``, ``describe-nodegroup`` and ``describe-update`` in the shapes of the
real answers, and the real service's refusals (``InvalidDBInstanceState`` for a stop of an instance
that is not available or a start of one that is not stopped, ``InvalidParameterException`` for sizes
out of order, ``ResourceInUseException`` while a group updates), with exit code 254. A stop, a start
or a node group update is in progress until the next read of it has answered once (``stopping``,
``starting``, ``InProgress``), then done. A group may be set to have the cluster autoscaler raise
its desiredSize back to 1 when an update to zero finishes (its last act as its own node goes away),
a given number of times. Every command is recorded.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.stand_in_cli import install


def stand_in_aws_for_pause() -> None:
    """The stand-in ``aws``: runs as its own executable (written out by :func:`install_aws_for_pause`)."""
    import json
    import sys
    from pathlib import Path

    argv = sys.argv[1:]
    here = Path(sys.argv[0]).resolve().parent
    with (here / "aws-commands.jsonl").open("a") as log:
        log.write(json.dumps(argv) + "\n")
    state_file = here / "aws-state.json"
    state = json.loads(state_file.read_text())
    flags = {argv[i]: argv[i + 1] for i in range(len(argv) - 1) if argv[i].startswith("--")}
    service, operation = argv[0], argv[1]
    settled = {"stopping": "stopped", "starting": "available"}

    def fail(code: str, call: str, message: str) -> None:
        print(f"\nAn error occurred ({code}) when calling the {call} operation: {message}", file=sys.stderr)
        sys.exit(254)

    def answer(document: dict) -> None:
        state_file.write_text(json.dumps(state))
        print(json.dumps(document, indent=4))

    if service == "rds":
        name = flags["--db-instance-identifier"]
        if name not in state["databases"]:
            fail("DBInstanceNotFound", "DescribeDBInstances", f"DBInstance {name} not found.")
        status = state["databases"][name]

        def instance(shown: str) -> dict:
            return {"DBInstanceIdentifier": name, "DBInstanceStatus": shown, "Engine": "postgres"}

        if operation == "describe-db-instances":
            state["databases"][name] = settled.get(status, status)
            answer({"DBInstances": [instance(status)]})
        elif operation == "stop-db-instance":
            if status != "available":
                fail("InvalidDBInstanceState", "StopDBInstance", f"Instance {name} is not in available state.")
            state["databases"][name] = "stopping"
            answer({"DBInstance": instance("stopping")})
        elif operation == "start-db-instance":
            if status != "stopped":
                fail("InvalidDBInstanceState", "StartDBInstance", f"Instance {name} is not stopped, cannot be started.")
            state["databases"][name] = "starting"
            answer({"DBInstance": instance("starting")})
        else:
            fail("InvalidAction", operation, "the stand-in does not implement it")
        return

    cluster = flags.get("--cluster-name") or flags.get("--name")
    group_name = flags["--nodegroup-name"]
    key = f"{cluster}/{group_name}"
    if key not in state["nodegroups"]:
        fail("ResourceNotFoundException", "DescribeNodegroup", f"No node group found for name: {group_name}.")
    group = state["nodegroups"][key]

    def described() -> dict:
        return {
            "nodegroupName": group_name,
            "clusterName": cluster,
            "status": group["status"],
            "scalingConfig": group["scalingConfig"],
        }

    if operation == "describe-nodegroup":
        answer({"nodegroup": described()})
    elif operation == "update-nodegroup-config":
        if group["status"] != "ACTIVE":
            fail("ResourceInUseException", "UpdateNodegroupConfig", f"Nodegroup {group_name} is {group['status']}")
        sizes = {k: int(v) for k, v in (pair.split("=") for pair in flags["--scaling-config"].split(","))}
        merged = {**group["scalingConfig"], **sizes}
        if merged["minSize"] > merged["desiredSize"]:
            fail(
                "InvalidParameterException",
                "UpdateNodegroupConfig",
                f"Minimum capacity {merged['minSize']} can't be greater than desired size {merged['desiredSize']}",
            )
        if merged["desiredSize"] > merged["maxSize"] or merged["maxSize"] < 1:
            fail("InvalidParameterException", "UpdateNodegroupConfig", "desiredSize can't be greater than maxSize")
        group["scalingConfig"] = merged
        group["status"] = "UPDATING"
        update = f"update-{len(state['updates']) + 1}"
        state["updates"][update] = {"nodegroup": key, "status": "InProgress"}
        answer({"update": {"id": update, "status": "InProgress", "type": "ConfigUpdate"}})
    elif operation == "describe-update":
        update = state["updates"][flags["--update-id"]]
        shown = update["status"]
        update["status"] = "Successful"
        updated = state["nodegroups"][update["nodegroup"]]
        updated["status"] = "ACTIVE"
        if shown == "InProgress" and updated["scalingConfig"]["desiredSize"] == 0 and updated["autoscaler_raises"]:
            updated["autoscaler_raises"] -= 1
            updated["scalingConfig"]["desiredSize"] = 1
        answer({"update": {"id": flags["--update-id"], "status": shown, "type": "ConfigUpdate", "errors": []}})
    else:
        fail("InvalidAction", operation, "the stand-in does not implement it")


class AwsForPause:
    """The stand-in's state file and command log."""

    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir
        self.state_file = bin_dir / "aws-state.json"

    def set(self, databases: dict[str, str], nodegroups: dict[str, tuple[int, int, int]], cluster: str) -> None:
        """Instances by status; node groups (min, max, desired), all ACTIVE."""
        groups = {
            f"{cluster}/{name}": {
                "status": "ACTIVE",
                "scalingConfig": {"minSize": low, "maxSize": high, "desiredSize": desired},
                "autoscaler_raises": 0,
            }
            for name, (low, high, desired) in nodegroups.items()
        }
        self.state_file.write_text(json.dumps({"databases": databases, "nodegroups": groups, "updates": {}}))

    def state(self) -> dict:
        return json.loads(self.state_file.read_text())

    def database(self, name: str) -> str:
        return self.state()["databases"][name]

    def sizes(self, cluster: str, name: str) -> tuple[int, int, int]:
        config = self.state()["nodegroups"][f"{cluster}/{name}"]["scalingConfig"]
        return config["minSize"], config["maxSize"], config["desiredSize"]

    def set_group(self, cluster: str, name: str, **fields: object) -> None:
        """``status``, or ``autoscaler_raises``: how often the autoscaler raises it back from zero."""
        state = self.state()
        state["nodegroups"][f"{cluster}/{name}"].update(fields)
        self.state_file.write_text(json.dumps(state))

    def commands(self) -> list[list[str]]:
        log = self.bin_dir / "aws-commands.jsonl"
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []

    def changes(self) -> list[tuple[str, str]]:
        """The recorded commands that change something, with what they name: ``[('stop-db-instance', name)]``."""
        changing = {"stop-db-instance", "start-db-instance", "update-nodegroup-config"}
        return [
            (
                c[1],
                c[c.index("--nodegroup-name") + 1]
                if "--nodegroup-name" in c
                else c[c.index("--db-instance-identifier") + 1],
            )
            for c in self.commands()
            if c[1] in changing
        ]


def install_aws_for_pause(bin_dir: Path) -> AwsForPause:
    install(bin_dir, "aws", stand_in_aws_for_pause)
    return AwsForPause(bin_dir)

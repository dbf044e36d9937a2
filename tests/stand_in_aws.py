"""A stand-in for the AWS CLI, for the bootstrap's identity check (installed beside the stand-in ``pulumi``)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.stand_in_cli import install

#: What the stand-in AWS CLI answers `aws sts get-caller-identity` with: a role session, as SSO gives.
DEPLOYER = "arn:aws:sts::123456789012:assumed-role/platform-deployer/alice"


def stand_in_aws(arn: str) -> None:
    """The stand-in ``aws``: answers ``sts get-caller-identity`` as AWS CLI v2 does, with or without
    credentials (a profile that exists here or not), and records every command it receives."""
    import json
    import os
    import sys
    from pathlib import Path

    here = Path(sys.argv[0]).resolve().parent
    with (here / "aws-commands.jsonl").open("a") as log:
        log.write(json.dumps(sys.argv[1:]) + "\n")
    if sys.argv[1:3] != ["sts", "get-caller-identity"]:
        print(f"aws: the stand-in does not implement: {' '.join(sys.argv[1:])}", file=sys.stderr)
        sys.exit(252)
    if os.environ.get("AWS_PROFILE") != "deployer":
        # AWS CLI v2's message and return code 253 ("configuration or credentials are missing").
        print(
            '\nUnable to locate credentials. You can configure credentials by running "aws configure".', file=sys.stderr
        )
        sys.exit(253)
    account = arn.split(":")[4]
    print(json.dumps({"UserId": "AROAEXAMPLEID:alice", "Account": account, "Arn": arn}, indent=4))


class AwsStandIn:
    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir

    def commands(self) -> list[list[str]]:
        log = self.bin_dir / "aws-commands.jsonl"
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def install_aws(bin_dir: Path) -> AwsStandIn:
    install(bin_dir, "aws", stand_in_aws, DEPLOYER)
    return AwsStandIn(bin_dir)

"""Airflow's secrets backend on AWS: connections and variables read from Secrets Manager.

The program creates no secret: users add ``airflow/<stack>/connections/<conn_id>`` and
``airflow/<stack>/variables/<key>``. The Airflow pods' Pod Identity role may only read secrets
under ``airflow/<stack>/``; the backend (amazon provider 9.22.0) calls GetSecretValue and nothing
else, and its boto3 session finds the role's credentials through the container credential provider.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi

from components.aws.identity import PodIdentity
from components.platform import Destination, SecretsBackend

#: Airflow's Secrets Manager backend (apache-airflow-providers-amazon, in the Airflow image).
BACKEND = "airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend"
#: The only call the backend makes (SecretsManagerBackend._get_secret); a missing secret answers
#: ResourceNotFoundException, which the backend turns into "not here, ask the next one".
READ_ACTIONS = ("secretsmanager:GetSecretValue",)
HTTPS = 443


def secret_root(stack: str) -> str:
    """The name prefix of every secret this stack's Airflow reads."""
    return f"airflow/{stack}"


def reader_policy(region: str, account_id: str, stack: str) -> str:
    """Reads secrets under the stack's prefix only; the trailing ``*`` also covers the six random
    characters Secrets Manager appends to every secret's ARN."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AirflowConnectionsAndVariables",
                    "Effect": "Allow",
                    "Action": list(READ_ACTIONS),
                    "Resource": f"arn:aws:secretsmanager:{region}:{account_id}:secret:{secret_root(stack)}/*",
                }
            ],
        }
    )


@dataclass(frozen=True)
class SecretsAccessArgs:
    stack: str
    region: str
    account_id: pulumi.Input[str]
    #: The role the Airflow pods act as: it gets read access to the stack's secrets.
    reader: PodIdentity
    #: The VPC's interface endpoint subnets (the secretsmanager endpoint is in them); empty: the public endpoint.
    endpoint_ranges: Sequence[str]


class SecretsManagerAccess(pulumi.ComponentResource):
    def __init__(self, name: str, args: SecretsAccessArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("airflow-platform:aws:SecretsManagerAccess", name, None, opts)
        self._args = args
        policy = pulumi.Output.from_input(args.account_id).apply(
            lambda account: reader_policy(args.region, account, args.stack)
        )
        self.grant = args.reader.allow("airflow-secrets", policy, parent=self)
        root = secret_root(args.stack)
        self.outputs: dict[str, pulumi.Input[object]] = {"secretsPrefix": f"{root}/"}
        self.register_outputs(self.outputs)

    def handle(self) -> SecretsBackend:
        root = secret_root(self._args.stack)
        kwargs = {
            "connections_prefix": f"{root}/connections",
            "variables_prefix": f"{root}/variables",
            # Airflow's own configuration stays in the chart's values.
            "config_prefix": None,
            "region_name": self._args.region,
        }
        ranges = list(self._args.endpoint_ranges)
        network = (
            Destination(cidrs=ranges, ports=[HTTPS])
            if ranges
            # Secrets Manager's public addresses, through the NAT gateway.
            else Destination.public(HTTPS)
        )
        return SecretsBackend(backend=BACKEND, kwargs=kwargs, network=network, ready=[self.grant])

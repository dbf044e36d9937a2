"""A pull request's preview of an existing AWS stack shows what the update really does.

pulumi-aws previews an in-place update with the Terraform plan's planned state: the last state, with
unknown only what the type's CustomizeDiff marks new-computed (data/aws-update-preview.yaml,
tools/aws_update_preview.py); a type not on record is answered the cautious way (every output no
input gives is unknown). Whatever the Kubernetes side consumes (the kubeconfig and so the provider,
Secrets, release values, Jobs) must stay known when any one AWS resource is updated, or
pulumi-kubernetes previews a replacement of its provider and of everything it manages.
"""

from __future__ import annotations

import functools

import pytest

from tests.helpers import is_unknown
from tests.test_guards import with_settings
from tests.test_update_preview import unsettled_kubernetes_inputs
from tools import mocks
from tools.aws_update_preview import table
from tools.mocks import PlatformMocks
from tools.offline import ProgramRun, RecordingMonitor, run_program, stack_config

#: aws-prod with what its file leaves off: the UI on a host name (Elastic IPs, Route 53, the load balancer
#: controller, cert-manager's role) and the alert mail (SNS), so that their types are previewed too.
FULL = "aws-prod+ui+mail"
VARIANTS = {
    "aws-dev": ("aws-dev", {}),
    "aws-prod": ("aws-prod", {}),
    FULL: (
        "aws-prod",
        {
            **with_settings(
                "aws-prod",
                "airflow",
                ui={"hostname": "airflow.contoso.com", "dnsZone": "contoso.com", "signIn": {"enabled": False}},
            ),
            **with_settings("aws-prod", "monitoring", alertEmail="oncall@contoso.com"),
        },
    ),
}
AWS_STACKS = tuple(VARIANTS)
CLUSTER = "aws:eks/cluster:Cluster"
DATABASE = "aws:rds/instance:Instance"
#: The types whose update preview is on record, from their provider source.
ON_RECORD = sorted(table().types)


def preview_updating(variant: str, *types: str) -> ProgramRun:
    stack, overrides = VARIANTS[variant]
    region = stack_config(stack)[0]["aws:region"]
    monitor = RecordingMonitor(PlatformMocks(aws_region=region, updating=frozenset(types)))
    return run_program(stack, overrides=overrides, preview=True, monitor=monitor)


@functools.cache
def previewed(stack: str) -> ProgramRun:
    """The preview with nothing to update: what every other preview is compared with."""
    return preview_updating(stack)


def aws_types(stack: str) -> set[str]:
    return {r.type for r in previewed(stack).resources if r.type.startswith("aws:")}


def changed_aws_inputs(run: ProgramRun, stack: str) -> list[str]:
    """AWS resources whose inputs differ from the preview without updates: an update of one
    resource would show as a change (or replacement) of another."""
    before = {r.urn: r.inputs for r in previewed(stack).resources if r.type.startswith("aws:")}
    return [r.urn for r in run.resources if r.urn in before and r.inputs != before[r.urn]]


def test_every_type_on_record_is_one_a_stack_declares():
    """A type on record that no stack declares is a stale row."""
    assert set(ON_RECORD) <= aws_types(FULL)
    assert aws_types("aws-dev") | aws_types("aws-prod") <= aws_types(FULL)


@pytest.mark.parametrize("type_token", ON_RECORD)
@pytest.mark.parametrize("stack", AWS_STACKS)
def test_an_update_of_an_aws_resource_leaves_the_kubernetes_side_and_the_other_resources_as_they_were(
    stack, type_token
):
    if type_token not in aws_types(stack):
        pytest.skip(f"{stack} declares no {type_token}")
    run = preview_updating(stack, type_token)
    assert unsettled_kubernetes_inputs(run) == []
    assert changed_aws_inputs(run, stack) == []


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_updating_every_other_aws_type_at_once_with_all_their_outputs_unknown_leaves_the_kubernetes_side_known(
    stack,
):
    """The types not on record get the cautious answer; one run updates them all (more unknowns
    can only unsettle more, so each alone stays known too)."""
    others = aws_types(stack) - set(ON_RECORD)
    run = preview_updating(stack, *others)
    assert unsettled_kubernetes_inputs(run) == []


def test_the_preview_keeps_the_clusters_endpoint_and_marks_what_terraform_marks_unknown():
    """The cases above can fail: the mock answers the table, not the assertion."""
    before = previewed("aws-dev").one(CLUSTER).state
    cluster = preview_updating("aws-dev", CLUSTER).one(CLUSTER).state
    assert cluster["endpoint"] == before["endpoint"] and not is_unknown(cluster["certificateAuthority"])
    vpc = preview_updating("aws-dev", "aws:ec2/vpc:Vpc").one("aws:ec2/vpc:Vpc").state
    assert is_unknown(vpc["ipv6CidrBlock"]) and is_unknown(vpc["ipv6AssociationId"])
    assert not is_unknown(vpc["id"]) and not is_unknown(vpc["cidrBlock"])


@pytest.mark.parametrize(
    ("type_token", "unsettled"),
    [
        (CLUSTER, "pulumi:providers:kubernetes kubernetes: kubeconfig"),
        (DATABASE, "kubernetes:helm.sh/v3:Release airflow: values"),
    ],
)
def test_the_kubernetes_side_rests_on_the_cluster_endpoint_and_database_address_staying_known(
    monkeypatch, type_token, unsettled
):
    """Were pulumi-aws to preview these types cautiously, the kubeconfig (endpoint and CA) and the
    release's database host would be unknown: the table's `kept` for them is what holds it."""
    monkeypatch.setattr(mocks, "planned_update", lambda type_token, created: None)
    assert unsettled in unsettled_kubernetes_inputs(preview_updating("aws-dev", type_token))

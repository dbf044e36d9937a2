"""EKS's Kubernetes version calendar: the committed default, the minors a stack may name on a day
for its upgrade policy, the plan's warnings, and the upgrade policy on the cluster.

As in tests/test_config_kubernetes_versions.py, the day is named with ``checked_on`` so that the
tests keep meaning the same thing; one test uses the real date on purpose.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
import yaml
from pydantic import ValidationError

from components import eks_versions as ev
from components.config import PROJECT, ConfigurationError, settings_from_config
from components.config.aws import EksSettings
from components.kubernetes_versions import DEFAULT_RUNWAY_DAYS, checked_on
from tools import plan
from tools.mocks import PlatformMocks
from tools.offline import RecordingMonitor, run_program, stack_config

AWS = f"{PROJECT}:aws"
VERSION = f"{AWS}.cluster.kubernetesVersion"
EKS_CLUSTER = "aws:eks/cluster:Cluster"
DAY = date(2026, 12, 6)


def aws_block(stack: str, **cluster: object) -> dict:
    """The stack file's aws block with ``cluster`` settings over its own."""
    block = json.loads(stack_config(stack)[0][AWS])
    block.setdefault("cluster", {}).update(cluster)
    return {AWS: block}


def settings_on(day: date, **cluster: object):
    with checked_on(day):
        return settings_from_config(PROJECT, "aws-dev", stack_config("aws-dev", aws_block("aws-dev", **cluster))[0])


def refused_on(day: date, **cluster: object) -> tuple[str, RecordingMonitor]:
    monitor = RecordingMonitor(PlatformMocks())
    with checked_on(day), pytest.raises(ConfigurationError) as raised:
        run_program("aws-dev", aws_block("aws-dev", **cluster), monitor=monitor)
    return str(raised.value), monitor


# -- the committed default -------------------------------------------------------------------------


def test_the_default_minor_has_six_months_of_standard_support_left_today():
    """Fails six months before the default enters extended support: bump it then, not once it costs more."""
    today, default = date.today(), EksSettings().kubernetes_version
    left = ev.standard_days_left(default, today)
    assert left is not None and left >= DEFAULT_RUNWAY_DAYS and ev.is_offered(default, today), (
        f"bump the default kubernetesVersion in components/config/aws.py (EksSettings): EKS has {left} days of "
        f"standard support for {default} on {today}, less than {DEFAULT_RUNWAY_DAYS}; "
        f"{ev.default_minor(today) if ev.offered_minors(today) else 'no minor'} qualifies "
        "(refresh data/eks-versions.yaml from its sources first)"
    )


def test_the_committed_default_is_what_the_calendar_recommends_on_the_day_it_was_chosen():
    assert ev.default_minor(ev.eks_calendar().seen) == EksSettings().kubernetes_version == "1.36"
    assert EksSettings().support_type == "EXTENDED"  # EKS's own default: no upgrade outside `pulumi up`


# -- the data file ---------------------------------------------------------------------------------


def test_every_minor_runs_release_then_standard_then_extended_support():
    minors = ev.eks_calendar().minors
    for name, minor in minors.items():
        assert minor.upstream_release < minor.eks_release < minor.end_of_support < minor.extended_end, name
    numbers = sorted(int(name.split(".")[1]) for name in minors)
    assert numbers == list(range(numbers[0], numbers[-1] + 1)), "no minor is skipped"


def test_the_calendar_refuses_unknown_keys_and_unsourced_minors():
    document = yaml.safe_load(ev.CALENDAR.read_text())
    with pytest.raises(ValidationError, match="extra"):
        ev.EksCalendar.model_validate({**document, "comment": "typo"})
    unsourced = {**document["minors"]["1.34"], "sources": ["nowhere"]}
    with pytest.raises(ValidationError, match="unknown sources"):
        ev.EksCalendar.model_validate({**document, "minors": {"1.34": unsourced}})


# -- the questions ---------------------------------------------------------------------------------


def test_offered_minors_per_upgrade_policy():
    # 1.31 ended on Nov 26; 1.37 is projected from the end of October (data/eks-versions.yaml)
    assert ev.offered_minors(DAY) == ["1.32", "1.33", "1.34", "1.35", "1.36", "1.37"]
    assert ev.offered_minors(DAY, "STANDARD") == ["1.35", "1.36", "1.37"]  # 1.34 left standard support on Dec 2
    # The default keeps DEFAULT_RUNWAY_DAYS (183) of standard support: 1.34's ends on Dec 2, 2026.
    assert (ev.default_minor(date(2026, 6, 2)), ev.default_minor(date(2026, 6, 3))) == ("1.34", "1.35")


def test_the_support_phase_starts_extended_on_the_end_of_standard_support():
    assert ev.support_phase("1.34", date(2026, 12, 1)) == "standard"
    assert ev.support_phase("1.34.2", date(2026, 12, 2)) == "extended"
    assert ev.support_phase("1.34", date(2026, 12, 2), "STANDARD") == "standard"  # EKS upgraded it
    assert ev.support_phase("1.34", date(2027, 12, 2)) is None


# -- the settings on a day -------------------------------------------------------------------------


def test_a_minor_past_its_extended_support_is_refused_with_what_eks_offers():
    message, monitor = refused_on(DAY, kubernetesVersion="1.31")
    assert f'  - {VERSION} = "1.31": reached the end of EKS extended support on 2026-11-26' in message
    assert "use a minor EKS offers on 2026-12-06: 1.32, 1.33, 1.34, 1.35, 1.36 or 1.37" in message
    assert monitor.declared == []


def test_a_minor_before_its_eks_release_is_refused():
    message, monitor = refused_on(date(2026, 9, 15), kubernetesVersion="1.37")
    assert f'{VERSION} = "1.37": is not released on EKS before 2026-10-31' in message
    assert monitor.declared == []


def test_a_minor_not_in_the_calendar_is_refused():
    message, _ = refused_on(DAY, kubernetesVersion="1.28")
    assert f'{VERSION} = "1.28": is not in EKS\'s release calendar (data/eks-versions.yaml, seen 2026-12-06)' in message


def test_extended_support_keeps_a_minor_that_standard_support_refuses():
    message, monitor = refused_on(DAY, kubernetesVersion="1.34", supportType="STANDARD")
    assert f'{VERSION} = "1.34": reached the end of EKS standard support on 2026-12-02' in message
    assert "use a minor EKS offers on 2026-12-06: 1.35, 1.36 or 1.37, or aws.cluster.supportType EXTENDED" in message
    assert "$0.60 an hour instead of $0.10" in message
    assert monitor.declared == []
    assert settings_on(DAY, kubernetesVersion="1.34").aws.cluster.kubernetes_version == "1.34"


def test_the_cluster_carries_the_upgrade_policy():
    with checked_on(DAY):
        default = run_program("aws-dev").one(EKS_CLUSTER)
        standard = run_program("aws-dev", aws_block("aws-dev", supportType="STANDARD")).one(EKS_CLUSTER)
    assert default.inputs["upgradePolicy"] == {"supportType": "EXTENDED"}
    assert standard.inputs["upgradePolicy"] == {"supportType": "STANDARD"}


# -- the plan's warnings ---------------------------------------------------------------------------


def test_the_plan_warns_before_extended_support_starts_and_of_the_example_range(capsys):
    day = date(2027, 5, 10)  # 1.36's standard support ends on Aug 2, 2027
    with checked_on(day):
        assert plan.main(["aws-prod"]) == 0
    out = capsys.readouterr().out
    support = (
        f'warning: {VERSION} = "1.36": EKS standard support for 1.36 ends on 2027-08-02, in 84 days; extended '
        "support from 2027-08-02 costs $0.60 an hour instead of $0.10; move to 1.37 before then"
    )
    access = f"warning: {AWS}.cluster.publicAccessCidrs lists 203.0.113.0/24, a documentation range (RFC 5737)"
    assert support in out and access in out
    assert out.index(support) < out.index("Stack airflow-platform/aws-prod")


def test_no_warning_further_out_nor_for_aws_dev_access(capsys):
    with checked_on(DAY):
        assert plan.main(["aws-dev"]) == 0
    assert "warning:" not in capsys.readouterr().out


def test_with_standard_support_the_warning_is_of_eks_upgrading_the_cluster_itself():
    day = date(2027, 1, 1)
    settings = settings_on(day, kubernetesVersion="1.35", supportType="STANDARD")
    assert ev.support_warnings(settings, day) == [
        f'{VERSION} = "1.35": EKS standard support for 1.35 ends on 2027-03-27, in 85 days; EKS then upgrades '
        "the control plane itself (supportType STANDARD); move to 1.36 or 1.37 before then"
    ]


def test_the_plan_warns_before_extended_support_ends():
    day = date(2027, 10, 1)
    settings = settings_on(day, kubernetesVersion="1.34")
    assert ev.support_warnings(settings, day) == [
        f'{VERSION} = "1.34": EKS extended support for 1.34 ends on 2027-12-02, in 62 days; EKS then upgrades '
        "the control plane itself and leaves the node groups behind; move to 1.35, 1.36 or 1.37 before then"
    ]

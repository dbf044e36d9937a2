"""The Kubernetes version calendar: the data file, the questions asked of it, and the settings it decides.

The settings are checked on the day the program runs; these tests name the day with
``kubernetes_versions.checked_on`` so that they keep meaning the same thing as time passes. One
test does use the real date on purpose: the committed default must last six more months.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
import yaml
from pydantic import ValidationError

from components import kubernetes_versions as kv
from components.config import PROJECT, ClusterSettings, ConfigurationError, settings_from_config
from tools import plan
from tools.mocks import PlatformMocks
from tools.offline import RecordingMonitor, run_program

CLUSTER = f"{PROJECT}:cluster"
VERSION = f"{CLUSTER}.kubernetesVersion"
LTS = {"tier": "Premium", "supportPlan": "AKSLongTermSupport"}


def refused_on(day: date, cluster: dict) -> tuple[str, RecordingMonitor]:
    monitor = RecordingMonitor(PlatformMocks())
    with kv.checked_on(day), pytest.raises(ConfigurationError) as raised:
        run_program("dev", {CLUSTER: cluster}, monitor=monitor)
    return str(raised.value), monitor


def settings_on(day: date, cluster: dict):
    with kv.checked_on(day):
        # Unprotected: the API server ranges a protected stack needs are not what is under test.
        return settings_from_config(PROJECT, "dev", {CLUSTER: json.dumps(cluster), f"{PROJECT}:protectData": "false"})


# -- the committed default -------------------------------------------------------------------------


def test_the_default_minor_has_six_months_of_support_left_today():
    """Fails six months before AKS drops the default: bump it then, not when new stacks break."""
    today, default = date.today(), ClusterSettings().kubernetes_version
    left = kv.days_until_end(default, today)
    assert left is not None and left >= kv.DEFAULT_RUNWAY_DAYS and kv.is_supported(default, today), (
        f"bump the default kubernetesVersion in components/config/cluster.py (ClusterSettings): AKS supports {default} "
        f"for {left} more days on {today}, less than {kv.DEFAULT_RUNWAY_DAYS}; "
        f"{kv.default_minor(today) if kv.supported_minors(today) else 'no minor'} qualifies "
        "(refresh data/aks-versions.yaml from its sources first)"
    )


def test_the_committed_default_is_what_the_calendar_recommends_on_the_day_it_was_chosen():
    assert kv.default_minor(kv.calendar().seen) == ClusterSettings().kubernetes_version == "1.36"


# -- the data file ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "day"),
    [("Mar 2026", date(2026, 3, 31)), ("Feb 2028", date(2028, 2, 29)), ("Aug 22, 2025", date(2025, 8, 22))],
)
def test_calendar_dates_mean_what_the_calendar_says(text, day):
    """Unless an explicit date is given, the calendar's month means its last day."""
    assert (
        kv.Minor.model_validate(
            {"upstream_release": "Jan 2026", "aks_ga": text, "end_of_support": text, "sources": ["calendar"]}
        ).end_of_support
        == day
    )


def test_every_minor_runs_ga_then_community_support_then_lts():
    minors = kv.calendar().minors
    for name, minor in minors.items():
        assert minor.aks_ga < minor.end_of_support < minor.lts_end, name
        assert timedelta(days=300) < minor.end_of_support - minor.aks_ga < timedelta(days=420), name  # ~12 months
    numbers = sorted(int(name.split(".")[1]) for name in minors)
    assert numbers == list(range(numbers[0], numbers[-1] + 1)), "no minor is skipped"


def test_an_unconfirmed_date_must_say_where_it_comes_from():
    entry = {"upstream_release": "Jan 2026", "aks_ga": "Mar 2026", "end_of_support": "Mar 2027", "sources": ["x"]}
    with pytest.raises(ValidationError, match="estimate_from"):
        kv.Minor.model_validate({**entry, "confirmed": False})
    unconfirmed = [name for name, minor in kv.calendar().minors.items() if not minor.confirmed]
    assert unconfirmed == ["1.34", "1.37"]


def test_the_calendar_refuses_unknown_keys():
    with pytest.raises(ValidationError, match="extra"):
        kv.Calendar.model_validate({**yaml.safe_load(kv.CALENDAR.read_text()), "comment": "typo"})


# -- the questions ---------------------------------------------------------------------------------

DAY = date(2026, 12, 1)


def test_supported_minors_on_a_day_per_plan():
    assert kv.supported_minors(DAY) == ["1.35", "1.36", "1.37"]
    assert kv.supported_minors(DAY, tier="Premium", plan="AKSLongTermSupport") == [
        "1.32",
        "1.33",
        "1.34",
        "1.35",
        "1.36",
        "1.37",
    ]
    # Long-term support needs tier Premium: without it the community window applies.
    assert kv.supported_minors(DAY, tier="Standard", plan="AKSLongTermSupport") == ["1.35", "1.36", "1.37"]


def test_support_ends_on_the_last_day_of_the_month():
    assert kv.is_supported("1.36", date(2027, 6, 30))
    assert not kv.is_supported("1.36", date(2027, 7, 1))
    assert kv.is_supported("1.36", date(2027, 7, 1), tier="Premium", plan="AKSLongTermSupport")
    assert not kv.is_supported("1.37", date(2026, 10, 30))  # GA in Oct 2026: counted once the month is over
    assert not kv.is_supported("1.99", DAY)


def test_days_until_end():
    assert kv.days_until_end("1.36", DAY) == 211
    assert kv.days_until_end("1.34", DAY) == -1
    assert kv.days_until_end("1.34", DAY, plan="AKSLongTermSupport") == 364
    assert kv.days_until_end("1.99", DAY) is None


def test_the_default_is_the_oldest_minor_with_six_months_left():
    assert kv.default_minor(DAY) == "1.36"  # 1.35 has 120 days left
    assert kv.default_minor(date(2026, 9, 1)) == "1.35"


# -- the settings on a day -------------------------------------------------------------------------


def test_the_default_is_refused_once_aks_drops_it():
    message, monitor = refused_on(date(2027, 7, 1), {})
    assert f'  - {VERSION} = "1.36": reached the end of AKS support on 2027-06-30' in message
    assert "use a minor AKS supports on 2027-07-01: 1.37" in message
    assert "or tier Premium with supportPlan AKSLongTermSupport (long-term support until 2028-06-30)" in message
    assert monitor.declared == []


def test_long_term_support_keeps_a_minor_creatable_for_another_year():
    settings = settings_on(date(2027, 7, 1), {"kubernetesVersion": "1.36", **LTS})
    assert settings.cluster.support_plan == "AKSLongTermSupport"
    with kv.checked_on(date(2027, 7, 1)):
        assert run_program("dev", {CLUSTER: {"kubernetesVersion": "1.36", **LTS}}).resources


def test_past_its_long_term_support_a_minor_is_refused_too():
    message, monitor = refused_on(date(2028, 7, 1), {"kubernetesVersion": "1.36", **LTS})
    assert f'{VERSION} = "1.36": reached the end of AKS long-term support on 2028-06-30' in message
    assert monitor.declared == []


def test_a_minor_before_its_ga_is_refused():
    message, monitor = refused_on(date(2026, 10, 15), {"kubernetesVersion": "1.37"})
    assert f'{VERSION} = "1.37": is not generally available on AKS before 2026-10-31' in message
    assert monitor.declared == []


def test_a_pinned_patch_is_accepted_without_automatic_upgrades():
    settings = settings_on(DAY, {"kubernetesVersion": "1.36.2", "upgradeChannel": "none"})
    assert (settings.cluster.kubernetes_version, settings.cluster.upgrade_channel) == ("1.36.2", "none")


def test_the_new_cluster_settings_default_to_the_community_plan_and_patch_upgrades():
    cluster = ClusterSettings()
    assert (cluster.support_plan, cluster.upgrade_channel) == ("KubernetesOfficial", "patch")


# -- the plan's warning ----------------------------------------------------------------------------


def test_the_plan_warns_within_ninety_days_of_the_end(capsys):
    day = date(2027, 4, 5)
    assert kv.days_until_end("1.36", day) == 86
    with kv.checked_on(day):
        assert plan.main(["dev"]) == 0
    out = capsys.readouterr().out
    warning = (
        f'warning: {VERSION} = "1.36": AKS support for 1.36 ends on 2027-06-30, in 86 days; move to 1.37 before then'
    )
    assert warning in out
    assert out.index(warning) < out.index("Stack airflow-platform/dev")


def test_no_warning_further_out_or_for_long_term_support():
    assert kv.support_warnings(settings_on(DAY, {}), DAY) == []  # 211 days left
    lts = settings_on(date(2027, 4, 5), {"kubernetesVersion": "1.36", **LTS})
    assert kv.support_warnings(lts, date(2027, 4, 5)) == []  # long-term support until 2028-06-30
    ending = kv.support_warnings(lts, date(2028, 5, 1))
    assert ending == [
        f'{VERSION} = "1.36": AKS long-term support for 1.36 ends on 2028-06-30, in 60 days; move to 1.37 before then'
    ]

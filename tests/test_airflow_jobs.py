"""The migration and create-user Jobs through Helm: the first install, every upgrade, a retry after a failure.

Helm's side is modelled from its source at v3.20.2, the version pulumi-kubernetes vendors
(provider/go.mod): ``pkg/action/install.go`` creates the release's resources, waits for them when
``Wait`` is set (``Wait = Wait || Atomic``), then runs the post-install hooks; ``upgrade.go`` does the
same with post-upgrade hooks; ``hooks.go`` runs hooks one at a time in weight order, deletes a hook's
previous resource first under ``before-hook-creation`` and always waits for it. pulumi-kubernetes
(``provider/pkg/provider/helm_release.go``) sets ``Wait = !skipAwait`` and ``WaitForJobs = !skipAwait &&
waitForJobs``. The chart's side: chart 1.20.0's ``templates/jobs/*.yaml`` set the hook annotations below
when ``useHelmHooks`` is on and merge them over ``jobAnnotations`` (sprig's ``merge`` keeps the first).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import pytest

from tests.test_airflow_chart import release, template_values

JOBS = ("migrateDatabaseJob", "createUserJob")
#: What chart 1.20.0's job templates annotate each Job with when ``useHelmHooks`` is true.
CHART_HOOK_ANNOTATIONS = {
    "migrateDatabaseJob": {
        "helm.sh/hook": "post-install,post-upgrade",
        "helm.sh/hook-weight": "1",
        "helm.sh/hook-delete-policy": "before-hook-creation,hook-succeeded",
    },
    "createUserJob": {
        "helm.sh/hook": "post-install,post-upgrade",
        "helm.sh/hook-weight": "2",
        "helm.sh/hook-delete-policy": "before-hook-creation,hook-succeeded",
    },
}
#: The chart's Deployments under the KubernetesExecutor; each has a wait-for-migrations init container
#: while ``<component>.waitForMigrations.enabled``, so none is ready before the migration has run.
DEPLOYMENTS = ("scheduler", "apiServer", "triggerer", "dagProcessor")
DEADLOCK = "wait for a migration that runs after that wait"


def job_annotations(values: dict[str, Any], job: str) -> dict[str, str]:
    section = values[job]
    hooks = CHART_HOOK_ANNOTATIONS[job] if section["useHelmHooks"] else {}
    return {**section["jobAnnotations"], **hooks}


@dataclass(frozen=True)
class Hook:
    job: str
    events: frozenset[str]
    weight: int
    delete_policies: frozenset[str]


def hooks(values: dict[str, Any], event: str) -> list[Hook]:
    """The Jobs Helm runs as hooks for ``event``, in the order it runs them (weight, then name)."""
    found = []
    for job in JOBS:
        if not values[job]["enabled"]:
            continue
        annotations = job_annotations(values, job)
        events = frozenset(annotations.get("helm.sh/hook", "").split(",")) - {""}
        if event in events:
            policies = frozenset(annotations.get("helm.sh/hook-delete-policy", "before-hook-creation").split(","))
            found.append(Hook(job, events, int(annotations.get("helm.sh/hook-weight", "0")), policies))
    return sorted(found, key=lambda h: (h.weight, h.job))


def helm_run(inputs: dict[str, Any], values: dict[str, Any], event: str) -> list[str]:
    """What Helm does for an install (``post-install``) or an upgrade (``post-upgrade``), step by step.

    Raises AssertionError where Helm would hang until its timeout.
    """
    wait = not inputs.get("skipAwait") or bool(inputs.get("atomic"))
    wait_for_jobs = wait and bool(inputs.get("waitForJobs"))
    as_hooks = {h.job for h in hooks(values, event)}
    plain = [job for job in JOBS if values[job]["enabled"] and job not in as_hooks]
    steps = ["apply resources"] + [f"start {job}" for job in plain]
    if wait:
        gated = [d for d in DEPLOYMENTS if values[d]["waitForMigrations"]["enabled"]]
        assert "migrateDatabaseJob" in plain or not gated, f"Helm waits for {gated}, which {DEADLOCK}"
        steps += ["wait for pods"] + [f"wait for {job}" for job in plain if wait_for_jobs]
    for hook in hooks(values, event):
        if "before-hook-creation" in hook.delete_policies:
            steps.append(f"delete previous {hook.job}")
        steps += [f"start {hook.job}", f"wait for {hook.job}"]
    return steps


def first_install(run) -> list[str]:
    return helm_run(release(run).inputs, template_values(run), "post-install")


def test_first_install_finishes_migrated_and_with_the_admin_user(stack_run):
    steps = first_install(stack_run)
    for job in JOBS:
        assert f"wait for {job}" in steps, f"Helm returns before {job} has finished"
    # create-user starts only once the migration has completed, as the Deployments' pods do.
    assert steps.index("wait for migrateDatabaseJob") < steps.index("start createUserJob")


def test_every_upgrade_runs_both_jobs_afresh_in_order(stack_run):
    """Whatever the previous run left behind (a failed Job, which the chart's ttlSecondsAfterFinished keeps
    for 300 s), Helm deletes it before creating the next: no patch, so no "field is immutable"."""
    steps = helm_run(release(stack_run).inputs, template_values(stack_run), "post-upgrade")
    for job in JOBS:
        start = steps.index(f"start {job}")
        assert steps[start - 1] == f"delete previous {job}"
        assert f"wait for {job}" in steps
    assert steps.index("wait for migrateDatabaseJob") < steps.index("start createUserJob")


def test_a_retry_after_a_failure_replaces_the_failed_jobs(stack_run):
    """A failed first install stays a failed release in Pulumi's state; the next `pulumi up` upgrades it
    (Helm upgrades a release whose only revision failed) and the failed Jobs make way for new ones.
    Helm leaves a failed Job alone, so its pod's logs stay readable until the chart's TTL removes it."""
    found = hooks(template_values(stack_run), "post-upgrade")
    assert {hook.job for hook in found} == set(JOBS)
    for hook in found:
        assert "hook-failed" not in hook.delete_policies, "Helm would delete the failed Job and its logs at once"
        assert "before-hook-creation" in hook.delete_policies


def test_the_release_neither_waits_for_pods_nor_rolls_back(stack_run):
    inputs = release(stack_run).inputs
    assert inputs["skipAwait"] is True
    # Atomic turns Helm's wait back on, and uninstalls a failed first install with the evidence.
    assert not inputs.get("atomic")
    # Ignored with skipAwait; the hooks are what Helm waits for.
    assert inputs.get("waitForJobs") is None
    assert inputs["timeout"] >= 900, "each hook may pull the image onto a new node and migrate an empty database"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"inputs": {"skipAwait": False}, "hooks": True}, DEADLOCK),
        ({"inputs": {"skipAwait": True, "atomic": True}, "hooks": True}, DEADLOCK),
        ({"inputs": {"skipAwait": False, "waitForJobs": True}, "hooks": False}, None),
    ],
)
def test_the_model_sees_the_deadlock_and_the_race(dev_run, change, expected):
    """The designs the program does not use: Helm waiting for pods with hook Jobs hangs; plain Jobs
    (waited for) start together, so create-user races the migration and rerun only when their spec is
    patched, which Kubernetes refuses for a Job's pod template."""
    inputs = {**release(dev_run).inputs, **change["inputs"]}
    values = copy.deepcopy(template_values(dev_run))
    for job in JOBS:
        values[job]["useHelmHooks"] = change["hooks"]
    if expected:
        with pytest.raises(AssertionError, match=expected):
            helm_run(inputs, values, "post-install")
        return
    steps = helm_run(inputs, values, "post-install")
    assert steps.index("start createUserJob") < steps.index("wait for migrateDatabaseJob")
    assert not [s for s in steps if s.startswith("delete previous")]

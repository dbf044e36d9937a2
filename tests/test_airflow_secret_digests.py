"""A changed Secret rolls the pods that read it: its digest sits in every Airflow pod's annotations.

Chart 1.20.0 puts ``airflowPodAnnotations`` on the pods of the API server, scheduler, triggerer and DAG
processor Deployments, of both Jobs and the cleanup CronJobs, and on the task pod template
(files/pod-template-file.kubernetes-helm-yaml merges ``workers.podAnnotations`` over it). Its own
``checksum/...`` annotations hash the Secrets it would render itself, which it never does here.
"""

from __future__ import annotations

import functools
import hashlib
import re

import pytest

from tests.helpers import component_of, generated_secrets, plain
from tests.test_airflow_chart import release, template_values, user_values
from tests.test_airflow_secrets import DEPLOY_KEY, PRIVATE_REPO, SECRET, private_repo_run
from tests.test_guards import with_settings
from tools.offline import ProgramRun, run_program, strings_in

#: Kubernetes' syntax for an annotation key: an optional DNS-subdomain prefix and a name of at most 63.
ANNOTATION_KEY = re.compile(
    r"^(?:(?P<prefix>[a-z0-9]([-a-z0-9.]*[a-z0-9])?)/)?(?P<name>[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$"
)
ROTATED_KEY = DEPLOY_KEY.replace("b3BlbnNzaC1rZXktdjEAAAAABG5v", "c3BlbnNzaC1rZXktdjEAAAAABG5w")


@functools.cache
def rotated_key_run() -> ProgramRun:
    return run_program(
        "dev", overrides={**with_settings("dev", "airflow", **PRIVATE_REPO), "airflow-platform:gitSshKey": ROTATED_KEY}
    )


def runs(name: str, dev_run: ProgramRun, prod_run: ProgramRun) -> ProgramRun:
    return {"dev": dev_run, "prod": prod_run}.get(name) or private_repo_run()


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def secret_values(run: ProgramRun) -> dict[str, str]:
    """Each Secret the release creates for the Airflow pods, by name, with its one value in the clear.

    Not the database role Job's Secret: no Airflow pod reads it (tests/test_airflow_database_role.py).
    """
    found = {}
    for secret in run.of_type(SECRET):
        if component_of(run, secret) != "airflow-platform:airflow:Release":
            continue
        (value,) = plain(secret.inputs["stringData"]).values()
        found[secret.inputs["metadata"]["name"]] = value
    return found


@pytest.mark.parametrize("run_name", ["dev", "prod", "private-repo"])
def test_every_airflow_pod_carries_the_digest_of_every_secret(run_name, dev_run, prod_run):
    run = runs(run_name, dev_run, prod_run)
    values = template_values(run)
    annotations = values["airflowPodAnnotations"]
    digests = {name: sha256(value) for name, value in secret_values(run).items()}
    assert len(digests) >= (6 if run_name == "private-repo" else 5)
    assert sorted(annotations.values()) == sorted(digests.values())
    for key, value in annotations.items():
        match = ANNOTATION_KEY.match(key)
        assert match and len(match["name"]) <= 63 and len(match["prefix"] or "") <= 253, key
        # The key names the Secret whose digest it carries, so a preview says which one changed.
        (name,) = [n for n, d in digests.items() if d == value]
        assert key.endswith(name)
    # Nothing the task pod template merges over them replaces them.
    assert not set(values["workers"]["podAnnotations"] or {}) & set(annotations)


@pytest.mark.parametrize("run_name", ["dev", "prod", "private-repo"])
def test_digests_are_plain_values_and_no_secret(run_name, dev_run, prod_run):
    run = runs(run_name, dev_run, prod_run)
    recorded = release(run).inputs["values"]["airflowPodAnnotations"]
    assert strings_in(recorded, secret=False) and not strings_in(recorded, secret=True)
    assert not set(plain(recorded).values()) & generated_secrets(run)


def test_rotating_a_secret_changes_its_digest_and_no_other():
    before, after = private_repo_run(), rotated_key_run()
    name = user_values(before)["dags"]["gitSync"]["sshKeySecret"]
    assert secret_values(after)[name] == ROTATED_KEY != secret_values(before)[name]
    old, new = user_values(before)["airflowPodAnnotations"], user_values(after)["airflowPodAnnotations"]
    assert set(old) == set(new)
    changed = {key for key in old if old[key] != new[key]}
    assert changed == {key for key, value in new.items() if value == sha256(ROTATED_KEY)}
    assert len(changed) == 1

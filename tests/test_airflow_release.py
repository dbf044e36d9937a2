"""The Helm release itself: chart, image, executor, jobs, tuning, what it waits for, its outputs."""

from __future__ import annotations

import functools

import pytest

from components.config import AirflowSettings, ConfigurationError
from tests.helpers import component_of, named
from tests.test_airflow_chart import chart_file, release, template_values, user_values
from tests.test_guards import with_settings
from tools.offline import ProgramRun, run_program

NAMESPACE = "kubernetes:core/v1:Namespace"
AGENT_POOL = "azure-native:containerservice:AgentPool"
AIRFLOW_OUTPUTS = {
    "airflowNamespace",
    "airflowReleaseName",
    "airflowReleaseStatus",
    "airflowApiServerUrl",
    "airflowChartVersion",
    "airflowVersion",
    "airflowImage",
    "airflowRemoteLogFolder",
    "airflowAdminUsername",
    "airflowAdminPassword",
}


@functools.cache
def registry_image_run() -> ProgramRun:
    image = {"repository": "acrexample.azurecr.io/airflow", "tag": "3.1.8-dags.4"}
    # dev's own airflow block with the image changed: Airflow's defaults would outgrow dev's database.
    return run_program("dev", overrides=with_settings("dev", "airflow", image=image))


def test_official_chart_pinned_from_the_settings_into_its_own_namespace(stack_run):
    inputs = release(stack_run).inputs
    assert inputs["chart"] == "airflow"
    assert inputs["repositoryOpts"]["repo"] == "https://airflow.apache.org"
    assert inputs["version"] == AirflowSettings().chart_version == chart_file("Chart.yaml")["version"]
    assert inputs["namespace"] == AirflowSettings().namespace
    assert inputs["namespace"] in {n.inputs["metadata"]["name"] for n in stack_run.of_type(NAMESPACE)}


def test_release_runs_through_the_cluster_provider_inside_its_component(stack_run):
    resource = release(stack_run)
    assert component_of(stack_run, resource) == "airflow-platform:airflow:Release"
    provider = resource.provider.rsplit("::", 1)[0]
    assert stack_run.by_urn(provider).type == "pulumi:providers:kubernetes"
    for secret in stack_run.of_type("kubernetes:core/v1:Secret"):
        assert secret.provider == resource.provider


def test_release_waits_for_cluster_database_identity_registry_and_secrets_but_not_the_task_pool(stack_run):
    waits = stack_run.waits_for(release(stack_run))
    pools = {pool.inputs["mode"]: pool for pool in stack_run.of_type(AGENT_POOL)}
    needed = [
        stack_run.one("azure-native:containerservice:ManagedCluster"),
        # Its own control-plane pool, where the stack has one (else the cluster's System pool).
        *([pools["System"]] if "System" in pools else []),
        stack_run.one("azure-native:dbforpostgresql:Database"),
        named(stack_run, "azure-native:authorization:RoleAssignment", "blob-data-contributor"),
        *stack_run.of_type("azure-native:managedidentity:FederatedIdentityCredential"),
        # The Jobs pull the image as soon as the release exists: the nodes may pull from the registry.
        stack_run.one("azure-native:containerregistry:Registry"),
        named(stack_run, "azure-native:authorization:RoleAssignment", "kubelet-acr-pull"),
        *stack_run.of_type("kubernetes:core/v1:Secret"),
        # Its own namespace, and the database role Job's, whose Job it waits for.
        *stack_run.of_type(NAMESPACE),
    ]
    assert not [r.name for r in needed if r.urn not in waits]
    assert pools["User"].urn not in waits


def test_official_image_at_the_charts_app_version(stack_run):
    values = user_values(stack_run)
    assert values["defaultAirflowRepository"] == "apache/airflow"
    assert values["defaultAirflowTag"] == chart_file("Chart.yaml")["appVersion"]
    # Unset per-image overrides: the scheduler, jobs and the task pod template all use the default.
    images = template_values(stack_run)["images"]
    assert images["airflow"]["repository"] is None and images["pod_template"]["repository"] is None


def test_image_from_the_platform_registry():
    values = user_values(registry_image_run())
    assert values["defaultAirflowRepository"] == "acrexample.azurecr.io/airflow"
    assert values["defaultAirflowTag"] == "3.1.8-dags.4"


@pytest.mark.parametrize("tag", ["latest", "slim-latest", "latest-python3.12", "3", "3.1", "stable", "main"])
def test_a_moving_image_tag_is_refused(tag):
    with pytest.raises((ValueError, ConfigurationError), match=r"image\.tag"):
        run_program("dev", overrides={"airflow-platform:airflow": {"image": {"tag": tag}}})


def test_kubernetes_executor_with_the_platform_database_only(stack_run):
    values = template_values(stack_run)
    assert values["executor"] == "KubernetesExecutor"
    assert values["postgresql"]["enabled"] is False
    assert values["redis"]["enabled"] is False
    assert values["pgbouncer"]["enabled"] is False
    # The metadata DB reaches Airflow only as its SQLAlchemy connection, never as a task connection.
    builtin = values["enableBuiltInSecretEnvVars"]
    assert builtin["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] is True
    assert builtin["AIRFLOW_CONN_AIRFLOW_DB"] is False


@pytest.mark.parametrize("job", ["migrateDatabaseJob", "createUserJob"])
def test_jobs_run_without_custom_env(stack_run, job):
    """How they run, and in which order, is tests/test_airflow_jobs.py's concern."""
    values = template_values(stack_run)[job]
    assert values["enabled"] is True
    assert values["applyCustomEnv"] is False


def test_scheduler_and_executor_tuning(dev_run, prod_run):
    for run, expected in (
        (dev_run, {"parallelism": 64, "max_active_tasks_per_dag": 32, "batch": 16}),
        (prod_run, {"parallelism": 256, "max_active_tasks_per_dag": 64, "batch": 32}),
    ):
        config = template_values(run)["config"]
        assert config["core"]["parallelism"] == expected["parallelism"]
        assert config["core"]["max_active_tasks_per_dag"] == expected["max_active_tasks_per_dag"]
        executor = config["kubernetes_executor"]
        assert executor["worker_pods_creation_batch_size"] == expected["batch"]
        assert executor["delete_worker_pods"] == "True"
        assert executor["delete_worker_pods_on_failure"] == "False"
        # The chart's own settings in these sections survive the merge.
        assert config["core"]["executor"] == "{{ .Values.executor }}"
        assert "pod_template_file" in executor


def test_git_sync_is_off_without_a_repository(stack_run):
    assert template_values(stack_run)["dags"]["gitSync"]["enabled"] is False


def test_outputs(stack_run):
    outputs = stack_run.outputs
    assert set(outputs) >= AIRFLOW_OUTPUTS
    assert [name for name in AIRFLOW_OUTPUTS if outputs[name].secret] == ["airflowAdminPassword"]
    values = user_values(stack_run)
    inputs = release(stack_run).inputs
    chart = chart_file("Chart.yaml")
    assert outputs["airflowNamespace"].value == inputs["namespace"]
    assert outputs["airflowReleaseName"].value == inputs["name"] == release(stack_run).state["status"]["name"]
    assert outputs["airflowReleaseStatus"].value == "deployed"
    assert outputs["airflowChartVersion"].value == chart["version"]
    assert outputs["airflowVersion"].value == chart["appVersion"]
    assert outputs["airflowImage"].value == f"apache/airflow:{chart['appVersion']}"
    # The chart names the API server's Service <release>-api-server while useStandardNaming is off.
    assert template_values(stack_run)["useStandardNaming"] is False
    assert outputs["airflowApiServerUrl"].value == (
        f"http://{inputs['name']}-api-server.{inputs['namespace']}.svc.cluster.local:{values['ports']['apiServer']:.0f}"
    )
    assert outputs["airflowAdminUsername"].value == values["createUserJob"]["defaultUser"]["username"]

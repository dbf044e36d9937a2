"""The bootstrap's settings: a new stack's configuration derived from a template stack file and the
command's options, checked by the program's own rules before anything is created."""

from __future__ import annotations

import json

import pytest
import yaml
from pulumi import automation as auto

from components.config import LOCATION_KEY, ConfigurationError
from tests.conftest import TEMPLATE_CIPHERTEXT
from tests.stand_in_cli import ROOT
from tools import bootstrap
from tools.bootstrap import has_changes
from tools.bootstrap_settings import (
    AWS_REGION_KEY,
    BootstrapError,
    config_path,
    derive_config,
    option_overrides,
    parse_assignment,
    pending_changes,
    program_settings,
    set_all_json,
    stack_cloud,
)

DEV = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
AWS_DEV = yaml.safe_load((ROOT / "Pulumi.aws-dev.yaml").read_text())["config"]
#: A protected stack names where its API server may be reached from (a documentation range here).
RANGES = ("cluster.access.authorizedIpRanges", ["198.51.100.0/24"])
KNOWN_HOSTS = "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"


# --- the settings derivation ---------------------------------------------------------------


def test_a_new_stack_gets_the_template_settings_with_overrides_applied():
    derived = derive_config(
        DEV,
        [
            (LOCATION_KEY, "northeurope"),
            ("cluster.taskPool.maxCount", 8),
            ("cluster.controlPlanePool.dedicated", True),
            ("cluster.controlPlanePool.vmSize", "Standard_D8ds_v5"),
            ("logs.softDeleteDays", 7),
            RANGES,
        ],
    )
    settings = program_settings("staging", {}, derived.values, {})

    assert settings.location == "northeurope"
    assert settings.cluster.task_pool.max_count == 8
    assert settings.cluster.control_plane_pool.vm_size == "Standard_D8ds_v5"
    assert settings.cluster.control_plane_pool.dedicated
    assert settings.logs.soft_delete_days == 7
    # Everything not overridden is the template's.
    dev = program_settings("dev", {}, DEV, {})
    assert settings.database == dev.database
    assert settings.registry == dev.registry
    assert settings.cluster.task_pool.vm_size == dev.cluster.task_pool.vm_size
    assert settings.logs.retention_days == dev.logs.retention_days
    assert settings.protect_data is True  # not dev's false: see below


PROTECT = "airflow-platform:protectData"


def test_a_new_stack_is_protected_though_the_dev_template_is_not():
    """dev sets protectData false so it can be torn down; a copy of it must not lose that silently."""
    assert DEV[PROTECT] is False
    derived = derive_config(DEV, [("logs.retentionDays", 30), RANGES])
    assert derived.values[PROTECT] is True
    assert program_settings("staging", {}, derived.values, {}).protect_data is True
    note, paused = derived.notes
    assert "protectData: true for this stack, although the template dev sets false" in note
    assert "--set protectData=false" in note
    assert "cluster.access.authorizedIpRanges" in note
    # dev pauses on a schedule; a protected stack never does.
    assert derived.values["airflow-platform:pause"]["schedule"]["enabled"] is False
    assert "pause.schedule.enabled: false for this stack" in paused
    assert DEV["airflow-platform:pause"]["schedule"]["enabled"] is True, "the template itself is left as it was"


def test_a_new_protected_stack_without_api_server_ranges_is_refused_naming_the_setting():
    derived = derive_config(DEV, [("logs.retentionDays", 30)])
    with pytest.raises(ConfigurationError, match=r"cluster\.access\.authorizedIpRanges: is required when protectData"):
        program_settings("staging", {}, derived.values, {})


@pytest.mark.parametrize("key", ["protectData", PROTECT])
def test_a_new_stack_is_unprotected_only_when_asked(key):
    derived = derive_config(DEV, [(key, False)])
    assert derived.values[PROTECT] is False
    assert derived.notes == ()


def test_a_protected_template_is_copied_without_a_note():
    derived = derive_config({**DEV, PROTECT: True}, [])
    assert (derived.values[PROTECT], derived.notes) == (True, ())


def test_the_template_is_not_modified_by_a_derivation():
    template = json.loads(json.dumps(DEV))
    derive_config(template, [("cluster.taskPool.maxCount", 99), ("network.addressSpace", "10.50.0.0/16")])
    assert template == DEV


def test_secret_values_of_the_template_are_never_copied():
    template = {
        **DEV,
        "airflow-platform:gitSshKey": {"secure": TEMPLATE_CIPHERTEXT},
        "airflow-platform:airflow": {"gitSync": {"repo": "git@github.com:org/dags.git"}},
        "vendor:credentials": {"user": "ci", "token": {"secure": "v1:NESTED"}},
    }
    derived = derive_config(template, [])

    assert derived.withheld_secrets == ("airflow-platform:gitSshKey", "vendor:credentials")
    assert "airflow-platform:gitSshKey" not in derived.values
    assert "vendor:credentials" not in derived.values
    assert TEMPLATE_CIPHERTEXT not in json.dumps(derived.values)
    assert derived.values["airflow-platform:airflow"] == {"gitSync": {"repo": "git@github.com:org/dags.git"}}


def test_setting_paths_name_a_key_and_a_path_inside_it():
    assert config_path("cluster.taskPool.maxCount") == ("airflow-platform:cluster", ["taskPool", "maxCount"])
    assert config_path("airflow-platform:protectData") == ("airflow-platform:protectData", [])
    assert config_path(LOCATION_KEY) == (LOCATION_KEY, [])
    for bad in ("", "cluster..maxCount", "cluster."):
        with pytest.raises(BootstrapError):
            config_path(bad)


def test_assigned_values_are_read_as_yaml_so_types_survive():
    assert parse_assignment("cluster.taskPool.maxCount=8") == ("cluster.taskPool.maxCount", 8)
    assert parse_assignment("cluster.taskPool.spot=false") == ("cluster.taskPool.spot", False)
    assert parse_assignment('database.version="17"') == ("database.version", "17")
    assert parse_assignment("cluster.controlPlanePool.zones=['1','2']") == (
        "cluster.controlPlanePool.zones",
        ["1", "2"],
    )
    with pytest.raises(BootstrapError):
        parse_assignment("cluster.taskPool.maxCount")


def test_a_path_through_a_plain_value_is_refused():
    with pytest.raises(BootstrapError, match="not an object"):
        derive_config(DEV, [("protectData.enabled", True)])


@pytest.mark.parametrize(
    ("override", "named"),
    [
        (("cluster.taskPool.maxCount", "many"), "cluster.taskPool.maxCount"),
        (("cluster.taskpool.maxCount", 3), "cluster.taskpool"),  # a typo is not silently ignored
        (("registry.sku", "Gold"), "registry.sku"),
        (("databse.tier", "Burstable"), "databse"),
    ],
)
def test_invalid_settings_are_refused_naming_the_setting(override, named):
    derived = derive_config(DEV, [override])
    with pytest.raises(ConfigurationError, match=named.replace(".", r"\.")):
        program_settings("staging", {}, derived.values, {})


def test_settings_equal_to_what_the_cli_holds_are_not_written_again():
    # What `pulumi config --json` returns for the dev settings: strings, objects as JSON text.
    current = {
        key: auto.ConfigValue(value=value if isinstance(value, str) else json.dumps(value, separators=(",", ":")))
        for key, value in DEV.items()
    }
    assert pending_changes(current, DEV) == {}

    desired = derive_config(DEV, [("cluster.taskPool.maxCount", 8), ("protectData", False)]).values
    assert pending_changes(current, desired) == {"airflow-platform:cluster": desired["airflow-platform:cluster"]}
    assert pending_changes({}, {"airflow-platform:protectData": False}) == {"airflow-platform:protectData": False}


def test_changes_are_written_in_the_config_json_shape():
    document = json.loads(set_all_json({"airflow-platform:logs": {"retentionDays": 60}, LOCATION_KEY: "uksouth"}))
    assert document["airflow-platform:logs"] == {
        "value": '{"retentionDays": 60}',
        "objectValue": {"retentionDays": 60},
        "secret": False,
    }
    assert document[LOCATION_KEY] == {"value": "uksouth", "secret": False}


def test_only_operations_other_than_same_count_as_changes():
    assert not has_changes({"same": 32})
    assert has_changes({"same": 30, "update": 2})
    assert has_changes({"create": 32})
    assert not has_changes({"create": 0, "same": 0})


# --- the orchestration, against a stand-in CLI ----------------------------------------------


def test_a_control_plane_size_gives_airflow_a_pool_of_its_own_and_the_system_size_is_its_own_flag():
    """dev's template shares the System pool: naming a control-plane size asks for a pool of its own."""
    flags = ["--control-plane-vm-size", "Standard_D8ds_v5", "--system-vm-size", "Standard_D4ds_v5"]
    request = bootstrap.parse_args(["team-b", *flags])
    overrides = option_overrides("azure", request.options, "dev")
    settings = program_settings("team-b", {}, derive_config(DEV, [*overrides, RANGES]).values, {})
    assert settings.cluster.control_plane_pool.dedicated
    assert settings.cluster.control_plane_pool.vm_size == "Standard_D8ds_v5"
    assert settings.cluster.system_pool.vm_size == "Standard_D4ds_v5"


# --- AWS templates ---------------------------------------------------------------------------

#: A protected AWS stack names where its EKS API server may be reached from (a documentation range).
AWS_RANGES = ("aws.cluster.publicAccessCidrs", ["198.51.100.0/24"])


def aws_overrides(argv: list[str], template: dict = AWS_DEV) -> list:
    request = bootstrap.parse_args(["aws-staging", *argv])
    cloud = stack_cloud(template, request.overrides)
    return [*option_overrides(cloud, request.options, "aws-dev"), *request.overrides]


def test_region_and_task_pool_max_set_the_aws_settings_on_an_aws_template():
    derived = derive_config(
        AWS_DEV, [*aws_overrides(["--region", "eu-central-1", "--task-pool-max", "12"]), AWS_RANGES]
    )
    settings = program_settings("aws-staging", {}, derived.values, {})

    assert derived.values[AWS_REGION_KEY] == "eu-central-1"
    assert LOCATION_KEY not in derived.values
    assert settings.cloud == "aws"
    assert settings.aws_region == "eu-central-1"
    assert settings.aws.cluster.task_nodes.max_size == 12
    assert settings.aws.cluster.public_access_cidrs == ("198.51.100.0/24",)
    # Everything not overridden is the template's.
    template = program_settings("aws-dev", {}, AWS_DEV, {})
    assert settings.aws.database == template.aws.database
    assert settings.aws.network == template.aws.network


def test_a_new_protected_aws_stack_must_name_its_public_access_cidrs():
    """The mirror of Azure's authorizedIpRanges: the note and the refusal name the AWS setting."""
    derived = derive_config(AWS_DEV, aws_overrides(["--region", "eu-central-1"]), template_name="aws-dev")
    note, paused = derived.notes  # aws-dev pauses on a schedule; a protected copy never does
    assert "pause.schedule.enabled: false for this stack" in paused
    assert "protectData: true for this stack, although the template aws-dev sets false" in note
    assert "--set 'aws.cluster.publicAccessCidrs=[...]'" in note
    assert "authorizedIpRanges" not in note
    with pytest.raises(ConfigurationError, match=r"aws\.cluster\.publicAccessCidrs: is required while protectData"):
        program_settings("aws-staging", {}, derived.values, {})
    # Unprotected on request, like an Azure copy of dev: then no ranges are required.
    unprotected = derive_config(AWS_DEV, [*aws_overrides(["--region", "eu-central-1"]), ("protectData", False)])
    assert program_settings("aws-staging", {}, unprotected.values, {}).protect_data is False


def test_the_cloud_is_the_templates_unless_a_cloud_override_says_otherwise():
    assert stack_cloud(AWS_DEV, []) == "aws"
    assert stack_cloud(DEV, []) == "azure"  # dev does not name its cloud: the program's default
    assert stack_cloud(DEV, [("cloud", "aws")]) == "aws"
    assert option_overrides("aws", [("--region", "us-east-2")], "dev") == [(AWS_REGION_KEY, "us-east-2")]

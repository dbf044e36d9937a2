"""The bootstrap command: the settings derivation directly, the orchestration against a stand-in CLI.

The real Pulumi CLI cannot run here, so the orchestration tests put a stand-in ``pulumi`` first
on ``PATH``. It answers each command the Automation API sends the way the CLI does (same
arguments, same JSON, engine events over the same gRPC event log), keeps a file backend, runs
the real program offline for ``preview``/``up``, and records every command it receives.
"""

from __future__ import annotations

import inspect
import json
import os
import shutil
import sys
from pathlib import Path

import pulumi._version
import pytest
import yaml
from pulumi import automation as auto

from components.config import LOCATION_KEY, ConfigurationError
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

ROOT = Path(__file__).resolve().parent.parent
DEV = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
AWS_DEV = yaml.safe_load((ROOT / "Pulumi.aws-dev.yaml").read_text())["config"]
TEMPLATE_CIPHERTEXT = "v1:TEMPLATEONLYCIPHERTEXT"
TEMPLATE_CLIENT_SECRET = "v1:TEMPLATECLIENTSECRET"
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


def stand_in_pulumi(repo_root: str, cli_version: str) -> None:
    """The stand-in ``pulumi``: runs as its own executable (written out by :func:`stand_in`)."""
    import base64
    import datetime
    import getpass
    import hashlib
    import json
    import os
    import sys
    import time
    from pathlib import Path

    import yaml

    argv = sys.argv[1:]
    here = Path(sys.argv[0]).resolve().parent
    with (here / "commands.jsonl").open("a") as log:
        log.write(json.dumps(argv) + "\n")

    def fail(message: str, code: int = 255) -> None:
        print(f"error: {message}", file=sys.stderr)
        sys.exit(code)

    valued = {"--stack", "--event-log", "--exec-kind", "--client", "--secrets-provider", "--page-size", "--page"}
    words: list[str] = []
    flags: dict[str, object] = {}
    after_separator: list[str] = []
    index = 0
    while index < len(argv):
        arg = argv[index]
        if arg == "--":
            after_separator = argv[index + 1 :]
            break
        if arg in valued or (arg == "--json" and words[:2] == ["config", "set-all"]):
            flags[arg] = argv[index + 1]
            index += 2
            continue
        if arg.startswith("--"):
            flags[arg] = True
        else:
            words.append(arg)
        index += 1
    command = tuple(words)

    if command == ("version",):
        print(f"v{cli_version}")
        return
    backend_url = os.environ.get("PULUMI_BACKEND_URL", "")
    if not backend_url.startswith("file://"):
        fail("PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions")
    if command == ("whoami",):
        print(json.dumps({"user": getpass.getuser(), "url": backend_url, "organizations": ["organization"]}))
        return

    project_file = yaml.safe_load(Path("Pulumi.yaml").read_text())
    project = project_file["name"]
    stacks = Path(backend_url.removeprefix("file://")) / ".pulumi" / "stacks" / project
    name = str(flags.get("--stack") or (words[2] if command[:2] == ("stack", "init") else ""))
    state_file = stacks / f"{name}.json"
    stack_file = Path(f"Pulumi.{name}.yaml")

    def state() -> dict:
        if not state_file.exists():
            fail(f"no stack named '{name}' found")
        return json.loads(state_file.read_text())

    def stack_config() -> dict:
        document = yaml.safe_load(stack_file.read_text()) if stack_file.exists() else None
        return (document or {}).get("config") or {}

    def save_stack_config(config: dict) -> None:
        stack_file.write_text(yaml.safe_dump({"config": dict(sorted(config.items()))}, sort_keys=False))

    def as_text(value: object) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, dict | list):
            return json.dumps(value, separators=(",", ":"))
        return str(value)

    def encrypt(text: str) -> dict:  # the stand-in's "ciphertext": opaque to the caller, not secure
        return {"secure": "v1:" + base64.b64encode(text.encode()).decode()}

    def decrypt(value: dict) -> str:
        return base64.b64decode(value["secure"].removeprefix("v1:")).decode()

    def now() -> str:
        return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def planned() -> dict:
        """The program's resources and outputs for the stack's config, from one offline run."""
        digest = hashlib.sha256(json.dumps(stack_config(), sort_keys=True).encode()).hexdigest()
        cache = stacks.parent.parent / "plans" / f"{name}-{digest}.json"
        if cache.exists():
            return json.loads(cache.read_text())
        sys.path.insert(0, repo_root)
        from tools.offline import run_program

        try:
            run = run_program(name, root=Path.cwd(), preview=True)
        except Exception as error:  # the CLI reports a failing program and exits non-zero
            print(f"    error: an unhandled error occurred: {error}")
            sys.exit(255)
        plan = {
            "config": digest,
            "resources": {
                r.urn: {
                    "type": r.type,
                    "name": r.name,
                    "inputs": hashlib.sha256(json.dumps(r.inputs, sort_keys=True, default=str).encode()).hexdigest(),
                }
                for r in run.resources
            },
            "outputs": {k: {"value": o.value, "secret": o.secret} for k, o in run.outputs.items()},
        }
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(plan, default=str))
        return json.loads(cache.read_text())

    def steps(plan: dict, deployed: dict) -> tuple[dict, list[tuple[str, dict]]]:
        counts: dict[str, int] = {}
        changed = []
        for urn, resource in plan["resources"].items():
            if urn not in deployed:
                op = "create"
            elif deployed[urn]["inputs"] != resource["inputs"]:
                op = "update"
            else:
                op = "same"
            counts[op] = counts.get(op, 0) + 1
            if op != "same":
                changed.append((op, resource))
        for urn, resource in deployed.items():
            if urn not in plan["resources"]:
                counts["delete"] = counts.get("delete", 0) + 1
                changed.append(("delete", resource))
        return counts, changed

    def show(title: str, changed: list, counts: dict, tense: dict) -> None:
        print(f"{title} ({name}):")
        symbols = {"create": "+", "update": "~", "delete": "-"}
        for op, resource in changed:
            print(f"    {symbols[op]} {resource['type']} {resource['name']} {op}")
        print("Resources:")
        for op in ("create", "update", "delete"):
            if counts.get(op):
                print(f"    {symbols[op]} {counts[op]} {tense[op]}")
        print(f"    {counts.get('same', 0)} unchanged")

    def send_events(address: str, counts: dict) -> None:
        import grpc
        from pulumi.runtime.proto import events_pb2, events_pb2_grpc

        events = [
            {"summaryEvent": {"maybeCorrupt": False, "durationSeconds": 1, "resourceChanges": counts}},
            {"cancelEvent": {}},
        ]
        requests = [
            events_pb2.EventRequest(event=json.dumps({"sequence": i, "timestamp": int(time.time()), **event}))
            for i, event in enumerate(events, start=1)
        ]
        with grpc.insecure_channel(address.removeprefix("tcp://")) as channel:
            events_pb2_grpc.EventsStub(channel).StreamEvents(iter(requests))

    if command == ("stack", "select"):
        state()
    elif command[:2] == ("stack", "init"):
        if state_file.exists():
            fail(f"stack '{name}' already exists")
        stacks.mkdir(parents=True, exist_ok=True)
        urn = f"urn:pulumi:{name}::{project}::pulumi:pulumi:Stack::{project}-{name}"
        state_file.write_text(json.dumps({"version": 3, "checkpoint": {"stack": urn, "latest": None}, "history": []}))
    elif command == ("config",) and flags.get("--json"):
        state()
        values = {}
        for key, declared in (project_file.get("config") or {}).items():
            if isinstance(declared, dict) and "default" in declared:
                values[key if ":" in key else f"{project}:{key}"] = declared["default"]
        values.update(stack_config())
        listing = {}
        for key, value in sorted(values.items()):
            secret = isinstance(value, dict) and set(value) == {"secure"}
            entry: dict[str, object] = {"secret": secret}
            if not secret or flags.get("--show-secrets"):
                entry["value"] = decrypt(value) if secret else as_text(value)
            if isinstance(value, dict | list) and not secret:
                entry["objectValue"] = value
            listing[key] = entry
        print(json.dumps(listing, indent=4))
    elif command == ("config", "set-all") and "--json" in flags:
        state()
        config = stack_config()
        for key, entry in json.loads(str(flags["--json"])).items():
            if entry.get("secret"):
                config[key] = encrypt(entry["value"])
            else:
                config[key] = entry["objectValue"] if "objectValue" in entry else entry["value"]
        save_stack_config(config)
    elif command[:2] == ("config", "set") and len(command) == 3 and after_separator:
        state()
        config = stack_config()
        config[command[2]] = encrypt(after_separator[0]) if flags.get("--secret") else after_separator[0]
        save_stack_config(config)
    elif command in {("preview",), ("up",)}:
        current = state()
        plan = planned()
        latest = current["checkpoint"]["latest"] or {}
        counts, changed = steps(plan, latest.get("resources", {}))
        if command == ("preview",):
            show(
                "Previewing update",
                changed,
                counts,
                {"create": "to create", "update": "to update", "delete": "to delete"},
            )
            if "--event-log" in flags:
                send_events(str(flags["--event-log"]), counts)
        else:
            show("Updating", changed, counts, {"create": "created", "update": "updated", "delete": "deleted"})
            current["checkpoint"]["latest"] = {"resources": plan["resources"], "outputs": plan["outputs"]}
            started = now()
            current["history"].insert(
                0,
                {
                    "kind": "update",
                    "startTime": started,
                    "message": "",
                    "environment": {"exec.kind": str(flags.get("--exec-kind", "cli"))},
                    "config": {},
                    "result": "succeeded",
                    "endTime": now(),
                    "version": len(current["history"]) + 1,
                    "resourceChanges": counts,
                },
            )
            state_file.write_text(json.dumps(current))
    elif command == ("stack", "output") and flags.get("--json"):
        outputs = (state()["checkpoint"]["latest"] or {}).get("outputs", {})
        shown = {
            key: output["value"] if flags.get("--show-secrets") or not output["secret"] else "[secret]"
            for key, output in outputs.items()
        }
        print(json.dumps(shown, indent=4))
    elif command == ("stack", "history") and flags.get("--json"):
        history = state()["history"]
        print(json.dumps(history[: int(str(flags.get("--page-size", len(history))))], indent=4))
    else:
        fail(f"the stand-in does not implement: pulumi {' '.join(argv)}", code=2)


class StandIn:
    """The stand-in CLI's directory and what it recorded."""

    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir

    def commands(self) -> list[list[str]]:
        log = self.bin_dir / "commands.jsonl"
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text().splitlines()]

    def clear(self) -> None:
        (self.bin_dir / "commands.jsonl").unlink(missing_ok=True)


def words_of(command: list[str]) -> list[str]:
    """A recorded command's subcommand words, before its first flag: ``['config', 'set-all']``."""
    words = []
    for word in command[1:] if command[:1] == ["--non-interactive"] else command:
        if word.startswith("-"):
            break
        words.append(word)
    return words[:2]


@pytest.fixture
def stand_in(tmp_path, monkeypatch) -> StandIn:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    executable = bin_dir / "pulumi"
    source = inspect.getsource(stand_in_pulumi)
    executable.write_text(
        f"#!{sys.executable}\n{source}\n\nstand_in_pulumi({str(ROOT)!r}, {str(pulumi._version.version)!r})\n"
    )
    executable.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    for name in ("PULUMI_ACCESS_TOKEN", "PULUMI_BACKEND_URL", "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK"):
        monkeypatch.delenv(name, raising=False)
    return StandIn(bin_dir)


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the project's settings (the template dev holding secrets) beside the real program."""
    directory = tmp_path / "project"
    directory.mkdir()
    shutil.copy(ROOT / "Pulumi.yaml", directory)
    template = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    template["config"]["airflow-platform:gitSshKey"] = {"secure": TEMPLATE_CIPHERTEXT}
    template["config"]["azure-native:clientSecret"] = {"secure": TEMPLATE_CLIENT_SECRET}
    (directory / "Pulumi.dev.yaml").write_text(yaml.safe_dump(template))
    (directory / "__main__.py").symlink_to(ROOT / "__main__.py")
    return directory


@pytest.fixture
def logged_in(tmp_path, monkeypatch) -> Path:
    backend = tmp_path / "backend"
    backend.mkdir()
    monkeypatch.setenv("PULUMI_BACKEND_URL", f"file://{backend}")
    return backend


def test_bootstrap_previews_then_deploys_then_changes_nothing(stand_in, project, logged_in, tmp_path, capsys):
    deploy_key = tmp_path / "deploy_key"
    deploy_key.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nstaging-only\n-----END OPENSSH PRIVATE KEY-----\n")
    argv = [
        "staging",
        "--location",
        "northeurope",
        "--task-pool-max",
        "8",
        "--set",
        "cluster.access.authorizedIpRanges=[198.51.100.0/24]",
        "--set",
        "airflow.gitSync.repo=git@github.com:example/dags.git",
        "--set",
        f"airflow.gitSync.knownHosts={KNOWN_HOSTS}",
        "--secret-file",
        f"gitSshKey={deploy_key}",
    ]

    # 1. Without --yes: the stack is created, its settings written, the preview shown, nothing deployed.
    assert bootstrap.main(argv, project_dir=project) == 0
    first = stand_in.commands()
    assert [words_of(c) for c in first[:4]] == [["version"], ["whoami"], ["stack", "select"], ["stack", "init"]]
    assert first[3][1:4] == ["stack", "init", "staging"]
    assert any(words_of(c) == ["config", "set-all"] for c in first)
    preview = next(c for c in first if words_of(c) == ["preview"])
    assert "--diff" in preview
    assert not any(words_of(c) == ["up"] for c in first)
    printed = capsys.readouterr().out
    assert "Previewing update (staging):" in printed  # the CLI's own progress, streamed
    assert "Preview only" in printed
    assert "(none: the stack has not been deployed)" in printed
    assert "Not copied: azure-native:clientSecret is a secret of the template" in printed
    assert "pulumi config set --secret azure-native:clientSecret --stack staging < FILE" in printed
    assert "Not copied: airflow-platform:gitSshKey" not in printed  # given its own value instead
    assert "protectData: true for this stack, although the template dev sets false" in printed

    written = yaml.safe_load((project / "Pulumi.staging.yaml").read_text())["config"]
    assert written[LOCATION_KEY] == "northeurope"
    assert written["airflow-platform:cluster"]["taskPool"]["maxCount"] == 8
    assert written["airflow-platform:database"] == DEV["airflow-platform:database"]
    assert written[PROTECT] == "true"  # as `pulumi config set-all` writes a boolean
    assert set(written["airflow-platform:gitSshKey"]) == {"secure"}
    assert TEMPLATE_CIPHERTEXT not in (project / "Pulumi.staging.yaml").read_text()
    assert "azure-native:clientSecret" not in written

    # 2. With --yes: the stack exists, its settings already match, the preview's changes are deployed.
    stand_in.clear()
    assert bootstrap.main([*argv, "--yes"], project_dir=project) == 0
    second = [words_of(c) for c in stand_in.commands()]
    assert ["stack", "init"] not in second
    assert ["config", "set-all"] not in second
    assert ["config", "set"] not in second
    assert ["up"] in second
    printed = capsys.readouterr().out
    assert "Settings unchanged" in printed
    assert "Secret airflow-platform:gitSshKey unchanged" in printed
    assert "Updating (staging):" in printed
    assert '  location: "northeurope"' in printed
    assert "  airflowAdminPassword: [secret]" in printed
    # The kubeconfig carries no credential (Entra ID through kubelogin), so it is an ordinary output.
    assert "  kubeconfig: " in printed and "  kubeconfig: [secret]" not in printed

    # 3. Once more: nothing is written and nothing deployed.
    stack_file = (project / "Pulumi.staging.yaml").read_bytes()
    state = (logged_in / ".pulumi" / "stacks" / "airflow-platform" / "staging.json").read_bytes()
    stand_in.clear()
    assert bootstrap.main([*argv, "--yes"], project_dir=project) == 0
    third = [words_of(c) for c in stand_in.commands()]
    assert third == [
        ["version"],
        ["whoami"],
        ["stack", "select"],
        ["config"],
        ["preview"],
        ["stack", "output"],
        ["stack", "output"],
    ]
    assert (project / "Pulumi.staging.yaml").read_bytes() == stack_file
    assert (logged_in / ".pulumi" / "stacks" / "airflow-platform" / "staging.json").read_bytes() == state
    assert "Nothing to deploy" in capsys.readouterr().out


def test_a_missing_cli_is_reported_before_anything_runs(project, tmp_path, monkeypatch, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert bootstrap.main(["staging"], project_dir=project) == 2
    assert "the Pulumi CLI is not on PATH" in capsys.readouterr().err


def test_missing_credentials_are_reported_and_no_stack_is_created(stand_in, project, capsys):
    assert bootstrap.main(["staging", "--yes"], project_dir=project) == 2
    error = capsys.readouterr().err
    assert "not logged in to a Pulumi backend" in error
    assert "PULUMI_ACCESS_TOKEN must be set" in error  # the CLI's own reason, passed on
    assert [words_of(c) for c in stand_in.commands()] == [["version"], ["whoami"]]


def test_invalid_settings_create_and_write_nothing(stand_in, project, logged_in, capsys):
    assert bootstrap.main(["staging", "--set", "cluster.taskPool.maxCount=many"], project_dir=project) == 2
    assert "cluster.taskPool.maxCount" in capsys.readouterr().err
    assert [words_of(c) for c in stand_in.commands()] == [["version"], ["whoami"], ["stack", "select"]]
    assert not (project / "Pulumi.staging.yaml").exists()

    stand_in.clear()
    assert bootstrap.main(["staging", "--from", "nosuch"], project_dir=project) == 2
    assert "Pulumi.nosuch.yaml" in capsys.readouterr().err
    assert stand_in.commands() == []


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
#: What the stand-in AWS CLI answers `aws sts get-caller-identity` with: a role session, as SSO gives.
DEPLOYER = "arn:aws:sts::123456789012:assumed-role/platform-deployer/alice"


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
    (note,) = derived.notes  # aws-dev has no pause schedule to switch off
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


@pytest.mark.parametrize(
    ("template", "argv", "named"),
    [
        ("aws-dev", ["--location", "northeurope"], "use --region (aws:region)"),
        ("dev", ["--region", "eu-central-1"], "use --location (azure-native:location)"),
        ("aws-dev", ["--task-pool-vm-size", "Standard_D8ds_v5"], "--set 'aws.cluster.taskNodes.instanceTypes=["),
        ("aws-dev", ["--control-plane-vm-size", "Standard_D8ds_v5"], "'aws.cluster.controlPlaneNodes.instanceTypes="),
        ("aws-dev", ["--system-vm-size", "Standard_D4ds_v5"], "'aws.cluster.controlPlaneNodes.instanceTypes="),
    ],
)
def test_an_option_of_the_other_cloud_is_refused_before_anything_runs(
    stand_in, aws_cli, aws_project, template, argv, named, capsys
):
    assert bootstrap.main(["staging", "--from", template, *argv], project_dir=aws_project) == 2
    error = capsys.readouterr().err
    assert named in error
    assert f"the template {template} is a" in error
    assert stand_in.commands() == []
    assert aws_cli.commands() == []


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


@pytest.fixture
def aws_cli(stand_in, monkeypatch) -> AwsStandIn:
    """The stand-in ``aws`` beside the stand-in ``pulumi``, signed in (``AWS_PROFILE=deployer``)."""
    executable = stand_in.bin_dir / "aws"
    source = inspect.getsource(stand_in_aws)
    executable.write_text(f"#!{sys.executable}\n{source}\n\nstand_in_aws({DEPLOYER!r})\n")
    executable.chmod(0o755)
    monkeypatch.setenv("AWS_PROFILE", "deployer")
    return AwsStandIn(stand_in.bin_dir)


@pytest.fixture
def aws_project(project) -> Path:
    """The project copy with the aws-dev template beside dev."""
    shutil.copy(ROOT / "Pulumi.aws-dev.yaml", project)
    return project


AWS_ARGV = [
    "aws-staging",
    "--from",
    "aws-dev",
    "--region",
    "eu-central-1",
    "--set",
    "aws.cluster.publicAccessCidrs=[198.51.100.0/24]",
]


def test_bootstrap_of_an_aws_stack_checks_the_aws_identity_then_previews_and_deploys(
    stand_in, aws_cli, aws_project, logged_in, capsys
):
    # 1. Without --yes: the identity is checked before the stack is created; settings written, preview shown.
    assert bootstrap.main(AWS_ARGV, project_dir=aws_project) == 0
    assert aws_cli.commands() == [["sts", "get-caller-identity", "--output", "json", "--region", "eu-central-1"]]
    assert [words_of(c) for c in stand_in.commands()[:4]] == [
        ["version"],
        ["whoami"],
        ["stack", "select"],
        ["stack", "init"],
    ]
    printed = capsys.readouterr().out
    assert f"AWS credentials: {DEPLOYER}" in printed
    assert printed.index("AWS credentials") < printed.index("Created the stack aws-staging")
    assert "Previewing update (aws-staging):" in printed
    assert "--set 'aws.cluster.publicAccessCidrs=[...]'" in printed
    written = yaml.safe_load((aws_project / "Pulumi.aws-staging.yaml").read_text())["config"]
    assert written[AWS_REGION_KEY] == "eu-central-1"
    assert written["airflow-platform:cloud"] == "aws"
    assert written["airflow-platform:aws"]["cluster"]["publicAccessCidrs"] == ["198.51.100.0/24"]
    assert written["airflow-platform:aws"]["database"] == AWS_DEV["airflow-platform:aws"]["database"]
    assert written["airflow-platform:protectData"] == "true"
    assert LOCATION_KEY not in written

    # 2. With --yes: deployed, and the outputs are the new region's.
    stand_in.clear()
    assert bootstrap.main([*AWS_ARGV, "--yes"], project_dir=aws_project) == 0
    assert ["up"] in [words_of(c) for c in stand_in.commands()]
    printed = capsys.readouterr().out
    assert "Updating (aws-staging):" in printed
    assert '  region: "eu-central-1"' in printed
    assert "  airflowAdminPassword: [secret]" in printed


def test_an_aws_stack_without_aws_credentials_is_refused_and_no_stack_is_created(
    stand_in, aws_cli, aws_project, logged_in, monkeypatch, capsys
):
    monkeypatch.delenv("AWS_PROFILE")
    assert bootstrap.main(AWS_ARGV, project_dir=aws_project) == 2
    error = capsys.readouterr().err
    assert "the AWS CLI has no usable credentials" in error
    assert "Unable to locate credentials" in error  # the CLI's own reason, passed on
    assert [words_of(c) for c in stand_in.commands()] == [["version"], ["whoami"], ["stack", "select"]]
    assert not (aws_project / "Pulumi.aws-staging.yaml").exists()


def test_an_aws_stack_without_the_aws_cli_is_refused_naming_what_needs_it(
    stand_in, aws_project, logged_in, monkeypatch, capsys
):
    monkeypatch.setenv("PATH", str(stand_in.bin_dir))  # the stand-in pulumi, and no aws
    assert bootstrap.main(AWS_ARGV, project_dir=aws_project) == 2
    error = capsys.readouterr().err
    assert "the AWS CLI (v2) is not on PATH" in error
    assert "aws eks get-token" in error
    assert not (aws_project / "Pulumi.aws-staging.yaml").exists()


def test_an_azure_stack_does_not_ask_the_aws_cli(stand_in, aws_cli, project, logged_in):
    argv = ["staging", "--location", "northeurope", "--set", "cluster.access.authorizedIpRanges=[198.51.100.0/24]"]
    assert bootstrap.main(argv, project_dir=project) == 0
    assert aws_cli.commands() == []

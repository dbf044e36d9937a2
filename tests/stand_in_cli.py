"""A stand-in for the Pulumi CLI, for the bootstrap's orchestration tests.

The real Pulumi CLI cannot run here, so the orchestration tests put a stand-in ``pulumi`` first
on ``PATH``. It answers each command the Automation API sends the way the CLI does (same
arguments, same JSON, engine events over the same gRPC event log), keeps a file backend, runs
the real program offline for ``preview``/``up``, and records every command it receives. Each
stand-in is a function whose source becomes the executable (:func:`install`).
"""

from __future__ import annotations

import inspect
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pulumi._version

ROOT = Path(__file__).resolve().parent.parent


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


def install(bin_dir: Path, name: str, stand_in: Callable[..., None], *args: str) -> None:
    """Writes ``stand_in``'s source as the executable ``bin_dir/name``, called with ``args``."""
    executable = bin_dir / name
    call = ", ".join(repr(a) for a in args)
    executable.write_text(f"#!{sys.executable}\n{inspect.getsource(stand_in)}\n\n{stand_in.__name__}({call})\n")
    executable.chmod(0o755)


def install_pulumi(bin_dir: Path) -> StandIn:
    install(bin_dir, "pulumi", stand_in_pulumi, str(ROOT), str(pulumi._version.version))
    return StandIn(bin_dir)


def path_with(bin_dir: Path) -> str:
    return f"{bin_dir}{os.pathsep}{os.environ['PATH']}"

"""The pause command against a stand-in ``az`` and the stand-in ``pulumi`` of tests/test_bootstrap.py,
its schedule with a frozen clock, and the paused cost the plan prints.

The stand-in ``az`` keeps each resource's power state in a file beside it, answers ``show`` with
the field the real CLI's ``--query`` picks, refuses to stop a server that is not Ready (the
real service's ``ServerIsNotReady``), and records every command it receives.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import amsterdam, deployed_project
from tests.stand_in_cli import install
from tools import pause
from tools.cost import estimate_idle_cost
from tools.offline import run_program
from tools.paused_cost import HOURS_PER_WEEK, load_pause_facts, paused_cost, stops_when_paused
from tools.prices import load_prices

ROOT = Path(__file__).resolve().parent.parent
GROUP, CLUSTER, SERVER = "rg-airflow-dev", "aks-airflow-dev", "psql-airflow-dev"


def stand_in_az() -> None:
    """The stand-in ``az``: runs as its own executable (written out by :func:`azure`)."""
    import json
    import sys
    from pathlib import Path

    argv = sys.argv[1:]
    here = Path(sys.argv[0]).resolve().parent
    with (here / "az-commands.jsonl").open("a") as log:
        log.write(json.dumps(argv) + "\n")
    states = json.loads((here / "az-state.json").read_text())
    flags = {argv[i]: argv[i + 1] for i in range(len(argv) - 1) if argv[i].startswith("--")}
    words = [word for i, word in enumerate(argv) if not word.startswith("--") and not argv[i - 1].startswith("--")]
    kind = "cluster" if words[0] == "aks" else "server"
    verb = words[-1]
    key = f"{flags['--resource-group']}/{flags['--name']}"
    if key not in states[kind]:
        print(f"ERROR: (ResourceNotFound) {key} was not found.", file=sys.stderr)
        sys.exit(3)
    state = states[kind][key]
    if verb == "show":
        print(state)
        return
    if kind == "server" and verb == "stop" and state != "Ready":
        print(
            "ERROR: (ServerIsNotReady) Restart or Stop Server can only be performed on Started servers. "
            f"Server Name = {flags['--name']}, Current Server State = {state}",
            file=sys.stderr,
        )
        sys.exit(1)
    running = "Running" if kind == "cluster" else "Ready"
    states[kind][key] = running if verb == "start" else "Stopped"
    (here / "az-state.json").write_text(json.dumps(states))


class Azure:
    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir

    def set(self, cluster: str, server: str) -> None:
        states = {"cluster": {f"{GROUP}/{CLUSTER}": cluster}, "server": {f"{GROUP}/{SERVER}": server}}
        (self.bin_dir / "az-state.json").write_text(json.dumps(states))

    def states(self) -> tuple[str, str]:
        states = json.loads((self.bin_dir / "az-state.json").read_text())
        return states["cluster"][f"{GROUP}/{CLUSTER}"], states["server"][f"{GROUP}/{SERVER}"]

    def changes(self) -> list[list[str]]:
        """The recorded commands that change something: ``[['aks', 'stop'], ...]``."""
        log = self.bin_dir / "az-commands.jsonl"
        commands = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
        return [[c[0], c[1] if c[0] == "aks" else c[2]] for c in commands if "show" not in c]


@pytest.fixture
def azure(stand_in) -> Azure:
    """The stand-in ``az`` beside the stand-in ``pulumi`` (tests/conftest.py), already on PATH."""
    install(stand_in.bin_dir, "az", stand_in_az)
    az = Azure(stand_in.bin_dir)
    az.set("Running", "Ready")
    return az


@pytest.fixture
def deployed(tmp_path, logged_in) -> Path:
    """The project's settings beside a backend holding dev and prod as deployed (their outputs)."""
    outputs = {
        "resourceGroupName": GROUP,
        "clusterName": CLUSTER,
        "databaseHost": f"{SERVER}.postgres.database.azure.com",
    }
    return deployed_project(tmp_path / "project", logged_in, {"dev": outputs, "prod": outputs})


def test_pause_stops_the_cluster_then_the_server_and_resume_starts_them_the_other_way(azure, deployed, capsys):
    assert pause.main(["pause", "dev"], project_dir=deployed) == 0
    assert azure.states() == ("Stopped", "Stopped")
    assert azure.changes() == [["aks", "stop"], ["postgres", "stop"]]
    assert "Paused" in capsys.readouterr().out

    # Again: nothing left to stop, nothing run but the reads.
    assert pause.main(["pause", "dev"], project_dir=deployed) == 0
    assert azure.changes() == [["aks", "stop"], ["postgres", "stop"]]
    printed = capsys.readouterr().out
    assert f"The AKS cluster {CLUSTER} is already stopped" in printed
    assert f"The PostgreSQL server {SERVER} is already stopped" in printed

    assert pause.main(["resume", "dev"], project_dir=deployed) == 0
    assert azure.states() == ("Running", "Ready")
    assert azure.changes()[2:] == [["postgres", "start"], ["aks", "start"]]


def test_the_az_commands_name_the_stacks_deployed_resources(azure, deployed):
    assert pause.main(["pause", "dev"], project_dir=deployed) == 0
    commands = [json.loads(line) for line in (azure.bin_dir / "az-commands.jsonl").read_text().splitlines()]
    assert ["aks", "stop", "--name", CLUSTER, "--resource-group", GROUP] in commands
    assert ["postgres", "flexible-server", "stop", "--name", SERVER, "--resource-group", GROUP] in commands


def test_prod_is_refused_before_any_command_runs_naming_the_setting(azure, deployed, stand_in, capsys):
    assert pause.main(["pause", "prod"], project_dir=deployed) == 2
    error = capsys.readouterr().err
    assert "protectData: true" in error and "never paused" in error
    assert stand_in.commands() == []
    assert azure.changes() == [] and not (azure.bin_dir / "az-commands.jsonl").exists()


def test_a_schedule_on_a_protected_stack_is_a_settings_error(deployed, capsys):
    prod = deployed / "Pulumi.prod.yaml"
    prod.write_text(prod.read_text() + "  airflow-platform:pause:\n    schedule: {enabled: true}\n")
    assert pause.main(["scheduled", "prod"], project_dir=deployed) == 2
    assert "airflow-platform:pause.schedule.enabled" in (error := capsys.readouterr().err)
    assert "must be false while protectData is true" in error


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        ("2026-12-07T06:59", "pause"),  # Monday before resumeAt
        ("2026-12-07T07:00", "resume"),
        ("2026-12-07T18:59", "resume"),
        ("2026-12-07T19:00", "pause"),
        ("2026-12-12T12:00", "pause"),  # Saturday: weekends are paused
    ],
)
def test_the_scheduled_run_decides_by_the_local_time_of_the_schedule(azure, deployed, local, expected, capsys):
    assert pause.main(["scheduled", "dev"], project_dir=deployed, now=amsterdam(local)) == 0
    assert f"so {expected}" in capsys.readouterr().out
    assert azure.states() == (("Stopped", "Stopped") if expected == "pause" else ("Running", "Ready"))


def test_the_time_zone_moves_the_window(deployed):
    """06:30 UTC on a Monday is 07:30 in Amsterdam (running) but 06:30 in London (paused)."""
    settings = pause.read_settings("dev", deployed)
    instant = datetime(2026, 12, 7, 6, 30, tzinfo=UTC)
    schedule = settings.pause.schedule
    assert pause.should_pause(schedule, instant) is False
    assert pause.should_pause(schedule.model_copy(update={"timezone": "Europe/London"}), instant) is True


def test_a_server_azure_restarted_inside_the_paused_window_is_stopped_again(azure, deployed, capsys):
    azure.set("Stopped", "Ready")  # Azure started the stopped server after seven days
    assert pause.main(["scheduled", "dev"], project_dir=deployed, now=amsterdam("2026-12-12T03:00")) == 0
    assert azure.states() == ("Stopped", "Stopped")
    assert azure.changes() == [["postgres", "stop"]]
    assert "Azure starts a stopped flexible server after 7 days" in capsys.readouterr().out


def test_a_server_azure_is_still_starting_is_reported_and_left_for_the_next_run(azure, deployed, capsys):
    azure.set("Stopped", "Starting")
    assert pause.main(["pause", "dev"], project_dir=deployed) == 2
    assert f"the PostgreSQL server {SERVER} is Starting" in capsys.readouterr().err
    assert azure.changes() == []


def test_high_availability_is_refused_only_where_azure_cannot_stop_it(deployed):
    settings = pause.read_settings("dev", deployed)
    with_ha = settings.model_copy(update={"database": settings.database.model_copy(update={"high_availability": True})})
    facts = load_pause_facts()
    pause.refuse_to_pause(with_ha, facts)  # data/pause.yaml: Azure stops a server with HA
    unstoppable = facts.model_copy(
        update={"postgres": facts.postgres.model_copy(update={"high_availability_stoppable": False})}
    )
    with pytest.raises(pause.PauseError, match=r"database\.highAvailability: true"):
        pause.refuse_to_pause(with_ha, unstoppable)


def test_the_paused_cost_drops_exactly_the_lines_azure_stops_billing():
    run = run_program("dev")
    idle = estimate_idle_cost(run, load_prices())
    facts = load_pause_facts()
    cost = paused_cost(idle, 108.0, facts)
    stopped = [line for line in idle.lines if stops_when_paused(line, facts.stops)]
    assert {(line.resource.type, line.unit) for line in stopped} >= {
        ("azure-native:containerservice:ManagedCluster", "nodes"),
        ("azure-native:dbforpostgresql:Server", "servers"),
    }
    assert cost.paused_usd == pytest.approx(idle.total_usd - sum(line.monthly_usd or 0 for line in stopped))
    # The outbound IP, the storage and the backups stay.
    kept = {line.unit for line in idle.lines if not stops_when_paused(line, facts.stops)}
    assert {"address", "rule", "GB"} <= kept
    share = 108.0 / HOURS_PER_WEEK
    assert cost.scheduled_usd == pytest.approx(cost.paused_usd * share + idle.total_usd * (1 - share))
    assert paused_cost(idle, None, facts).scheduled_usd is None

    # The data decides: a table under which nothing stops leaves the idle cost.
    nothing = facts.model_copy(update={"stops": {}})
    assert paused_cost(idle, 108.0, nothing).paused_usd == pytest.approx(idle.total_usd)


def test_resuming_a_stack_never_deployed_does_nothing(azure, deployed, capsys):
    """The update workflow resumes dev before every `pulumi up`, the first one included."""
    state = Path(os.environ["PULUMI_BACKEND_URL"].removeprefix("file://")) / ".pulumi" / "stacks"
    (state / "airflow-platform" / "dev.json").unlink()
    assert pause.main(["resume", "dev"], project_dir=deployed) == 0
    assert "The stack dev has not been deployed: nothing to resume" in capsys.readouterr().out
    assert azure.changes() == []
    assert pause.main(["pause", "dev"], project_dir=deployed) == 2, "pausing what is not there is an error"

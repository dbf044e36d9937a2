"""The offline plan: what a reviewer reads, the snapshots a PR diff shows, and the estimates."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
from datetime import date

import pytest

from tests.conftest import planned
from tests.helpers import generated_secrets, named
from tools import plan, plan_document, plan_text, snapshots
from tools.cloud_figures import load_price_tables, stack_cloud
from tools.cost import AGENT_POOL, MANAGED_CLUSTER, POSTGRES_SERVER, estimate_idle_cost
from tools.duration import critical_path, estimate_duration, load_provisioning_times, provisioning_steps
from tools.offline import ROOT, DeclaredResource, ProgramRun, run_program, strings_in
from tools.prices import load_prices

TIMES = load_provisioning_times()
PRICES = load_prices()
TABLES = load_price_tables()


def document_text(run: ProgramRun) -> str:
    """The plan document, priced with the stack's cloud's table (Azure's for a run made up here)."""
    stack_file = ROOT / f"Pulumi.{run.stack}.yaml"
    table = TABLES[stack_cloud(run.stack)] if stack_file.exists() else PRICES
    return plan_document.render_json(plan_document.plan_document(run, TIMES, table))


def secrets_of(run: ProgramRun) -> set[str]:
    """Every secret the run produced: generated values and secret stack outputs (the kubeconfig)."""
    outputs = {s for o in run.outputs.values() if o.secret for s in strings_in(o.value) if len(s) >= 12}
    found = generated_secrets(run) | outputs
    assert found, "the program has secrets; a leak check needs something to look for"
    return found


# -- what a reviewer reads ------------------------------------------------------------------


def test_tree_shows_the_settings_each_stack_file_chooses(dev_run, prod_run):
    dev = "\n".join(plan_text.render_tree(dev_run))
    prod = "\n".join(plan_text.render_tree(prod_run))
    for line in ("sku.tier = Free", "mode = System", "minCount = 1", "sku.name = Standard_B1ms", "sku.name = Basic"):
        assert line in dev
    for line in (
        "sku.tier = Standard",
        "minCount = 3",
        "availabilityZones = ['1', '2', '3']",
        "vmSize = Standard_D8ds_v5",
        "highAvailability.mode = ZoneRedundant",
        "backup.backupRetentionDays = 35",
        "sku.name = Standard_ZRS",
    ):
        assert line in prod
    # Data protection shows: prod's server is protected, dev's is not.
    assert "azure-native:dbforpostgresql:Server  server [protected]" in prod
    assert "azure-native:dbforpostgresql:Server  server\n" in dev + "\n"


def test_outputs_and_tree_show_no_secret(stack_run):
    outputs = plan_text.render_outputs(stack_run)
    assert "  airflowAdminPassword: [secret]" in outputs
    shown = "\n".join(outputs + plan_text.render_tree(stack_run))
    assert not [s for s in secrets_of(stack_run) if s in shown]


# -- the JSON document ----------------------------------------------------------------------


def test_document_is_the_same_on_a_second_run():
    assert document_text(run_program("dev")) == document_text(planned("dev"))


def test_document_holds_no_secret_or_random_value(stack_run):
    text = document_text(stack_run)
    leaked = [s for s in secrets_of(stack_run) if s in text or base64.b64encode(s.encode()).decode() in text]
    assert not leaked
    assert not [r for r in plan_document.random_results(stack_run) if r in text]
    server = json.loads(text)["resources"]["database/server"]
    assert server["inputs"]["administratorLoginPassword"] == plan_document.SECRET_MARK


def test_open_random_results_are_replaced_by_a_marker():
    suffix = declared(
        "urn:id",
        "random:index/randomId:RandomId",
        "suffix",
        inputs={"byteLength": 4.0},
        state={"byteLength": 4.0, "hex": "9f3ac2d1", "b64Url": "nzrC0Q"},
    )
    account = declared(
        "urn:st",
        "azure-native:storage:StorageAccount",
        "st",
        inputs={"accountName": "logs9f3ac2d1", "kind": "StorageV2"},
    )
    run = ProgramRun("p", "s", [suffix, account])
    text = document_text(run)
    assert json.loads(text)["resources"]["st"]["inputs"] == {"accountName": "logs[random]", "kind": "StorageV2"}
    assert "9f3ac2d1" not in text and "nzrC0Q" not in text


def test_document_records_each_resource_with_its_options(prod_run):
    resources = json.loads(document_text(prod_run))["resources"]
    server = resources["database/server"]
    assert server["type"] == POSTGRES_SERVER
    assert server["parent"] == "database"
    assert server["protect"] is True
    assert server["provider"] == "default azure-native"
    # Explicit (the DNS link) and implicit (the subnet its input comes from) dependencies, by key.
    assert {"network/postgres-dns-link", "network/postgres"} <= set(server["dependencies"])
    assert server["inputs"]["sku"] == {"name": "Standard_D4ds_v5", "tier": "GeneralPurpose"}
    assert resources["database"]["parent"] is None
    kubernetes_objects = [r for r in resources.values() if r["type"].startswith("kubernetes:")]
    assert kubernetes_objects and all(r["provider"] == "cluster/kubernetes" for r in kubernetes_objects)


def test_resource_keys_are_unique_even_when_siblings_share_a_name():
    component = declared("urn:c", "test:index:Component", "app", custom=False)
    twins = [
        declared("urn:p", "random:index/randomPassword:RandomPassword", "admin", parent="urn:c"),
        declared("urn:s", "kubernetes:core/v1:Secret", "admin", parent="urn:c"),
    ]
    keys = plan_document.resource_keys(ProgramRun("p", "s", [component, *twins]))
    assert keys == {
        "urn:c": "app",
        "urn:p": "app/admin[random:index/randomPassword:RandomPassword]",
        "urn:s": "app/admin[kubernetes:core/v1:Secret]",
    }


# -- snapshots ------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", snapshots.stack_names())
def test_plan_matches_the_committed_snapshot(stack):
    difference = snapshots.snapshot_diff(snapshots.snapshot_path(stack), document_text(planned(stack)))
    if difference:
        pytest.fail(difference, pytrace=False)


def test_snapshot_difference_reads_as_a_unified_diff(tmp_path, dev_run):
    committed = document_text(dev_run)
    snapshot = tmp_path / "dev.json"
    snapshot.write_text(committed)
    assert snapshots.snapshot_diff(snapshot, committed) == ""

    changed = committed.replace('"vmSize": "Standard_D4ds_v5"', '"vmSize": "Standard_D8ds_v5"', 1)
    message = snapshots.snapshot_diff(snapshot, changed)
    assert snapshots.UPDATE_COMMAND in message
    assert "--- dev.json (committed)" in message
    changed_lines = [line for line in message.splitlines() if '"vmSize"' in line]
    assert changed_lines[0].startswith("-") and changed_lines[0].strip().endswith('"vmSize": "Standard_D4ds_v5",')
    assert changed_lines[1].startswith("+") and changed_lines[1].strip().endswith('"vmSize": "Standard_D8ds_v5",')
    assert len(message.splitlines()) < 20, "only the change and its context, not the whole document"

    assert snapshots.UPDATE_COMMAND in snapshots.snapshot_diff(tmp_path / "missing.json", committed)


def test_update_writes_snapshots_that_then_match(tmp_path, capsys):
    snapshots.update_snapshots(["dev"], ROOT, TIMES, TABLES, directory=tmp_path)
    snapshots.update_snapshots(["dev"], ROOT, TIMES, TABLES, directory=tmp_path)
    assert capsys.readouterr().out.splitlines() == [
        f"{tmp_path / 'dev.json'}: updated",
        f"{tmp_path / 'dev.json'}: unchanged",
    ]
    assert snapshots.snapshot_diff(tmp_path / "dev.json", document_text(planned("dev"))) == ""


# -- `pulumi up` duration -------------------------------------------------------------------


def test_critical_path_is_the_longest_chain_and_names_it():
    minutes = {"rg": 1, "vnet": 1, "subnet": 1, "cluster": 8, "provider": 0, "dns": 1.5, "db": 10, "release": 6}
    needs = {
        "vnet": ["rg"],
        "subnet": ["vnet"],
        "cluster": ["subnet"],
        "provider": ["cluster"],
        "dns": ["rg"],
        "db": ["dns", "subnet"],
        "release": ["provider", "db"],
    }
    path = critical_path(minutes, needs)
    assert path.minutes == 1 + 1 + 1 + 10 + 6
    assert path.chain == ("rg", "vnet", "subnet", "db", "release")
    assert path.done_at["cluster"] == 11  # ran alongside the database

    # A tie between two needs (dns and subnet both done at 3) goes to the name that sorts first.
    assert critical_path({**minutes, "dns": 2}, needs).chain == ("rg", "dns", "db", "release")

    faster_db = critical_path({**minutes, "db": 5}, needs)
    assert faster_db.minutes == 1 + 1 + 1 + 8 + 0 + 6
    assert faster_db.chain == ("rg", "vnet", "subnet", "cluster", "provider", "release")


def test_critical_path_refuses_cycles_and_unknown_steps():
    with pytest.raises(ValueError, match="no duration"):
        critical_path({"a": 1}, {"a": ["ghost"]})
    with pytest.raises(ValueError, match="cycle"):
        critical_path({"a": 1, "b": 1}, {"a": ["b"], "b": ["a"]})


def test_steps_wait_for_dependencies_providers_and_whats_inside_components():
    component = declared("urn:net", "test:index:Network", "network", custom=False)
    subnet = declared("urn:subnet", "azure-native:network:Subnet", "subnet", parent="urn:net")
    cluster = declared("urn:aks", MANAGED_CLUSTER, "aks", dependencies=["urn:net"])  # depends_on=[component]
    provider = declared("urn:k8s", "pulumi:providers:kubernetes", "k8s", dependencies=["urn:aks"])
    namespace = declared("urn:ns", "kubernetes:core/v1:Namespace", "ns", provider="urn:k8s::k8s-id")
    run = ProgramRun("p", "s", [component, subnet, cluster, provider, namespace])
    assert provisioning_steps(run) == {
        "urn:subnet": set(),
        "urn:aks": {"urn:subnet"},
        "urn:k8s": {"urn:aks"},
        "urn:ns": {"urn:k8s"},
    }
    estimate = estimate_duration(run, TIMES)
    assert [r.name for r, _ in estimate.chain] == ["subnet", "aks", "k8s", "ns"]
    assert estimate.unlisted_types == ()


def test_a_zone_redundant_server_takes_its_own_figure():
    def server(mode: str) -> DeclaredResource:
        return declared("urn:db", POSTGRES_SERVER, "db", inputs={"highAvailability": {"mode": mode}})

    plain_figure = TIMES.types[POSTGRES_SERVER].minutes
    assert TIMES.minutes_for(server("Disabled")) == plain_figure
    assert TIMES.minutes_for(server("ZoneRedundant")) > plain_figure


def test_unlisted_types_are_named_and_counted_at_the_fallback_figure():
    run = ProgramRun("p", "s", [declared("urn:x", "azure-native:foo:Bar", "x")])
    estimate = estimate_duration(run, TIMES)
    assert estimate.unlisted_types == ("azure-native:foo:Bar",)
    assert estimate.minutes == TIMES.unlisted.minutes


def test_the_slow_resources_provision_in_parallel_and_the_release_waits_only_for_what_it_needs(stack_run):
    steps = provisioning_steps(stack_run)

    def waits_for(urn: str) -> set[str]:
        found: set[str] = set()
        pending = [urn]
        while pending:
            for needed in steps[pending.pop()] - found:
                found.add(needed)
                pending.append(needed)
        return found

    cluster = stack_run.one(MANAGED_CLUSTER).urn
    server = stack_run.one(POSTGRES_SERVER).urn
    task_pool = named(stack_run, AGENT_POOL, "task-pool").urn
    release = stack_run.one("kubernetes:helm.sh/v3:Release").urn
    assert cluster not in waits_for(server) and server not in waits_for(cluster)
    assert {cluster, server} <= waits_for(release)
    assert task_pool not in waits_for(release), "task pods need the task pool, installing the chart does not"
    estimate = estimate_duration(stack_run, TIMES)
    assert estimate.minutes < estimate.sequential_minutes
    assert estimate.chain[-1][0].urn == release


def test_every_declared_type_has_a_duration_figure_and_a_price(stack_run):
    assert estimate_duration(stack_run, TIMES).unlisted_types == ()
    cost = estimate_idle_cost(stack_run, PRICES)
    assert cost.unpriced_types == ()
    assert [line.charge for line in cost.lines if line.monthly_usd is None] == []


def test_the_report_prints_the_deciding_chain(dev_run):
    estimate = estimate_duration(dev_run, TIMES)
    lines = plan_text.render_duration(estimate, plan_document.resource_keys(dev_run))
    assert lines[0].startswith(f"Estimated `pulumi up` from scratch: {estimate.minutes:.1f} min")
    alongside = lines.index("  slow steps off the chain, running alongside it:")
    # dev's Airflow shares the cluster's System pool, so the database server, which takes longer than
    # the cluster, decides it; the cluster provisions alongside.
    chain = lines[:alongside]
    assert any(line.endswith("database/server  (azure-native:dbforpostgresql:Server)") for line in chain)
    assert chain[-1].endswith("airflow/airflow  (kubernetes:helm.sh/v3:Release)")
    assert any("cluster/aks" in line for line in lines[alongside:])


# -- idle monthly cost ----------------------------------------------------------------------


def test_idle_cost_follows_the_declared_inputs_and_the_price_table():
    table = PRICES.model_copy(
        update={
            "hours_per_month": 700,
            "assumptions": PRICES.assumptions.model_copy(
                update={"task_log_gb_per_day": 2, "database_size_gb": 150, "database_change_gb_per_day": 0}
            ),
            "prices": PRICES.prices.model_copy(
                update={
                    "aks_tier": {"Standard": price(0.1, "hour")},
                    "vm": {"VM1": price(1, "hour")},
                    "load_balancer": price(0.02, "hour"),
                    "public_ip": price(0.01, "hour"),
                    "postgres_compute": {"DB1": price(0.5, "hour")},
                    "postgres_storage": price(0.1, "GB-month"),
                    "postgres_backup_geo": price(0.2, "GB-month"),
                    "registry": {"Basic": price(0.24, "day")},
                    "blob_hot": {"Standard_LRS": price(0.02, "GB-month")},
                    "private_dns_zone": price(0.5, "month"),
                }
            ),
        }
    )
    account = {"resourceGroupName": "rg", "accountName": "logs"}
    resources = [
        declared(
            "urn:aks",
            MANAGED_CLUSTER,
            "aks",
            inputs={
                "sku": {"tier": "Standard"},
                "networkProfile": {"loadBalancerSku": "standard"},
                "agentPoolProfiles": [{"name": "system", "vmSize": "VM1", "enableAutoScaling": True, "minCount": 2.0}],
            },
        ),
        declared(
            "urn:spot",
            AGENT_POOL,
            "tasks",
            inputs={"vmSize": "VM1", "enableAutoScaling": True, "minCount": 0.0, "scaleSetPriority": "Spot"},
        ),
        declared("urn:fixed", AGENT_POOL, "fixed", inputs={"vmSize": "VM1", "count": 1.0}),
        declared("urn:unknown-size", AGENT_POOL, "big", inputs={"vmSize": "VM9", "count": 1.0}),
        declared(
            "urn:db",
            POSTGRES_SERVER,
            "db",
            inputs={
                "sku": {"name": "DB1"},
                "highAvailability": {"mode": "ZoneRedundant"},
                "storage": {"storageSizeGB": 100.0},
                "backup": {"backupRetentionDays": 7.0, "geoRedundantBackup": "Enabled"},
            },
        ),
        declared("urn:acr", "azure-native:containerregistry:Registry", "acr", inputs={"sku": {"name": "Basic"}}),
        declared(
            "urn:st", "azure-native:storage:StorageAccount", "st", inputs={**account, "sku": {"name": "Standard_LRS"}}
        ),
        declared(
            "urn:policy",
            "azure-native:storage:ManagementPolicy",
            "policy",
            inputs={
                **account,
                "policy": {
                    "rules": [
                        {
                            "definition": {
                                "actions": {"baseBlob": {"delete": {"daysAfterModificationGreaterThan": 10.0}}}
                            }
                        }
                    ]
                },
            },
        ),
        declared(
            "urn:blob",
            "azure-native:storage:BlobServiceProperties",
            "blob",
            inputs={**account, "deleteRetentionPolicy": {"enabled": True, "days": 5.0}},
        ),
        declared("urn:zone", "azure-native:privatedns:PrivateZone", "zone", inputs={"location": "global"}),
        declared("urn:rg", "azure-native:resources:ResourceGroup", "rg", inputs={"location": "northeurope"}),
        declared("urn:odd", "azure-native:foo:Bar", "odd"),
    ]
    cost = estimate_idle_cost(ProgramRun("p", "s", resources), table)
    backup = next(line for line in cost.lines if line.charge.startswith("geo-redundant backups"))
    monthly = {(line.resource.name, line.unit): line.monthly_usd for line in cost.lines if line is not backup}
    assert monthly == {
        ("aks", "cluster"): pytest.approx(0.1 * 700),
        ("aks", "nodes"): pytest.approx(2 * 1 * 700),  # the pool's minCount, not its current count
        ("aks", "rule"): pytest.approx(0.02 * 700),
        ("aks", "address"): pytest.approx(0.01 * 700),
        ("tasks", "nodes"): 0,  # the task pool at zero
        ("fixed", "nodes"): pytest.approx(700),
        ("big", "nodes"): None,  # no price for the size: shown, not counted
        ("db", "servers"): pytest.approx(2 * 0.5 * 700),  # primary and HA standby
        ("db", "GB"): pytest.approx(2 * 100 * 0.1),  # storage: the standby has its own
        ("acr", "registry"): pytest.approx(0.24 * 700 / 24),
        ("st", "GB"): pytest.approx(2 * (10 + 5) * 0.02),  # logs kept for expiry plus soft delete
        ("zone", "zone"): 0.5,
    }
    assert backup.quantity == 150 - 100  # beyond the included provisioned storage
    assert backup.monthly_usd == pytest.approx(50 * 0.2)
    assert cost.total_usd == pytest.approx(sum(v for v in monthly.values() if v is not None) + 50 * 0.2)
    assert cost.unpriced_types == ("azure-native:foo:Bar",)
    assert cost.other_regions == ("northeurope",)


def test_the_price_table_is_dated_and_sourced():
    assert PRICES.region == "westeurope" and PRICES.currency == "USD"
    assert PRICES.as_of <= date.today()
    assert PRICES.prices.aks_tier["Standard"].source.startswith("https://azure.microsoft.com/")


def test_prod_costs_more_than_dev_at_idle(dev_run, prod_run):
    dev, prod = estimate_idle_cost(dev_run, PRICES), estimate_idle_cost(prod_run, PRICES)
    assert 0 < dev.total_usd < prod.total_usd
    report = "\n".join(plan_text.render_cost(dev, PRICES, plan_document.resource_keys(dev_run)))
    assert f"${dev.total_usd:,.2f}" in report and str(PRICES.as_of) in report


# -- the command line -----------------------------------------------------------------------


def test_cli_prints_the_plan_and_writes_the_document(tmp_path, capsys):
    target = tmp_path / "plan.json"
    assert plan.main(["dev", "--json", str(target)]) == 0
    out = capsys.readouterr().out
    assert "Stack airflow-platform/dev:" in out
    assert "Estimated `pulumi up` from scratch:" in out and "Estimated idle monthly cost" in out
    assert target.read_text() == document_text(planned("dev"))


def test_cli_refuses_bad_configuration_with_the_message_and_no_traceback(tmp_path, capsys):
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path)
    (tmp_path / "__main__.py").symlink_to(ROOT / "__main__.py")
    (tmp_path / "Pulumi.bad.yaml").write_text("config:\n  airflow-platform:registry:\n    sku: Gold\n")
    assert plan.main(["bad"], root=tmp_path) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Gold" in err and "Traceback" not in err


@pytest.mark.parametrize("args", [["no-such-stack"], ["no-such-stack", "--update-snapshots"]])
def test_cli_exits_non_zero_on_an_unknown_stack(args):
    result = subprocess.run(
        [sys.executable, "-m", "tools.plan", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "no stack file Pulumi.no-such-stack.yaml" in result.stderr
    assert "Traceback" not in result.stderr


# -- helpers --------------------------------------------------------------------------------


def declared(
    urn: str,
    type_token: str,
    name: str,
    *,
    custom: bool = True,
    parent: str = "urn:stack",
    inputs: dict | None = None,
    state: dict | None = None,
    dependencies: list[str] | None = None,
    provider: str = "",
) -> DeclaredResource:
    """A hand-built registration, as the offline run records one."""
    return DeclaredResource(
        urn=urn,
        type=type_token,
        name=name,
        custom=custom,
        parent=parent,
        inputs=inputs or {},
        state=state or {},
        protect=False,
        dependencies=dependencies or [],
        provider=provider,
        ignore_changes=[],
        delete_before_replace=False,
        retain_on_delete=False,
        additional_secret_outputs=[],
    )


def price(usd: float, per: str):
    return PRICES.prices.private_dns_zone.model_copy(update={"usd": usd, "per": per})

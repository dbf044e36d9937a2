"""A wrong stack file stops the program before it declares anything, with one clear message.

Every case runs the real program under mocks with one mistake in the dev stack's settings and
checks that the message names exactly the settings at fault, as a user writes them, says what
is allowed, and that not one resource was registered.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
import yaml

from components.config import (
    PROJECT,
    SECRET_MARK,
    ClusterAccessSettings,
    ClusterSettings,
    ConfigurationError,
    StackSettings,
    settings_from_config,
)
from tests.conftest import STACKS
from tools.mocks import PlatformMocks
from tools.offline import ROOT, RecordingMonitor, run_program, stack_config

CLUSTER = f"{PROJECT}:cluster"
NETWORK = f"{PROJECT}:network"
DATABASE = f"{PROJECT}:database"
LOGS = f"{PROJECT}:logs"
REGISTRY = f"{PROJECT}:registry"
AIRFLOW = f"{PROJECT}:airflow"
#: dev's own airflow block, for cases whose mistake is elsewhere in it: Airflow's defaults (two replicas,
#: larger pools, surging rollout) would also outgrow dev's Standard_B1ms.
DEV_AIRFLOW = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"][AIRFLOW]


def problem_paths(message: str) -> set[str]:
    """The setting paths a configuration message names, one per ``  - <path>[ = value]: ...`` line."""
    return {line[4:].split(" ", 1)[0].rstrip(":") for line in message.splitlines() if line.startswith("  - ")}


def refused(overrides: dict) -> tuple[str, RecordingMonitor]:
    """The message the dev stack with ``overrides`` stops with, and what the run registered."""
    monitor = RecordingMonitor(PlatformMocks())
    with pytest.raises(ConfigurationError) as raised:
        run_program("dev", overrides, monitor=monitor)
    return str(raised.value), monitor


def case(case_id: str, overrides: dict, paths: set[str], allowed: str):
    return pytest.param(overrides, paths, allowed, id=case_id)


BAD_CONFIGURATIONS = [
    # -- the stack as a whole
    case(
        "cloud-aws-with-azure-blocks",
        {f"{PROJECT}:cloud": "aws"},
        {
            "aws:region",
            "azure-native:location",
            *(f"{PROJECT}:{block}" for block in ("cluster", "network", "database", "logs", "registry", "secrets")),
        },
        "setting of the other cloud",
    ),
    case("cloud-unknown", {f"{PROJECT}:cloud": "gcp"}, {f"{PROJECT}:cloud"}, "must be azure or aws"),
    case(
        "location-display-name",
        {"azure-native:location": "West Europe"},
        {"azure-native:location"},
        "did you mean westeurope?",
    ),
    case("protect-data-yes", {f"{PROJECT}:protectData": "yes"}, {f"{PROJECT}:protectData"}, "true or false"),
    case(
        "unknown-top-level-key",
        {f"{PROJECT}:clustr": {"tier": "Free"}},
        {f"{PROJECT}:clustr"},
        f"did you mean {CLUSTER}?",
    ),
    case("block-not-an-object", {DATABASE: "big"}, {DATABASE}, "must be an object with the keys"),
    # -- cluster
    case(
        "kubernetes-version-unquoted",
        {CLUSTER: {"kubernetesVersion": 1.3}},
        {f"{CLUSTER}.kubernetesVersion"},
        "in quotes",
    ),
    case(
        "kubernetes-version-format",
        {CLUSTER: {"kubernetesVersion": "v1.33"}},
        {f"{CLUSTER}.kubernetesVersion"},
        "MAJOR.MINOR",
    ),
    case("cluster-tier", {CLUSTER: {"tier": "Gold"}}, {f"{CLUSTER}.tier"}, "'Free', 'Standard' or 'Premium'"),
    case("typo-taskpool", {CLUSTER: {"taskpool": {"maxCount": 3}}}, {f"{CLUSTER}.taskpool"}, "did you mean taskPool?"),
    case(
        "snake-case-key",
        {CLUSTER: {"task_pool": {"maxCount": 3}}},
        {f"{CLUSTER}.task_pool"},
        "did you mean taskPool?",
    ),
    case(
        "control-plane-spot",
        {CLUSTER: {"controlPlanePool": {"spot": True}}},
        {f"{CLUSTER}.controlPlanePool.spot"},
        "cannot be spot",
    ),
    case(
        "control-plane-min-zero",
        {CLUSTER: {"controlPlanePool": {"minCount": 0}}},
        {f"{CLUSTER}.controlPlanePool.minCount"},
        "greater than or equal to 1",
    ),
    case(
        "control-plane-one-node-across-zones",
        {CLUSTER: {"controlPlanePool": {"minCount": 1, "maxCount": 3, "zones": ["1", "2"]}}},
        {f"{CLUSTER}.controlPlanePool.minCount"},
        "at least 2 when zones are set",
    ),
    case(
        "control-plane-burstable",
        {CLUSTER: {"controlPlanePool": {"vmSize": "Standard_B4ms"}}},
        {f"{CLUSTER}.controlPlanePool.vmSize"},
        "B-series",
    ),
    case(
        "control-plane-min-over-max",
        {CLUSTER: {"controlPlanePool": {"minCount": 3, "maxCount": 2}}},
        {f"{CLUSTER}.controlPlanePool.minCount"},
        "must not exceed maxCount (2)",
    ),
    case(
        "zone-out-of-range",
        {CLUSTER: {"controlPlanePool": {"minCount": 2, "maxCount": 3, "zones": ["1", "4"]}}},
        {f"{CLUSTER}.controlPlanePool.zones[1]"},
        "'1', '2' or '3'",
    ),
    case(
        "zone-twice",
        {CLUSTER: {"controlPlanePool": {"minCount": 2, "maxCount": 3, "zones": [1, "1"]}}},
        {f"{CLUSTER}.controlPlanePool.zones"},
        "twice",
    ),
    case(
        "task-pool-negative-min",
        {CLUSTER: {"taskPool": {"minCount": -1}}},
        {f"{CLUSTER}.taskPool.minCount"},
        "greater than or equal to 0",
    ),
    case(
        "task-pool-over-aks-limit",
        {CLUSTER: {"taskPool": {"maxCount": 1001}}},
        {f"{CLUSTER}.taskPool.maxCount"},
        "less than or equal to 1000",
    ),
    case(
        "task-pool-min-over-max",
        {CLUSTER: {"taskPool": {"minCount": 6, "maxCount": 5}}},
        {f"{CLUSTER}.taskPool.minCount"},
        "must not exceed maxCount (5)",
    ),
    case(
        "task-pool-fractional-count",
        {CLUSTER: {"taskPool": {"maxCount": 2.5}}},
        {f"{CLUSTER}.taskPool.maxCount"},
        "whole number",
    ),
    case(
        "vm-size-not-azure",
        {CLUSTER: {"taskPool": {"vmSize": "d4ds_v5"}}},
        {f"{CLUSTER}.taskPool.vmSize"},
        "such as Standard_D4ds_v5",
    ),
    case(
        "spot-burstable",
        {CLUSTER: {"taskPool": {"vmSize": "Standard_B2s", "spot": True}}},
        {f"{CLUSTER}.taskPool.vmSize"},
        "Azure Spot does not offer B-series",
    ),
    case(
        "spot-price-zero",
        {CLUSTER: {"taskPool": {"spotMaxPrice": 0}}},
        {f"{CLUSTER}.taskPool.spotMaxPrice"},
        "-1 (pay up to the on-demand price) or a price above 0",
    ),
    case(
        "spot-price-negative",
        {CLUSTER: {"taskPool": {"spotMaxPrice": -0.5}}},
        {f"{CLUSTER}.taskPool.spotMaxPrice"},
        "a price above 0",
    ),
    case(
        "spot-price-without-spot",
        {CLUSTER: {"taskPool": {"spot": False, "spotMaxPrice": 0.5}}},
        {f"{CLUSTER}.taskPool.spotMaxPrice"},
        "only when spot is true",
    ),
    # -- network
    case("cidr-without-prefix", {NETWORK: {"addressSpace": "10.40.0.0"}}, {f"{NETWORK}.addressSpace"}, "IPv4 CIDR"),
    case(
        "cidr-host-bits",
        {NETWORK: {"nodeSubnet": "10.40.1.0/20"}},
        {f"{NETWORK}.nodeSubnet"},
        "the network is 10.40.0.0/20",
    ),
    case(
        "subnet-outside-address-space",
        {NETWORK: {"databaseSubnet": "10.41.0.0/24"}},
        {f"{NETWORK}.databaseSubnet"},
        "inside addressSpace (10.40.0.0/16)",
    ),
    case(
        "subnets-overlap",
        {NETWORK: {"databaseSubnet": "10.40.8.0/24"}},
        {f"{NETWORK}.databaseSubnet"},
        "must not overlap nodeSubnet (10.40.0.0/20)",
    ),
    case(
        "address-space-overlaps-service-network",
        {NETWORK: {"addressSpace": "10.0.0.0/8"}},
        {f"{NETWORK}.addressSpace"},
        "service network 10.0.0.0/16",
    ),
    case(
        "subnet-overlaps-pod-network",
        {
            NETWORK: {
                "addressSpace": "10.240.0.0/12",
                "nodeSubnet": "10.244.0.0/20",
                "databaseSubnet": "10.240.0.0/24",
                "privateEndpoints": False,
            }
        },
        {f"{NETWORK}.addressSpace", f"{NETWORK}.nodeSubnet"},
        "pod network 10.244.0.0/16",
    ),
    case(
        "subnet-below-azure-minimum",
        {NETWORK: {"databaseSubnet": "10.40.16.0/30"}},
        {f"{NETWORK}.databaseSubnet"},
        "/29",
    ),
    case(
        "node-subnet-smaller-than-pools",
        {NETWORK: {"nodeSubnet": "10.40.0.0/29", "privateEndpoints": False}},
        {f"{NETWORK}.nodeSubnet"},
        "room for 3 nodes",
    ),
    # -- database
    case("postgres-retired", {DATABASE: {"version": "12"}}, {f"{DATABASE}.version"}, "'13', '14'"),
    case("database-tier", {DATABASE: {"tier": "Basic"}}, {f"{DATABASE}.tier"}, "'Burstable', 'GeneralPurpose'"),
    case(
        "general-purpose-size-on-burstable",
        {DATABASE: {"tier": "Burstable", "skuName": "Standard_D4ds_v5"}},
        {f"{DATABASE}.skuName"},
        "Standard_B* size such as Standard_B2s",
    ),
    case(
        "burstable-size-on-general-purpose",
        {DATABASE: {"tier": "GeneralPurpose", "skuName": "Standard_B2s"}},
        {f"{DATABASE}.skuName"},
        "Standard_D* size",
    ),
    case(
        "zone-redundant-burstable",
        {DATABASE: {"tier": "Burstable", "highAvailability": True}},
        {f"{DATABASE}.highAvailability"},
        "not offered on the Burstable tier",
    ),
    case(
        "backup-retention-short",
        {DATABASE: {"backupRetentionDays": 6}},
        {f"{DATABASE}.backupRetentionDays"},
        "greater than or equal to 7",
    ),
    case(
        "backup-retention-long",
        {DATABASE: {"backupRetentionDays": 36}},
        {f"{DATABASE}.backupRetentionDays"},
        "less than or equal to 35",
    ),
    case("storage-size", {DATABASE: {"storageSizeGb": 100}}, {f"{DATABASE}.storageSizeGb"}, "32, 64, 128"),
    # -- connections: Airflow's processes together against the server's max_connections
    case(
        "database-connections-too-few",
        # dev's Airflow on its Standard_B1ms, but with the chart's surging rollout: a second pod of each.
        {
            AIRFLOW: {
                "replicas": {"scheduler": 1, "apiServer": 1, "triggerer": 1},
                "databasePool": {"size": 2, "maxOverflow": 0},
                "rollout": "surge",
            }
        },
        {f"{DATABASE}.skuName"},
        "leaves Airflow 35 connections (max_connections 50 minus 15 reserved",
    ),
    case(
        "rollout-unknown",
        {AIRFLOW: {"rollout": "recreate"}},
        {f"{AIRFLOW}.rollout"},
        "'surge' or 'replace'",
    ),
    case(
        "database-pool-too-large",
        {AIRFLOW: {"databasePool": {"size": 20, "maxOverflow": 20}}},
        {f"{DATABASE}.skuName"},
        "Airflow may open 578 (317 with every pod up, more during an upgrade's rolling update and migration): "
        "use Standard_B2ms or larger",
    ),
    case(
        "database-pool-unbounded",
        {AIRFLOW: {"databasePool": {"size": 0}}},
        {f"{AIRFLOW}.databasePool.size"},
        "greater than or equal to 1",
    ),
    case(
        "database-pool-overflow-unbounded",
        {AIRFLOW: {"databasePool": {"maxOverflow": -1}}},
        {f"{AIRFLOW}.databasePool.maxOverflow"},
        "greater than or equal to 0",
    ),
    # -- logs and registry
    case("log-retention-zero", {LOGS: {"retentionDays": 0}}, {f"{LOGS}.retentionDays"}, "greater than or equal to 1"),
    case("soft-delete-over-a-year", {LOGS: {"softDeleteDays": 366}}, {f"{LOGS}.softDeleteDays"}, "less than or equal"),
    case("registry-sku", {REGISTRY: {"sku": "Free"}}, {f"{REGISTRY}.sku"}, "'Basic', 'Standard' or 'Premium'"),
    # -- monitoring
    case(
        "monitoring-retention-short",
        {f"{PROJECT}:monitoring": {"logRetentionDays": 7}},
        {f"{PROJECT}:monitoring.logRetentionDays"},
        "greater than or equal to 30",
    ),
    case(
        "monitoring-mail-not-an-address",
        {f"{PROJECT}:monitoring": {"alertEmail": "oncall"}},
        {f"{PROJECT}:monitoring.alertEmail"},
        "an e-mail address",
    ),
    case(
        "monitoring-mail-example-domain",
        {f"{PROJECT}:monitoring": {"alertEmail": "airflow-oncall@example.com"}},
        {f"{PROJECT}:monitoring.alertEmail"},
        "reserved for examples",
    ),
    case(
        "monitoring-grafana-without-monitoring",
        {f"{PROJECT}:monitoring": {"enabled": False, "grafana": True}},
        {f"{PROJECT}:monitoring.grafana"},
        "needs monitoring.enabled",
    ),
    case(
        "registry-private-endpoint-not-premium",
        {NETWORK: {"privateEndpoints": True}, REGISTRY: {"sku": "Standard"}},
        {f"{REGISTRY}.sku"},
        "must be Premium while network.privateEndpoints is true",
    ),
    case(
        "endpoint-subnet-overlaps-nodes",
        {NETWORK: {"endpointSubnet": "10.40.1.0/24"}, REGISTRY: {"sku": "Premium"}},
        {f"{NETWORK}.endpointSubnet"},
        "must not overlap nodeSubnet",
    ),
    case(
        "endpoint-subnet-outside-space",
        {NETWORK: {"endpointSubnet": "10.41.0.0/24"}, REGISTRY: {"sku": "Premium"}},
        {f"{NETWORK}.endpointSubnet"},
        "must lie inside addressSpace",
    ),
    case(
        "secrets-purge-protection-text",
        {f"{PROJECT}:secrets": {"purgeProtection": "no"}},
        {f"{PROJECT}:secrets.purgeProtection"},
        "must be true or false",
    ),
    case(
        "secrets-unknown-key",
        {f"{PROJECT}:secrets": {"vaultSku": "premium"}},
        {f"{PROJECT}:secrets.vaultSku"},
        "is not a setting",
    ),
    # -- airflow
    case("chart-version-range", {AIRFLOW: {"chartVersion": "1.20"}}, {f"{AIRFLOW}.chartVersion"}, "X.Y.Z"),
    case("namespace-not-dns", {AIRFLOW: {"namespace": "Airflow_NS"}}, {f"{AIRFLOW}.namespace"}, "DNS-1123"),
    # -- airflow.ui.signIn: Entra ID sign-in (only with a host name)
    case(
        "sign-in-no-admin-group",
        {
            AIRFLOW: {
                **DEV_AIRFLOW,
                "ui": {"hostname": "airflow.example.com", "signIn": {"secretEndDate": "2027-06-30"}},
            }
        },
        {f"{AIRFLOW}.ui.signIn.groupRoles"},
        "at least one group to Admin",
    ),
    case(
        "sign-in-secret-end-date-missing",
        {AIRFLOW: {**DEV_AIRFLOW, "ui": {"hostname": "airflow.example.com", "signIn": {"keepAdminUser": True}}}},
        {f"{AIRFLOW}.ui.signIn.secretEndDate"},
        "is required when the program registers the app",
    ),
    case(
        "sign-in-client-id-not-guid",
        {AIRFLOW: {"ui": {"signIn": {"clientId": "airflow-app"}}}},
        {f"{AIRFLOW}.ui.signIn.clientId"},
        "GUID",
    ),
    case(
        "sign-in-client-id-upper-case",
        {AIRFLOW: {"ui": {"signIn": {"clientId": "3F2504E0-4F89-41D3-9A0C-0305E82C3301"}}}},
        {f"{AIRFLOW}.ui.signIn.clientId"},
        "lower case",
    ),
    case(
        "sign-in-existing-app-without-secret",
        {
            AIRFLOW: {
                **DEV_AIRFLOW,
                "ui": {
                    "hostname": "airflow.example.com",
                    "signIn": {"keepAdminUser": True, "clientId": "3f2504e0-4f89-41d3-9a0c-0305e82c3301"},
                },
            }
        },
        {f"{AIRFLOW}.ui.signIn.clientId"},
        "signInClientSecret",
    ),
    case(
        "sign-in-date-not-iso",
        {AIRFLOW: {"ui": {"signIn": {"secretEndDate": "30.06.2027"}}}},
        {f"{AIRFLOW}.ui.signIn.secretEndDate"},
        "YYYY-MM-DD",
    ),
    case("namespace-kube", {AIRFLOW: {"namespace": "kube-system"}}, {f"{AIRFLOW}.namespace"}, "kube-"),
    case(
        "task-egress-port",
        {AIRFLOW: {"taskEgress": [{"cidrs": ["10.60.0.0/16"], "ports": [70000]}]}},
        {f"{AIRFLOW}.taskEgress[0].ports"},
        "TCP port from 1 to 65535",
    ),
    case(
        "task-egress-no-range",
        {AIRFLOW: {"taskEgress": [{"cidrs": [], "ports": [5432]}]}},
        {f"{AIRFLOW}.taskEgress[0].cidrs"},
        "",
    ),
    case(
        "namespace-too-long-for-the-setup-namespace",
        {AIRFLOW: {"namespace": "a" * 55}},
        {f"{AIRFLOW}.namespace"},
        "must be at most 54 characters",
    ),
    case("image-tag-latest", {AIRFLOW: {"image": {"tag": "latest"}}}, {f"{AIRFLOW}.image.tag"}, "latest"),
    case("image-tag-empty", {AIRFLOW: {"image": {"tag": ""}}}, {f"{AIRFLOW}.image.tag"}, "exact version"),
    case(
        "image-repository-with-tag",
        {AIRFLOW: {"image": {"repository": "apache/airflow:3.1.8"}}},
        {f"{AIRFLOW}.image.repository"},
        "without tag",
    ),
    case(
        "network-policies-not-a-boolean",
        {AIRFLOW: {"networkPolicies": "off"}},
        {f"{AIRFLOW}.networkPolicies"},
        "must be true or false",
    ),
    case(
        "git-repo-plain-http",
        {AIRFLOW: {"gitSync": {"repo": "http://github.com/org/dags.git"}}},
        {f"{AIRFLOW}.gitSync.repo"},
        "HTTPS",
    ),
    case(
        "git-repo-ssh-without-key",
        {AIRFLOW: {**DEV_AIRFLOW, "gitSync": {"repo": "git@github.com:org/dags.git"}}},
        {f"{AIRFLOW}.gitSync.repo"},
        "needs a deploy key",
    ),
    case(
        "git-sync-period-without-unit",
        {AIRFLOW: {"gitSync": {"repo": "https://github.com/org/dags.git", "period": "60"}}},
        {f"{AIRFLOW}.gitSync.period"},
        "such as 60s",
    ),
    case(
        "git-sync-period-zero",
        {AIRFLOW: {"gitSync": {"repo": "https://github.com/org/dags.git", "period": "0s"}}},
        {f"{AIRFLOW}.gitSync.period"},
        "longer than zero",
    ),
    case(
        "git-branch-name",
        {AIRFLOW: {"gitSync": {"repo": "https://github.com/org/dags.git", "branch": "feature..x"}}},
        {f"{AIRFLOW}.gitSync.branch"},
        "branch name",
    ),
    case(
        "git-sub-path-escapes",
        {AIRFLOW: {"gitSync": {"repo": "https://github.com/org/dags.git", "subPath": "../dags"}}},
        {f"{AIRFLOW}.gitSync.subPath"},
        "without ..",
    ),
    case("parallelism-zero", {AIRFLOW: {"parallelism": 0}}, {f"{AIRFLOW}.parallelism"}, "greater than or equal to 1"),
    case(
        "batch-over-parallelism",
        {AIRFLOW: {"parallelism": 8, "workerPodsCreationBatchSize": 16}},
        {f"{AIRFLOW}.workerPodsCreationBatchSize"},
        "must not exceed parallelism (8)",
    ),
    case(
        "request-over-limit",
        {AIRFLOW: {"taskPod": {"requests": {"cpu": "4", "memory": "1Gi"}, "limits": {"cpu": "2", "memory": "4Gi"}}}},
        {f"{AIRFLOW}.taskPod.requests.cpu"},
        "must not exceed limits.cpu (2)",
    ),
    case(
        "memory-in-millibytes",
        {AIRFLOW: {"taskPod": {"requests": {"cpu": "1", "memory": "512m"}}}},
        {f"{AIRFLOW}.taskPod.requests.memory"},
        "did you mean 512Mi?",
    ),
    case(
        "cpu-not-a-quantity",
        {AIRFLOW: {"taskPod": {"limits": {"cpu": "two", "memory": "4Gi"}}}},
        {f"{AIRFLOW}.taskPod.limits.cpu"},
        "CPU quantity such as 500m",
    ),
    case(
        "process-memory-over-its-limit",
        {AIRFLOW: {"resources": {"scheduler": {"cpu": "500m", "memory": "4Gi", "memoryLimit": "2Gi"}}}},
        {f"{AIRFLOW}.resources.scheduler.memory"},
        "must not exceed memoryLimit (2Gi)",
    ),
    case(
        "process-cpu-not-a-quantity",
        {AIRFLOW: {"resources": {"apiServer": {"cpu": "half", "memory": "1Gi", "memoryLimit": "2Gi"}}}},
        {f"{AIRFLOW}.resources.apiServer.cpu"},
        "CPU quantity such as 500m",
    ),
    case(
        "requests-missing-memory",
        {AIRFLOW: {"taskPod": {"requests": {"cpu": "1"}}}},
        {f"{AIRFLOW}.taskPod.requests.memory"},
        "is required",
    ),
    case(
        "deploy-key-without-repository",
        {f"{PROJECT}:gitSshKey": "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----\n"},
        {f"{PROJECT}:gitSshKey", f"{AIRFLOW}.gitSync.knownHosts"},
        "set both",
    ),
    # -- what Azure would refuse at `pulumi up`: the Kubernetes calendar (data/aks-versions.yaml)
    case(
        "kubernetes-minor-past-end-of-support",
        {CLUSTER: {"kubernetesVersion": "1.34"}},
        {f"{CLUSTER}.kubernetesVersion"},
        "reached the end of AKS support on 2026-11-30, and AKS creates no cluster on it: use a minor AKS supports",
    ),
    case(
        "kubernetes-minor-long-gone",
        {CLUSTER: {"kubernetesVersion": "1.29"}},
        {f"{CLUSTER}.kubernetesVersion"},
        "reached the end of AKS support on 2025-03-31",
    ),
    case(
        "kubernetes-minor-not-in-calendar",
        {CLUSTER: {"kubernetesVersion": "1.99"}},
        {f"{CLUSTER}.kubernetesVersion"},
        "is not in AKS's release calendar",
    ),
    case(
        "kubernetes-patch-pinned-with-patch-channel",
        {CLUSTER: {"kubernetesVersion": "1.36.2"}},
        {f"{CLUSTER}.kubernetesVersion"},
        "must be MAJOR.MINOR such as 1.36 while upgradeChannel is patch",
    ),
    case(
        "long-term-support-without-premium",
        {CLUSTER: {"tier": "Standard", "supportPlan": "AKSLongTermSupport"}},
        {f"{CLUSTER}.supportPlan"},
        "requires tier Premium (Long-term support for AKS), but tier is Standard",
    ),
    case(
        "support-plan-unknown",
        {CLUSTER: {"supportPlan": "LTS"}},
        {f"{CLUSTER}.supportPlan"},
        "'KubernetesOfficial' or 'AKSLongTermSupport'",
    ),
    case("upgrade-channel-unknown", {CLUSTER: {"upgradeChannel": "stable"}}, {f"{CLUSTER}.upgradeChannel"}, "'patch'"),
    # -- regions and zones (data/regions.yaml)
    case(
        "location-typo",
        {"azure-native:location": "westeurpoe"},
        {"azure-native:location"},
        "is not an Azure public region; did you mean westeurope?",
    ),
    case(
        "location-unknown",
        {"azure-native:location": "moonbase"},
        {"azure-native:location"},
        "is not an Azure public region",
    ),
    case(
        "control-plane-zones-in-region-without-zones",
        {
            "azure-native:location": "northcentralus",
            CLUSTER: {"controlPlanePool": {"minCount": 2, "maxCount": 3, "zones": ["1", "2"]}},
        },
        {f"{CLUSTER}.controlPlanePool.zones"},
        "a pool across zones needs availability zones, and northcentralus has none",
    ),
    case(
        "zone-redundant-database-in-region-without-zones",
        {
            "azure-native:location": "ukwest",
            DATABASE: {"tier": "GeneralPurpose", "skuName": "Standard_D4ds_v5", "highAvailability": True},
        },
        {f"{DATABASE}.highAvailability"},
        "zone-redundant high availability needs availability zones, and ukwest has none",
    ),
    # -- VM sizes (data/vm-sizes.yaml)
    case(
        "control-plane-one-vcpu",
        {CLUSTER: {"controlPlanePool": {"vmSize": "Standard_DS1_v2"}}},
        {f"{CLUSTER}.controlPlanePool.vmSize"},
        "has 1 vCPU and 3.5 GiB: an AKS System pool needs at least 2 vCPUs and 4 GiB",
    ),
    case(
        "task-pool-one-vcpu",
        {CLUSTER: {"taskPool": {"vmSize": "Standard_DS1_v2"}}},
        {f"{CLUSTER}.taskPool.vmSize"},
        "an AKS User pool needs at least 2 vCPUs and 2 GiB",
    ),
    case(
        "vm-size-unknown",
        {CLUSTER: {"taskPool": {"vmSize": "Standard_D4ds_v9"}}},
        {f"{CLUSTER}.taskPool.vmSize"},
        "is not a VM size this program knows; did you mean Standard_D4ds_v6",
    ),
    case(
        "database-size-flexible-server-lacks",
        {DATABASE: {"tier": "GeneralPurpose", "skuName": "Standard_D4s_v5"}},
        {f"{DATABASE}.skuName"},
        "is not a compute size flexible server offers; did you mean Standard_D4ds_v5",
    ),
    # -- spot price, pod network, image
    case(
        "spot-price-six-decimals",
        {CLUSTER: {"taskPool": {"spotMaxPrice": 0.123456}}},
        {f"{CLUSTER}.taskPool.spotMaxPrice"},
        "has 6 decimal places: Azure takes a spot max price with at most 5",
    ),
    case(
        "task-pool-beyond-pod-network",
        {CLUSTER: {"taskPool": {"maxCount": 300}}},
        {f"{CLUSTER}.taskPool.maxCount"},
        "but the pod network 10.244.0.0/16 gives each node a /24 (Azure CNI Overlay) and has room for 256: "
        "use at most 247",
    ),
    case(
        "image-of-airflow-2",
        {AIRFLOW: {"image": {"tag": "2.10.5-python3.12"}}},
        {f"{AIRFLOW}.image.tag"},
        "is Airflow 2 (the tag's first X.Y.Z), but chart 1.20.0 runs Airflow 3.1.8",
    ),
    # -- availability, scheduling and maintenance
    case(
        "replicas-zero",
        {AIRFLOW: {"replicas": {"scheduler": 0}}},
        {f"{AIRFLOW}.replicas.scheduler"},
        "must be greater than or equal to 1",
    ),
    case(
        "queued-timeout-below-node-start",
        {AIRFLOW: {"taskQueuedTimeout": "10m"}},
        {f"{AIRFLOW}.taskQueuedTimeout"},
        "is shorter than a task pool node takes to start from zero (18 min",
    ),
    case(
        "maintenance-window-too-short",
        {CLUSTER: {"maintenance": {"autoUpgrade": {"durationHours": 3}}}},
        {f"{CLUSTER}.maintenance.autoUpgrade.durationHours"},
        "must be 4 to 24 hours",
    ),
    case(
        "maintenance-start-and-offset",
        {CLUSTER: {"maintenance": {"nodeOs": {"startTime": "24:00", "utcOffset": "+5:30"}}}},
        {f"{CLUSTER}.maintenance.nodeOs.startTime", f"{CLUSTER}.maintenance.nodeOs.utcOffset"},
        "must be a UTC offset +HH:mm or -HH:mm",
    ),
    case(
        "maintenance-day-abbreviated",
        {CLUSTER: {"maintenance": {"nodeOs": {"dayOfWeek": "Sun"}}}},
        {f"{CLUSTER}.maintenance.nodeOs.dayOfWeek"},
        "'Saturday' or 'Sunday'",
    ),
    case(
        "autoscaler-seconds-for-minutes",
        {CLUSTER: {"autoscaler": {"scaleDownUnneededTime": "600s"}}},
        {f"{CLUSTER}.autoscaler.scaleDownUnneededTime"},
        "must be whole minutes such as 10m",
    ),
    # -- the pause schedule
    case(
        "pause-schedule-on-protected-stack",
        {f"{PROJECT}:protectData": "true", CLUSTER: {"access": {"authorizedIpRanges": ["198.51.100.0/24"]}}}
        | {f"{PROJECT}:pause": {"schedule": {"enabled": True}}},
        {f"{PROJECT}:pause.schedule.enabled"},
        "must be false while protectData is true",
    ),
    case(
        "pause-schedule-time-zone-and-clock",
        {f"{PROJECT}:pause": {"schedule": {"timezone": "CET+1", "resumeAt": "7:00"}}},
        {f"{PROJECT}:pause.schedule.timezone", f"{PROJECT}:pause.schedule.resumeAt"},
        "must be an IANA time zone such as Europe/Amsterdam",
    ),
    # -- the front door (airflow.ui)
    case(
        "ui-host-outside-its-dns-zone",
        {
            AIRFLOW: {
                "ui": {
                    "hostname": "airflow.example.org",
                    "signIn": {"enabled": False},
                    "dnsZone": "/subscriptions/2f3b6c1e-8d4a-4c57-9b0e-5a1d7e9c3f42/resourceGroups/dns"
                    "/providers/Microsoft.Network/dnszones/example.com",
                }
            }
        },
        {f"{AIRFLOW}.ui.hostname"},
        "must be in the DNS zone example.com (airflow.ui.dnsZone)",
    ),
    case(
        "ui-dns-zone-not-a-zone-id",
        {
            AIRFLOW: {
                **DEV_AIRFLOW,
                "ui": {"hostname": "a.example.com", "signIn": {"enabled": False}, "dnsZone": "example.com"},
            }
        },
        {f"{AIRFLOW}.ui.dnsZone"},
        "must be an Azure DNS zone's resource id",
    ),
    case(
        "pause-schedule-overnight",
        {f"{PROJECT}:pause": {"schedule": {"resumeAt": "19:00", "pauseAt": "07:00"}}},
        {f"{PROJECT}:pause.schedule.pauseAt"},
        "must be later than resumeAt (19:00)",
    ),
]


@pytest.mark.parametrize(("overrides", "paths", "allowed"), BAD_CONFIGURATIONS)
def test_a_bad_setting_is_named_and_nothing_is_declared(overrides, paths, allowed):
    message, monitor = refused(overrides)
    assert problem_paths(message) == paths, message
    assert allowed in message
    assert monitor.declared == []


def test_the_table_covers_at_least_forty_mistakes():
    assert len(BAD_CONFIGURATIONS) >= 40


def test_the_message_shows_the_value_given_and_how_to_fix_it():
    message, _ = refused({CLUSTER: {"taskPool": {"minCount": 9, "maxCount": 5}}})
    assert message.splitlines() == [
        "the configuration of stack 'dev' has 1 problem; nothing was declared:",
        f"  - {CLUSTER}.taskPool.minCount = 9: must not exceed maxCount (5)",
        "Fix them in Pulumi.dev.yaml or with `pulumi config set --path '<setting>' <value>`.",
    ]


def test_every_problem_is_reported_at_once():
    message, monitor = refused(
        {
            f"{PROJECT}:cloud": "gcp",
            CLUSTER: {"taskpool": {}, "controlPlanePool": {"vmSize": "Standard_B2s"}},
            DATABASE: {"version": "11"},
            AIRFLOW: {"parallelism": 4, "workerPodsCreationBatchSize": 8},
            f"{PROJECT}:registery": {"sku": "Basic"},
        }
    )
    assert problem_paths(message) == {
        f"{PROJECT}:cloud",
        f"{CLUSTER}.taskpool",
        f"{CLUSTER}.controlPlanePool.vmSize",
        f"{DATABASE}.version",
        f"{AIRFLOW}.workerPodsCreationBatchSize",
        f"{PROJECT}:registery",
    }
    assert "has 6 problems" in message
    assert f"did you mean {REGISTRY}?" in message
    assert monitor.declared == []


def test_settings_of_other_namespaces_are_left_to_their_owners():
    """Provider settings (credentials, subscription) are the provider's to check, not ours."""
    config, secret_keys = stack_config("dev", {"azure-native:subscriptionId": "anything", "pulumi:template": "x"})
    settings_from_config(PROJECT, "dev", config, secret_keys)


@pytest.mark.parametrize("stack", STACKS)
def test_the_committed_stack_files_are_valid(stack):
    config, secret_keys = stack_config(stack)
    settings = settings_from_config(PROJECT, stack, config, secret_keys)
    assert settings.stack == stack


#: The one setting a protected stack (the default) must be given: where its API server is reached from.
API_SERVER_RANGES = {"airflow-platform:cluster": {"access": {"authorizedIpRanges": ["198.51.100.0/24"]}}}


def test_a_stack_without_settings_is_refused_only_for_its_open_api_server():
    """Data is protected by default, and a protected stack's API server is not left open to the internet."""
    message = refusal({}, base={})
    assert "1 problem" in message
    assert "airflow-platform:cluster.access.authorizedIpRanges: is required when protectData is true" in message


def test_no_settings_but_the_api_server_ranges_means_the_defaults():
    access = ClusterAccessSettings(authorized_ip_ranges=("198.51.100.0/24",))
    defaults = StackSettings(project=PROJECT, stack="dev", cluster=ClusterSettings(access=access))
    assert settings_from_config(PROJECT, "dev", API_SERVER_RANGES) == defaults


def test_the_namespace_is_the_project_name():
    assert yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["name"] == PROJECT


def test_project_declarations_match_the_settings_defaults():
    """Pulumi.yaml declares the scalar settings for `pulumi config`; their defaults must be ours."""
    declared = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]
    defaults = settings_from_config(PROJECT, "dev", API_SERVER_RANGES)
    python_type = {"string": str, "boolean": bool, "integer": int}
    fields = {field.alias: name for name, field in StackSettings.model_fields.items()}
    assert declared, "the project declares its scalar settings"
    for key, declaration in declared.items():
        name = fields[f"{PROJECT}:{key}"]
        assert isinstance(declaration["default"], python_type[declaration["type"]]), key
        assert declaration["default"] == getattr(defaults, name), key
        assert declaration["description"], key


# -- secrets ---------------------------------------------------------------------------------------

DEPLOY_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n"


def refusal(config: dict[str, str], secret_keys: set[str] = frozenset(), base: dict | None = None) -> str:
    """The message for ``config`` on top of ``base`` (by default the API server ranges every protected stack needs)."""
    with pytest.raises(ConfigurationError) as raised:
        settings_from_config(PROJECT, "dev", {**(API_SERVER_RANGES if base is None else base), **config}, secret_keys)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__  # no chained raw values
    return str(raised.value)


def test_a_setting_marked_secret_is_never_echoed():
    """``pulumi config set --secret --path airflow.gitSync.repo ...`` makes the whole block secret."""
    block = '{"gitSync": {"repo": "http://deploy:Tok3nValue@github.com/org/dags.git"}, "namespace": "Bad_NS"}'
    message = refusal({AIRFLOW: block}, {AIRFLOW})
    assert problem_paths(message) == {f"{AIRFLOW}.gitSync.repo", f"{AIRFLOW}.namespace"}
    assert f"{AIRFLOW}.namespace = {SECRET_MARK}:" in message
    assert "Tok3nValue" not in message and "Bad_NS" not in message


def test_the_deploy_key_is_never_echoed():
    message = refusal({f"{PROJECT}:gitSshKey": DEPLOY_KEY, f"{PROJECT}:cloud": "gcp"})
    assert problem_paths(message) == {f"{PROJECT}:cloud", f"{PROJECT}:gitSshKey", f"{AIRFLOW}.gitSync.knownHosts"}
    assert "b3BlbnNzaC1rZXktdjEAAAAA" not in message


def test_the_value_of_an_unknown_key_is_never_echoed():
    """A key pasted under the wrong name, in plain text, must not end up in a CI log as well."""
    message = refusal({AIRFLOW: '{"gitSync": {"sshKey": "' + DEPLOY_KEY.replace("\n", "\\n") + '"}}'})
    assert problem_paths(message) == {f"{AIRFLOW}.gitSync.sshKey"}
    assert "b3BlbnNzaC1rZXktdjEAAAAA" not in message


def test_a_password_in_a_repository_url_is_refused_and_masked():
    message = refusal({AIRFLOW: '{"gitSync": {"repo": "https://deploy:Tok3nValue@github.com/org/dags.git"}}'})
    assert "must not carry a password" in message
    assert "https://deploy:***@github.com/org/dags.git" in message
    assert "Tok3nValue" not in message


# -- the README's offline run -----------------------------------------------------------------------


def test_the_plan_command_prints_the_problems_without_a_traceback(tmp_path):
    """``bash scripts/plan.sh <stack>`` on a broken stack file: the message, exit status 2."""
    if not (ROOT / ".venv" / "bin" / "python").exists():
        pytest.skip("scripts/plan.sh runs .venv/bin/python; create it with scripts/setup.sh")
    project = tmp_path / "project"
    project.mkdir()
    # The project as it is, but tools/ copied: the offline run looks for stack files beside it.
    for entry in ROOT.iterdir():
        if entry.name == "tools":
            shutil.copytree(entry, project / "tools", ignore=shutil.ignore_patterns("__pycache__"))
        elif entry.name != ".git" and not re.fullmatch(r"Pulumi\..+\.yaml", entry.name):
            (project / entry.name).symlink_to(entry)
    document = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    document["config"][CLUSTER]["taskPool"]["minCount"] = 9
    document["config"][f"{PROJECT}:gitSshKey"] = {"secure": "v1:AAAAENcRyPtEd"}
    (project / "Pulumi.broken.yaml").write_text(yaml.safe_dump(document))

    environment = {key: value for key, value in os.environ.items() if not key.startswith("PULUMI_")}
    result = subprocess.run(
        ["bash", "scripts/plan.sh", "broken"],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith("error: the configuration of stack 'broken' has 3 problems; nothing was declared:")
    assert f"  - {CLUSTER}.taskPool.minCount = 9: must not exceed maxCount (5)" in result.stderr
    assert problem_paths(result.stderr) == {
        f"{CLUSTER}.taskPool.minCount",
        f"{PROJECT}:gitSshKey",
        f"{AIRFLOW}.gitSync.knownHosts",
    }
    assert "AAAAENcRyPtEd" not in result.stderr


def test_paths_are_written_the_way_pulumi_config_set_path_takes_them():
    message, _ = refused({CLUSTER: {"controlPlanePool": {"minCount": 2, "zones": ["1", "5"]}}})
    assert f"{CLUSTER}.controlPlanePool.zones[1] = " in message

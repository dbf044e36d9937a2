"""AKS planned maintenance windows, and the cluster autoscaler profile, from the cluster settings."""

from __future__ import annotations

import pulumi
from pulumi_azure_native import containerservice

from components.config.maintenance import AutoscalerSettings, MaintenanceSettings, MaintenanceWindowSettings

#: AKS's names for the two schedules: the configuration's name is the kind of upgrade it governs.
AUTO_UPGRADE_SCHEDULE = "aksManagedAutoUpgradeSchedule"
NODE_OS_UPGRADE_SCHEDULE = "aksManagedNodeOSUpgradeSchedule"


def autoscaler_profile(s: AutoscalerSettings) -> containerservice.ManagedClusterPropertiesAutoScalerProfileArgs:
    """Only the settings exposed; AKS keeps its defaults for the rest."""
    return containerservice.ManagedClusterPropertiesAutoScalerProfileArgs(
        scale_down_delay_after_add=s.scale_down_delay_after_add,
        scale_down_unneeded_time=s.scale_down_unneeded_time,
        scan_interval=s.scan_interval,
        expander=s.expander,
    )


def _window(w: MaintenanceWindowSettings) -> containerservice.MaintenanceWindowArgs:
    return containerservice.MaintenanceWindowArgs(
        schedule=containerservice.ScheduleArgs(
            weekly=containerservice.WeeklyScheduleArgs(day_of_week=w.day_of_week, interval_weeks=w.interval_weeks)
        ),
        start_time=w.start_time,
        duration_hours=w.duration_hours,
        utc_offset=w.utc_offset,
    )


def maintenance_windows(
    s: MaintenanceSettings,
    resource_group_name: pulumi.Input[str],
    cluster_name: pulumi.Input[str],
    parent: pulumi.Resource,
) -> list[containerservice.MaintenanceConfiguration]:
    """The cluster's upgrade channel and node OS channel act only inside these windows."""
    return [
        containerservice.MaintenanceConfiguration(
            logical,
            resource_group_name=resource_group_name,
            resource_name_=cluster_name,
            config_name=config_name,
            maintenance_window=_window(window),
            opts=pulumi.ResourceOptions(parent=parent),
        )
        for logical, config_name, window in (
            ("auto-upgrade-window", AUTO_UPGRADE_SCHEDULE, s.auto_upgrade),
            ("node-os-upgrade-window", NODE_OS_UPGRADE_SCHEDULE, s.node_os),
        )
    ]

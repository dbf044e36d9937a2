"""The blocks of what keeps data: the PostgreSQL database, log storage and the image registry."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Literal

from pydantic import Field

from components import azure_facts
from components.config.base import Problem, Settings
from components.config.values import DatabaseSku, PostgresVersion, StorageSizeGb

#: The compute family each flexible server tier takes, with an example size.
_DATABASE_FAMILIES: Mapping[str, tuple[str, str]] = {
    "Burstable": ("B", "Standard_B2s"),
    "GeneralPurpose": ("D", "Standard_D4ds_v5"),
    "MemoryOptimized": ("E", "Standard_E4ds_v5"),
}


class DatabaseSettings(Settings):
    sku_name: DatabaseSku = "Standard_B2s"
    tier: Literal["Burstable", "GeneralPurpose", "MemoryOptimized"] = "Burstable"
    version: PostgresVersion = "16"
    storage_size_gb: StorageSizeGb = 32
    storage_auto_grow: bool = Field(
        True, description="Azure grows the disk when it fills; the size setting then applies only at creation"
    )
    high_availability: bool = False
    backup_retention_days: int = Field(7, ge=7, le=35)
    geo_redundant_backup: bool = False

    def problems(self) -> Iterator[Problem]:
        family, example = _DATABASE_FAMILIES[self.tier]
        if not self.sku_name.startswith(f"Standard_{family}"):
            yield Problem(
                self.key_path("sku_name"),
                self.sku_name,
                f"must be a Standard_{family}* size such as {example}, since tier is {self.tier}",
            )
        elif (offered := azure_facts.postgres_size_requirement(self.sku_name, f"Standard_{family}")) is not None:
            yield Problem(self.key_path("sku_name"), self.sku_name, offered)
        if self.high_availability and self.tier == "Burstable":
            yield Problem(
                self.key_path("high_availability"),
                self.high_availability,
                "is not offered on the Burstable tier: use GeneralPurpose or MemoryOptimized, or turn it off",
            )


class LogsSettings(Settings):
    retention_days: int = Field(default=30, ge=1)
    redundancy: Literal["LRS", "ZRS", "GRS", "GZRS"] = "LRS"
    soft_delete_days: int = Field(default=0, ge=0, le=365, description="0 turns blob soft delete off")


class RegistrySettings(Settings):
    #: Premium, the only tier with private endpoints (prod's default); dev sets Basic.
    sku: Literal["Basic", "Standard", "Premium"] = "Premium"

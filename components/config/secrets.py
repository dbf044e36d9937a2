"""The secrets block: the stack's Key Vault, where Airflow reads connections and variables."""

from __future__ import annotations

from pydantic import Field

from components.config.base import Settings


class SecretsSettings(Settings):
    """A Key Vault per stack; private endpoints follow ``network.privateEndpoints``."""

    enabled: bool = Field(True, description="a Key Vault and Airflow's secrets backend reading it")
    purge_protection: bool = Field(
        True, description="no one can purge the vault or a deleted secret before its retention ends; irreversible"
    )

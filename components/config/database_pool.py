"""``airflow.databasePool``: how many metadata-database connections each Airflow process may hold."""

from __future__ import annotations

from pydantic import Field

from components.config.base import Settings


class DatabasePoolSettings(Settings):
    """``[database] sql_alchemy_pool_size`` and ``sql_alchemy_max_overflow`` of every Airflow process.

    The defaults are Airflow 3.1.8's own (config.yml), so a stack that sets nothing behaves as Airflow
    does. Airflow's "no limit" values (size 0, overflow -1) are refused: an unbounded pool cannot be
    checked against the server's max_connections (components/database_connections.py).
    """

    size: int = Field(5, ge=1, le=100, description="connections a process keeps open in its pool")
    max_overflow: int = Field(10, ge=0, le=100, description="connections a process may open beyond size when busy")

    @property
    def limit(self) -> int:
        """The most connections one engine of a process holds at once (SQLAlchemy's QueuePool)."""
        return self.size + self.max_overflow

"""Storage adapters (存储适配器): one contract, one small file per backend, an in-memory twin.

`PostgresStorage` is imported on first use, so importing this package does not load psycopg
(and works where it is not installed: using `PostgresStorage` there says how to install it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from govflow.storage.base import Change, Query, Storage, TimerQuery
from govflow.storage.memory import MemoryStorage
from govflow.storage.sqlite import SQLiteStorage

if TYPE_CHECKING:
    from govflow.storage.postgres import PostgresStorage

__all__ = ["Change", "MemoryStorage", "PostgresStorage", "Query", "SQLiteStorage", "Storage", "TimerQuery"]


def __getattr__(name: str) -> Any:
    """Load `PostgresStorage` lazily (psycopg is an optional dependency)."""
    if name == "PostgresStorage":
        from govflow.storage.postgres import PostgresStorage

        return PostgresStorage
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""Storage adapters (存储适配器): one contract, one small file per backend, an in-memory twin."""

from govflow.storage.base import Change, Query, Storage, TimerQuery
from govflow.storage.memory import MemoryStorage
from govflow.storage.sqlite import SQLiteStorage

__all__ = ["Change", "MemoryStorage", "Query", "SQLiteStorage", "Storage", "TimerQuery"]

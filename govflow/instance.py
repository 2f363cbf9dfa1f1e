"""Instances (办件): one running case of a workflow, as a plain immutable record.

An instance is data in storage, not an object wired into a state machine: the engine loads it,
drives it through the shared compiled machine, and stores the next record. `revision` counts
the audit events, so it doubles as the compare-and-set token for concurrent writers.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

import attrs

IdSource = Callable[[], str]
"""Something that hands out a new unique id on each call."""

ID_SOURCE: ContextVar[IdSource | None] = ContextVar("govflow_id_source", default=None)
"""The id source in force in this context (``None``: the random, time-ordered default). Set it
with `id_source`; the generated tests (`govflow.testing.stateful_test`) set a `SequentialIds`
per test case."""


def new_instance_id() -> str:
    """A 32-hex-digit id that sorts by creation time (UUIDv7-like: 48 bits of Unix milliseconds,
    80 random bits). Time-ordered ids keep inserts at the end of the primary-key index, so the
    millionth start costs what the first did; the random part keeps ids unique across processes.

    Under `id_source` the id comes from that source instead (timer ids too), so a test can make
    every id — and so every ordering by id — the same from run to run."""
    source = ID_SOURCE.get()
    if source is not None:
        return source()
    return f"{time.time_ns() // 1_000_000:012x}{os.urandom(10).hex()}"


class SequentialIds:
    """A deterministic id source: ``00000000000000000000000000000001``, ``…02``, … (32 hex
    digits, the shape of the default ids, sorting in the order they were handed out). Unique
    within one source only: for tests, where each test case has its own database."""

    def __init__(self, start: int = 1) -> None:
        self.next = start

    def __call__(self) -> str:
        """The next id."""
        value, self.next = self.next, self.next + 1
        return f"{value:032x}"


@contextmanager
def id_source(source: IdSource | None) -> Iterator[IdSource | None]:
    """Within the block, instance and timer ids come from `source` (``None``: the default).

    For example ``with id_source(SequentialIds()): engine.start(...)`` gives the case id
    ``000…01`` and its first timer ``000…02``.
    """
    token = ID_SOURCE.set(source)
    try:
        yield source
    finally:
        ID_SOURCE.reset(token)


@attrs.frozen
class Instance:
    """One case: which workflow version it is pinned to, where it stands, and its data.

    `data` is the instance's business data in JSON form; treat it as read-only (the engine
    replaces it, never edits it). `head` is the hash of the newest audit event. `parent_id`
    links a child instance to the instance that spawned it.
    """

    id: str
    workflow: str
    workflow_version: int
    state: str
    data: Mapping[str, Any]
    revision: int
    unit: str | None
    created_at: datetime
    updated_at: datetime
    created_by: str
    head: str
    parent_id: str | None = None
    marks: Mapping[str, Any] = attrs.field(factory=dict)
    """What timers recorded on the case: ``overdue`` {deadline: due}, ``reminders`` {deadline:
    count} (催办), ``escalations`` [{deadline, to_role, to_unit, at}] (督办)."""

"""Instances (办件): one running case of a workflow, as a plain immutable record.

An instance is data in storage, not an object wired into a state machine: the engine loads it,
drives it through the shared compiled machine, and stores the next record. `revision` counts
the audit events, so it doubles as the compare-and-set token for concurrent writers.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs


def new_instance_id() -> str:
    """A 32-hex-digit id that sorts by creation time (UUIDv7-like: 48 bits of Unix milliseconds,
    80 random bits). Time-ordered ids keep inserts at the end of the primary-key index, so the
    millionth start costs what the first did; the random part keeps ids unique across processes."""
    return f"{time.time_ns() // 1_000_000:012x}{os.urandom(10).hex()}"


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

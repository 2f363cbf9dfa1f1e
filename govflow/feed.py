"""The event feed (事件订阅, a transactional outbox): every committed change, for services to read.

Why an outbox and not a hook: a callback run after `commit` is lost when the process dies between
the two, and one run before it announces changes that may still roll back. Instead every adapter
writes one feed row per audit event **in the same transaction** as the change itself, so the
feed holds exactly what committed. Readers keep a cursor: `Engine.feed(after=…)` pages through
it, and a named `Consumer` keeps its cursor in the database and reads at least once — handling
an event and crashing before `ack` means seeing it again, so handlers are keyed on the event's
stable `FeedEvent.id` (``instance:seq``).

Order: each adapter gives its rows a position, and readers only ever see positions that can no
longer be overtaken by a transaction still in flight (SQLite and the memory twin have a single
writer, so the position is the commit order; PostgreSQL reads only below the oldest running
transaction — see `govflow.storage.postgres`). Per instance the order is always the audit order.

This module is pure data and the small consumer loop; storage does the reading and leasing.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import attrs

from govflow.audit import AuditEvent
from govflow.errors import InvalidData

if TYPE_CHECKING:
    from govflow.instance import Instance
    from govflow.storage.base import Change, Storage

START = "start"
"""An instance was started (立案/发起)."""
FIRE = "fire"
"""A person fired an event (办理)."""
TIMER_FIRED = "timer_fired"
"""A deadline fired an event as the system actor (超时自动流转)."""
REMINDER = "reminder"
"""A reminder fell due (提醒)."""
ESCALATION = "escalation"
"""A deadline passed and the case was escalated (提级/督办)."""
OVERDUE = "overdue"
"""A deadline passed (逾期)."""
MILESTONE = "milestone"
"""A milestone was evaluated (节点考核)."""
TIMER_FAILED = "timer_failed"
"""A timer could not act (see the event's summary for why)."""
NOTE = "note"
"""An engine note that moves nothing (e.g. a child's report the parent could not take)."""

BUCKETS = 1024
"""Each row carries ``crc32(instance_id) % BUCKETS``; a consumer split into N partitions reads
the rows whose bucket is its partition modulo N, so an instance always lands in one partition."""

SUMMARY_TEXT = 200
"""Strings longer than this are cut in a feed summary (the audit trail keeps the whole)."""


def feed_kind(event: AuditEvent) -> str:
    """The feed kind of an audit event: `FIRE`, `START`, `TIMER_FIRED`, `REMINDER`, … (kinds other
    issues add — migration, 抄送 copy, 催办 urge — come through as their audit kind)."""
    if event.kind == "transition":
        return TIMER_FIRED if "timer" in event.detail and event.actor == "system" else FIRE
    if event.kind == "timer":
        return {"remind": REMINDER, "escalate": ESCALATION}.get(event.event, event.event)
    return event.kind


def summarize(value: Mapping[str, Any]) -> dict[str, Any]:
    """A bounded copy for the feed: scalars kept, long strings cut, lists and objects shown by
    size unless small and flat (the full payload stays in the audit trail)."""
    out: dict[str, Any] = {}
    for key, item in value.items():
        if isinstance(item, str):
            out[key] = item if len(item) <= SUMMARY_TEXT else item[:SUMMARY_TEXT] + "…"
        elif item is None or isinstance(item, bool | int | float):
            out[key] = item
        elif isinstance(item, list | tuple) and len(item) <= 10 and all(isinstance(x, str | int) for x in item):
            out[key] = list(item)
        elif (
            isinstance(item, Mapping)
            and len(item) <= 10
            and all(isinstance(x, str | int | bool) for x in item.values())
        ):
            out[key] = dict(item)
        else:
            out[key] = f"({type(item).__name__}, {len(item) if hasattr(item, '__len__') else 1} items)"
    return out


def bucket(instance_id: str) -> int:
    """The instance's bucket (stable across processes and adapters)."""
    return zlib.crc32(instance_id.encode()) % BUCKETS


@attrs.frozen
class FeedEvent:
    """One committed audit event as the feed announces it.

    `id` (``instance:seq``) is stable and unique: use it to make handlers idempotent. `position`
    is the adapter's cursor token for this row (opaque text; pass it as `after`). `summary` holds
    the event's payload and detail, bounded by `summarize`.
    """

    id: str
    instance_id: str
    seq: int
    workflow: str
    workflow_version: int
    unit: str | None
    kind: str
    event: str
    source: str | None
    dest: str
    actor: str
    at: datetime
    summary: Mapping[str, Any]
    bucket: int
    position: str = ""

    def json(self) -> dict[str, Any]:
        """A JSON-ready dict (instants as ISO text)."""
        out = attrs.asdict(self)
        out["at"] = self.at.isoformat()
        return out


def entries(change: Change, *, nested: bool = True) -> list[FeedEvent]:
    """The feed rows for a change and (unless not `nested`) the changes riding along, in commit
    order: what an adapter writes in the commit's transaction (`position` is the adapter's)."""
    return [announce(each.instance, e) for each in (change.all_changes() if nested else (change,)) for e in each.events]


def announce(instance: Instance, e: AuditEvent) -> FeedEvent:
    """The feed event for audit event `e` of `instance` (its record after the change)."""
    return announce_as(instance.workflow, instance.unit, e)


def announce_as(workflow: str, unit: str | None, e: AuditEvent, position: str = "") -> FeedEvent:
    """The feed event for audit event `e` of an instance of `workflow` in `unit`."""
    return FeedEvent(
        id=f"{e.instance_id}:{e.seq}",
        instance_id=e.instance_id,
        seq=e.seq,
        workflow=workflow,
        workflow_version=e.workflow_version,
        unit=unit,
        kind=feed_kind(e),
        event=e.event,
        source=e.source,
        dest=e.dest,
        actor=e.actor,
        at=e.at,
        summary=_summary(e),
        bucket=bucket(e.instance_id),
        position=position,
    )


def _summary(e: AuditEvent) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if e.payload:
        out["payload"] = summarize(e.payload)
    if e.detail:
        out["detail"] = summarize(e.detail)
    if e.on_behalf_of:
        out["on_behalf_of"] = e.on_behalf_of
    return out


def _names(value: Iterable[str] | str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return (value,) if isinstance(value, str) else tuple(value)


@attrs.frozen
class FeedFilter:
    """Which events to read: by workflow, feed kind and unit (each None for all, or a tuple).

    The partition (`part`, `parts`) is set by `Consumer` when a consumer is split.
    """

    workflows: tuple[str, ...] | None = attrs.field(default=None, converter=_names)
    kinds: tuple[str, ...] | None = attrs.field(default=None, converter=_names)
    units: tuple[str, ...] | None = attrs.field(default=None, converter=_names)
    part: int = 0
    parts: int = 1

    def matches(self, e: FeedEvent) -> bool:
        """Whether `e` passes this filter (what the SQL adapters ask in their WHERE clause)."""
        return (
            (self.workflows is None or e.workflow in self.workflows)
            and (self.kinds is None or e.kind in self.kinds)
            and (self.units is None or e.unit in self.units)
            and (self.parts == 1 or e.bucket % self.parts == self.part)
        )


@attrs.frozen
class FeedPage:
    """Events read from the feed and the cursor to read on from (the last event's position, or
    the `after` given when nothing new has committed)."""

    events: tuple[FeedEvent, ...]
    cursor: str | None


@attrs.frozen
class ConsumerState:
    """A named consumer's stored cursor for one partition, and who holds its lease."""

    name: str
    part: int
    parts: int
    cursor: str | None
    leased_by: str | None = None
    lease_until: datetime | None = None


@attrs.frozen
class Batch:
    """Events leased to one process of a consumer: handle them, then `Consumer.ack` the batch."""

    consumer: str
    part: int
    events: tuple[FeedEvent, ...]
    cursor: str | None
    """Where the partition's cursor moves on `ack` (unchanged when the batch is empty)."""
    parts: int = 1
    """How many partitions the consumer has (this batch is partition `part` of them)."""

    def owns(self, instance_id: str) -> bool:
        """Whether `instance_id`'s events belong to this batch's partition."""
        return self.parts == 1 or bucket(instance_id) % self.parts == self.part


def check_name(name: str) -> str:
    """Consumer names are short identifiers, so they are safe in logs and URLs."""
    if not name or len(name) > 100 or not all(c.isalnum() or c in "-_.:" for c in name):
        raise InvalidData(f"{name!r} is not a consumer name (letters, digits and - _ . :, at most 100)")
    return name


class Consumer:
    """A named reader of the feed (订阅者) whose cursor lives in the database.

    Several processes may run the same consumer: each `poll` leases one partition (a consumer has
    `parts` of them, fixed when it is first registered) to this process until `lease` runs out, so
    no two processes hold the same events at once, and each instance's events stay in one
    partition, in order. `ack` saves the cursor and frees the partition — only if this process
    still holds the lease: a process that was too slow (its lease expired and another took the
    partition over) has its `ack` refused (returns False) and the events are seen again.
    """

    def __init__(
        self,
        storage: Storage,
        name: str,
        *,
        worker: str,
        now: Callable[[], datetime],
        lease: timedelta = timedelta(minutes=1),
        filter: FeedFilter | None = None,
    ) -> None:
        self.storage = storage
        self.name = check_name(name)
        self.worker = worker
        self.lease = lease
        self.filter = filter or FeedFilter()
        self._now = now

    def poll(self, limit: int = 100) -> Batch | None:
        """Lease a free partition and read up to `limit` events after its cursor; None when every
        partition is leased to other processes."""
        if limit < 1:
            raise InvalidData(f"limit must be at least 1, not {limit}")
        held = self.storage.lease_consumer(self.name, self.worker, self._now(), self.lease)
        if held is None:
            return None
        wanted = attrs.evolve(self.filter, part=held.part, parts=held.parts)
        page = self.storage.read_feed(held.cursor, limit, wanted)
        return Batch(self.name, held.part, page.events, page.cursor, held.parts)

    def ack(self, batch: Batch, *, release: bool = True) -> bool:
        """Save the batch's cursor (the events are handled); False if the lease was lost."""
        return self.storage.save_cursor(self.name, batch.part, self.worker, batch.cursor, release=release)

    def release(self, batch: Batch) -> bool:
        """Free the batch's partition (after ``ack(batch, release=False)``); False if the lease was lost."""
        return self.storage.save_cursor(self.name, batch.part, self.worker, batch.cursor, release=True)

    def run_once(self, handle: Callable[[FeedEvent], None], limit: int = 100) -> int:
        """Poll one batch, hand each event to `handle` in order, ack; return how many were handled.

        If `handle` raises, nothing is acknowledged (the lease is kept until it runs out, and the
        batch comes round again) and the error propagates.
        """
        batch = self.poll(limit)
        if batch is None:
            return 0
        for event in batch.events:
            handle(event)
        self.ack(batch)
        return len(batch.events)

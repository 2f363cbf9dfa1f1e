"""The storage contract (存储接口): what the engine needs remembered, and nothing more.

Why the cut is here: the engine decides (which transition, who may fire, what the audit says)
and a storage adapter only remembers, atomically. Everything an adapter must do is in this one
class — commit a `Change` with compare-and-set, load, query, list due timers, keep documents —
so an adapter is one small file and `MemoryStorage` is a faithful in-memory twin of the SQL ones.
The same contract test suite runs against every adapter.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any

import attrs

from govflow.audit import AuditEvent
from govflow.delivery import Delivery, DeliveryQuery
from govflow.feed import ConsumerState, FeedFilter, FeedPage
from govflow.instance import Instance
from govflow.timer import Timer
from govflow.values import MAX_PAGE, json_value, text, whole_number


def index_value(value: Any) -> str:
    """The text form an indexed data value is stored and queried as."""
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)


def index_keys(fields: Iterable[str], data: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """(field, value) pairs to index for `data`; a list field gives one pair per element."""
    keys: set[tuple[str, str]] = set()
    for name in fields:
        value = data.get(name)
        if value is None:
            continue
        for item in value if isinstance(value, list | tuple) else (value,):
            keys.add((name, index_value(item)))
    return tuple(sorted(keys))


@attrs.frozen
class Change:
    """One atomic write: the instance's next record plus everything that goes with it.

    `expected_revision` is the compare-and-set token (0 creates the instance). The adapter
    applies all of it or none of it; a lost race raises `ConcurrentModification`.
    `claim` lists (timer id, new status) for timers this change consumes: each must still be
    pending, which is what makes a timer fire exactly once however many sweepers run.
    `settle` lists (timer id, new status) for open timers this change closes (state left,
    duty met); a timer already closed is left alone. `reopen` lists parked (``failed``) timers
    an operator re-arms: each goes back to pending with its failure count cleared, and must
    still be failed (else `ConcurrentModification`). `reschedule` lists timers of the instance
    with new due times, provisional flags and params (a deadline recomputed when a year's
    official schedule arrives): each must still be pending, or the change loses its race.
    `keys` replaces the instance's index entries when not None.
    """

    instance: Instance
    expected_revision: int
    events: tuple[AuditEvent, ...]
    arm: tuple[Timer, ...] = ()
    claim: tuple[tuple[str, str], ...] = ()
    settle: tuple[tuple[str, str], ...] = ()
    keys: tuple[tuple[str, str], ...] | None = None
    reopen: tuple[str, ...] = ()
    reschedule: tuple[Timer, ...] = ()
    data_changed: bool = True
    marks_changed: bool = True
    """Whether the instance's data / marks differ from the stored ones (adapters may skip
    rewriting a column that did not change)."""
    also: tuple[Change, ...] = ()
    """Changes to other instances that commit in the same transaction, each with its own
    compare-and-set: children a transition spawns or settles (子任务), the parent a child
    reports to. They may nest (a settled child settles its own children)."""

    def all_changes(self) -> tuple[Change, ...]:
        """The change itself and every change riding along, nested ones included, in order."""
        found: list[Change] = [self]
        for each in self.also:
            found.extend(each.all_changes())
        return tuple(found)


def _page(value: Any, what: str, *, optional: bool = False) -> None:
    """One bound for every adapter: a page's limit and offset are 0 … `MAX_PAGE` (SQLite would
    take -1 as "no limit" and overflow past 64 bits; PostgreSQL refuses both)."""
    if not (optional and value is None):
        whole_number(value, what, high=MAX_PAGE)


def check_change(change: Change) -> None:
    """Refuse, before anything is written, what not every adapter can store exactly: the input
    rules of `govflow.values` for the instance's data and marks and each audit event's text,
    payload and detail. Storage refuses ``-0.0`` rather than normalising it, since it must keep
    exactly what was hashed (the engine normalises it on input). Called by every adapter's
    `Storage.commit`, so all of them agree."""
    for each in change.all_changes():
        inst = each.instance
        where = f"instance {inst.id!r}"
        for name, value in (("id", inst.id), ("workflow", inst.workflow), ("state", inst.state), ("unit", inst.unit),
                            ("created_by", inst.created_by), ("parent_id", inst.parent_id)):  # fmt: skip
            if value is not None:
                text(value, f"{where} {name}")
        json_value(inst.data, "data", what=f"{where} data", normalize=False)
        json_value(inst.marks, "marks", what=f"{where} marks", normalize=False)
        for event in each.events:
            label = f"{where} event #{event.seq}"
            for name, value in (("event", event.event), ("actor", event.actor), ("justification", event.justification),
                                ("on_behalf_of", event.on_behalf_of)):  # fmt: skip
                if value is not None:
                    text(value, f"{label} {name}")
            json_value(event.payload, "payload", what=f"{label} payload", normalize=False)
            json_value(event.detail, "detail", what=f"{label} detail", normalize=False)


@attrs.frozen
class Query:
    """Which instances to find. Every criterion is optional; all given must hold.

    `where` filters on indexed data fields (declared in `Workflow.index`): each value must be
    among the instance's values for that field. `created_from` is inclusive, `created_to`
    exclusive. Results are ordered by creation time, then id.
    """

    workflow: str | None = None
    states: tuple[str, ...] | None = None
    unit: str | None = None
    where: Mapping[str, Any] = attrs.field(factory=dict)
    created_from: datetime | None = None
    created_to: datetime | None = None
    parent_id: str | None = None
    limit: int | None = attrs.field(default=None, validator=lambda _s, _a, v: _page(v, "limit", optional=True))
    offset: int = attrs.field(default=0, validator=lambda _s, _a, v: _page(v, "offset"))


@attrs.frozen
class TimerQuery:
    """Which timers to list, with their instances: by status, due window, workflow, unit, ids.

    `due_from` is inclusive, `due_to` exclusive; `failed_attempts` keeps only timers whose
    sweep has failed at least once (pending ones being retried, parked ones). Ordered by due time.
    """

    statuses: tuple[str, ...] = ("pending", "overdue")
    due_from: datetime | None = None
    due_to: datetime | None = None
    workflow: str | None = None
    unit: str | None = None
    provisional: bool | None = None
    ids: tuple[str, ...] | None = None
    failed_attempts: bool = False
    limit: int | None = None


Versions = Collection[tuple[str, int]]
"""(workflow, version) pairs: the definitions an engine has registered."""


class Storage(ABC):
    """Base class of storage adapters. Subclasses implement every abstract method atomically."""

    @abstractmethod
    def commit(self, change: Change) -> None:
        """Apply `change` atomically, or raise and write nothing."""

    @abstractmethod
    def load(self, instance_id: str) -> Instance:
        """The instance's current record, or `InstanceNotFound`."""

    @abstractmethod
    def history(self, instance_id: str) -> list[AuditEvent]:
        """The instance's audit events, oldest first (empty if there are none)."""

    @abstractmethod
    def find(self, query: Query) -> list[Instance]:
        """Instances matching `query`."""

    @abstractmethod
    def count(self, query: Query) -> int:
        """How many instances match `query` (ignores limit and offset)."""

    @abstractmethod
    def timers(self, instance_id: str) -> list[Timer]:
        """The instance's open timers (pending or overdue), soonest first."""

    @abstractmethod
    def claim_due(
        self, now: datetime, limit: int, *, worker: str, lease: timedelta, workflows: Versions | None = None
    ) -> list[Timer]:
        """Lease up to `limit` pending timers due at or before `now` to `worker` until
        `now + lease`, soonest first, skipping timers under an unexpired lease (anyone's: a
        sweep never picks up again what it leased earlier, so it always ends) and timers
        backing off after a failed attempt (`Timer.retry_at` after `now`).

        `workflows`, when given, limits the lease to timers of instances pinned to one of those
        (workflow, version) pairs: an engine never even leases a timer it has no definition
        for, so a sweeper that lacks a module leaves those timers pending for one that has it.

        The lease only spreads work between sweepers: a timer still fires exactly once because
        the change that acts on it must `claim` it while pending. A worker that dies leaves its
        leased timers to be taken again once the lease runs out.
        """

    @abstractmethod
    def due_elsewhere(self, now: datetime, workflows: Versions) -> dict[tuple[str, int], int]:
        """How many pending timers due at or before `now` belong to instances of (workflow,
        version) pairs *not* in `workflows`, by pair: what a sweep with those definitions
        leaves for another (leases and back-off ignored)."""

    @abstractmethod
    def record_attempt(self, timer_id: str, *, attempts: int, retry_at: datetime, error: str) -> bool:
        """Note a failed attempt on a still-pending timer: its failure count, when it may be
        tried again, and why it failed; the lease is released. False if the timer is no longer
        pending (someone else settled it), and nothing is written."""

    @abstractmethod
    def release(self, timer_ids: Sequence[str], *, worker: str) -> int:
        """Give back `worker`'s leases on still-pending timers (a sweeper stopping or failing
        mid-batch), so other sweepers take them now rather than when the lease runs out;
        return how many were released."""

    @abstractmethod
    def instance_versions(self) -> dict[tuple[str, int], int]:
        """How many instances are stored per (workflow, version): what a reader needs loaded."""

    @abstractmethod
    def find_timers(self, query: TimerQuery) -> list[tuple[Timer, Instance]]:
        """Timers matching `query`, each with its instance, soonest first."""

    @abstractmethod
    def reschedule(self, timers: Sequence[Timer]) -> int:
        """Set new due times, provisional flags and params on still-pending timers; return how many."""

    @abstractmethod
    def put_document(self, kind: str, key: str, doc: Mapping[str, Any]) -> None:
        """Store a shared JSON document (a calendar year, a directory, a sanction) under (kind, key)."""

    @abstractmethod
    def get_document(self, kind: str, key: str) -> dict[str, Any] | None:
        """The document stored under (kind, key), or None."""

    @abstractmethod
    def documents(self, kind: str) -> dict[str, dict[str, Any]]:
        """Every document of `kind`, by key."""

    # -- the feed (事件订阅) and deliveries: see govflow.feed -------------------------------------
    # Every `commit` also writes `govflow.feed.entries(change)`, in the same transaction.

    @abstractmethod
    def read_feed(self, after: str | None, limit: int, filter: FeedFilter) -> FeedPage:
        """Up to `limit` feed events after cursor `after` (None: from the oldest kept), in feed
        order, matching `filter`. Never returns a position that a transaction still in flight
        could come before, so a reader that moves its cursor to the page's never skips a row."""

    @abstractmethod
    def feed_end(self) -> str | None:
        """A cursor after everything committed so far (None when the feed is empty and always
        was): a consumer starting there sees only what commits from now on."""

    @abstractmethod
    def register_consumer(self, name: str, parts: int, cursor: str | None) -> list[ConsumerState]:
        """Create consumer `name` with `parts` partitions at `cursor` unless it exists (then it is
        left as it is); return its partitions."""

    @abstractmethod
    def consumers(self, name: str | None = None) -> list[ConsumerState]:
        """Stored consumer partitions (of one consumer, or all), by name then partition."""

    @abstractmethod
    def drop_consumer(self, name: str) -> bool:
        """Forget a consumer (its cursor no longer holds back pruning); False if unknown."""

    @abstractmethod
    def lease_consumer(self, name: str, worker: str, now: datetime, lease: timedelta) -> ConsumerState | None:
        """Lease one partition of consumer `name` to `worker` until `now + lease`: one already
        leased to `worker`, else a free or expired one (skipping partitions other processes are
        leasing this very moment); None when there is none. `InvalidData` for an unknown name."""

    @abstractmethod
    def save_cursor(self, name: str, part: int, worker: str, cursor: str | None, *, release: bool) -> bool:
        """Move the partition's cursor if `worker` still holds its lease (and free it when
        `release`); False, changing nothing, when the lease was lost."""

    @abstractmethod
    def prune_feed(self, before: datetime) -> int:
        """Delete feed rows recorded (`at`) before `before` that every consumer's every partition
        has read; return how many. A row some consumer has not read is never deleted, and neither is
        the newest row (it keeps SQLite's rowids from being handed out again)."""

    @abstractmethod
    def put_delivery(self, delivery: Delivery) -> None:
        """Insert or replace the delivery record with `delivery.key`."""

    @abstractmethod
    def get_delivery(self, key: str) -> Delivery | None:
        """The delivery record with `key`, or None."""

    @abstractmethod
    def find_deliveries(self, query: DeliveryQuery) -> list[Delivery]:
        """Delivery records matching `query`, oldest first."""

    def close(self) -> None:  # noqa: B027 - adapters without resources need not override it
        """Release connections; the adapter is unusable afterwards."""

    def __enter__(self) -> Storage:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

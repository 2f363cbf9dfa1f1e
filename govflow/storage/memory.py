"""`MemoryStorage` (内存存储): the in-memory twin of the SQL adapters, for tests and demos.

It honours the whole storage contract — compare-and-set, all-or-nothing commits, exactly-once
timers, indexed queries — with dicts and one lock, and keeps nothing after the process ends.
"""

from __future__ import annotations

import bisect
import copy
import threading
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs

from govflow.audit import AuditEvent
from govflow.delivery import Delivery, DeliveryQuery
from govflow.errors import ConcurrentModification, InstanceNotFound, InvalidData
from govflow.feed import ConsumerState, FeedEvent, FeedFilter, FeedPage, announce_as
from govflow.instance import Instance
from govflow.storage.base import Change, Query, Storage, TimerQuery, Versions, check_change, index_value
from govflow.timer import Timer


class MemoryStorage(Storage):
    """All state in process memory; thread-safe; lost when the process ends."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._instances: dict[str, Instance] = {}
        self._events: dict[str, list[AuditEvent]] = {}
        self._timers: dict[str, Timer] = {}
        self._pending: dict[str, Timer] = {}
        self._timers_of: dict[str, set[str]] = {}
        self._keys_of: dict[str, tuple[tuple[str, str], ...]] = {}
        self._by_key: dict[tuple[str, str], set[str]] = {}
        self._documents: dict[tuple[str, str], dict[str, Any]] = {}
        self._leases: dict[str, tuple[str, datetime]] = {}
        self._feed: list[tuple[int, str, int, str, str | None]] = []
        self._feed_next = 1
        self._consumers: dict[tuple[str, int], ConsumerState] = {}
        self._deliveries: dict[str, Delivery] = {}

    def commit(self, change: Change) -> None:
        """Check everything first (this change and the ones that ride along), then apply: a
        failed check leaves no trace."""
        check_change(change)
        changes = change.all_changes()
        with self._lock:
            for each in changes:
                self._check(each)
            for each in changes:
                self._apply(each)
            self._write_feed(change)

    def _check(self, change: Change) -> None:
        inst = change.instance
        current = self._instances.get(inst.id)
        actual = current.revision if current is not None else 0
        if actual != change.expected_revision:
            raise ConcurrentModification(inst.id, change.expected_revision, actual if current else None)
        for timer_id in [t for t, _ in change.claim] + [t.id for t in change.reschedule]:
            if timer_id not in self._pending:
                raise ConcurrentModification(inst.id, change.expected_revision, actual)
        for timer_id in change.reopen:
            if timer_id not in self._timers or self._timers[timer_id].status != "failed":
                raise ConcurrentModification(inst.id, change.expected_revision, actual)

    def _apply(self, change: Change) -> None:
        inst = change.instance
        self._instances[inst.id] = inst
        self._events.setdefault(inst.id, []).extend(change.events)
        mine = self._timers_of.setdefault(inst.id, set())
        for timer_id, status in change.claim:
            self._set_status(timer_id, status)
        for timer_id, status in change.settle:
            if timer_id in self._timers and self._timers[timer_id].is_open:
                self._set_status(timer_id, status)
        for timer in change.reschedule:
            current = self._pending[timer.id]
            updated = attrs.evolve(current, due=timer.due, provisional=timer.provisional, params=timer.params)
            self._timers[timer.id] = self._pending[timer.id] = updated
        for timer in change.arm:
            self._timers[timer.id] = timer
            self._pending[timer.id] = timer
            mine.add(timer.id)
        for timer_id in change.reopen:
            timer = attrs.evolve(self._timers[timer_id], status="pending", attempts=0, retry_at=None, last_error=None)
            self._timers[timer_id] = self._pending[timer_id] = timer
            mine.add(timer_id)
        if change.keys is not None:
            self._reindex(inst.id, change.keys)

    def _write_feed(self, change: Change) -> None:
        """The change's feed rows, numbered in commit order (the lock makes this the one writer).

        Kept as (position, instance id, index in its event list, workflow, unit) — plain values,
        which the garbage collector need not track — and turned into `FeedEvent`s when read, so
        the fire path pays only for the append (about a microsecond)."""
        feed = self._feed
        for each in change.all_changes():
            inst = each.instance
            first = len(self._events[inst.id]) - len(each.events)
            for k in range(len(each.events)):
                feed.append((self._feed_next, inst.id, first + k, inst.workflow, inst.unit))
                self._feed_next += 1

    def _set_status(self, timer_id: str, status: str) -> None:
        timer = attrs.evolve(self._timers[timer_id], status=status)
        self._timers[timer_id] = timer
        self._pending.pop(timer_id, None)
        self._leases.pop(timer_id, None)
        if not timer.is_open:
            self._timers_of.get(timer.instance_id, set()).discard(timer_id)

    def _reindex(self, instance_id: str, keys: tuple[tuple[str, str], ...]) -> None:
        for key in self._keys_of.get(instance_id, ()):
            self._by_key.get(key, set()).discard(instance_id)
        self._keys_of[instance_id] = keys
        for key in keys:
            self._by_key.setdefault(key, set()).add(instance_id)

    def load(self, instance_id: str) -> Instance:
        """The current record (shared, immutable)."""
        try:
            return self._instances[instance_id]
        except KeyError:
            raise InstanceNotFound(instance_id) from None

    def history(self, instance_id: str) -> list[AuditEvent]:
        """A copy of the event list, oldest first."""
        with self._lock:
            return list(self._events.get(instance_id, ()))

    def _matching(self, query: Query) -> list[Instance]:
        with self._lock:
            if query.where:
                sets = [self._by_key.get((k, index_value(v)), set()) for k, v in query.where.items()]
                ids = set.intersection(*map(set, sets))
                candidates = [self._instances[i] for i in ids]
            else:
                candidates = list(self._instances.values())
        found = [inst for inst in candidates if _matches(inst, query)]
        found.sort(key=lambda inst: (inst.created_at, inst.id))
        return found

    def find(self, query: Query) -> list[Instance]:
        """Matching instances by creation time, with limit and offset applied."""
        found = self._matching(query)[query.offset :]
        return found if query.limit is None else found[: query.limit]

    def count(self, query: Query) -> int:
        """How many instances match."""
        return len(self._matching(query))

    def timers(self, instance_id: str) -> list[Timer]:
        """Open timers of one instance, soonest first."""
        with self._lock:
            mine = [self._timers[i] for i in self._timers_of.get(instance_id, ())]
        return sorted(mine, key=lambda t: (t.due, t.id))

    def find_timers(self, query: TimerQuery) -> list[tuple[Timer, Instance]]:
        """Timers matching `query` with their instances."""
        with self._lock:
            found = [
                (t, self._instances[t.instance_id])
                for t in self._timers.values()
                if t.status in query.statuses
                and (query.due_from is None or t.due >= query.due_from)
                and (query.due_to is None or t.due < query.due_to)
                and (query.provisional is None or t.provisional == query.provisional)
                and (query.ids is None or t.id in query.ids)
                and (not query.failed_attempts or t.attempts > 0)
            ]
        found = [
            (t, inst)
            for t, inst in found
            if (query.workflow is None or inst.workflow == query.workflow)
            and (query.unit is None or inst.unit == query.unit)
        ]
        found.sort(key=lambda pair: (pair[0].due, pair[0].id))
        return found if query.limit is None else found[: query.limit]

    def reschedule(self, timers: Sequence[Timer]) -> int:
        """Move still-pending timers to their new due times."""
        moved = 0
        with self._lock:
            for timer in timers:
                current = self._pending.get(timer.id)
                if current is not None:
                    updated = attrs.evolve(current, due=timer.due, provisional=timer.provisional, params=timer.params)
                    self._timers[timer.id] = self._pending[timer.id] = updated
                    moved += 1
        return moved

    def claim_due(
        self, now: datetime, limit: int, *, worker: str, lease: timedelta, workflows: Versions | None = None
    ) -> list[Timer]:
        """Lease due pending timers to `worker` (scans the pending timers: fine for a twin)."""
        wanted = None if workflows is None else set(workflows)
        with self._lock:
            due = sorted(
                (
                    t
                    for t in self._pending.values()
                    if t.due <= now
                    and (t.retry_at is None or t.retry_at <= now)
                    and self._leasable(t.id, now)
                    and (wanted is None or self._version_of(t) in wanted)
                ),
                key=lambda t: (t.due, t.id),
            )[:limit]
            for timer in due:
                self._leases[timer.id] = (worker, now + lease)
        return due

    def _version_of(self, timer: Timer) -> tuple[str, int]:
        inst = self._instances[timer.instance_id]
        return (inst.workflow, inst.workflow_version)

    def _leasable(self, timer_id: str, now: datetime) -> bool:
        held = self._leases.get(timer_id)
        return held is None or held[1] <= now

    def due_elsewhere(self, now: datetime, workflows: Versions) -> dict[tuple[str, int], int]:
        """Due pending timers of versions not in `workflows`, counted by version."""
        known = set(workflows)
        counts: dict[tuple[str, int], int] = {}
        with self._lock:
            for timer in self._pending.values():
                key = self._version_of(timer)
                if timer.due <= now and key not in known:
                    counts[key] = counts.get(key, 0) + 1
        return dict(sorted(counts.items()))

    def record_attempt(self, timer_id: str, *, attempts: int, retry_at: datetime, error: str) -> bool:
        """Note a failed attempt on a pending timer and drop its lease."""
        with self._lock:
            current = self._pending.get(timer_id)
            if current is None:
                return False
            updated = attrs.evolve(current, attempts=attempts, retry_at=retry_at, last_error=error)
            self._timers[timer_id] = self._pending[timer_id] = updated
            self._leases.pop(timer_id, None)
            return True

    def release(self, timer_ids: Sequence[str], *, worker: str) -> int:
        """Drop `worker`'s leases on pending timers."""
        released = 0
        with self._lock:
            for timer_id in timer_ids:
                held = self._leases.get(timer_id)
                if held is not None and held[0] == worker and timer_id in self._pending:
                    del self._leases[timer_id]
                    released += 1
        return released

    def instance_versions(self) -> dict[tuple[str, int], int]:
        """Instances counted by (workflow, version)."""
        counts: dict[tuple[str, int], int] = {}
        with self._lock:
            for inst in self._instances.values():
                key = (inst.workflow, inst.workflow_version)
                counts[key] = counts.get(key, 0) + 1
        return dict(sorted(counts.items()))

    # -- feed and deliveries ----------------------------------------------------------------------

    def read_feed(self, after: str | None, limit: int, filter: FeedFilter) -> FeedPage:
        """Rows after `after` in position order (the single writer numbers them in commit order)."""
        start = _position(after)
        with self._lock:
            rows = self._feed[bisect.bisect_right(self._feed, start, key=lambda r: r[0]) :]
        found: list[FeedEvent] = []
        for position, instance_id, index, workflow, unit in rows:
            row = announce_as(workflow, unit, self._events[instance_id][index], str(position))
            if filter.matches(row):
                found.append(row)
                if len(found) >= limit:
                    break
        return FeedPage(tuple(found), found[-1].position if found else after)

    def feed_end(self) -> str | None:
        """The position of the newest row ever written."""
        with self._lock:
            return str(self._feed_next - 1) if self._feed_next > 1 else None

    def register_consumer(self, name: str, parts: int, cursor: str | None) -> list[ConsumerState]:
        """Create the partitions unless the consumer exists."""
        _position(cursor)
        with self._lock:
            if not any(key[0] == name for key in self._consumers):
                for part in range(parts):
                    self._consumers[name, part] = ConsumerState(name, part, parts, cursor)
        return self.consumers(name)

    def consumers(self, name: str | None = None) -> list[ConsumerState]:
        """Partitions by name, then number."""
        with self._lock:
            return [self._consumers[k] for k in sorted(self._consumers) if name is None or k[0] == name]

    def drop_consumer(self, name: str) -> bool:
        """Remove every partition of `name`."""
        with self._lock:
            keys = [k for k in self._consumers if k[0] == name]
            for key in keys:
                del self._consumers[key]
        return bool(keys)

    def lease_consumer(self, name: str, worker: str, now: datetime, lease: timedelta) -> ConsumerState | None:
        """The partition `worker` holds, else the first free one."""
        with self._lock:
            parts = [self._consumers[k] for k in sorted(self._consumers) if k[0] == name]
            if not parts:
                raise InvalidData(f"no feed consumer named {name!r} (register it first)")
            mine = [p for p in parts if p.leased_by == worker and p.lease_until is not None and p.lease_until > now]
            free = [p for p in parts if p.lease_until is None or p.lease_until <= now]
            if not (mine or free):
                return None
            chosen = (mine or free)[0]
            held = attrs.evolve(chosen, leased_by=worker, lease_until=now + lease)
            self._consumers[name, chosen.part] = held
            return held

    def save_cursor(self, name: str, part: int, worker: str, cursor: str | None, *, release: bool) -> bool:
        """Move the cursor if `worker` still holds the lease."""
        _position(cursor)
        with self._lock:
            current = self._consumers.get((name, part))
            if current is None or current.leased_by != worker:
                return False
            self._consumers[name, part] = attrs.evolve(
                current,
                cursor=cursor,
                leased_by=None if release else worker,
                lease_until=None if release else current.lease_until,
            )
            return True

    def prune_feed(self, before: datetime) -> int:
        """Drop old rows every consumer has read."""
        with self._lock:
            read = min((_position(c.cursor) for c in self._consumers.values()), default=None)
            newest = self._feed[-1][0] if self._feed else 0
            kept = [
                r
                for r in self._feed
                if not (self._events[r[1]][r[2]].at < before and (read is None or r[0] <= read) and r[0] < newest)
            ]
            pruned = len(self._feed) - len(kept)
            self._feed = kept
        return pruned

    def put_delivery(self, delivery: Delivery) -> None:
        """Insert or replace by key."""
        with self._lock:
            self._deliveries[delivery.key] = delivery

    def get_delivery(self, key: str) -> Delivery | None:
        """One record by key."""
        with self._lock:
            return self._deliveries.get(key)

    def find_deliveries(self, query: DeliveryQuery) -> list[Delivery]:
        """Matching records, oldest first."""
        with self._lock:
            found = sorted(
                (d for d in self._deliveries.values() if query.matches(d)), key=lambda d: (d.created_at, d.key)
            )
        return found if query.limit is None else found[: query.limit]

    def put_document(self, kind: str, key: str, doc: Mapping[str, Any]) -> None:
        """Store a deep copy, so later edits by the caller do not leak in."""
        with self._lock:
            self._documents[(kind, key)] = copy.deepcopy(dict(doc))

    def get_document(self, kind: str, key: str) -> dict[str, Any] | None:
        """A deep copy of the stored document, or None."""
        with self._lock:
            doc = self._documents.get((kind, key))
        return copy.deepcopy(doc) if doc is not None else None

    def documents(self, kind: str) -> dict[str, dict[str, Any]]:
        """Deep copies of every document of `kind`."""
        with self._lock:
            return {k: copy.deepcopy(v) for (kd, k), v in self._documents.items() if kd == kind}


def _position(cursor: str | None) -> int:
    """A memory or SQLite cursor is the row number as text ("" or None: before the first)."""
    if not cursor:
        return 0
    try:
        value = int(cursor)
    except ValueError:
        raise InvalidData(f"{cursor!r} is not a feed cursor of this storage") from None
    if value < 0:
        raise InvalidData(f"{cursor!r} is not a feed cursor of this storage")
    return value


def _matches(inst: Instance, query: Query) -> bool:
    return (
        (query.workflow is None or inst.workflow == query.workflow)
        and (query.states is None or inst.state in query.states)
        and (query.unit is None or inst.unit == query.unit)
        and (query.parent_id is None or inst.parent_id == query.parent_id)
        and (query.created_from is None or inst.created_at >= query.created_from)
        and (query.created_to is None or inst.created_at < query.created_to)
    )

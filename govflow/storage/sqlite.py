"""`SQLiteStorage` (SQLite 存储): the embedded default, one file, safe across processes.

sqlite-utils creates the schema and runs the versioned migrations; the fire path is plain SQL
on one connection (statements are cached by `sqlite3`). WAL mode lets readers run beside the one
writer; every write is a `BEGIN IMMEDIATE` transaction, so two processes firing at the same
instance serialise on the write lock and the loser's compare-and-set on `revision` fails cleanly.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

from govflow.audit import AuditEvent, format_instant, parse_instant
from govflow.delivery import Delivery, DeliveryQuery
from govflow.errors import ConcurrentModification, InstanceNotFound, InvalidData, StorageError
from govflow.feed import ConsumerState, FeedEvent, FeedFilter, FeedPage, bucket, summarize
from govflow.instance import Instance
from govflow.storage._sql import AUDIT_COLUMNS, INSTANCE_COLUMNS, TIMER_COLUMNS
from govflow.storage.base import Change, Query, Storage, TimerQuery, Versions, check_change, index_value
from govflow.timer import Timer

Migration = Callable[[sqlite_utils.Database], None]


def _v1(db: sqlite_utils.Database) -> None:
    db["instances"].create(  # type: ignore[union-attr]
        {
            "id": str,
            "workflow": str,
            "workflow_version": int,
            "state": str,
            "data": str,
            "revision": int,
            "unit": str,
            "created_at": str,
            "updated_at": str,
            "created_by": str,
            "head": str,
            "parent_id": str,
            "marks": str,
        },
        pk="id",
        not_null={
            "workflow",
            "workflow_version",
            "state",
            "data",
            "revision",
            "created_at",
            "updated_at",
            "created_by",
            "head",
            "marks",
        },
    )
    db["instances"].create_index(["workflow", "state"])  # type: ignore[union-attr]
    db["instances"].create_index(["unit"])  # type: ignore[union-attr]
    db["instances"].create_index(["parent_id"])  # type: ignore[union-attr]
    db["instances"].create_index(["created_at"])  # type: ignore[union-attr]
    db["audit"].create(  # type: ignore[union-attr]
        {
            "instance_id": str,
            "seq": int,
            "kind": str,
            "event": str,
            "source": str,
            "dest": str,
            "actor": str,
            "roles": str,
            "on_behalf_of": str,
            "at": str,
            "payload": str,
            "justification": str,
            "overrides": str,
            "workflow_version": int,
            "detail": str,
            "prev_hash": str,
            "hash": str,
        },
        pk=("instance_id", "seq"),
    )
    db["timers"].create(  # type: ignore[union-attr]
        {
            "id": str,
            "instance_id": str,
            "name": str,
            "due": str,
            "action": str,
            "state": str,
            "params": str,
            "provisional": int,
            "status": str,
            "closed_at": str,
        },
        pk="id",
    )
    db["timers"].create_index(["instance_id"])  # type: ignore[union-attr]
    # The sweep asks "pending and due by now, soonest first": a partial index answers it
    # without scanning the fired and cancelled history.
    db.execute("CREATE INDEX timers_pending_due ON timers(due) WHERE status = 'pending'")
    db["index_keys"].create({"key": str, "value": str, "instance_id": str}, pk=("key", "value", "instance_id"))  # type: ignore[union-attr]
    db["index_keys"].create_index(["instance_id"])  # type: ignore[union-attr]
    db["documents"].create({"kind": str, "key": str, "doc": str, "updated_at": str}, pk=("kind", "key"))  # type: ignore[union-attr]


def _v2(db: sqlite_utils.Database) -> None:
    db["timers"].add_column("leased_by", str)  # type: ignore[union-attr]
    db["timers"].add_column("lease_until", str)  # type: ignore[union-attr]


def _v3(db: sqlite_utils.Database) -> None:
    db["timers"].add_column("attempts", int, not_null_default=0)  # type: ignore[union-attr]
    db["timers"].add_column("retry_at", str)  # type: ignore[union-attr]
    db["timers"].add_column("last_error", str)  # type: ignore[union-attr]


FEED_KIND_SQL = """CASE
        WHEN NEW.kind = 'transition' THEN
            CASE WHEN NEW.actor = 'system' AND json_extract(NEW.detail, '$.timer') IS NOT NULL
                 THEN 'timer_fired' ELSE 'fire' END
        WHEN NEW.kind = 'timer' THEN
            CASE NEW.event WHEN 'remind' THEN 'reminder' WHEN 'escalate' THEN 'escalation' ELSE NEW.event END
        ELSE NEW.kind END"""
"""`govflow.feed.feed_kind` in SQL, for the trigger (the feed tests check the two agree)."""


def _v4(db: sqlite_utils.Database) -> None:
    # The outbox row is written by a trigger on the audit insert, so it is in the same
    # transaction as the change by construction and costs the fire path no Python. It holds what
    # filters need (workflow, unit — the instance row is already written — and kind); the rest
    # is read from the audit row it points to (the instance row is written before its audit rows,
    # so the trigger always finds it). Positions are rowids: pruning always keeps the newest row,
    # so the largest rowid never goes down and a position is never handed out twice (cheaper than
    # AUTOINCREMENT). BEGIN IMMEDIATE makes every commit the only writer, so position order is
    # commit order.
    db.execute(
        "CREATE TABLE feed (id INTEGER PRIMARY KEY, instance_id TEXT NOT NULL, seq INTEGER NOT NULL, "
        "workflow TEXT NOT NULL, unit TEXT, kind TEXT NOT NULL, at TEXT NOT NULL)"
    )
    db.execute(
        "CREATE TRIGGER feed_outbox AFTER INSERT ON audit BEGIN "
        "INSERT INTO feed (instance_id, seq, workflow, unit, kind, at) "
        f"SELECT NEW.instance_id, NEW.seq, i.workflow, i.unit, {FEED_KIND_SQL}, NEW.at "
        "FROM instances i WHERE i.id = NEW.instance_id; END"
    )
    db.execute(
        "CREATE TABLE feed_consumers (name TEXT NOT NULL, part INTEGER NOT NULL, parts INTEGER NOT NULL, "
        "cursor TEXT, leased_by TEXT, lease_until TEXT, PRIMARY KEY (name, part))"
    )
    db.execute(
        "CREATE TABLE deliveries (key TEXT PRIMARY KEY, event_id TEXT NOT NULL, instance_id TEXT NOT NULL, "
        "recipient TEXT NOT NULL, channel TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL, "
        "subject TEXT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, "
        "address TEXT, reason TEXT, next_attempt TEXT)"
    )
    db.execute("CREATE INDEX deliveries_status ON deliveries(status, next_attempt)")
    db.execute("CREATE INDEX deliveries_event ON deliveries(event_id)")
    db.execute("CREATE INDEX deliveries_instance ON deliveries(instance_id)")


MIGRATIONS: tuple[tuple[int, str, Migration], ...] = (
    (1, "instances, audit, timers, index keys, documents", _v1),
    (2, "timer leases for concurrent sweepers", _v2),
    (3, "timer retries: failed attempts, back-off, last error", _v3),
    (4, "event feed, feed consumers, notification deliveries", _v4),
)
"""(version, description, function) in order; each runs in its own transaction."""

SCHEMA_VERSION = MIGRATIONS[-1][0]


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _dumps(value: Any) -> str:
    """Compact JSON text for a column; empty containers without calling the encoder."""
    if not value:
        if isinstance(value, Mapping):
            return "{}"
        if isinstance(value, list | tuple):
            return "[]"
    return _ENCODER.encode(value if not isinstance(value, tuple) else list(value))


def _rollback(conn: sqlite3.Connection) -> None:
    """Roll back the open transaction, if SQLite has not already: on some errors (a full disk,
    SQLITE_FULL) it rolls back by itself, and a second ROLLBACK would replace the real error
    ("database or disk is full") with "cannot rollback - no transaction is active"."""
    if conn.in_transaction:
        conn.execute("ROLLBACK")


class SQLiteStorage(Storage):
    """Storage in one SQLite file (or ``":memory:"``), WAL mode, safe for many processes.

    `busy_timeout` (seconds) is how long a writer waits for another process's write lock.
    """

    def __init__(self, path: str | Path = "govflow.db", *, busy_timeout: float = 10.0) -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        try:
            self._conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=busy_timeout)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open {self.path!r}: {exc}") from None
        try:
            self._conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = NORMAL")
            self.db = sqlite_utils.Database(self._conn)
            self._migrate()
        except BaseException as exc:
            self._conn.close()
            if isinstance(exc, sqlite3.DatabaseError):
                raise StorageError(f"cannot open {self.path!r} as a govflow SQLite database: {exc}") from None
            raise

    # -- schema -------------------------------------------------------------------------------

    def _migrate(self) -> None:
        with self._write():
            if "govflow_schema" not in self.db.table_names():
                self.db["govflow_schema"].create({"version": int, "description": str, "applied_at": str}, pk="version")  # type: ignore[union-attr]
            row = self._conn.execute("SELECT MAX(version) FROM govflow_schema").fetchone()
            applied = {v for (v,) in self._conn.execute("SELECT version FROM govflow_schema")}
        current = row[0] or 0
        if current > SCHEMA_VERSION:
            raise StorageError(
                f"{self.path!r} has schema version {current}, newer than this govflow understands "
                f"({SCHEMA_VERSION}); upgrade govflow — the database was not touched",
                permanent=True,
            )
        for version, description, migrate in MIGRATIONS:
            if version in applied:
                continue
            with self._write():
                # Re-read under the write lock: another process may have migrated meanwhile.
                done = self._conn.execute("SELECT 1 FROM govflow_schema WHERE version = ?", (version,)).fetchone()
                if done:
                    continue
                migrate(self.db)
                self._conn.execute(
                    "INSERT INTO govflow_schema (version, description, applied_at) VALUES (?, ?, ?)",
                    (version, description, format_instant(datetime.now(UTC))),
                )

    @property
    def schema_version(self) -> int:
        """The schema version this file is at."""
        return int(self._conn.execute("SELECT MAX(version) FROM govflow_schema").fetchone()[0])

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One `BEGIN IMMEDIATE` transaction: committed on success, rolled back on any error."""
        with self._lock:
            conn = self._conn
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.DatabaseError as exc:
                raise StorageError(f"cannot write to {self.path!r}: {exc}") from None
            try:
                yield conn
            except BaseException:
                _rollback(conn)
                raise
            try:
                conn.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                _rollback(conn)
                raise StorageError(f"commit to {self.path!r} failed: {exc}") from None

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                yield self._conn
            except sqlite3.DatabaseError as exc:
                raise StorageError(f"cannot read {self.path!r}: {exc}") from None

    # -- writes -------------------------------------------------------------------------------

    def commit(self, change: Change) -> None:
        """Apply `change` (and the changes riding along in `also`) in one transaction, each with
        compare-and-set on its revision."""
        check_change(change)
        try:
            with self._write() as conn:
                for each in change.all_changes():
                    self._apply(conn, each)
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"write to {self.path!r} failed, nothing was written: {exc}") from None

    def _apply(self, conn: sqlite3.Connection, change: Change) -> None:
        inst = change.instance
        if change.expected_revision == 0:
            try:
                conn.execute(
                    f"INSERT INTO instances ({INSTANCE_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    _instance_row(inst),
                )
            except sqlite3.IntegrityError:
                actual = conn.execute("SELECT revision FROM instances WHERE id = ?", (inst.id,)).fetchone()
                raise ConcurrentModification(inst.id, 0, actual[0] if actual else None) from None
        else:
            now = format_instant(inst.updated_at)
            sets = "state = ?, revision = ?, unit = ?, updated_at = ?, head = ?"
            params: list[Any] = [inst.state, inst.revision, inst.unit, now, inst.head]
            if change.data_changed:
                sets += ", data = ?"
                params.append(_dumps(inst.data))
            if change.marks_changed:
                sets += ", marks = ?"
                params.append(_dumps(inst.marks))
            params += [inst.id, change.expected_revision]
            cursor = conn.execute(f"UPDATE instances SET {sets} WHERE id = ? AND revision = ?", params)
            if cursor.rowcount != 1:
                actual = conn.execute("SELECT revision FROM instances WHERE id = ?", (inst.id,)).fetchone()
                raise ConcurrentModification(inst.id, change.expected_revision, actual[0] if actual else None)
        conn.executemany(
            f"INSERT INTO audit ({AUDIT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [_audit_row(e) for e in change.events],
        )
        now = format_instant(inst.updated_at)
        for timer_id, status in change.claim:
            claimed = conn.execute(
                "UPDATE timers SET status = ?, closed_at = ? WHERE id = ? AND status = 'pending'",
                (status, now, timer_id),
            )
            if claimed.rowcount != 1:
                raise ConcurrentModification(inst.id, change.expected_revision, change.expected_revision)
        for t in change.reschedule:
            moved = conn.execute(
                "UPDATE timers SET due = ?, provisional = ?, params = ? WHERE id = ? AND status = 'pending'",
                (format_instant(t.due), int(t.provisional), _dumps(t.params), t.id),
            )
            if moved.rowcount != 1:
                raise ConcurrentModification(inst.id, change.expected_revision, change.expected_revision)
        if change.settle:
            conn.executemany(
                "UPDATE timers SET status = ?, closed_at = ? WHERE id = ? AND status IN ('pending', 'overdue')",
                [(status, now, timer_id) for timer_id, status in change.settle],
            )
        if change.arm:
            conn.executemany(
                f"INSERT INTO timers ({TIMER_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                [_timer_row(t) for t in change.arm],
            )
        for timer_id in change.reopen:
            reopened = conn.execute(
                "UPDATE timers SET status = 'pending', closed_at = NULL, attempts = 0, retry_at = NULL, "
                "last_error = NULL, leased_by = NULL, lease_until = NULL WHERE id = ? AND status = 'failed'",
                (timer_id,),
            )
            if reopened.rowcount != 1:
                raise ConcurrentModification(inst.id, change.expected_revision, change.expected_revision)
        if change.keys is not None:
            conn.execute("DELETE FROM index_keys WHERE instance_id = ?", (inst.id,))
            conn.executemany(
                "INSERT INTO index_keys (key, value, instance_id) VALUES (?, ?, ?)",
                [(k, v, inst.id) for k, v in change.keys],
            )

    # -- reads --------------------------------------------------------------------------------

    def load(self, instance_id: str) -> Instance:
        """The current record of one instance."""
        with self._reading() as conn:
            row = conn.execute(f"SELECT {INSTANCE_COLUMNS} FROM instances WHERE id = ?", (instance_id,)).fetchone()
        if row is None:
            raise InstanceNotFound(instance_id)
        return _instance(row)

    def history(self, instance_id: str) -> list[AuditEvent]:
        """Audit events in the order they were numbered."""
        with self._reading() as conn:
            rows = conn.execute(
                f"SELECT {AUDIT_COLUMNS} FROM audit WHERE instance_id = ? ORDER BY seq", (instance_id,)
            ).fetchall()
        return [_audit(row) for row in rows]

    def _where(self, query: Query) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if query.workflow is not None:
            clauses.append("workflow = ?")
            params.append(query.workflow)
        if query.states is not None:
            clauses.append(f"state IN ({', '.join('?' * len(query.states))})" if query.states else "0")
            params.extend(query.states)
        if query.unit is not None:
            clauses.append("unit = ?")
            params.append(query.unit)
        if query.parent_id is not None:
            clauses.append("parent_id = ?")
            params.append(query.parent_id)
        if query.created_from is not None:
            clauses.append("created_at >= ?")
            params.append(format_instant(query.created_from))
        if query.created_to is not None:
            clauses.append("created_at < ?")
            params.append(format_instant(query.created_to))
        for key, value in query.where.items():
            clauses.append("id IN (SELECT instance_id FROM index_keys WHERE key = ? AND value = ?)")
            params.extend((key, index_value(value)))
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def find(self, query: Query) -> list[Instance]:
        """Matching instances by creation time."""
        where, params = self._where(query)
        page = ""
        if query.limit is not None or query.offset:
            page = " LIMIT ? OFFSET ?"
            params.extend((query.limit if query.limit is not None else -1, query.offset))
        with self._reading() as conn:
            rows = conn.execute(
                f"SELECT {INSTANCE_COLUMNS} FROM instances{where} ORDER BY created_at, id{page}", params
            ).fetchall()
        return [_instance(row) for row in rows]

    def count(self, query: Query) -> int:
        """How many instances match."""
        where, params = self._where(query)
        with self._reading() as conn:
            return int(conn.execute(f"SELECT COUNT(*) FROM instances{where}", params).fetchone()[0])

    def timers(self, instance_id: str) -> list[Timer]:
        """Pending timers of one instance."""
        with self._reading() as conn:
            rows = conn.execute(
                f"SELECT {TIMER_COLUMNS} FROM timers WHERE instance_id = ? AND status IN ('pending', 'overdue') "
                "ORDER BY due, id",
                (instance_id,),
            ).fetchall()
        return [_timer(row) for row in rows]

    def claim_due(
        self, now: datetime, limit: int, *, worker: str, lease: timedelta, workflows: Versions | None = None
    ) -> list[Timer]:
        """Lease due pending timers in one write transaction (the partial index finds them;
        with `workflows`, joined to their instances and limited to those versions)."""
        at = format_instant(now)
        params: list[Any] = [at, at, at]
        join = versions = ""
        if workflows is not None:
            pairs = sorted(set(workflows))
            if not pairs:
                return []
            # CROSS JOIN keeps the due timers the outer loop (SQLite does not reorder it): each is
            # checked with a primary-key lookup, never a scan of every instance of a workflow.
            join = " CROSS JOIN instances i ON i.id = t.instance_id"
            versions = f" AND (i.workflow, i.workflow_version) IN (VALUES {', '.join('(?, ?)' for _ in pairs)})"
            params.extend(value for pair in pairs for value in pair)
        params.append(limit)
        columns = ", ".join(f"t.{c.strip()}" for c in TIMER_COLUMNS.split(","))
        try:
            with self._write() as conn:
                rows = conn.execute(
                    f"SELECT {columns} FROM timers t{join} WHERE t.status = 'pending' AND t.due <= ? "
                    "AND (t.lease_until IS NULL OR t.lease_until <= ?) AND (t.retry_at IS NULL OR t.retry_at <= ?)"
                    f"{versions} ORDER BY t.due, t.id LIMIT ?",
                    params,
                ).fetchall()
                conn.executemany(
                    "UPDATE timers SET leased_by = ?, lease_until = ? WHERE id = ?",
                    [(worker, format_instant(now + lease), row[0]) for row in rows],
                )
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"cannot lease timers in {self.path!r}: {exc}") from None
        return [_timer(row) for row in rows]

    def due_elsewhere(self, now: datetime, workflows: Versions) -> dict[tuple[str, int], int]:
        """One grouped count over the due pending timers joined with their instances."""
        known = set(workflows)
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT i.workflow, i.workflow_version, COUNT(*) FROM timers t "
                "JOIN instances i ON i.id = t.instance_id WHERE t.status = 'pending' AND t.due <= ? "
                "GROUP BY i.workflow, i.workflow_version ORDER BY i.workflow, i.workflow_version",
                (format_instant(now),),
            ).fetchall()
        return {(name, version): count for name, version, count in rows if (name, version) not in known}

    def record_attempt(self, timer_id: str, *, attempts: int, retry_at: datetime, error: str) -> bool:
        """Note a failed attempt on a pending timer and release its lease."""
        try:
            with self._write() as conn:
                cursor = conn.execute(
                    "UPDATE timers SET attempts = ?, retry_at = ?, last_error = ?, leased_by = NULL, "
                    "lease_until = NULL WHERE id = ? AND status = 'pending'",
                    (attempts, format_instant(retry_at), error, timer_id),
                )
                return cursor.rowcount == 1
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"write to {self.path!r} failed: {exc}") from None

    def release(self, timer_ids: Sequence[str], *, worker: str) -> int:
        """Clear `worker`'s leases on pending timers in one transaction."""
        if not timer_ids:
            return 0
        try:
            with self._write() as conn:
                return sum(
                    conn.execute(
                        "UPDATE timers SET leased_by = NULL, lease_until = NULL "
                        "WHERE id = ? AND leased_by = ? AND status = 'pending'",
                        (timer_id, worker),
                    ).rowcount
                    for timer_id in timer_ids
                )
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"write to {self.path!r} failed: {exc}") from None

    def instance_versions(self) -> dict[tuple[str, int], int]:
        """Instances counted by (workflow, version), in one grouped query."""
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT workflow, workflow_version, COUNT(*) FROM instances GROUP BY workflow, workflow_version "
                "ORDER BY workflow, workflow_version"
            ).fetchall()
        return {(name, version): count for name, version, count in rows}

    def find_timers(self, query: TimerQuery) -> list[tuple[Timer, Instance]]:
        """Timers joined with their instances, soonest first."""
        clauses = [f"t.status IN ({', '.join('?' * len(query.statuses))})" if query.statuses else "0"]
        params: list[Any] = list(query.statuses)
        for clause, value in (
            ("t.due >= ?", format_instant(query.due_from) if query.due_from else None),
            ("t.due < ?", format_instant(query.due_to) if query.due_to else None),
            ("i.workflow = ?", query.workflow),
            ("i.unit = ?", query.unit),
            ("t.provisional = ?", None if query.provisional is None else int(query.provisional)),
        ):
            if value is not None:
                clauses.append(clause)
                params.append(value)
        if query.ids is not None:
            clauses.append(f"t.id IN ({', '.join('?' * len(query.ids))})" if query.ids else "0")
            params.extend(query.ids)
        if query.failed_attempts:
            clauses.append("t.attempts > 0")
        limit = ""
        if query.limit is not None:
            limit = " LIMIT ?"
            params.append(query.limit)
        timer_cols = ", ".join(f"t.{c.strip()}" for c in TIMER_COLUMNS.split(","))
        inst_cols = ", ".join(f"i.{c.strip()}" for c in INSTANCE_COLUMNS.split(","))
        sql = (
            f"SELECT {timer_cols}, {inst_cols} FROM timers t JOIN instances i ON i.id = t.instance_id "
            f"WHERE {' AND '.join(clauses)} ORDER BY t.due, t.id{limit}"
        )
        width = len(TIMER_COLUMNS.split(","))
        with self._reading() as conn:
            rows = conn.execute(sql, params).fetchall()
        return [(_timer(row[:width]), _instance(row[width:])) for row in rows]

    def reschedule(self, timers: Sequence[Timer]) -> int:
        """Move still-pending timers to new due times in one transaction."""
        try:
            with self._write() as conn:
                moved = 0
                for t in timers:
                    moved += conn.execute(
                        "UPDATE timers SET due = ?, provisional = ?, params = ? WHERE id = ? AND status = 'pending'",
                        (format_instant(t.due), int(t.provisional), _dumps(t.params), t.id),
                    ).rowcount
                return moved
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"write to {self.path!r} failed: {exc}") from None

    # -- documents ----------------------------------------------------------------------------

    def put_document(self, kind: str, key: str, doc: Mapping[str, Any]) -> None:
        """Insert or replace one shared document."""
        try:
            with self._write() as conn:
                conn.execute(
                    "INSERT OR REPLACE INTO documents (kind, key, doc, updated_at) VALUES (?, ?, ?, ?)",
                    (kind, key, _dumps(dict(doc)), format_instant(datetime.now(UTC))),
                )
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"write to {self.path!r} failed: {exc}") from None

    def get_document(self, kind: str, key: str) -> dict[str, Any] | None:
        """One document, or None."""
        with self._reading() as conn:
            row = conn.execute("SELECT doc FROM documents WHERE kind = ? AND key = ?", (kind, key)).fetchone()
        return json.loads(row[0]) if row else None

    def documents(self, kind: str) -> dict[str, dict[str, Any]]:
        """Every document of one kind."""
        with self._reading() as conn:
            rows = conn.execute("SELECT key, doc FROM documents WHERE kind = ? ORDER BY key", (kind,)).fetchall()
        return {key: json.loads(doc) for key, doc in rows}

    # -- feed and deliveries ------------------------------------------------------------------

    def read_feed(self, after: str | None, limit: int, filter: FeedFilter) -> FeedPage:
        """Rows after `after` by position (commits are serialised, so that is commit order), each
        joined with its audit row. A partition is picked in Python (the bucket is a CRC), so a
        page of a split consumer may hold fewer than `limit` events; its cursor still moves on."""
        clauses: list[str] = ["f.id > ?"]
        params: list[Any] = [_position(after)]
        for column, values in (("workflow", filter.workflows), ("kind", filter.kinds), ("unit", filter.units)):
            if values is not None:
                clauses.append(f"f.{column} IN ({', '.join('?' * len(values))})" if values else "0")
                params.extend(values)
        params.append(limit)
        with self._reading() as conn:
            rows = conn.execute(
                f"SELECT {FEED_COLUMNS} FROM feed f JOIN audit a ON a.instance_id = f.instance_id AND a.seq = f.seq "
                f"WHERE {' AND '.join(clauses)} ORDER BY f.id LIMIT ?",
                params,
            ).fetchall()
        events = [_feed_event(row) for row in rows]
        cursor = events[-1].position if events else after
        if filter.parts > 1:
            events = [e for e in events if e.bucket % filter.parts == filter.part]
        return FeedPage(tuple(events), cursor)

    def feed_end(self) -> str | None:
        """The newest position handed out (pruning never removes the newest row)."""
        with self._reading() as conn:
            row = conn.execute("SELECT MAX(id) FROM feed").fetchone()
        return str(row[0]) if row and row[0] else None

    def register_consumer(self, name: str, parts: int, cursor: str | None) -> list[ConsumerState]:
        """Insert the partitions unless the consumer exists."""
        _position(cursor)
        try:
            with self._write() as conn:
                if conn.execute("SELECT 1 FROM feed_consumers WHERE name = ?", (name,)).fetchone() is None:
                    conn.executemany(
                        "INSERT INTO feed_consumers (name, part, parts, cursor) VALUES (?, ?, ?, ?)",
                        [(name, part, parts, cursor) for part in range(parts)],
                    )
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"write to {self.path!r} failed: {exc}") from None
        return self.consumers(name)

    def consumers(self, name: str | None = None) -> list[ConsumerState]:
        """Stored partitions by name, then number."""
        where, params = (" WHERE name = ?", (name,)) if name is not None else ("", ())
        with self._reading() as conn:
            rows = conn.execute(
                f"SELECT name, part, parts, cursor, leased_by, lease_until FROM feed_consumers{where} "
                "ORDER BY name, part",
                params,
            ).fetchall()
        return [_consumer(row) for row in rows]

    def drop_consumer(self, name: str) -> bool:
        """Delete every partition of `name`."""
        try:
            with self._write() as conn:
                return conn.execute("DELETE FROM feed_consumers WHERE name = ?", (name,)).rowcount > 0
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"write to {self.path!r} failed: {exc}") from None

    def lease_consumer(self, name: str, worker: str, now: datetime, lease: timedelta) -> ConsumerState | None:
        """In one write transaction: the partition `worker` holds, else the first free one."""
        at = format_instant(now)
        try:
            with self._write() as conn:
                rows = conn.execute(
                    "SELECT name, part, parts, cursor, leased_by, lease_until FROM feed_consumers WHERE name = ? "
                    "ORDER BY (leased_by = ? AND lease_until > ?) DESC, part",
                    (name, worker, at),
                ).fetchall()
                if not rows:
                    raise InvalidData(f"no feed consumer named {name!r} (register it first)")
                for row in rows:
                    state = _consumer(row)
                    if state.lease_until is None or state.lease_until <= now or state.leased_by == worker:
                        until = now + lease
                        conn.execute(
                            "UPDATE feed_consumers SET leased_by = ?, lease_until = ? WHERE name = ? AND part = ?",
                            (worker, format_instant(until), name, state.part),
                        )
                        return ConsumerState(name, state.part, state.parts, state.cursor, worker, until)
                return None
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"cannot lease consumer {name!r} in {self.path!r}: {exc}") from None

    def save_cursor(self, name: str, part: int, worker: str, cursor: str | None, *, release: bool) -> bool:
        """Move the cursor if `worker` still holds the lease."""
        _position(cursor)
        free = ", leased_by = NULL, lease_until = NULL" if release else ""
        try:
            with self._write() as conn:
                return (
                    conn.execute(
                        f"UPDATE feed_consumers SET cursor = ?{free} WHERE name = ? AND part = ? AND leased_by = ?",
                        (cursor, name, part, worker),
                    ).rowcount
                    == 1
                )
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"write to {self.path!r} failed: {exc}") from None

    def prune_feed(self, before: datetime) -> int:
        """Delete old rows at or below the lowest cursor of any consumer."""
        try:
            with self._write() as conn:
                cursors = [_position(c) for (c,) in conn.execute("SELECT cursor FROM feed_consumers")]
                # The newest row always stays: it keeps the largest rowid, so none is reused.
                clause = "at < ? AND id < (SELECT MAX(id) FROM feed)"
                params: list[Any] = [format_instant(before)]
                if cursors:
                    clause += " AND id <= ?"
                    params.append(min(cursors))
                return conn.execute(f"DELETE FROM feed WHERE {clause}", params).rowcount
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"write to {self.path!r} failed: {exc}") from None

    def put_delivery(self, delivery: Delivery) -> None:
        """Insert or replace one delivery record."""
        try:
            with self._write() as conn:
                conn.execute(
                    f"INSERT OR REPLACE INTO deliveries ({DELIVERY_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    _delivery_row(delivery),
                )
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"write to {self.path!r} failed: {exc}") from None

    def get_delivery(self, key: str) -> Delivery | None:
        """One delivery record, or None."""
        with self._reading() as conn:
            row = conn.execute(f"SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE key = ?", (key,)).fetchone()
        return _delivery(row) if row else None

    def find_deliveries(self, query: DeliveryQuery) -> list[Delivery]:
        """Matching delivery records, oldest first."""
        clauses: list[str] = []
        params: list[Any] = []
        if query.statuses is not None:
            clauses.append(f"status IN ({', '.join('?' * len(query.statuses))})" if query.statuses else "0")
            params.extend(query.statuses)
        for column, value in (
            ("event_id", query.event_id),
            ("instance_id", query.instance_id),
            ("recipient", query.recipient),
            ("channel", query.channel),
        ):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        if query.due_by is not None:
            clauses.append("next_attempt <= ?")
            params.append(format_instant(query.due_by))
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        limit = ""
        if query.limit is not None:
            limit = " LIMIT ?"
            params.append(query.limit)
        with self._reading() as conn:
            rows = conn.execute(
                f"SELECT {DELIVERY_COLUMNS} FROM deliveries{where} ORDER BY created_at, key{limit}", params
            ).fetchall()
        return [_delivery(row) for row in rows]

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()


def _instance_row(inst: Instance) -> tuple[Any, ...]:
    return (
        inst.id,
        inst.workflow,
        inst.workflow_version,
        inst.state,
        _dumps(inst.data),
        inst.revision,
        inst.unit,
        format_instant(inst.created_at),
        format_instant(inst.updated_at),
        inst.created_by,
        inst.head,
        inst.parent_id,
        _dumps(inst.marks),
    )


def _instance(row: tuple[Any, ...]) -> Instance:
    try:
        return Instance(
            id=row[0],
            workflow=row[1],
            workflow_version=row[2],
            state=row[3],
            data=json.loads(row[4]),
            revision=row[5],
            unit=row[6],
            created_at=parse_instant(row[7]),
            updated_at=parse_instant(row[8]),
            created_by=row[9],
            head=row[10],
            parent_id=row[11],
            marks=json.loads(row[12]),
        )
    except (ValueError, TypeError) as exc:
        raise StorageError(f"instance row {row[0]!r} cannot be read: {exc}") from None


def _audit_row(e: AuditEvent) -> tuple[Any, ...]:
    return (
        e.instance_id,
        e.seq,
        e.kind,
        e.event,
        e.source,
        e.dest,
        e.actor,
        _dumps(e.roles),
        e.on_behalf_of,
        format_instant(e.at),
        _dumps(e.payload),
        e.justification,
        _dumps(e.overrides),
        e.workflow_version,
        _dumps(e.detail),
        e.prev_hash,
        e.hash,
    )


def _audit(row: tuple[Any, ...]) -> AuditEvent:
    try:
        return AuditEvent(
            instance_id=row[0],
            seq=row[1],
            kind=row[2],
            event=row[3],
            source=row[4],
            dest=row[5],
            actor=row[6],
            roles=tuple(json.loads(row[7])),
            on_behalf_of=row[8],
            at=parse_instant(row[9]),
            payload=json.loads(row[10]),
            justification=row[11],
            overrides=tuple(json.loads(row[12])),
            workflow_version=row[13],
            detail=json.loads(row[14]),
            prev_hash=row[15],
            hash=row[16],
        )
    except (ValueError, TypeError) as exc:
        # An unreadable row is itself a sign of tampering: say so rather than crash.
        raise StorageError(f"audit row #{row[1]} of instance {row[0]} cannot be read: {exc}") from None


def _timer_row(t: Timer) -> tuple[Any, ...]:
    return (
        t.id,
        t.instance_id,
        t.name,
        format_instant(t.due),
        t.action,
        t.state,
        _dumps(dict(t.params)),
        int(t.provisional),
        t.status,
        t.attempts,
        format_instant(t.retry_at) if t.retry_at is not None else None,
        t.last_error,
    )


def _timer(row: tuple[Any, ...]) -> Timer:
    return Timer(
        id=row[0],
        instance_id=row[1],
        name=row[2],
        due=parse_instant(row[3]),
        action=row[4],
        state=row[5],
        params=json.loads(row[6]),
        provisional=bool(row[7]),
        status=row[8],
        attempts=row[9],
        retry_at=parse_instant(row[10]) if row[10] is not None else None,
        last_error=row[11],
    )


FEED_COLUMNS = (
    "f.id, f.instance_id, f.seq, f.workflow, a.workflow_version, f.unit, f.kind, a.event, a.source, a.dest, "
    "a.actor, a.at, a.payload, a.detail, a.on_behalf_of"
)
DELIVERY_COLUMNS = (
    "key, event_id, instance_id, recipient, channel, status, attempts, subject, body, created_at, updated_at, "
    "address, reason, next_attempt"
)


def _feed_event(row: tuple[Any, ...]) -> FeedEvent:
    summary: dict[str, Any] = {}
    if row[12] != "{}":
        summary["payload"] = summarize(json.loads(row[12]))
    if row[13] != "{}":
        summary["detail"] = summarize(json.loads(row[13]))
    if row[14]:
        summary["on_behalf_of"] = row[14]
    return FeedEvent(
        position=str(row[0]),
        id=f"{row[1]}:{row[2]}",
        instance_id=row[1],
        seq=row[2],
        workflow=row[3],
        workflow_version=row[4],
        unit=row[5],
        kind=row[6],
        event=row[7],
        source=row[8],
        dest=row[9],
        actor=row[10],
        at=parse_instant(row[11]),
        summary=summary,
        bucket=bucket(row[1]),
    )


def _position(cursor: str | None) -> int:
    """A SQLite cursor is the feed row id as text ("" or None: before the first)."""
    if not cursor:
        return 0
    try:
        value = int(cursor)
    except ValueError:
        raise InvalidData(f"{cursor!r} is not a feed cursor of this storage") from None
    if value < 0:
        raise InvalidData(f"{cursor!r} is not a feed cursor of this storage")
    return value


def _consumer(row: tuple[Any, ...]) -> ConsumerState:
    return ConsumerState(
        name=row[0],
        part=row[1],
        parts=row[2],
        cursor=row[3],
        leased_by=row[4],
        lease_until=parse_instant(row[5]) if row[5] else None,
    )


def _delivery_row(d: Delivery) -> tuple[Any, ...]:
    return (
        d.key,
        d.event_id,
        d.instance_id,
        d.recipient,
        d.channel,
        d.status,
        d.attempts,
        d.subject,
        d.body,
        format_instant(d.created_at),
        format_instant(d.updated_at),
        d.address,
        d.reason,
        format_instant(d.next_attempt) if d.next_attempt else None,
    )


def _delivery(row: tuple[Any, ...]) -> Delivery:
    return Delivery(
        key=row[0],
        event_id=row[1],
        instance_id=row[2],
        recipient=row[3],
        channel=row[4],
        status=row[5],
        attempts=row[6],
        subject=row[7],
        body=row[8],
        created_at=parse_instant(row[9]),
        updated_at=parse_instant(row[10]),
        address=row[11],
        reason=row[12],
        next_attempt=parse_instant(row[13]) if row[13] else None,
    )

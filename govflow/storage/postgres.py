"""`PostgresStorage` (PostgreSQL 存储): many processes on many hosts sharing one database.

Why PostgreSQL is the distributed adapter: its row locks give exactly the two guarantees the
engine needs from a shared database, without a coordinator. A fire is one transaction (a plain
fire a single statement, atomic by itself) whose ``UPDATE instances … WHERE id = %s AND
revision = %s`` is a compare-and-set — a second writer waits on the row lock, then finds the
revision moved and loses cleanly with `ConcurrentModification`. Due timers are leased with
``FOR UPDATE SKIP LOCKED``, so sweepers on several hosts take disjoint batches instead of
queueing behind each other, and the fire that acts on a timer claims it (pending → fired) in its
own transaction, so it acts exactly once.

The layout mirrors `SQLiteStorage`: the same tables, the same versioned migrations (table
``govflow_schema``, same version numbers and meaning; each migration's DDL in one transaction, so
an interrupted one leaves nothing), the same error behaviour. Differences that are PostgreSQL's:
JSON columns are ``jsonb``, instants ``timestamptz`` (read back as aware UTC datetimes), lists of
names ``text[]``, and every text column uses the ``"C"`` collation so ``ORDER BY id`` sorts the way
Python and SQLite do, whatever the database's locale. Everything lives in one PostgreSQL schema
(``govflow`` by default), so several govflow databases can share one PostgreSQL database.

Connections come from a `psycopg_pool.ConnectionPool`; every call borrows one for one statement
or one transaction. Reads run in autocommit (one round trip); the statements are constant
strings, so psycopg prepares them on the server after a few uses.
"""

from __future__ import annotations

import json
import math
import re
import select
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from json.encoder import encode_basestring
from typing import Any

from govflow.audit import AuditEvent
from govflow.delivery import Delivery, DeliveryQuery
from govflow.errors import ConcurrentModification, InstanceNotFound, InvalidData, StorageError
from govflow.feed import ConsumerState, FeedEvent, FeedFilter, FeedPage, entries
from govflow.instance import Instance
from govflow.storage._sql import AUDIT_COLUMNS, INSTANCE_COLUMNS, TIMER_COLUMNS
from govflow.storage.base import Change, Query, Storage, TimerQuery, Versions, check_change, index_value
from govflow.timer import Timer

_IMPORT_ERROR: ImportError | None = None
try:
    import psycopg
    from psycopg import errors as pg_errors
    from psycopg.conninfo import conninfo_to_dict
    from psycopg_pool import ConnectionPool, PoolClosed, PoolTimeout
except ImportError as exc:  # pragma: no cover - exercised only where psycopg is not installed
    _IMPORT_ERROR = exc

MIGRATIONS: tuple[tuple[int, str, tuple[str, ...]], ...] = (
    (
        1,
        "instances, audit, timers, index keys, documents",
        (
            """CREATE TABLE {schema}.instances (
                id text COLLATE "C" PRIMARY KEY,
                workflow text COLLATE "C" NOT NULL,
                workflow_version integer NOT NULL,
                state text COLLATE "C" NOT NULL,
                data jsonb NOT NULL,
                revision integer NOT NULL,
                unit text COLLATE "C",
                created_at timestamptz NOT NULL,
                updated_at timestamptz NOT NULL,
                created_by text COLLATE "C" NOT NULL,
                head text COLLATE "C" NOT NULL,
                parent_id text COLLATE "C",
                marks jsonb NOT NULL)""",
            "CREATE INDEX instances_workflow_state ON {schema}.instances (workflow, state)",
            "CREATE INDEX instances_unit ON {schema}.instances (unit)",
            "CREATE INDEX instances_parent_id ON {schema}.instances (parent_id)",
            # Queries list by creation time, then id: one index answers ORDER BY and LIMIT.
            "CREATE INDEX instances_created_at ON {schema}.instances (created_at, id)",
            """CREATE TABLE {schema}.audit (
                instance_id text COLLATE "C" NOT NULL,
                seq integer NOT NULL,
                kind text COLLATE "C" NOT NULL,
                event text COLLATE "C" NOT NULL,
                source text COLLATE "C",
                dest text COLLATE "C" NOT NULL,
                actor text COLLATE "C" NOT NULL,
                roles text[] COLLATE "C" NOT NULL,
                on_behalf_of text COLLATE "C",
                at timestamptz NOT NULL,
                payload jsonb NOT NULL,
                justification text COLLATE "C",
                overrides text[] COLLATE "C" NOT NULL,
                workflow_version integer NOT NULL,
                detail jsonb NOT NULL,
                prev_hash text COLLATE "C" NOT NULL,
                hash text COLLATE "C" NOT NULL,
                PRIMARY KEY (instance_id, seq))""",
            """CREATE TABLE {schema}.timers (
                id text COLLATE "C" PRIMARY KEY,
                instance_id text COLLATE "C" NOT NULL,
                name text COLLATE "C" NOT NULL,
                due timestamptz NOT NULL,
                action text COLLATE "C" NOT NULL,
                state text COLLATE "C",
                params jsonb NOT NULL,
                provisional boolean NOT NULL,
                status text COLLATE "C" NOT NULL,
                closed_at timestamptz)""",
            "CREATE INDEX timers_instance_id ON {schema}.timers (instance_id)",
            # The sweep asks "pending and due by now, soonest first": a partial index answers it
            # in order without touching the fired and cancelled history.
            "CREATE INDEX timers_pending_due ON {schema}.timers (due, id) WHERE status = 'pending'",
            """CREATE TABLE {schema}.index_keys (
                key text COLLATE "C" NOT NULL,
                value text COLLATE "C" NOT NULL,
                instance_id text COLLATE "C" NOT NULL,
                PRIMARY KEY (key, value, instance_id))""",
            "CREATE INDEX index_keys_instance_id ON {schema}.index_keys (instance_id)",
            """CREATE TABLE {schema}.documents (
                kind text COLLATE "C" NOT NULL,
                key text COLLATE "C" NOT NULL,
                doc jsonb NOT NULL,
                updated_at timestamptz NOT NULL,
                PRIMARY KEY (kind, key))""",
        ),
    ),
    (
        2,
        "timer leases for concurrent sweepers",
        ('ALTER TABLE {schema}.timers ADD COLUMN leased_by text COLLATE "C", ADD COLUMN lease_until timestamptz',),
    ),
    (
        3,
        "timer retries: failed attempts, back-off, last error",
        (
            "ALTER TABLE {schema}.timers ADD COLUMN attempts integer NOT NULL DEFAULT 0, "
            'ADD COLUMN retry_at timestamptz, ADD COLUMN last_error text COLLATE "C"',
        ),
    ),
    (
        4,
        "event feed, feed consumers, notification deliveries",
        (
            # `tx` is the writing transaction's id (64-bit, never wraps). Readers take rows in
            # (tx, id) order and only below the oldest transaction still running, so a row whose
            # transaction commits late cannot appear behind a cursor (see `read_feed`).
            """CREATE TABLE {schema}.feed (
                id bigint GENERATED ALWAYS AS IDENTITY,
                tx xid8 NOT NULL DEFAULT pg_current_xact_id(),
                event_id text COLLATE "C" NOT NULL,
                instance_id text COLLATE "C" NOT NULL,
                seq integer NOT NULL,
                workflow text COLLATE "C" NOT NULL,
                workflow_version integer NOT NULL,
                unit text COLLATE "C",
                kind text COLLATE "C" NOT NULL,
                event text COLLATE "C" NOT NULL,
                source text COLLATE "C",
                dest text COLLATE "C" NOT NULL,
                actor text COLLATE "C" NOT NULL,
                at timestamptz NOT NULL,
                summary jsonb NOT NULL,
                bucket integer NOT NULL,
                PRIMARY KEY (tx, id))""",
            "CREATE INDEX feed_at ON {schema}.feed (at)",
            """CREATE TABLE {schema}.feed_consumers (
                name text COLLATE "C" NOT NULL,
                part integer NOT NULL,
                parts integer NOT NULL,
                cursor text COLLATE "C",
                leased_by text COLLATE "C",
                lease_until timestamptz,
                PRIMARY KEY (name, part))""",
            """CREATE TABLE {schema}.deliveries (
                key text COLLATE "C" PRIMARY KEY,
                event_id text COLLATE "C" NOT NULL,
                instance_id text COLLATE "C" NOT NULL,
                recipient text COLLATE "C" NOT NULL,
                channel text COLLATE "C" NOT NULL,
                status text COLLATE "C" NOT NULL,
                attempts integer NOT NULL,
                subject text NOT NULL,
                body text NOT NULL,
                created_at timestamptz NOT NULL,
                updated_at timestamptz NOT NULL,
                address text,
                reason text,
                next_attempt timestamptz)""",
            "CREATE INDEX deliveries_status ON {schema}.deliveries (status, next_attempt)",
            "CREATE INDEX deliveries_event ON {schema}.deliveries (event_id)",
            "CREATE INDEX deliveries_instance ON {schema}.deliveries (instance_id)",
        ),
    ),
)
"""(version, description, SQL statements) in order, the same versions as SQLite's; each
migration runs in its own transaction. ``{schema}`` stands for the quoted schema name."""

SCHEMA_VERSION = MIGRATIONS[-1][0]

_TIMER_WIDTH = len(TIMER_COLUMNS.split(","))

FEED_INSERT = (
    "event_id, instance_id, seq, workflow, workflow_version, unit, kind, event, source, dest, actor, at, "
    "summary, bucket"
)
FEED_VALUES = (
    "%s::text, %s::text, %s::integer, %s::text, %s::integer, %s::text, %s::text, %s::text, %s::text, "
    "%s::text, %s::text, %s::timestamptz, %s::jsonb, %s::integer"
)
FEED_COLUMNS = f"tx::text, id, {FEED_INSERT}"
DELIVERY_COLUMNS = (
    "key, event_id, instance_id, recipient, channel, status, attempts, subject, body, created_at, updated_at, "
    "address, reason, next_attempt"
)

_SCHEMA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
_PASSWORD_IN_URL = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")


class PostgresStorage(Storage):
    """Storage in a PostgreSQL database (psycopg 3), shared by many processes on many hosts.

    `url` is a libpq connection string or ``postgresql://user:password@host:port/database`` URL.
    `schema` is the PostgreSQL schema holding govflow's tables (created with them on first use
    unless `create` is False, which refuses a database without them). `min_size` and `max_size`
    bound the connection pool; a call waits up to `timeout` seconds for a free connection, and
    opening a connection gives up after `connect_timeout` seconds. `prepare_threshold` is passed
    to psycopg (None turns server-side prepared statements off, for poolers such as PgBouncer in
    transaction mode). `application_name` shows in ``pg_stat_activity``.

    Every failure to reach or use the server is a `StorageError` naming host and database (never
    the password); a write that fails writes nothing.
    """

    def __init__(
        self,
        url: str,
        *,
        schema: str = "govflow",
        min_size: int = 1,
        max_size: int = 10,
        timeout: float = 30.0,
        connect_timeout: float = 10.0,
        prepare_threshold: int | None = 5,
        application_name: str = "govflow",
        create: bool = True,
    ) -> None:
        if _IMPORT_ERROR is not None:
            raise StorageError(
                "PostgresStorage needs psycopg 3 with its pool: pip install 'govflow[postgres]' "
                f"(import failed: {_IMPORT_ERROR})"
            )
        if not _SCHEMA_NAME.fullmatch(schema):
            raise StorageError(f"{schema!r} is not a usable schema name (letters, digits and _, not first a digit)")
        self.schema = schema
        self.where = _describe(url)
        """Host, port and database, for messages (never the password)."""
        self._password = _password(url)
        self._max_size = max_size
        self._sql = _Statements(f'"{schema}"')
        kwargs: dict[str, Any] = {
            "autocommit": True,
            "connect_timeout": max(2, math.ceil(connect_timeout)),
            "prepare_threshold": prepare_threshold,
        }
        if "application_name" not in _conninfo(url):
            kwargs["application_name"] = application_name
        try:
            with psycopg.connect(url, **kwargs) as conn:
                _configure(conn)
                self._migrate(conn, create)
        except psycopg.Error as exc:
            raise StorageError(f"cannot connect to {self.where}: {self._text(exc)}", permanent=_refused(exc)) from None
        self._pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
            url,
            kwargs=kwargs,
            min_size=min_size,
            max_size=max_size,
            timeout=timeout,
            open=False,
            configure=_configure,
            name=f"govflow:{schema}",
        )
        try:
            self._pool.open(wait=True, timeout=max(connect_timeout, 1.0))
        except PoolTimeout:
            self._pool.close()
            raise StorageError(f"cannot open a connection pool to {self.where} within {connect_timeout:g} s") from None

    # -- schema -------------------------------------------------------------------------------

    def _version(self, conn: psycopg.Connection[Any]) -> int | None:
        """The schema's version, or None when govflow's tables are not there."""
        # A catalog query, not to_regclass(): it reads with the statement's snapshot, so it sees a
        # table another process created while this one waited for the migration lock.
        found = conn.execute(
            "SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relname = 'govflow_schema'",
            (self.schema,),
        ).fetchone()
        if found is None:
            return None
        row = conn.execute(f'SELECT MAX(version) FROM "{self.schema}".govflow_schema').fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def _applied(self, conn: psycopg.Connection[Any]) -> set[int]:
        """The migration versions recorded (none when govflow's tables are not there)."""
        if self._version(conn) is None:
            return set()
        return {int(v) for (v,) in conn.execute(f'SELECT version FROM "{self.schema}".govflow_schema').fetchall()}

    def _migrate(self, conn: psycopg.Connection[Any], create: bool) -> None:
        """Bring the schema to `SCHEMA_VERSION`, one transaction per migration.

        Reading the version touches nothing, so a schema from a newer govflow is refused as it
        is. Migrating takes a transaction-scoped advisory lock and re-reads the version under it,
        so processes starting together migrate once; DDL is transactional in PostgreSQL, so a
        migration that fails halfway (or whose connection drops) leaves no trace.
        """
        encoding = conn.execute("SHOW server_encoding").fetchone()
        if encoding is None or encoding[0] != "UTF8":
            raise StorageError(f"{self.where} uses encoding {encoding and encoding[0]!r}; govflow needs UTF8")
        current = self._version(conn)
        if current is not None and current > SCHEMA_VERSION:
            raise StorageError(
                f"schema {self.schema!r} in {self.where} has schema version {current}, newer than this govflow "
                f"understands ({SCHEMA_VERSION}); upgrade govflow — the database was not touched",
                permanent=True,
            )
        if current is None and not create:
            raise StorageError(f"no govflow schema {self.schema!r} in {self.where} (nothing has been stored there yet)")
        quoted = f'"{self.schema}"'
        applied = self._applied(conn)
        for version, description, statements in MIGRATIONS:
            if version in applied:
                continue
            try:
                with conn.transaction():
                    conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"govflow:{self.schema}",))
                    now = self._version(conn)
                    if now is None:
                        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {quoted}")
                        conn.execute(
                            f"CREATE TABLE IF NOT EXISTS {quoted}.govflow_schema (version integer PRIMARY KEY, "
                            "description text NOT NULL, applied_at timestamptz NOT NULL)"
                        )
                    elif version in self._applied(conn):
                        continue  # another process migrated meanwhile
                    for statement in statements:
                        conn.execute(statement.replace("{schema}", quoted).encode())
                    conn.execute(
                        f"INSERT INTO {quoted}.govflow_schema (version, description, applied_at) VALUES (%s, %s, %s)",
                        (version, description, datetime.now(UTC)),
                    )
            except psycopg.Error as exc:
                raise StorageError(
                    f"migration {version} ({description}) of schema {self.schema!r} in {self.where} failed and "
                    f"was rolled back, nothing of it was applied: {self._text(exc)}"
                ) from None

    @property
    def schema_version(self) -> int:
        """The version the schema is at."""
        with self._reading() as conn:
            return self._version(conn) or 0

    # -- connections and errors ---------------------------------------------------------------

    def _checkout(self) -> psycopg.Connection[Any]:
        """A live connection from the pool.

        The liveness test is free for a healthy connection: an idle connection has nothing to
        read, so a readable socket means the server closed it or said why it is closing it
        (restart, ``pg_terminate_backend``, idle timeout). Only then is it probed, and if dead it
        is discarded (the pool opens a replacement) and the next one tried — so after the server
        comes back, the first call works instead of failing once per stale connection.
        """
        for _ in range(self._max_size + 1):
            try:
                conn = self._pool.getconn()
            except PoolTimeout:
                raise StorageError(
                    f"no connection to {self.where} within {self._pool.timeout:g} s "
                    "(server unreachable, or every pooled connection busy)"
                ) from None
            except PoolClosed:
                raise StorageError(f"this PostgresStorage on {self.where} was closed", permanent=True) from None
            try:
                if _readable(conn.pgconn.socket):
                    conn.execute("")
                return conn
            except psycopg.Error:
                conn.close()
                self._pool.putconn(conn)
        raise StorageError(f"cannot get a working connection to {self.where}")

    @contextmanager
    def _reading(self) -> Iterator[psycopg.Connection[Any]]:
        conn = self._checkout()
        try:
            yield conn
        except psycopg.Error as exc:
            raise StorageError(f"cannot read from {self.where}: {self._text(exc)}") from None
        finally:
            self._pool.putconn(conn)

    @contextmanager
    def _writing(self, what: str) -> Iterator[psycopg.Connection[Any]]:
        """One transaction: committed on success, rolled back on any error (nothing written)."""
        conn = self._checkout()
        committing = False
        try:
            with conn.transaction():
                yield conn
                committing = True
        except psycopg.Error as exc:
            if _lost_race(exc):
                raise StorageError(
                    f"{what} in {self.where} lost a race with another writer and was rolled back, nothing was "
                    f"written (repeating it is safe): {self._text(exc)}"
                ) from None
            if committing and _lost(exc):
                raise StorageError(
                    f"lost the connection to {self.where} while committing {what}; it may or may not have been "
                    f"applied (repeating it is safe): {self._text(exc)}"
                ) from None
            raise self._write_error(exc, what) from None
        finally:
            self._pool.putconn(conn)

    def _write_error(self, exc: psycopg.Error, what: str) -> StorageError:
        if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError) and _lost(exc):
            return StorageError(
                f"lost the connection to {self.where} during {what}; the transaction was rolled back, nothing was "
                f"written: {self._text(exc)}"
            )
        return StorageError(f"{what} in {self.where} failed, nothing was written: {self._text(exc)}")

    def _text(self, exc: BaseException) -> str:
        """The error as one line, without the password should libpq quote the URL."""
        text = " ".join(str(exc).split()) or type(exc).__name__
        text = _PASSWORD_IN_URL.sub(r"\1***@", text)
        return text.replace(self._password, "***") if self._password else text

    # -- writes -------------------------------------------------------------------------------

    def commit(self, change: Change) -> None:
        """Apply `change` (and the changes riding along in `also`) atomically, each with
        compare-and-set on its revision.

        A plain fire — one audit event, no timers, no index keys, nothing riding along — is one
        statement (the instance's compare-and-set ``UPDATE`` feeding the audit ``INSERT`` in a
        data-modifying CTE): atomic by itself, one round trip, no BEGIN or COMMIT. Anything
        more runs in one transaction. Either way a second writer blocks on the instance's row
        lock, then finds the revision moved and loses with `ConcurrentModification`.

        If the connection drops while the change is being committed, the outcome cannot be
        known from here: the error says so (reload the instance to see).
        """
        check_change(change)
        sql = self._sql
        inst = change.instance
        conn = self._checkout()
        committing = False
        try:
            if len(change.events) == 1 and not (
                change.also
                or change.claim
                or change.settle
                or change.arm
                or change.reopen
                or change.reschedule
                or change.keys is not None
            ):
                committing = True
                if conn.execute(*self._write_with_event(change)).rowcount != 1:
                    raise ConcurrentModification(inst.id, change.expected_revision, _revision(conn, sql, inst.id))
                return
            with conn.transaction():
                for each in _lock_order(change.all_changes()):
                    self._apply(conn, each)
                committing = True
        except psycopg.Error as exc:
            if _lost_race(exc):
                # A deadlock or serialisation failure (SQLSTATE class 40): the server rolled this
                # transaction back so that another writer could go on — a lost race like any
                # other, so the caller may reload and retry (`fire_retrying`, the sweep do).
                # psycopg 3 gives these their own classes that do not derive from
                # `TransactionRollback`, so they are recognised by SQLSTATE, not by class.
                try:
                    actual = _revision(conn, sql, inst.id)
                except psycopg.Error:
                    actual = None
                reason = f"another writer won: {_RACES.get(exc.sqlstate or '', 'transaction rollback')} {exc.sqlstate}"
                raise ConcurrentModification(inst.id, change.expected_revision, actual, reason) from None
            if committing and _lost(exc):
                raise StorageError(
                    f"lost the connection to {self.where} while committing a change to instance {inst.id}; "
                    f"the change may or may not have been applied — reload the instance to see: {self._text(exc)}"
                ) from None
            raise self._write_error(exc, f"a change to instance {inst.id}") from None
        finally:
            self._pool.putconn(conn)

    def _write_with_event(self, change: Change) -> tuple[bytes, list[Any]]:
        """The statement writing the instance row (insert or compare-and-set update) and its one
        audit event together; it inserts the event only if the row was written, so its row
        count says whether the compare-and-set held."""
        inst = change.instance
        audit = [*_audit_row(change.events[0]), *_feed_row(entries(change, nested=False)[0])]
        if change.expected_revision == 0:
            return self._sql.create_with_event, [*_instance_row(inst), *audit]
        return self._sql.update_with_event[change.data_changed, change.marks_changed], [
            *self._update_params(change),
            *audit,
        ]

    @staticmethod
    def _update_params(change: Change) -> list[Any]:
        inst = change.instance
        params: list[Any] = [inst.state, inst.revision, inst.unit, inst.updated_at, inst.head]
        if change.data_changed:
            params.append(_jsonb(inst.data))
        if change.marks_changed:
            params.append(_jsonb(inst.marks))
        params += [inst.id, change.expected_revision]
        return params

    def _apply(self, conn: psycopg.Connection[Any], change: Change) -> None:
        """One change's statements inside the commit's transaction."""
        sql, inst, expected = self._sql, change.instance, change.expected_revision
        if len(change.events) == 1:
            written = conn.execute(*self._write_with_event(change)).rowcount
        else:
            if expected == 0:
                written = conn.execute(sql.insert_instance, _instance_row(inst)).rowcount
            else:
                written = conn.execute(sql.update_instance[change.data_changed, change.marks_changed],
                                       self._update_params(change)).rowcount  # fmt: skip
            if written == 1 and change.events:
                conn.cursor().executemany(sql.insert_audit, [_audit_row(e) for e in change.events])
                conn.cursor().executemany(sql.insert_feed, [_feed_row(r) for r in entries(change, nested=False)])
        if written != 1:
            raise ConcurrentModification(inst.id, expected, _revision(conn, sql, inst.id))
        at = inst.updated_at
        for timer_id, status in change.claim:
            if conn.execute(sql.claim_timer, (status, at, timer_id)).rowcount != 1:
                raise ConcurrentModification(inst.id, expected, _revision(conn, sql, inst.id))
        for timer_id in change.reopen:
            if conn.execute(sql.reopen_timer, (timer_id,)).rowcount != 1:
                raise ConcurrentModification(inst.id, expected, _revision(conn, sql, inst.id))
        if change.reschedule:
            moved = conn.execute(sql.reschedule, _reschedule_params(change.reschedule)).rowcount
            if moved != len(change.reschedule):
                raise ConcurrentModification(inst.id, expected, _revision(conn, sql, inst.id))
        if change.settle:
            ids, statuses = [t for t, _ in change.settle], [s for _, s in change.settle]
            conn.execute(sql.settle_timers, (at, ids, statuses))
        if len(change.arm) == 1:
            conn.execute(sql.insert_timer, _timer_row(change.arm[0]))
        elif change.arm:
            conn.cursor().executemany(sql.insert_timer, [_timer_row(t) for t in change.arm])
        if change.keys is not None:
            conn.execute(sql.delete_keys, (inst.id,))
            if change.keys:
                keys, values = [k for k, _ in change.keys], [v for _, v in change.keys]
                conn.execute(sql.insert_keys, (inst.id, keys, values))

    # -- reads --------------------------------------------------------------------------------

    def load(self, instance_id: str) -> Instance:
        """The current record of one instance."""
        with self._reading() as conn:
            row = conn.execute(self._sql.load, (instance_id,)).fetchone()
        if row is None:
            raise InstanceNotFound(instance_id)
        return _instance(row)

    def history(self, instance_id: str) -> list[AuditEvent]:
        """Audit events in the order they were numbered."""
        with self._reading() as conn:
            rows = conn.execute(self._sql.history, (instance_id,)).fetchall()
        return [_audit(row) for row in rows]

    def _where(self, query: Query) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if query.workflow is not None:
            clauses.append("workflow = %s")
            params.append(query.workflow)
        if query.states is not None:
            clauses.append("state = ANY(%s::text[])")
            params.append(list(query.states))
        if query.unit is not None:
            clauses.append("unit = %s")
            params.append(query.unit)
        if query.parent_id is not None:
            clauses.append("parent_id = %s")
            params.append(query.parent_id)
        if query.created_from is not None:
            clauses.append("created_at >= %s")
            params.append(query.created_from)
        if query.created_to is not None:
            clauses.append("created_at < %s")
            params.append(query.created_to)
        for key, value in query.where.items():
            clauses.append(
                f"id IN (SELECT instance_id FROM {self._sql.schema}.index_keys WHERE key = %s AND value = %s)"
            )
            params.extend((key, index_value(value)))
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def find(self, query: Query) -> list[Instance]:
        """Matching instances by creation time, then id."""
        where, params = self._where(query)
        page = ""
        if query.limit is not None or query.offset:
            page = " LIMIT %s OFFSET %s"
            params.extend((query.limit, query.offset))
        sql = f"SELECT {INSTANCE_COLUMNS} FROM {self._sql.schema}.instances{where} ORDER BY created_at, id{page}"
        with self._reading() as conn:
            rows = conn.execute(sql.encode(), params).fetchall()
        return [_instance(row) for row in rows]

    def count(self, query: Query) -> int:
        """How many instances match."""
        where, params = self._where(query)
        with self._reading() as conn:
            row = conn.execute(f"SELECT COUNT(*) FROM {self._sql.schema}.instances{where}".encode(), params).fetchone()
        return int(row[0]) if row else 0

    def timers(self, instance_id: str) -> list[Timer]:
        """Open timers of one instance, soonest first."""
        with self._reading() as conn:
            rows = conn.execute(self._sql.open_timers, (instance_id,)).fetchall()
        return [_timer(row) for row in rows]

    def claim_due(
        self, now: datetime, limit: int, *, worker: str, lease: timedelta, workflows: Versions | None = None
    ) -> list[Timer]:
        """Lease due pending timers in one statement.

        ``FOR UPDATE SKIP LOCKED`` makes concurrent sweepers take disjoint batches: rows another
        sweeper is leasing right now (or a fire is claiming) are skipped rather than waited for.
        With `workflows` the timers are joined to their instances and only those of the given
        (workflow, version) pairs are leased (the pairs travel as two arrays, so the statement
        stays one constant string).
        """
        params: tuple[Any, ...] = (worker, now + lease, now, now, now)
        if workflows is None:
            sql, params = self._sql.claim_due, (*params, limit)
        else:
            pairs = sorted(set(workflows))
            if not pairs:
                return []
            sql = self._sql.claim_due_of
            params = (*params, [n for n, _ in pairs], [v for _, v in pairs], limit)
        for attempt in range(1, _LEASE_ATTEMPTS + 1):
            conn = self._checkout()
            try:
                rows = conn.execute(sql, params).fetchall()
                break
            except psycopg.Error as exc:
                # A lost race (class 40, e.g. under a server-wide SERIALIZABLE default) leased
                # nothing and is safe to repeat; anything else is a storage fault.
                if not _lost_race(exc) or attempt == _LEASE_ATTEMPTS:
                    raise StorageError(f"cannot lease timers in {self.where}: {self._text(exc)}") from None
            finally:
                self._pool.putconn(conn)
        timers = [_timer(row) for row in rows]
        timers.sort(key=lambda t: (t.due, t.id))
        return timers

    def due_elsewhere(self, now: datetime, workflows: Versions) -> dict[tuple[str, int], int]:
        """One grouped count over the due pending timers joined with their instances."""
        known = set(workflows)
        with self._reading() as conn:
            rows = conn.execute(self._sql.due_by_version, (now,)).fetchall()
        return {(name, version): count for name, version, count in rows if (name, version) not in known}

    def record_attempt(self, timer_id: str, *, attempts: int, retry_at: datetime, error: str) -> bool:
        """Note a failed attempt on a pending timer and release its lease (one statement)."""
        with self._writing(f"recording a failed attempt on timer {timer_id}") as conn:
            return conn.execute(self._sql.record_attempt, (attempts, retry_at, error, timer_id)).rowcount == 1

    def release(self, timer_ids: Sequence[str], *, worker: str) -> int:
        """Clear `worker`'s leases on pending timers (one statement)."""
        if not timer_ids:
            return 0
        with self._writing("releasing leased timers") as conn:
            return conn.execute(self._sql.release, (list(timer_ids), worker)).rowcount

    def instance_versions(self) -> dict[tuple[str, int], int]:
        """Instances counted by (workflow, version), in one grouped query."""
        with self._reading() as conn:
            rows = conn.execute(self._sql.instance_versions).fetchall()
        return {(name, version): count for name, version, count in rows}

    def find_timers(self, query: TimerQuery) -> list[tuple[Timer, Instance]]:
        """Timers joined with their instances, soonest first."""
        clauses = ["t.status = ANY(%s::text[])"]
        params: list[Any] = [list(query.statuses)]
        for clause, value in (
            ("t.due >= %s", query.due_from),
            ("t.due < %s", query.due_to),
            ("i.workflow = %s", query.workflow),
            ("i.unit = %s", query.unit),
            ("t.provisional = %s", query.provisional),
            ("t.id = ANY(%s::text[])", None if query.ids is None else list(query.ids)),
        ):
            if value is not None:
                clauses.append(clause)
                params.append(value)
        if query.failed_attempts:
            clauses.append("t.attempts > 0")
        limit = ""
        if query.limit is not None:
            limit = " LIMIT %s"
            params.append(query.limit)
        timer_cols = ", ".join(f"t.{c.strip()}" for c in TIMER_COLUMNS.split(","))
        inst_cols = ", ".join(f"i.{c.strip()}" for c in INSTANCE_COLUMNS.split(","))
        schema = self._sql.schema
        sql = (
            f"SELECT {timer_cols}, {inst_cols} FROM {schema}.timers t JOIN {schema}.instances i "
            f"ON i.id = t.instance_id WHERE {' AND '.join(clauses)} ORDER BY t.due, t.id{limit}"
        )
        with self._reading() as conn:
            rows = conn.execute(sql.encode(), params).fetchall()
        return [(_timer(row[:_TIMER_WIDTH]), _instance(row[_TIMER_WIDTH:])) for row in rows]

    def reschedule(self, timers: Sequence[Timer]) -> int:
        """Move still-pending timers to new due times (and flags and params) in one statement."""
        if not timers:
            return 0
        with self._writing("rescheduling timers") as conn:
            return conn.execute(self._sql.reschedule, _reschedule_params(timers)).rowcount

    # -- documents ----------------------------------------------------------------------------

    def put_document(self, kind: str, key: str, doc: Mapping[str, Any]) -> None:
        """Insert or replace one shared document."""
        with self._writing(f"storing document {kind}/{key}") as conn:
            conn.execute(self._sql.put_document, (kind, key, _jsonb(dict(doc)), datetime.now(UTC)))

    def get_document(self, kind: str, key: str) -> dict[str, Any] | None:
        """One document, or None."""
        with self._reading() as conn:
            row = conn.execute(self._sql.get_document, (kind, key)).fetchone()
        return dict(row[0]) if row else None

    def documents(self, kind: str) -> dict[str, dict[str, Any]]:
        """Every document of one kind, by key."""
        with self._reading() as conn:
            rows = conn.execute(self._sql.documents, (kind,)).fetchall()
        return {key: dict(doc) for key, doc in rows}

    # -- feed and deliveries ------------------------------------------------------------------

    def read_feed(self, after: str | None, limit: int, filter: FeedFilter) -> FeedPage:
        """Rows after `after` in (transaction id, row id) order, below the horizon.

        Commit order is not id order here: a transaction may take its transaction id (and its
        rows their ids) and commit after a later one. So a read takes only rows whose ``tx`` is
        below ``pg_snapshot_xmin(pg_current_snapshot())``, the oldest transaction still running:
        every transaction below it has ended, so no row can later appear at a position before
        one already read. A cursor moved to the last row read therefore never skips a row that
        commits late; such rows wait (they are not lost) until the older transactions end. Per
        instance the order is the audit order: a change to an instance starts after the one
        before it committed, so it has a higher transaction id.
        """
        tx, row = _pg_position(after)
        clauses = ["(tx, id) > (%s::xid8, %s)", "tx < pg_snapshot_xmin(pg_current_snapshot())"]
        params: list[Any] = [str(tx), row]
        for column, values in (("workflow", filter.workflows), ("kind", filter.kinds), ("unit", filter.units)):
            if values is not None:
                clauses.append(f"{column} = ANY(%s::text[])")
                params.append(list(values))
        if filter.parts > 1:
            clauses.append("bucket %% %s = %s")
            params.extend((filter.parts, filter.part))
        params.append(limit)
        sql = (
            f"SELECT {FEED_COLUMNS} FROM {self._sql.schema}.feed WHERE {' AND '.join(clauses)} ORDER BY tx, id LIMIT %s"
        )
        with self._reading() as conn:
            rows = conn.execute(sql.encode(), params).fetchall()
        events = tuple(_feed_event(r) for r in rows)
        return FeedPage(events, events[-1].position if events else after)

    def feed_end(self) -> str | None:
        """The horizon: every row of a transaction that ended is before it, every other after."""
        with self._reading() as conn:
            row = conn.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text").fetchone()
        return f"{row[0]}:0" if row else None

    def register_consumer(self, name: str, parts: int, cursor: str | None) -> list[ConsumerState]:
        """Insert the partitions unless the consumer exists (a racing registration is harmless)."""
        _pg_position(cursor)
        with self._writing(f"registering consumer {name}") as conn:
            conn.execute(
                f"INSERT INTO {self._sql.schema}.feed_consumers (name, part, parts, cursor) "
                "SELECT %s, p, %s, %s FROM generate_series(0, %s - 1) AS p "
                f"WHERE NOT EXISTS (SELECT 1 FROM {self._sql.schema}.feed_consumers WHERE name = %s) "
                "ON CONFLICT (name, part) DO NOTHING".encode(),
                (name, parts, cursor, parts, name),
            )
        return self.consumers(name)

    def consumers(self, name: str | None = None) -> list[ConsumerState]:
        """Stored partitions by name, then number."""
        where, params = (" WHERE name = %s", (name,)) if name is not None else ("", ())
        with self._reading() as conn:
            rows = conn.execute(
                f"SELECT name, part, parts, cursor, leased_by, lease_until FROM {self._sql.schema}.feed_consumers"
                f"{where} ORDER BY name, part".encode(),
                params,
            ).fetchall()
        return [ConsumerState(*r) for r in rows]

    def drop_consumer(self, name: str) -> bool:
        """Delete every partition of `name`."""
        with self._writing(f"dropping consumer {name}") as conn:
            sql = f"DELETE FROM {self._sql.schema}.feed_consumers WHERE name = %s".encode()
            return conn.execute(sql, (name,)).rowcount > 0

    def lease_consumer(self, name: str, worker: str, now: datetime, lease: timedelta) -> ConsumerState | None:
        """One statement: ``FOR UPDATE SKIP LOCKED`` picks the partition this worker holds, else
        a free one, skipping rows another process is leasing this moment."""
        s = self._sql.schema
        sql = (
            f"UPDATE {s}.feed_consumers SET leased_by = %s, lease_until = %s WHERE (name, part) IN ("
            f"SELECT name, part FROM {s}.feed_consumers WHERE name = %s "
            "AND (lease_until IS NULL OR lease_until <= %s OR leased_by = %s) "
            "ORDER BY (leased_by IS NOT DISTINCT FROM %s) DESC, part LIMIT 1 FOR UPDATE SKIP LOCKED) "
            "RETURNING name, part, parts, cursor, leased_by, lease_until"
        ).encode()
        with self._reading() as conn:
            row = conn.execute(sql, (worker, now + lease, name, now, worker, worker)).fetchone()
            if (
                row is None
                and not conn.execute(f"SELECT 1 FROM {s}.feed_consumers WHERE name = %s".encode(), (name,)).fetchone()
            ):
                raise InvalidData(f"no feed consumer named {name!r} (register it first)")
        return ConsumerState(*row) if row else None

    def save_cursor(self, name: str, part: int, worker: str, cursor: str | None, *, release: bool) -> bool:
        """Move the cursor if `worker` still holds the lease."""
        _pg_position(cursor)
        free = ", leased_by = NULL, lease_until = NULL" if release else ""
        sql = (
            f"UPDATE {self._sql.schema}.feed_consumers SET cursor = %s{free} "
            "WHERE name = %s AND part = %s AND leased_by = %s"
        ).encode()
        with self._writing(f"saving the cursor of consumer {name}") as conn:
            return conn.execute(sql, (cursor, name, part, worker)).rowcount == 1

    def prune_feed(self, before: datetime) -> int:
        """Delete old rows at or below the lowest cursor of any consumer."""
        s = self._sql.schema
        with self._writing("pruning the feed") as conn:
            cursors = [_pg_position(c) for (c,) in conn.execute(f"SELECT cursor FROM {s}.feed_consumers".encode())]
            clause = f"at < %s AND id <> (SELECT max(id) FROM {s}.feed)"  # the newest row stays, as on SQLite
            params: list[Any] = [before]
            if cursors:
                tx, row = min(cursors)
                clause += " AND (tx, id) <= (%s::xid8, %s)"
                params.extend((str(tx), row))
            return conn.execute(f"DELETE FROM {s}.feed WHERE {clause}".encode(), params).rowcount

    def put_delivery(self, delivery: Delivery) -> None:
        """Insert or replace one delivery record."""
        cols = DELIVERY_COLUMNS.split(", ")
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in cols[1:])
        sql = (
            f"INSERT INTO {self._sql.schema}.deliveries ({DELIVERY_COLUMNS}) VALUES ({', '.join(['%s'] * len(cols))}) "
            f"ON CONFLICT (key) DO UPDATE SET {updates}"
        ).encode()
        with self._writing(f"recording delivery {delivery.key}") as conn:
            conn.execute(sql, _delivery_row(delivery))

    def get_delivery(self, key: str) -> Delivery | None:
        """One delivery record, or None."""
        with self._reading() as conn:
            row = conn.execute(
                f"SELECT {DELIVERY_COLUMNS} FROM {self._sql.schema}.deliveries WHERE key = %s".encode(), (key,)
            ).fetchone()
        return Delivery(*row) if row else None

    def find_deliveries(self, query: DeliveryQuery) -> list[Delivery]:
        """Matching delivery records, oldest first."""
        clauses: list[str] = []
        params: list[Any] = []
        if query.statuses is not None:
            clauses.append("status = ANY(%s::text[])")
            params.append(list(query.statuses))
        for column, value in (
            ("event_id", query.event_id),
            ("instance_id", query.instance_id),
            ("recipient", query.recipient),
            ("channel", query.channel),
        ):
            if value is not None:
                clauses.append(f"{column} = %s")
                params.append(value)
        if query.due_by is not None:
            clauses.append("next_attempt <= %s")
            params.append(query.due_by)
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        limit = ""
        if query.limit is not None:
            limit = " LIMIT %s"
            params.append(query.limit)
        sql = f"SELECT {DELIVERY_COLUMNS} FROM {self._sql.schema}.deliveries{where} ORDER BY created_at, key{limit}"
        with self._reading() as conn:
            rows = conn.execute(sql.encode(), params).fetchall()
        return [Delivery(*r) for r in rows]

    def close(self) -> None:
        """Close every pooled connection."""
        self._pool.close()


class _Statements:
    """The hot-path SQL, built once per schema, so each is one constant string psycopg prepares."""

    def __init__(self, schema: str) -> None:
        self.schema = schema
        s = schema
        self.insert_instance = (
            f"INSERT INTO {s}.instances ({INSTANCE_COLUMNS}) "
            "VALUES (%s,%s,%s,%s,%s::jsonb,%s,%s,%s,%s,%s,%s,%s,%s::jsonb) ON CONFLICT (id) DO NOTHING"
        ).encode()
        base = "UPDATE {s}.instances SET state = %s, revision = %s, unit = %s, updated_at = %s, head = %s"
        self.update_instance: dict[tuple[bool, bool], bytes] = {}
        for data in (False, True):
            for marks in (False, True):
                sets = (
                    base.format(s=s) + (", data = %s::jsonb" if data else "") + (", marks = %s::jsonb" if marks else "")
                )
                self.update_instance[data, marks] = f"{sets} WHERE id = %s AND revision = %s".encode()
        self.revision = f"SELECT revision FROM {s}.instances WHERE id = %s".encode()
        # One audit row, inserted only if the instance row was written (see `_write_with_event`).
        event = (
            f"INSERT INTO {s}.audit ({AUDIT_COLUMNS}) SELECT %s::text, %s::integer, %s::text, %s::text, "
            "%s::text, %s::text, %s::text, %s::text[], %s::text, %s::timestamptz, %s::jsonb, %s::text, "
            "%s::text[], %s::integer, %s::jsonb, %s::text, %s::text FROM written"
        )
        # ... and its feed row, inserted only if the audit row was (the outbox, same statement).
        logged = (
            f"logged AS ({event} RETURNING 1) INSERT INTO {s}.feed ({FEED_INSERT}) SELECT {FEED_VALUES} FROM logged"
        )
        self.create_with_event = (
            f"WITH written AS (INSERT INTO {s}.instances ({INSTANCE_COLUMNS}) "
            "VALUES (%s,%s,%s,%s,%s::jsonb,%s,%s,%s,%s,%s,%s,%s,%s::jsonb) ON CONFLICT (id) DO NOTHING RETURNING 1), "
            f"{logged}"
        ).encode()
        self.update_with_event = {
            key: f"WITH written AS ({update.decode()} RETURNING 1), {logged}".encode()
            for key, update in self.update_instance.items()
        }
        self.insert_feed = f"INSERT INTO {s}.feed ({FEED_INSERT}) VALUES ({FEED_VALUES})".encode()
        self.insert_audit = (
            f"INSERT INTO {s}.audit ({AUDIT_COLUMNS}) "
            "VALUES (%s,%s,%s,%s,%s,%s,%s,%s::text[],%s,%s,%s::jsonb,%s,%s::text[],%s,%s::jsonb,%s,%s)"
        ).encode()
        self.claim_timer = (
            f"UPDATE {s}.timers SET status = %s, closed_at = %s WHERE id = %s AND status = 'pending'"
        ).encode()
        self.settle_timers = (
            f"UPDATE {s}.timers AS t SET status = v.status, closed_at = %s "
            "FROM unnest(%s::text[], %s::text[]) AS v(id, status) "
            "WHERE t.id = v.id AND t.status IN ('pending', 'overdue')"
        ).encode()
        self.insert_timer = (
            f"INSERT INTO {s}.timers ({TIMER_COLUMNS}) VALUES (%s,%s,%s,%s,%s,%s,%s::jsonb,%s,%s,%s,%s,%s)"
        ).encode()
        self.reopen_timer = (
            f"UPDATE {s}.timers SET status = 'pending', closed_at = NULL, attempts = 0, retry_at = NULL, "
            "last_error = NULL, leased_by = NULL, lease_until = NULL WHERE id = %s AND status = 'failed'"
        ).encode()
        self.delete_keys = f"DELETE FROM {s}.index_keys WHERE instance_id = %s".encode()
        self.insert_keys = (
            f"INSERT INTO {s}.index_keys (key, value, instance_id) "
            "SELECT k, v, %s FROM unnest(%s::text[], %s::text[]) AS u(k, v)"
        ).encode()
        self.load = f"SELECT {INSTANCE_COLUMNS} FROM {s}.instances WHERE id = %s".encode()
        self.history = f"SELECT {AUDIT_COLUMNS} FROM {s}.audit WHERE instance_id = %s ORDER BY seq".encode()
        self.open_timers = (
            f"SELECT {TIMER_COLUMNS} FROM {s}.timers WHERE instance_id = %s "
            "AND status IN ('pending', 'overdue') ORDER BY due, id"
        ).encode()
        due = (
            "t.status = 'pending' AND t.due <= %s AND (t.lease_until IS NULL OR t.lease_until <= %s) "
            "AND (t.retry_at IS NULL OR t.retry_at <= %s)"
        )
        self.claim_due = (
            f"UPDATE {s}.timers SET leased_by = %s, lease_until = %s WHERE id IN ("
            f"SELECT t.id FROM {s}.timers t WHERE {due} ORDER BY t.due, t.id LIMIT %s FOR UPDATE SKIP LOCKED) "
            f"RETURNING {TIMER_COLUMNS}"
        ).encode()
        self.claim_due_of = (
            f"UPDATE {s}.timers SET leased_by = %s, lease_until = %s WHERE id IN ("
            f"SELECT t.id FROM {s}.timers t JOIN {s}.instances i ON i.id = t.instance_id WHERE {due} "
            "AND (i.workflow, i.workflow_version) IN (SELECT * FROM unnest(%s::text[], %s::integer[])) "
            "ORDER BY t.due, t.id LIMIT %s FOR UPDATE OF t SKIP LOCKED) "
            f"RETURNING {TIMER_COLUMNS}"
        ).encode()
        self.due_by_version = (
            f"SELECT i.workflow, i.workflow_version, COUNT(*) FROM {s}.timers t JOIN {s}.instances i "
            "ON i.id = t.instance_id WHERE t.status = 'pending' AND t.due <= %s "
            "GROUP BY i.workflow, i.workflow_version ORDER BY i.workflow, i.workflow_version"
        ).encode()
        self.record_attempt = (
            f"UPDATE {s}.timers SET attempts = %s, retry_at = %s, last_error = %s, leased_by = NULL, "
            "lease_until = NULL WHERE id = %s AND status = 'pending'"
        ).encode()
        self.release = (
            f"UPDATE {s}.timers SET leased_by = NULL, lease_until = NULL "
            "WHERE id = ANY(%s::text[]) AND leased_by = %s AND status = 'pending'"
        ).encode()
        self.instance_versions = (
            f"SELECT workflow, workflow_version, COUNT(*) FROM {s}.instances "
            "GROUP BY workflow, workflow_version ORDER BY workflow, workflow_version"
        ).encode()
        self.reschedule = (
            f"UPDATE {s}.timers AS t SET due = v.due, provisional = v.provisional, params = v.params::jsonb "
            "FROM unnest(%s::text[], %s::timestamptz[], %s::boolean[], %s::text[]) AS v(id, due, provisional, params) "
            "WHERE t.id = v.id AND t.status = 'pending'"
        ).encode()
        self.put_document = (
            f"INSERT INTO {s}.documents (kind, key, doc, updated_at) VALUES (%s, %s, %s::jsonb, %s) "
            "ON CONFLICT (kind, key) DO UPDATE SET doc = EXCLUDED.doc, updated_at = EXCLUDED.updated_at"
        ).encode()
        self.get_document = f"SELECT doc FROM {s}.documents WHERE kind = %s AND key = %s".encode()
        self.documents = f"SELECT key, doc FROM {s}.documents WHERE kind = %s ORDER BY key".encode()


# -- connection helpers -----------------------------------------------------------------------


def _conninfo(url: str) -> dict[str, Any]:
    try:
        return conninfo_to_dict(url)
    except psycopg.Error:
        return {}


def _describe(url: str) -> str:
    """``PostgreSQL at host:port, database 'name'`` from a URL or connection string."""
    info = _conninfo(url)
    if not info and url.strip():
        return "PostgreSQL (unparsable connection URL)"
    host = str(info.get("host") or info.get("hostaddr") or "localhost (default socket)")
    port = info.get("port")
    database = info.get("dbname") or info.get("user") or "(default)"
    return f"PostgreSQL at {host}{f':{port}' if port else ''}, database {database!r}"


def _password(url: str) -> str | None:
    value = _conninfo(url).get("password")
    return str(value) if value else None


def _configure(conn: psycopg.Connection[Any]) -> None:
    """Every connection reads instants in UTC (psycopg then returns `datetime.UTC` tzinfo)."""
    conn.execute("SET TIME ZONE 'UTC'")


def _readable(fd: int) -> bool:
    """Whether the socket has something to read (or is closed), without waiting."""
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(fd, select.POLLIN | select.POLLERR | select.POLLHUP)
        return bool(poller.poll(0))
    return bool(select.select([fd], [], [], 0)[0])  # pragma: no cover - Windows


_RACES = {"40001": "serialization failure", "40P01": "deadlock detected"}
"""Names of the class-40 SQLSTATEs a commit meets in practice, for the error message."""

_LEASE_ATTEMPTS = 3
"""How often `claim_due` repeats a lease that lost a race before calling it a fault."""


def _reschedule_params(timers: Sequence[Timer]) -> tuple[list[Any], ...]:
    """The parallel arrays the ``reschedule`` statement unnests: ids, dues, flags, params."""
    return (
        [t.id for t in timers],
        [t.due for t in timers],
        [t.provisional for t in timers],
        [_jsonb(dict(t.params)) for t in timers],
    )


def _lost_race(exc: BaseException) -> bool:
    """Whether the server rolled the transaction back because of another writer: any SQLSTATE of
    class 40 (transaction rollback: 40001 serialization failure, 40P01 deadlock detected, 40002,
    40003). The outcome is known — nothing was written — so it is a lost race, not a fault."""
    sqlstate = getattr(exc, "sqlstate", None)
    return isinstance(sqlstate, str) and sqlstate.startswith("40")


def _lock_order(changes: Sequence[Change]) -> list[Change]:
    """The changes of one commit in the order their instance rows are locked: existing instances
    by id, then the new ones (in the order given).

    Why: a parent settling its children and a child reporting up to that parent write the same
    two rows in one transaction each — parent then child in the first, child then parent in the
    second — so two such commits running together can each hold the row the other waits for
    (a deadlock: 9 in 3,200 operations in issue 12's run; 639 in 3,200 before and 0 after in
    ``tests/benchmarks/settle_race.py``, which starts them together on purpose). Taking the
    rows in one global order (by id) whatever the direction of the change removes the cycle.
    Each instance's timers and index keys are written right after its row, under its lock, so
    they follow the same order. Rows being inserted are locked by nobody else, so the inserts
    keep their given order, after the updates.
    """
    if len(changes) < 2:
        return list(changes)
    updates = sorted((c for c in changes if c.expected_revision != 0), key=lambda c: c.instance.id)
    return [*updates, *(c for c in changes if c.expected_revision == 0)]


def _lost(exc: BaseException) -> bool:
    """Whether `exc` means the connection itself is gone (as opposed to a refused statement)."""
    if isinstance(exc, pg_errors.AdminShutdown | pg_errors.CrashShutdown | pg_errors.CannotConnectNow):
        return True
    return isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError) and getattr(exc, "sqlstate", None) is None


def _refused(exc: BaseException) -> bool:
    """Whether a failed connection attempt was refused for a reason waiting cannot heal: bad
    credentials (SQLSTATE class 28) or a database that does not exist (3D000)."""
    state = getattr(exc, "sqlstate", None) or ""
    if state.startswith("28") or state == "3D000":
        return True
    text = str(exc)
    return "authentication failed" in text or ("database" in text and "does not exist" in text)


def _revision(conn: psycopg.Connection[Any], sql: _Statements, instance_id: str) -> int | None:
    row = conn.execute(sql.revision, (instance_id,)).fetchone()
    return int(row[0]) if row else None


# -- JSON ---------------------------------------------------------------------------------------

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _jsonb(value: Any) -> str:
    """JSON text for a ``jsonb`` column that reads back as the value it was made from.

    jsonb keeps numbers as ``numeric``, which prints without exponents: a float written
    ``1e+16`` would come back as the integer 10000000000000000 and change the audit hash. Such
    floats (rare) are written as exact decimals with a fraction (``10000000000000000.0``), which
    read back as the same float. jsonb cannot hold NaN, infinities, negative zero or NUL characters;
    those are refused with a `StorageError` rather than stored as something else.
    """
    if not value:
        if isinstance(value, Mapping):
            return "{}"
        if isinstance(value, list | tuple):
            return "[]"
    try:
        text = _ENCODER.encode(value if not isinstance(value, tuple) else list(value))
    except ValueError as exc:
        raise StorageError(f"cannot store {exc} in PostgreSQL jsonb (JSON has no NaN or infinity)") from None
    if "e+" in text or "-0.0" in text:
        return _exact(value)
    return text


def _exact(value: Any) -> str:
    """The slow path of `_jsonb`: encode value by value, floats as exact decimals."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return encode_basestring(value)
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        if value == 0 and math.copysign(1.0, value) < 0:
            raise StorageError("cannot store -0.0 in PostgreSQL jsonb (its numbers have no negative zero)")
        text = float.__repr__(value)
        return format(value, ".1f") if "e+" in text else text
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{_key(k)}:{_exact(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_exact(v) for v in value) + "]"
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _key(key: Any) -> str:
    return encode_basestring(key if isinstance(key, str) else json.dumps(key))


# -- rows ---------------------------------------------------------------------------------------


def _instance_row(inst: Instance) -> tuple[Any, ...]:
    return (
        inst.id,
        inst.workflow,
        inst.workflow_version,
        inst.state,
        _jsonb(inst.data),
        inst.revision,
        inst.unit,
        inst.created_at,
        inst.updated_at,
        inst.created_by,
        inst.head,
        inst.parent_id,
        _jsonb(inst.marks),
    )


def _instance(row: Sequence[Any]) -> Instance:
    return Instance(
        id=row[0],
        workflow=row[1],
        workflow_version=row[2],
        state=row[3],
        data=row[4],
        revision=row[5],
        unit=row[6],
        created_at=row[7],
        updated_at=row[8],
        created_by=row[9],
        head=row[10],
        parent_id=row[11],
        marks=row[12],
    )


def _audit_row(e: AuditEvent) -> tuple[Any, ...]:
    return (
        e.instance_id,
        e.seq,
        e.kind,
        e.event,
        e.source,
        e.dest,
        e.actor,
        list(e.roles),
        e.on_behalf_of,
        e.at,
        _jsonb(e.payload),
        e.justification,
        list(e.overrides),
        e.workflow_version,
        _jsonb(e.detail),
        e.prev_hash,
        e.hash,
    )


def _audit(row: Sequence[Any]) -> AuditEvent:
    return AuditEvent(
        instance_id=row[0],
        seq=row[1],
        kind=row[2],
        event=row[3],
        source=row[4],
        dest=row[5],
        actor=row[6],
        roles=tuple(row[7]),
        on_behalf_of=row[8],
        at=row[9],
        payload=row[10],
        justification=row[11],
        overrides=tuple(row[12]),
        workflow_version=row[13],
        detail=row[14],
        prev_hash=row[15],
        hash=row[16],
    )


def _feed_row(r: FeedEvent) -> tuple[Any, ...]:
    return (
        r.id, r.instance_id, r.seq, r.workflow, r.workflow_version, r.unit, r.kind, r.event, r.source, r.dest,
        r.actor, r.at, _jsonb(r.summary), r.bucket,
    )  # fmt: skip


def _feed_event(row: Sequence[Any]) -> FeedEvent:
    return FeedEvent(
        position=f"{row[0]}:{row[1]}",
        id=row[2],
        instance_id=row[3],
        seq=row[4],
        workflow=row[5],
        workflow_version=row[6],
        unit=row[7],
        kind=row[8],
        event=row[9],
        source=row[10],
        dest=row[11],
        actor=row[12],
        at=row[13],
        summary=row[14],
        bucket=row[15],
    )


def _pg_position(cursor: str | None) -> tuple[int, int]:
    """A PostgreSQL cursor is ``tx:id`` (transaction id, row id); "" or None is before the first."""
    if not cursor:
        return (0, 0)
    tx, colon, row = cursor.partition(":")
    if colon and tx.isdigit() and row.isdigit():
        return (int(tx), int(row))
    raise InvalidData(f"{cursor!r} is not a feed cursor of this storage (PostgreSQL cursors are tx:id)")


def _delivery_row(d: Delivery) -> tuple[Any, ...]:
    return (
        d.key, d.event_id, d.instance_id, d.recipient, d.channel, d.status, d.attempts, d.subject, d.body,
        d.created_at, d.updated_at, d.address, d.reason, d.next_attempt,
    )  # fmt: skip


def _timer_row(t: Timer) -> tuple[Any, ...]:
    return (
        t.id,
        t.instance_id,
        t.name,
        t.due,
        t.action,
        t.state,
        _jsonb(dict(t.params)),
        t.provisional,
        t.status,
        t.attempts,
        t.retry_at,
        t.last_error,
    )


def _timer(row: Sequence[Any]) -> Timer:
    return Timer(
        id=row[0],
        instance_id=row[1],
        name=row[2],
        due=row[3],
        action=row[4],
        state=row[5],
        params=row[6],
        provisional=row[7],
        status=row[8],
        attempts=row[9],
        retry_at=row[10],
        last_error=row[11],
    )

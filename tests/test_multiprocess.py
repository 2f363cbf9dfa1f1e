"""Many real processes on one database: no lost update, every due timer fired exactly once.

These run separate Python processes (multiprocessing's spawn context: nothing is shared but the
database), on SQLite (a file in tmp_path) and on PostgreSQL when GOVFLOW_TEST_POSTGRES_URL is
set. What they prove is the architecture's decisions 4 and 9 under real concurrency:

- (a) four processes fire at the same 50 instances: every accepted fire is in the audit trail,
  every chain verifies, and revision == events == 1 + accepted fires (no lost update);
- (b) four sweepers share 10,000 due timers: each fires exactly once;
- (c) the same with one sweeper SIGKILLed while it holds leased timers: the survivors take them
  once the lease runs out, still exactly once.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import shutil
import signal
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from multiprocessing import connection
from pathlib import Path
from typing import Any

import pytest
from conftest import POSTGRES_URL, drop_schema, unique_schema

from govflow import Actor, Deadline, Engine, State, Transition, Workflow, WorkingDays
from govflow.clock import SHANGHAI, FakeClock
from govflow.errors import ConcurrentModification
from govflow.storage import Change, MemoryStorage, SQLiteStorage, Storage, TimerQuery

pytestmark = pytest.mark.slow

BACKENDS = ["sqlite", *(["postgres"] if POSTGRES_URL else [])]
PROCESSES = 4
INSTANCES = 50
FIRES_PER_PROCESS = 150
TIMERS = 10_000
EPOCH = datetime(2026, 3, 2, 9, tzinfo=SHANGHAI)
LATER = EPOCH + timedelta(days=60)
"""When the sweepers run: every reply deadline (10 working days after EPOCH) has passed."""

CLERK = Actor("alice", roles={"clerk"}, unit="county.office")

LOOP = Workflow(
    name="mp_loop",
    version=1,
    title="反复批注",
    states=[State("open", "办理中", initial=True), State("closed", "已办结", final=True)],
    transitions=[
        Transition("note", source="open", dest="open", roles={"clerk"}),
        Transition("close", source="open", dest="closed", roles={"clerk"}),
    ],
)
"""A self-loop, so any number of fires is possible on one instance."""

NOTICE = Workflow(
    name="mp_notice",
    version=1,
    title="限期答复",
    states=[
        State("issued", "已下发", initial=True, deadlines=[Deadline("reply", WorkingDays(10), label="限期答复")]),
        State("closed", "已办结", final=True),
    ],
    transitions=[Transition("close", source="issued", dest="closed", roles={"clerk"})],
)

FAST_URL = POSTGRES_URL + ("&" if "?" in POSTGRES_URL else "?") + "options=-csynchronous_commit%3Doff"
"""The test server without a disk flush per commit: what these tests check is locking (which
this setting does not change), not durability, and the flush would make them ten times slower."""

Spec = tuple[str, str, str | None]
"""Where a process finds the database: ("sqlite", path, None) or ("postgres", url, schema)."""


def open_storage(spec: Spec, **options: Any) -> Storage:
    kind, where, schema = spec
    if kind == "sqlite":
        return SQLiteStorage(where)
    from govflow.storage import PostgresStorage

    assert schema is not None
    return PostgresStorage(where, schema=schema, min_size=1, max_size=2, **options)


class RunningClock:
    """`start` plus the wall time since `wall0`: one shared, moving clock for every process, so
    a lease taken by one process runs out for the others."""

    def __init__(self, start: datetime, wall0: float) -> None:
        self.start, self.wall0 = start, wall0

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.time() - self.wall0)


# -- work done in the child processes --------------------------------------------------------------


def fire_worker(spec: Spec, ids: list[str], seed: int, barrier: Any, report: Any) -> None:
    """Fire `note` at random instances; report the accepted fires per instance."""
    engine = Engine(storage=open_storage(spec), workflows=[LOOP], clock=FakeClock(EPOCH))
    rng = random.Random(seed)
    accepted: Counter[str] = Counter()
    refused = 0
    barrier.wait()
    for n in range(FIRES_PER_PROCESS):
        instance_id = rng.choice(ids)
        try:
            engine.fire_retrying(instance_id, "note", actor=CLERK, payload={"by": seed, "n": n}, attempts=5)
            accepted[instance_id] += 1
        except ConcurrentModification:
            refused += 1
    engine.storage.close()
    report.send((seed, dict(accepted), refused))


def tick_worker(
    spec: Spec, name: str, wall0: float, limit: int, lease: float, barrier: Any, report: Any, die: bool
) -> None:
    """Sweep with small batches until no timer is pending; report the outcomes.

    With `die`, report after the first batch is done and hang holding the second batch's lease,
    waiting to be SIGKILLed (what a crashed or frozen host looks like to the others).
    """
    storage = open_storage(spec)
    engine = Engine(storage=storage, workflows=[NOTICE], clock=RunningClock(LATER, wall0))
    fired = 0
    if die:
        claim_due, commit = storage.claim_due, storage.commit
        batches = 0

        def counting_commit(change: Any) -> None:
            nonlocal fired
            commit(change)
            fired += bool(change.claim)

        def claim_then_hang(now: datetime, limit: int, *, worker: str, lease: timedelta, **kw: Any) -> Any:
            nonlocal batches
            due = claim_due(now, limit, worker=worker, lease=lease, **kw)
            batches += 1
            if batches == 2:
                report.send((name, {"done": fired}, len(due)))
                time.sleep(600)
            return due

        storage.commit = counting_commit  # type: ignore[method-assign]
        storage.claim_due = claim_then_hang  # type: ignore[method-assign]
    outcomes: Counter[str] = Counter()
    barrier.wait()
    while True:
        swept = engine.tick(limit=limit, lease=timedelta(seconds=lease))
        outcomes.update(o.result for o in swept)
        if not swept:
            if not storage.find_timers(TimerQuery(statuses=("pending",), limit=1)):
                break
            time.sleep(0.05)  # what is left is leased to someone else: wait for it or its lease
    storage.close()
    report.send((name, dict(outcomes), 0))


# -- fixtures --------------------------------------------------------------------------------------


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database(backend: str, tmp_path: Path) -> Iterator[Spec]:
    """An empty database for one test."""
    if backend == "sqlite":
        yield ("sqlite", str(tmp_path / "mp.db"), None)
        return
    schema = unique_schema("govflow_mp")
    yield ("postgres", FAST_URL, schema)
    drop_schema(schema)


@pytest.fixture(scope="module")
def timer_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Spec]]:
    """One database per backend with 10,000 instances whose reply deadline is due at LATER,
    built once (starting them costs more than sweeping them) and copied for each test."""
    built: dict[str, Spec] = {}
    yield built
    for kind, _, schema in built.values():
        if kind == "postgres" and schema is not None:
            drop_schema(schema)


class Recording(MemoryStorage):
    """A MemoryStorage that keeps every committed change, to replay them into a database."""

    def __init__(self) -> None:
        super().__init__()
        self.changes: list[Change] = []

    def commit(self, change: Change) -> None:
        super().commit(change)
        self.changes.append(change)


def build_timers(spec: Spec) -> None:
    """Start TIMERS instances through the engine (in memory), then write exactly those changes
    into the database in one transaction: the same rows 10,000 `start`s write, in a fraction of
    the time (setting up is not what these tests measure)."""
    recording = Recording()
    engine = Engine(storage=recording, workflows=[NOTICE], clock=FakeClock(EPOCH))
    for _ in range(TIMERS):
        engine.start("mp_notice", actor=CLERK)
    storage = open_storage(spec)
    if isinstance(storage, SQLiteStorage):
        with storage._write() as conn:
            for change in recording.changes:
                storage._apply(conn, change)
    else:
        from govflow.storage import postgres as adapter

        assert isinstance(storage, adapter.PostgresStorage)
        changes = recording.changes
        assert all(c.expected_revision == 0 and not (c.claim or c.settle or c.also) for c in changes)
        conn, sql = storage._checkout(), storage._sql
        with conn.transaction(), conn.cursor() as cursor:  # executemany pipelines the rows
            cursor.executemany(sql.insert_instance, [adapter._instance_row(c.instance) for c in changes])
            cursor.executemany(sql.insert_audit, [adapter._audit_row(e) for c in changes for e in c.events])
            cursor.executemany(sql.insert_timer, [adapter._timer_row(t) for c in changes for t in c.arm])
        storage._pool.putconn(conn)
    storage.close()


def timer_database(backend: str, templates: dict[str, Spec], tmp_path: Path) -> Spec:
    if backend not in templates:
        if backend == "sqlite":
            path = tmp_path.parent / "mp-template.db"
            spec: Spec = ("sqlite", str(path), None)
        else:
            spec = ("postgres", FAST_URL, unique_schema("govflow_mp_template"))
        build_timers(spec)
        templates[backend] = spec
    template = templates[backend]
    if backend == "sqlite":
        copy = tmp_path / "timers.db"
        shutil.copy(template[1], copy)
        return ("sqlite", str(copy), None)
    schema = unique_schema("govflow_mp")
    open_storage(("postgres", POSTGRES_URL, schema)).close()
    import psycopg

    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn, conn.transaction():
        for table in ("instances", "audit", "timers", "index_keys", "documents"):
            conn.execute(f'INSERT INTO "{schema}".{table} SELECT * FROM "{template[2]}".{table}'.encode())
    return ("postgres", FAST_URL, schema)


def query(spec: Spec, sql: str) -> list[tuple[Any, ...]]:
    """Run a read-only SQL query on the database behind `spec` (tables unqualified)."""
    kind, where, schema = spec
    if kind == "sqlite":
        with sqlite3.connect(where) as conn:
            return conn.execute(sql).fetchall()
    import psycopg

    with psycopg.connect(where, autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{schema}"'.encode())
        return conn.execute(sql.encode()).fetchall()


def collect(pipes: list[Any], processes: list[Any], timeout: float = 120) -> list[tuple[Any, ...]]:
    """One report from each pipe. Each process has a pipe of its own: a shared queue's lock can
    be left held by a process SIGKILLed right after it reported, hanging everyone else."""
    found: list[tuple[Any, ...]] = []
    waiting = list(pipes)
    deadline = time.monotonic() + timeout
    while waiting:
        left = deadline - time.monotonic()
        if left <= 0:
            pytest.fail(f"{len(waiting)} processes did not report: exit codes {[p.exitcode for p in processes]}")
        for conn in connection.wait(waiting, timeout=min(left, 1.0)):
            try:
                found.append(conn.recv())
            except EOFError:
                pytest.fail(f"a process died without reporting: exit codes {[p.exitcode for p in processes]}")
            waiting.remove(conn)
    return found


# -- the tests -------------------------------------------------------------------------------------


def test_processes_firing_at_the_same_instances_lose_no_update(database: Spec) -> None:
    storage = open_storage(database)
    engine = Engine(storage=storage, workflows=[LOOP], clock=FakeClock(EPOCH))
    ids = [engine.start("mp_loop", actor=CLERK).id for _ in range(INSTANCES)]
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(PROCESSES)
    pipes = [ctx.Pipe(duplex=False) for _ in range(PROCESSES)]
    processes = [
        ctx.Process(target=fire_worker, args=(database, ids, seed, barrier, pipes[seed][1]))
        for seed in range(PROCESSES)
    ]
    for p in processes:
        p.start()
    for _, send in pipes:
        send.close()  # the children hold the send ends: a child that dies shows as EOF
    reports = collect([r for r, _ in pipes], processes)
    for p in processes:
        p.join(timeout=30)
        assert p.exitcode == 0
    accepted: Counter[str] = Counter()
    for _, counts, _ in reports:
        accepted.update(counts)
    assert sum(accepted.values()) + sum(r[2] for r in reports) == PROCESSES * FIRES_PER_PROCESS
    for instance_id in ids:
        inst = engine.get(instance_id)
        history = engine.history(instance_id)
        assert inst.revision == len(history) == 1 + accepted[instance_id], instance_id
        assert [e.seq for e in history] == list(range(1, len(history) + 1))
        engine.verify(instance_id)
    storage.close()


def sweep(spec: Spec, *, victim: bool) -> tuple[list[tuple[Any, ...]], float]:
    """Run PROCESSES sweepers (the first one a victim when asked); return reports and seconds.

    Without a victim the lease is long, so no batch is taken over while it is being worked on;
    with one it is short, so the survivors need not wait long for the victim's batch.
    """
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(PROCESSES)
    pipes = {f"w{n}": ctx.Pipe(duplex=False) for n in range(PROCESSES)}
    wall0 = time.time()
    lease = 2.0 if victim else 120.0
    processes = {
        name: ctx.Process(target=tick_worker, args=(spec, name, wall0, 25, lease, barrier, send, victim and n == 0))
        for n, (name, (_, send)) in enumerate(pipes.items())
    }
    for p in processes.values():
        p.start()
    for _, send in pipes.values():
        send.close()  # the children hold the send ends: a child that dies shows as EOF
    began = time.perf_counter()
    reports: list[tuple[Any, ...]] = []
    if victim:
        first = collect([pipes["w0"][0]], list(processes.values()))[0]
        assert first[0] == "w0", first
        assert first[2] > 0, "the victim should hold a leased batch when it dies"
        os.kill(processes["w0"].pid or 0, signal.SIGKILL)
        processes["w0"].join(timeout=30)
        assert processes["w0"].exitcode == -signal.SIGKILL
        reports.append(first)
        survivors = [p for name, p in processes.items() if name != "w0"]
        reports += collect([pipe for name, (pipe, _) in pipes.items() if name != "w0"], survivors)
    else:
        reports += collect([pipe for pipe, _ in pipes.values()], list(processes.values()))
    seconds = time.perf_counter() - began
    for name, p in processes.items():
        p.join(timeout=30)
        if not (victim and name == "w0"):
            assert p.exitcode == 0
    return reports, seconds


def assert_each_timer_fired_once(spec: Spec, reports: list[tuple[Any, ...]]) -> None:
    outcomes: Counter[str] = Counter()
    for _, counts, _ in reports:
        outcomes.update(counts)
    assert outcomes["done"] == TIMERS, outcomes
    assert query(spec, "SELECT count(*) FROM timers WHERE status = 'pending'") == [(0,)]
    assert query(spec, "SELECT count(*) FROM timers WHERE status = 'overdue'") == [(TIMERS,)]
    per_instance = query(
        spec, "SELECT n, count(*) FROM (SELECT count(*) AS n FROM audit WHERE kind = 'timer' GROUP BY instance_id) "
        "AS c GROUP BY n"
    )  # fmt: skip
    assert per_instance == [(1, TIMERS)], per_instance
    assert query(spec, "SELECT count(*) FROM instances WHERE revision <> 2") == [(0,)]
    storage = open_storage(spec)
    engine = Engine(storage=storage, workflows=[NOTICE], clock=FakeClock(LATER))
    ids = [row[0] for row in query(spec, "SELECT id FROM instances")]
    for instance_id in random.Random(7).sample(ids, 200):
        engine.verify(instance_id)
        assert engine.get(instance_id).marks["overdue"] == {"reply": "2026-03-16"}
    storage.close()


def test_sweepers_fire_each_due_timer_exactly_once(
    backend: str, timer_templates: dict[str, Spec], tmp_path: Path
) -> None:
    spec = timer_database(backend, timer_templates, tmp_path)
    try:
        reports, _ = sweep(spec, victim=False)
        assert_each_timer_fired_once(spec, reports)
        assert all(counts.get("done") for _, counts, _ in reports), "every sweeper should get a share"
    finally:
        if spec[0] == "postgres":
            drop_schema(str(spec[2]))


def test_a_killed_sweepers_leased_timers_are_taken_over_after_the_lease(
    backend: str, timer_templates: dict[str, Spec], tmp_path: Path
) -> None:
    spec = timer_database(backend, timer_templates, tmp_path)
    try:
        reports, _ = sweep(spec, victim=True)
        assert_each_timer_fired_once(spec, reports)
    finally:
        if spec[0] == "postgres":
            drop_schema(str(spec[2]))

"""Acceptance property of the feed: random starts, fires, refused and lost changes, ticks and
crashes — consumers in subprocesses SIGKILLed between handling a batch and saving their cursor,
writers SIGKILLed mid-transaction — and still every committed event reaches every consumer at
least once and in order per instance, and nothing that did not commit is ever delivered.

Each consumer run is its own process (nothing shared but the database): it leases a batch, appends
each event to its log file (fsync: the handling is durable), and then either acknowledges or is
killed by SIGKILL before the acknowledgement. The check reads the logs against the audit trail.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import ALICE, POSTGRES_URL, drop_schema, unique_schema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_feed import deadline_flow

from govflow import Engine
from govflow.clock import SHANGHAI, FakeClock
from govflow.errors import ConcurrentModification, GovflowError
from govflow.storage import PostgresStorage, SQLiteStorage, Storage

pytestmark = pytest.mark.slow

EPOCH = datetime(2026, 3, 2, 9, tzinfo=SHANGHAI)
CONSUMERS = ("sms", "archive")
ROOT = Path(__file__).resolve().parent

CHILD = textwrap.dedent(
    """
    import json, os, signal, sys
    from datetime import datetime, timedelta
    sys.path.insert(0, {tests!r})
    from govflow import Engine
    from govflow.clock import FakeClock
    from test_feed import deadline_flow

    backend, where, schema, log, name, now, limit, crash = sys.argv[1:9]
    if backend == "sqlite":
        from govflow.storage import SQLiteStorage
        storage = SQLiteStorage(where)
    else:
        from govflow.storage import PostgresStorage
        storage = PostgresStorage(where, schema=schema, min_size=1, max_size=2)
    engine = Engine(storage=storage, workflows=[deadline_flow()], clock=FakeClock(datetime.fromisoformat(now)))
    consumer = engine.consumer(name, lease=timedelta(minutes=1))
    batch = consumer.poll(int(limit))
    handled = 0
    with open(log, "a", encoding="utf-8") as out:
        for event in (batch.events if batch else ()):
            out.write(json.dumps([event.id, event.instance_id, event.seq, event.kind, event.event]) + "\\n")
            handled += 1
        out.flush()
        os.fsync(out.fileno())
    if crash == "1" and handled:
        os.kill(os.getpid(), signal.SIGKILL)  # handled, durable, but the cursor is never saved
    if batch is not None:
        consumer.ack(batch)
    print(handled)
    """
).format(tests=str(ROOT))

WRITER = textwrap.dedent(
    """
    import sys
    from datetime import datetime
    sys.path.insert(0, {tests!r})
    from govflow import Engine
    from govflow.clock import FakeClock
    from conftest import ALICE
    from test_feed import deadline_flow

    backend, where, schema, now = sys.argv[1:5]
    if backend == "sqlite":
        from govflow.storage import SQLiteStorage
        storage = SQLiteStorage(where)
    else:
        from govflow.storage import PostgresStorage
        storage = PostgresStorage(where, schema=schema, min_size=1, max_size=2)
    engine = Engine(storage=storage, workflows=[deadline_flow()], clock=FakeClock(datetime.fromisoformat(now)))
    print("ready", flush=True)
    while True:  # until killed, somewhere in the middle of a commit or between two
        case = engine.start("grid_case", actor=ALICE)
        print("started", flush=True)
        engine.fire(case.id, "open", actor=ALICE)
        print("opened", flush=True)
    """
).format(tests=str(ROOT))


class World:
    """The database, the parent's engine, and the subprocess consumers' logs."""

    def __init__(self, backend: str, tmp: Path) -> None:
        self.backend = backend
        self.tmp = tmp
        self.schema = unique_schema("govflow_crash") if backend == "postgres" else ""
        self.where = POSTGRES_URL if backend == "postgres" else str(tmp / "crash.db")
        storage: Storage = (
            PostgresStorage(self.where, schema=self.schema, min_size=1, max_size=2)
            if backend == "postgres"
            else SQLiteStorage(self.where)
        )
        self.clock = FakeClock(EPOCH)
        self.engine = Engine(storage=storage, workflows=[deadline_flow()], clock=self.clock)
        self.cases: list[str] = []
        self.runs = 0
        for name in CONSUMERS:
            self.engine.consumer(name)

    def log(self, name: str) -> Path:
        return self.tmp / f"{name}.log"

    def _args(self) -> list[str]:
        return [self.backend, self.where, self.schema]

    def consume(self, name: str, limit: int, crash: bool) -> int:
        """One consumer process; each run is 10 minutes later, so a killed one's lease has run out."""
        self.runs += 1
        now = (EPOCH + timedelta(minutes=10 * self.runs)).isoformat()
        done = subprocess.run(
            [sys.executable, "-c", CHILD, *self._args(), str(self.log(name)), name, now, str(limit), str(int(crash))],
            capture_output=True,
            text=True,
            timeout=120,
        )
        if crash and done.returncode == -signal.SIGKILL:
            return 0
        assert done.returncode == 0, done.stderr
        return int(done.stdout.strip() or 0)

    def kill_writer(self, commits: int) -> None:
        """A writer process killed by SIGKILL while it starts and opens cases as fast as it can,
        after it has reported `commits` commits (so the kill lands wherever it is next)."""
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, *self._args(), self.clock.now().isoformat()],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        for _ in range(commits):
            proc.stdout.readline()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()
        proc.stderr.close()  # type: ignore[union-attr]

    def apply(self, op: tuple[Any, ...]) -> None:
        engine = self.engine
        kind = op[0]
        try:
            if kind == "start":
                self.cases.append(engine.start("grid_case", actor=ALICE).id)
            elif kind == "fire" and self.cases:
                engine.fire(self.cases[op[1] % len(self.cases)], op[2], actor=ALICE)
            elif kind == "stale" and self.cases:
                # A writer that read the case before someone else moved it: its change must not commit.
                inst = engine.get(self.cases[op[1] % len(self.cases)])
                event = "settle" if inst.state == "handling" else "open"
                _, change = engine._plan(inst, event, ALICE, None, None, engine.now())
                engine.storage.commit(change)
                with pytest.raises(ConcurrentModification):
                    engine.storage.commit(change)
            elif kind == "tick":
                self.clock.advance(timedelta(days=op[1]))
                engine.tick()
            elif kind == "consume":
                self.consume(CONSUMERS[op[1] % 2], op[2], op[3])
            elif kind == "kill_writer":
                self.kill_writer(op[1])
        except GovflowError:
            pass  # refused (wrong state, not allowed): it wrote nothing, and the check below says so

    def drain(self) -> None:
        """Run every consumer without crashes until it has everything committed."""
        committed = len(self.committed())
        for name in CONSUMERS:
            for _ in range(200):
                handled = self.consume(name, 50, False)
                if len({row[0] for row in self.read_log(name)}) >= committed:
                    break
                if handled == 0 and self.backend == "sqlite":
                    break  # caught up (PostgreSQL may still be holding rows back: wait there)

    def committed(self) -> dict[str, tuple[str, int, str]]:
        """Every committed audit event, by feed id."""
        found: dict[str, tuple[str, int, str]] = {}
        for inst in self.engine.find():
            for e in self.engine.history(inst.id):
                found[f"{e.instance_id}:{e.seq}"] = (e.instance_id, e.seq, e.event)
        return found

    def read_log(self, name: str) -> list[list[Any]]:
        path = self.log(name)
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]

    def close(self) -> None:
        self.engine.storage.close()
        if self.backend == "postgres":
            drop_schema(self.schema)


OPS = st.one_of(
    st.tuples(st.just("start")),
    st.tuples(st.just("fire"), st.integers(0, 20), st.sampled_from(["open", "settle", "withdraw"])),
    st.tuples(st.just("stale"), st.integers(0, 20)),
    st.tuples(st.just("tick"), st.integers(1, 6)),
    st.tuples(st.just("consume"), st.integers(0, 1), st.integers(1, 6), st.booleans()),
    st.tuples(st.just("kill_writer"), st.integers(0, 3)),
)


@pytest.mark.parametrize("backend", ["sqlite", *(["postgres"] if POSTGRES_URL else [])])
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(OPS, min_size=4, max_size=10))
def test_every_committed_event_reaches_every_consumer_in_order_despite_crashes(
    backend: str, tmp_path_factory: pytest.TempPathFactory, ops: list[tuple[Any, ...]]
) -> None:
    world = World(backend, tmp_path_factory.mktemp("crash"))
    try:
        world.apply(("start",))
        for op in ops:
            world.apply(op)
        world.drain()
        assert world.committed(), "nothing committed: the property would hold vacuously"
        committed = world.committed()
        for name in CONSUMERS:
            log = world.read_log(name)
            # Nothing that did not commit: every delivered event is in the audit trail, as it is there.
            for event_id, instance_id, seq, _kind, event in log:
                assert committed.get(event_id) == (instance_id, seq, event), (name, event_id)
            # Everything that committed, at least once.
            assert {row[0] for row in log} == set(committed), name
            # In order per instance: first deliveries run 1, 2, 3, … with no gap.
            first: dict[str, list[int]] = {}
            seen: set[str] = set()
            for event_id, instance_id, seq, *_ in log:
                if event_id not in seen:
                    seen.add(event_id)
                    first.setdefault(instance_id, []).append(seq)
            for instance_id, seqs in first.items():
                assert seqs == list(range(1, len(seqs) + 1)), (name, instance_id, seqs)
    finally:
        world.close()

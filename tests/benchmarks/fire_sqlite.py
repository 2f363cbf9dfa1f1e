"""`fire_sqlite`: `Engine.fire` on `SQLiteStorage` against hand-written `sqlite3` doing the same durable work.

What is measured: fires per second through the 4-state approval flow (submit, approve, archive),
each fire its own durable transaction, on a database file in a temporary directory. Instances
are created untimed before each run; only the fires are timed.

The baseline is what a careful programmer would write by hand for the same guarantees, and is
written to be fast: one connection with ``isolation_level=None`` (no implicit transactions),
WAL mode with ``synchronous=NORMAL`` (govflow's settings), the transition table as a dict, and
per fire exactly ``BEGIN IMMEDIATE``; ``SELECT`` the instance row; compare-and-set
``UPDATE ... WHERE id = ? AND revision = ?``; ``INSERT`` one audit row into a table keyed on
(instance_id, seq); ``COMMIT``. Rows are of similar size to govflow's: ~100 bytes of JSON data
on the instance, a 64-hex SHA-256 hash column on both tables (the baseline computes a real
SHA-256 over the audit row and the previous hash, about a microsecond), ISO timestamps. Like
govflow's schema it keeps an index on (workflow, state), which any "what is waiting in state X"
query needs; it does not rewrite the unchanged data column and keeps no other indexes —
if govflow pays for those, it shows in the ratio.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import tempfile
import uuid
from datetime import UTC
from pathlib import Path

from govflow.clock import FakeClock
from govflow.storage import SQLiteStorage
from tests.benchmarks.common import (
    CLERK,
    EPOCH,
    EVENTS,
    FIRES,
    START_DATA,
    STATES,
    Paired,
    Result,
    make_engine,
    paired,
    ratio_result,
    run_flow,
    start_many,
    timed,
)

NAME = "fire_sqlite"
TARGET = 0.5

SCHEMA = """
CREATE TABLE instances (
    id TEXT PRIMARY KEY, workflow TEXT NOT NULL, workflow_version INTEGER NOT NULL,
    state TEXT NOT NULL, data TEXT NOT NULL, revision INTEGER NOT NULL, unit TEXT,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, created_by TEXT NOT NULL, head TEXT NOT NULL
);
CREATE INDEX instances_workflow_state ON instances (workflow, state);
CREATE TABLE audit (
    instance_id TEXT NOT NULL, seq INTEGER NOT NULL, event TEXT NOT NULL, source TEXT, dest TEXT NOT NULL,
    actor TEXT NOT NULL, roles TEXT NOT NULL, at TEXT NOT NULL, payload TEXT NOT NULL,
    prev_hash TEXT NOT NULL, hash TEXT NOT NULL,
    PRIMARY KEY (instance_id, seq)
);
"""


class BareSQLite:
    """The hand-written baseline: one durable transaction per fire, nothing else."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA synchronous = NORMAL")
        self.conn.executescript(SCHEMA)
        self.clock = FakeClock(EPOCH)
        self.dest = {(STATES[i], event): STATES[i + 1] for i, event in enumerate(EVENTS)}
        self.data = json.dumps(START_DATA, ensure_ascii=False, separators=(",", ":"))

    def create(self, n: int) -> list[str]:
        """Insert `n` instances in draft (untimed set-up), each with its start audit row."""
        at = self.clock.now().astimezone(UTC).isoformat(timespec="microseconds")
        ids = [uuid.uuid4().hex for _ in range(n)]
        head = "0" * 64
        self.conn.execute("BEGIN IMMEDIATE")
        for instance_id in ids:
            self.conn.execute(
                "INSERT INTO instances VALUES (?, 'approval', 1, 'draft', ?, 1, ?, ?, ?, ?, ?)",
                (instance_id, self.data, CLERK.unit, at, at, CLERK.id, head),
            )
            self.conn.execute(
                "INSERT INTO audit VALUES (?, 1, 'start', NULL, 'draft', ?, '[\"clerk\"]', ?, ?, ?, ?)",
                (instance_id, CLERK.id, at, self.data, "0" * 64, head),
            )
        self.conn.execute("COMMIT")
        return ids

    def fire(self, instance_id: str, event: str, actor: str, role: str) -> None:
        """One durable fire: read, compare-and-set the instance, append the audit row, commit."""
        execute = self.conn.execute
        execute("BEGIN IMMEDIATE")
        try:
            state, revision, head = execute(
                "SELECT state, revision, head FROM instances WHERE id = ?", (instance_id,)
            ).fetchone()
            dest = self.dest[(state, event)]
            at = self.clock.now().astimezone(UTC).isoformat(timespec="microseconds")
            seq = revision + 1
            row = f"{instance_id}|{seq}|{event}|{state}|{dest}|{actor}|{role}|{at}|{{}}|{head}"
            new_head = hashlib.sha256(row.encode()).hexdigest()
            updated = execute(
                "UPDATE instances SET state = ?, revision = ?, updated_at = ?, head = ? WHERE id = ? AND revision = ?",
                (dest, seq, at, new_head, instance_id, revision),
            )
            if updated.rowcount != 1:
                raise RuntimeError("lost the compare-and-set race")
            execute(
                "INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?, ?, '{}', ?, ?)",
                (instance_id, seq, event, state, dest, actor, f'["{role}"]', at, head, new_head),
            )
        except BaseException:
            execute("ROLLBACK")
            raise
        execute("COMMIT")

    def run_flow(self, ids: list[str]) -> None:
        """submit, approve, archive on every instance."""
        fire = self.fire
        steps = [(event, actor.id, min(actor.roles)) for event, actor in FIRES]
        for instance_id in ids:
            for event, actor, role in steps:
                fire(instance_id, event, actor, role)

    def close(self) -> None:
        self.conn.close()


def measure(instances: int, pairs: int) -> Paired:
    """Pairs of (plain sqlite3, govflow) runs of `instances` × 3 durable fires each."""
    with tempfile.TemporaryDirectory(prefix="govflow-bench-") as tmp:
        bare = BareSQLite(Path(tmp) / "bare.db")
        storage = SQLiteStorage(Path(tmp) / "govflow.db")
        engine = make_engine(storage)
        try:

            def baseline() -> tuple[float, int]:
                ids = bare.create(instances)
                return timed(lambda: bare.run_flow(ids), 3 * instances)

            def subject() -> tuple[float, int]:
                ids = start_many(engine, instances)
                return timed(lambda: run_flow(engine, ids), 3 * instances)

            return paired(baseline, subject, pairs)
        finally:
            bare.close()
            storage.close()


def run(quick: bool) -> list[Result]:
    """Run the benchmark; one result line."""
    instances, pairs = (300, 9) if quick else (800, 31)
    samples = measure(instances, pairs)
    return [
        ratio_result(
            NAME,
            "fire on SQLiteStorage (WAL, synchronous=NORMAL) vs hand-written sqlite3",
            samples,
            baseline_label="sqlite3",
            subject_label="govflow",
            unit="fires",
            minimum=TARGET,
        )
    ]

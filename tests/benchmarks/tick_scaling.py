"""`tick_scaling`: one `tick` firing 10,000 due timers among 1,000,000 pending vs among 10,000.

What is measured: the rate (timers fired per second) of one `engine.tick()` on `SQLiteStorage`
that finds 10,000 overdue deadlines. The baseline database holds just those 10,000 pending
timers; the subject database holds the same 10,000 plus 990,000 timers due years later. If the
due-timer lookup were a scan, the subject would slow down in proportion to the pending count;
with the partial index on ``timers(due) WHERE status = 'pending'`` it should not. Target: the
subject keeps ≥ 0.7× the baseline's rate.

Fairness: both databases come from the same engine run and differ only in the far-future
rows, inserted with one `executemany` (starting 990,000 instances through the engine would only
measure `start`). Each measurement sweeps a fresh file copy, so both sides fire the same 10,000
timers; the copies are made before timing starts.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from govflow import Deadline, Engine, State, Transition, Workflow, WorkingDays
from govflow.audit import format_instant
from govflow.clock import FakeClock
from govflow.storage import SQLiteStorage
from tests.benchmarks.common import CLERK, EPOCH, Paired, Result, paired, ratio_result

NAME = "tick_scaling"
TARGET = 0.7

NOTICE = Workflow(
    name="bench_notice",
    version=1,
    title="限期答复",
    states=[
        State("issued", "已下发", initial=True, deadlines=[Deadline("reply", WorkingDays(10), label="限期答复")]),
        State("closed", "已办结", final=True),
    ],
    transitions=[Transition("close", source="issued", dest="closed", roles={"clerk"})],
)


def build(path: Path, due: int, far: int) -> None:
    """A database with `due` instances whose reply deadline will have passed, plus `far`
    pending timers (on the first instance) due from 2031 on."""
    engine = Engine(storage=SQLiteStorage(path), workflows=[NOTICE], clock=FakeClock(EPOCH))
    ids = [engine.start("bench_notice", actor=CLERK).id for _ in range(due)]
    storage = engine.storage
    assert isinstance(storage, SQLiteStorage)
    later = EPOCH.replace(year=2031)
    rows = (
        (f"far{n:08d}", ids[0], "reply", format_instant(later + timedelta(minutes=n)), "overdue", "issued", "{}", 0)
        for n in range(far)
    )
    with storage._write() as conn:  # bulk-loading benchmark fixtures, not the fire path
        conn.executemany(
            "INSERT INTO timers (id, instance_id, name, due, action, state, params, provisional, status) "
            "VALUES (?,?,?,?,?,?,?,?, 'pending')",
            rows,
        )
    storage.close()


def measure(due: int, far: int, pairs: int) -> Paired:
    """Pairs of (10,000 pending, 1,000,000 pending) sweeps, each on a fresh copy."""
    work = Path(tempfile.mkdtemp(prefix="govflow-bench-tick-"))
    small, large = work / "small.db", work / "large.db"
    build(small, due, 0)
    build(large, due, far)
    copies = iter(range(10**6))

    def sweep(template: Path) -> tuple[float, int]:
        copy = work / f"run{next(copies)}.db"
        shutil.copy(template, copy)
        engine = Engine(storage=SQLiteStorage(copy), workflows=[NOTICE], clock=FakeClock(EPOCH + timedelta(days=60)))
        began = time.perf_counter()
        fired = len(engine.tick())
        seconds = time.perf_counter() - began
        engine.storage.close()
        copy.unlink()
        assert fired == due, f"expected {due} due timers, fired {fired}"
        return seconds, fired

    try:
        return paired(lambda: sweep(small), lambda: sweep(large), pairs, warmup=0)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(quick: bool) -> list[Result]:
    """Run the benchmark; one result line."""
    due, far, pairs = (2_000, 198_000, 3) if quick else (10_000, 990_000, 3)
    samples = measure(due, far, pairs)
    pending = due + far
    note = " (--quick: 2,000 due among 200,000)" if quick else ""
    return [
        ratio_result(
            NAME,
            f"tick firing {due:,} due timers with {pending:,} pending vs {due:,} pending{note}",
            samples,
            baseline_label=f"{due:,} pending",
            subject_label=f"{pending:,} pending",
            unit="timers",
            minimum=TARGET,
        )
    ]

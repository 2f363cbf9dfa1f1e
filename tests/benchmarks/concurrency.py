"""`concurrency`: fires per second with 1, 2 and 4 processes, on SQLite and on PostgreSQL.

What is measured: `Engine.fire` of a self-loop event (one fire = one durable transaction with
compare-and-set and an audit row) by N separate processes (multiprocessing's spawn context, so
nothing is shared but the database), each on its own instances so no fire loses a race. The
rate is all fires over the wall time from the moment every process is ready (a barrier) to the
moment the last one finishes; the ratio is against one process in the same run. Information
only: no target, because the ceiling is the machine (cores, disk flush), not govflow.

Backends: SQLite (a file; WAL, ``synchronous=NORMAL``: a commit does not wait for the disk) and,
when a server is given (``GOVFLOW_TEST_POSTGRES_URL`` or ``--pg URL``), PostgreSQL twice — as
configured (``synchronous_commit=on``: every commit waits for its WAL flush, which is what makes
a fire durable) and with ``synchronous_commit=off`` for the connection (commits are flushed in the
background, the same promise SQLite's NORMAL makes), which shows the CPU ceiling.

Where the ceilings are: SQLite has one writer at a time for the whole file, and a writer that
finds the lock taken sleeps in steps of milliseconds (its busy handler), so more processes add
waiting, not throughput. PostgreSQL locks rows, so fires on different instances run in parallel
until the CPUs are busy (Python in each process, plus a server backend per connection) or, with
durable commits, until the disk's flush rate — concurrent commits share a flush (group commit),
which is why durable PostgreSQL gains most from more processes.
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from rich.table import Table

from govflow import Engine, State, Transition, Workflow
from govflow.clock import FakeClock
from govflow.storage import SQLiteStorage, Storage
from tests.benchmarks.common import CLERK, EPOCH, START_DATA, Result, console

NAME = "concurrency"
PROCESSES = (1, 2, 4)
INSTANCES_PER_PROCESS = 20

LOOP = Workflow(
    name="bench_loop",
    version=1,
    title="反复批注",
    states=[State("open", "办理中", initial=True), State("closed", "已办结", final=True)],
    transitions=[
        Transition("note", source="open", dest="open", roles={"clerk"}),
        Transition("close", source="open", dest="closed", roles={"clerk"}),
    ],
)

Target = tuple[str, str, str | None]
"""("sqlite", path, None) or ("postgres", url, schema)."""


def postgres_url() -> str:
    """The server to measure, from ``GOVFLOW_TEST_POSTGRES_URL`` (``--pg`` sets it), or ''."""
    return os.environ.get("GOVFLOW_TEST_POSTGRES_URL", "").strip()


def open_storage(target: Target) -> Storage:
    kind, where, schema = target
    if kind == "sqlite":
        return SQLiteStorage(where)
    from govflow.storage import PostgresStorage

    assert schema is not None
    return PostgresStorage(where, schema=schema, min_size=1, max_size=2)


def worker(target: Target, ids: list[str], fires: int, barrier: Any, report: Any) -> None:
    """Fire `note` round-robin over this process's own instances; report (start, end) wall times."""
    storage = open_storage(target)
    engine = Engine(storage=storage, workflows=[LOOP], clock=FakeClock(EPOCH))
    fire = engine.fire
    barrier.wait()
    began = time.time()
    for n in range(fires):
        fire(ids[n % len(ids)], "note", actor=CLERK, payload={"n": n})
    ended = time.time()
    storage.close()
    report.send((began, ended))


def measure(target: Target, processes: int, fires: int) -> float:
    """All processes' fires per second over the common wall time."""
    storage = open_storage(target)
    engine = Engine(storage=storage, workflows=[LOOP], clock=FakeClock(EPOCH))
    ids = [
        [engine.start("bench_loop", actor=CLERK, data=START_DATA).id for _ in range(INSTANCES_PER_PROCESS)]
        for _ in range(processes)
    ]
    storage.close()
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(processes)
    pipes = [ctx.Pipe(duplex=False) for _ in range(processes)]
    children = [
        ctx.Process(target=worker, args=(target, ids[n], fires // processes, barrier, pipes[n][1]))
        for n in range(processes)
    ]
    for child in children:
        child.start()
    for _, send in pipes:
        send.close()
    spans = [receive.recv() for receive, _ in pipes]
    for child in children:
        child.join()
        if child.exitcode != 0:
            raise RuntimeError(f"a benchmark process failed (exit code {child.exitcode})")
    return (fires // processes) * processes / (max(e for _, e in spans) - min(b for b, _ in spans))


def targets(work: Path) -> list[tuple[str, Any]]:
    """(label, factory of a fresh target) per backend measured."""
    found: list[tuple[str, Any]] = [
        ("SQLite (WAL, synchronous=NORMAL)", lambda: ("sqlite", str(work / f"{uuid.uuid4().hex}.db"), None))
    ]
    url = postgres_url()
    if url:
        fast = url + ("&" if "?" in url else "?") + "options=-csynchronous_commit%3Doff"
        found.append(("PostgreSQL (synchronous_commit=on)", lambda: ("postgres", url, _schema())))
        found.append(("PostgreSQL (synchronous_commit=off)", lambda: ("postgres", fast, _schema())))
    return found


def _schema() -> str:
    return f"govflow_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"


def _drop(target: Target) -> None:
    if target[0] != "postgres":
        return
    import psycopg

    with psycopg.connect(postgres_url(), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{target[2]}" CASCADE'.encode())


def run(quick: bool) -> list[Result]:
    """Measure every backend at 1, 2 and 4 processes; print them side by side; one result line each."""
    fires, rounds = (400, 1) if quick else (2400, 3)
    if not postgres_url():
        console.print(
            "[yellow]PostgreSQL skipped[/]: set GOVFLOW_TEST_POSTGRES_URL or pass --pg URL "
            "(e.g. postgresql://postgres@127.0.0.1:5432/test)"
        )
    work = Path(tempfile.mkdtemp(prefix="govflow-bench-concurrency-"))
    rates: dict[str, dict[int, float]] = {}
    for label, fresh in targets(work):
        rates[label] = {}
        for processes in PROCESSES:
            samples = []
            for _ in range(rounds):
                target = fresh()
                try:
                    samples.append(measure(target, processes, fires))
                finally:
                    _drop(target)
            rates[label][processes] = statistics.median(samples)
    table = Table(title=f"fires per second, {fires:,} fires split over the processes (median of {rounds})")
    table.add_column("backend")
    for processes in PROCESSES:
        table.add_column(f"{processes} process{'es' if processes > 1 else ''}", justify="right")
    results = []
    for label, by_count in rates.items():
        one = by_count[1]
        table.add_row(label, *(f"{by_count[p]:,.0f}/s ({by_count[p] / one:.2f}×)" for p in PROCESSES))
        for processes in PROCESSES[1:]:
            results.append(
                Result(
                    benchmark=NAME,
                    case=f"{label}: {processes} processes vs 1",
                    baseline=f"1 process\n{one:,.0f} fires/s",
                    subject=f"{processes} processes\n{by_count[processes]:,.0f} fires/s",
                    value=f"{by_count[processes] / one:.2f}×",
                    spread=f"{rounds} round{'s' if rounds > 1 else ''}",
                    target="info",
                    passed=None,
                    note=f"{os.cpu_count()} CPUs",
                )
            )
    console.print(table)
    return results

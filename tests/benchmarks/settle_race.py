"""Stress run: parents settling their children while the children report up, on PostgreSQL.

``python -m tests.benchmarks.settle_race URL [--campaigns N] [--children K]`` from the repo root.

Why it exists: issue 12 found deadlocks between a parent's settling commit (parent row, then
child rows) and a child's reporting commit (child row, then parent row). This run provokes that
race on purpose — for each campaign, K threads each finish one child (which reports up) while
another thread calls the campaign off (which cancels the children still in flight) — and counts
the outcomes: committed, lost races on the revision check, and deadlocks the server detected.
It works in a database of its own (created and dropped), so the server's deadlock counter for
that database is a second, independent count.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import datetime
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from govflow import Engine
from govflow.clock import SHANGHAI, FakeClock
from govflow.errors import ConcurrentModification
from govflow.storage import PostgresStorage
from tests.test_children import INSPECTOR, LEAD, REPORTING, SELF_INSPECTION, UNIT


def classify(exc: BaseException | None) -> str:
    if exc is None:
        return "committed"
    if "deadlock" in str(exc):
        return "deadlock"
    if isinstance(exc, ConcurrentModification):
        return "lost race (revision)"
    return f"other: {type(exc).__name__}: {exc}"


def act(gate: threading.Barrier, call: Any, results: list[BaseException | None]) -> None:
    """Wait until every thread of the campaign is ready, then make the call and note its outcome."""
    gate.wait()
    try:
        call()
        results.append(None)
    except Exception as exc:  # counted, not hidden
        results.append(exc)


def run(url: str, campaigns: int, children: int) -> Counter[str]:
    admin = psycopg.connect(url, autocommit=True)
    dbname = f"govflow_settle_race_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{dbname}"'.encode())
    own = make_conninfo(url, dbname=dbname)
    store = PostgresStorage(own, schema="govflow", min_size=children + 1, max_size=children + 2)
    counts: Counter[str] = Counter()
    try:
        engine = Engine(
            storage=store,
            workflows=[REPORTING, SELF_INSPECTION],
            clock=FakeClock(datetime(2026, 12, 10, 9, tzinfo=SHANGHAI)),
        )
        units = [f"county.u{n}" for n in range(children)]
        for _ in range(campaigns):
            parent = engine.start("reporting_campaign", actor=LEAD, data={"units": units})
            parent = engine.fire(parent.id, "deploy", actor=LEAD)
            kids = [engine.fire(kid.id, "submit", actor=UNIT) for kid in engine.children(parent.id)]
            gate = threading.Barrier(children + 1)
            results: list[BaseException | None] = []

            calls: list[Any] = [lambda k=kid: engine.fire(k.id, "accept", actor=INSPECTOR) for kid in kids]
            calls.append(lambda p=parent: engine.fire(p.id, "call_off", actor=LEAD))
            threads = [threading.Thread(target=act, args=(gate, call, results)) for call in calls]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            counts.update(classify(result) for result in results)
            counts["operations"] += len(results)
    finally:
        store.close()
        time.sleep(1.5)  # let the server's statistics reach pg_stat_database
        row = admin.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = %s", (dbname,)).fetchone()
        counts["server deadlocks (pg_stat_database)"] = int(row[0]) if row else -1
        admin.execute(f'DROP DATABASE "{dbname}" WITH (FORCE)'.encode())
        admin.close()
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.settle_race", description=__doc__)
    parser.add_argument("url", help="a PostgreSQL server URL (a database is created on it and dropped)")
    parser.add_argument("--campaigns", type=int, default=640)
    parser.add_argument("--children", type=int, default=4)
    args = parser.parse_args(argv)
    conninfo_to_dict(args.url)  # a malformed URL fails here, before anything is created
    counts = run(args.url, args.campaigns, args.children)
    for key, value in sorted(counts.items()):
        print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

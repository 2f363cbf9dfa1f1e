"""`profile_fire`: where a fire's time goes (information, no target).

Runs cProfile over the fires of a batch of approval-flow instances (submit, approve, archive;
instances started before profiling starts), once on `MemoryStorage` and once on `SQLiteStorage`,
and prints the top functions by cumulative time and by own (total) time. Profiling slows
Python-level calls more than C-level ones, so read the shares, not the absolute microseconds;
the unprofiled rates are what `fire_memory` and `fire_sqlite` report.
"""

from __future__ import annotations

import cProfile
import pstats
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.table import Table

from govflow.storage import MemoryStorage, SQLiteStorage, Storage
from tests.benchmarks.common import Result, console, make_engine, run_flow, start_many

NAME = "profile_fire"
TOP = 18
ROOT = Path(__file__).resolve().parents[2]


def _where(key: tuple[str, int, str]) -> str:
    """`file:line(function)` with the repository and site-packages prefixes cut off."""
    filename, line, function = key
    if filename == "~":
        return function  # a built-in, e.g. <method 'execute' of 'sqlite3.Connection' objects>
    path = filename
    if "site-packages/" in path:
        path = path.split("site-packages/", 1)[1]
    elif path.startswith(str(ROOT)):
        path = path[len(str(ROOT)) + 1 :]
    elif "/lib/python" in path:
        path = "stdlib/" + path.split("/lib/python", 1)[1].split("/", 1)[1]
    return f"{path}:{line}({function})"


def _table(stats: pstats.Stats, sort: str, fires: int, total: float, title: str) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("calls/fire", justify="right")
    table.add_column("own µs/fire", justify="right")
    table.add_column("cum µs/fire", justify="right")
    table.add_column("cum %", justify="right")
    table.add_column("function")
    entries: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    index = 3 if sort == "cumulative" else 2
    ranked = sorted(entries.items(), key=lambda item: item[1][index], reverse=True)[:TOP]
    for key, (_, calls, own, cumulative, _callers) in ranked:
        table.add_row(
            f"{calls / fires:.2f}",
            f"{own / fires * 1e6:.2f}",
            f"{cumulative / fires * 1e6:.2f}",
            f"{cumulative / total * 100:.0f}%",
            _where(key),
        )
    return table


def profile(storage: Storage, label: str, instances: int) -> None:
    """Profile 3 × `instances` fires on `storage` and print both tables."""
    engine = make_engine(storage)
    run_flow(engine, start_many(engine, 50))  # warm-up outside the profile
    ids = start_many(engine, instances)
    fires = 3 * instances
    profiler = cProfile.Profile()
    began = time.perf_counter()
    profiler.enable()
    run_flow(engine, ids)
    profiler.disable()
    total = time.perf_counter() - began
    stats = pstats.Stats(profiler)
    console.print(
        f"\n[bold]{label}[/]: {fires:,} fires in {total:.2f} s under the profiler = {total / fires * 1e6:,.1f} µs/fire"
    )
    console.print(_table(stats, "cumulative", fires, total, f"{label} — top {TOP} by cumulative time"))
    console.print(_table(stats, "tottime", fires, total, f"{label} — top {TOP} by own time"))


def run(quick: bool) -> list[Result]:
    """Print the profiles; no result lines (information only)."""
    memory_instances, sqlite_instances = (500, 300) if quick else (3000, 1500)
    profile(MemoryStorage(), "fire on MemoryStorage", memory_instances)
    with tempfile.TemporaryDirectory(prefix="govflow-bench-") as tmp:
        storage = SQLiteStorage(Path(tmp) / "govflow.db")
        try:
            profile(storage, "fire on SQLiteStorage", sqlite_instances)
        finally:
            storage.close()
    return []

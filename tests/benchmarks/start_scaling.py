"""`start_scaling`: does starting the 100,000th instance cost what the 1,000th did, and what memory does it take?

Decision 1 of the architecture: instances are records driven through ONE shared compiled
machine, never `add_model`-ed, so the engine's cost per start must not grow with the number of
instances. Measured, for `MemoryStorage` and for `SQLiteStorage` (a file in a temp directory):

- **time**: the time per start of a batch of 500 starts around instance #1,000 (a fresh store
  filled with 1,000 instances, untimed) against a batch of 500 around #100,000 (one store filled
  through `engine.start` to 100,000, which keeps growing by a batch per pair). The two are timed
  alternately, several pairs; the verdict is the median of the per-pair cost ratios
  (#100,000 / #1,000), target ≤ 1.2. The baseline is govflow itself at a small size — the fairest
  one there is for a scaling claim.
- **memory**: resident set size (VmRSS) after 1,000 starts and after 100,000. Judged on
  `SQLiteStorage`, where instances and audit events live on disk, so the growth is the engine's
  own (plus SQLite's bounded page cache): target < 50 MB. `MemoryStorage` necessarily keeps every
  instance and audit event in the process, so its growth measures the storage, not the engine;
  it is printed as bytes per instance, for information.

Each storage runs in a fresh child process (``python -m tests.benchmarks.start_scaling --child
KIND ...``), so memory freed by earlier benchmarks (which the allocator reuses, hiding growth) or
held by them does not distort the RSS reading. The clock advances one second per start, so
creation times are realistic and ordered.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from govflow.clock import FakeClock
from govflow.storage import MemoryStorage, SQLiteStorage, Storage
from tests.benchmarks.common import (
    CLERK,
    EPOCH,
    START_DATA,
    Result,
    console,
    make_engine,
    rate,
    rss_bytes,
    timed,
)

NAME = "start_scaling"
SMALL = 1_000
LARGE = 100_000
BATCH = 500
MAX_COST_RATIO = 1.2
MAX_RSS_GROWTH_MB = 50.0
MB = 1024 * 1024
SECOND = timedelta(seconds=1)
ROOT = Path(__file__).resolve().parents[2]


def _open(kind: str, directory: Path, name: str) -> Storage:
    if kind == "memory":
        return MemoryStorage()
    return SQLiteStorage(directory / f"{name}.db")


def _starter(storage: Storage) -> Callable[[int], None]:
    """A function starting `n` instances on `storage`, the clock moving one second per start."""
    clock = FakeClock(EPOCH)
    start = make_engine(storage, clock).start
    advance = clock.advance

    def start_n(n: int) -> None:
        for _ in range(n):
            advance(SECOND)
            start("approval", actor=CLERK, data=START_DATA)

    return start_n


def child(kind: str, large: int, pairs: int, batch: int) -> dict[str, Any]:
    """The measurement for one storage kind, in this (fresh) process; returns the samples."""
    with tempfile.TemporaryDirectory(prefix="govflow-bench-") as tmp:
        directory = Path(tmp)
        big_storage = _open(kind, directory, "large")
        grow = _starter(big_storage)
        grow(SMALL)
        rss_small = rss_bytes()
        fill_seconds, _ = timed(partial(grow, large - SMALL), large - SMALL)
        rss_large = rss_bytes()

        small_costs: list[float] = []
        large_costs: list[float] = []
        for i in range(pairs + 1):  # the first pair is a warm-up
            small_storage = _open(kind, directory, f"small{i}")
            small_start = _starter(small_storage)
            small_start(SMALL)
            runs = [(small_start, small_costs), (grow, large_costs)]
            for start_n, costs in runs if i % 2 == 0 else reversed(runs):
                seconds, n = timed(partial(start_n, batch), batch)
                if i:
                    costs.append(seconds / n)
            small_storage.close()
            for leftover in directory.glob(f"small{i}.db*"):
                leftover.unlink()
        big_storage.close()
    return {
        "kind": kind,
        "large": large,
        "batch": batch,
        "small_costs": small_costs,
        "large_costs": large_costs,
        "rss_small": rss_small,
        "rss_large": rss_large,
        "fill_rate": (large - SMALL) / fill_seconds,
    }


def _spawn(kind: str, large: int, pairs: int, batch: int) -> dict[str, Any]:
    command = [
        sys.executable,
        "-m",
        "tests.benchmarks.start_scaling",
        "--child",
        kind,
        str(large),
        str(pairs),
        str(batch),
    ]
    done = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    return dict(json.loads(done.stdout))


def _results(sample: dict[str, Any], quick: bool) -> list[Result]:
    kind = sample["kind"]
    large = sample["large"]
    small_costs: list[float] = sample["small_costs"]
    large_costs: list[float] = sample["large_costs"]
    ratios = [b / s for s, b in zip(small_costs, large_costs, strict=True)]
    ratio = statistics.median(ratios)
    q = statistics.quantiles(ratios, n=4, method="inclusive") if len(ratios) > 1 else [ratio, ratio, ratio]
    storage = "MemoryStorage" if kind == "memory" else "SQLiteStorage"
    scaled = " (--quick)" if quick else ""
    results = [
        Result(
            benchmark=NAME,
            case=f"{storage}: cost of a start at #{large:,} / at #{SMALL:,}{scaled}",
            baseline=f"at #{SMALL:,}\n{rate(1 / statistics.median(small_costs), 'starts')}",
            subject=f"at #{large:,}\n{rate(1 / statistics.median(large_costs), 'starts')}",
            value=f"{ratio:.2f}× cost",
            spread=f"IQR {q[0]:.2f}–{q[2]:.2f}, {len(ratios)} pairs",
            target=f"≤ {MAX_COST_RATIO:g}× cost",
            passed=ratio <= MAX_COST_RATIO,
            note=f"batches of {sample['batch']}; filled at {sample['fill_rate']:,.0f} starts/s",
        )
    ]
    growth = sample["rss_large"] - sample["rss_small"]
    per_instance = growth / (large - SMALL)
    if kind == "sqlite":
        projected = per_instance * (LARGE - SMALL) / MB
        judged = projected if large < LARGE else growth / MB
        results.append(
            Result(
                benchmark=NAME,
                case=f"SQLiteStorage: RSS growth from #{SMALL:,} to #{large:,} starts{scaled}",
                baseline=f"{sample['rss_small'] / MB:,.1f} MB at #{SMALL:,}",
                subject=f"{sample['rss_large'] / MB:,.1f} MB at #{large:,}",
                value=f"{growth / MB:+,.1f} MB" + (f" (→ {projected:+,.1f} MB at #{LARGE:,})" if large < LARGE else ""),
                spread="one reading",
                target=f"< {MAX_RSS_GROWTH_MB:g} MB",
                passed=judged < MAX_RSS_GROWTH_MB,
                note="instances live on disk, so this is the engine's own growth",
            )
        )
    else:
        results.append(
            Result(
                benchmark=NAME,
                case=f"MemoryStorage: RSS per instance{scaled}",
                baseline=f"{sample['rss_small'] / MB:,.1f} MB at #{SMALL:,}",
                subject=f"{sample['rss_large'] / MB:,.1f} MB at #{large:,}",
                value=f"{per_instance:,.0f} B/instance",
                spread="one reading",
                target="information",
                passed=None,
                note="it keeps every instance and audit event in memory: this measures the storage, not the engine",
            )
        )
    return results


def run(quick: bool) -> list[Result]:
    """Both storages, each in its own child process."""
    large, pairs = (20_000, 7) if quick else (LARGE, 15)
    console.print(
        "[dim]start_scaling: RSS growth is judged on SQLiteStorage (instances on disk, so growth is the "
        "engine's); MemoryStorage holds every instance by design, so its bytes/instance are information.[/]"
    )
    if quick:
        console.print(f"[dim]start_scaling --quick: compares #{SMALL:,} with #{large:,}, not #{LARGE:,}.[/]")
    results: list[Result] = []
    for kind in ("memory", "sqlite"):
        with console.status(f"start_scaling: {kind}, filling to {large:,} instances in a child process"):
            results.extend(_results(_spawn(kind, large, pairs, BATCH), quick))
    return results


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--child":
        print(json.dumps(child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))))
    else:
        sys.exit("usage: python -m tests.benchmarks.start_scaling --child memory|sqlite LARGE PAIRS BATCH")

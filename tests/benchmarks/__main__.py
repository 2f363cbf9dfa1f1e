"""Run the benchmark suite: ``python -m tests.benchmarks [--quick] [--pg URL] [NAME ...]`` from the repo root.

Exit status 1 if any benchmark misses its target, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import sys
import time
from collections.abc import Callable
from importlib.metadata import version

from tests.benchmarks import (
    concurrency,
    fire_memory,
    fire_sqlite,
    profile_fire,
    scoring,
    start_scaling,
    tick_scaling,
)
from tests.benchmarks.common import Result, console, print_results

BENCHMARKS: dict[str, Callable[[bool], list[Result]]] = {
    fire_memory.NAME: fire_memory.run,
    fire_sqlite.NAME: fire_sqlite.run,
    start_scaling.NAME: start_scaling.run,
    tick_scaling.NAME: tick_scaling.run,
    profile_fire.NAME: profile_fire.run,
    concurrency.NAME: concurrency.run,
    scoring.NAME: scoring.run,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks",
        description="govflow benchmarks: each times a baseline and govflow alternately and judges "
        "the median of the per-pair ratios.",
    )
    parser.add_argument("--quick", action="store_true", help="smaller runs (well under a minute in all)")
    parser.add_argument(
        "--pg",
        metavar="URL",
        default=None,
        help="PostgreSQL server for the concurrency benchmark (default: $GOVFLOW_TEST_POSTGRES_URL)",
    )
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"benchmarks to run (default all): {', '.join(BENCHMARKS)}"
    )
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    names = args.names or list(BENCHMARKS)
    if args.pg:
        os.environ["GOVFLOW_TEST_POSTGRES_URL"] = args.pg

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    console.print(
        f"[bold]govflow benchmarks[/] {'(--quick) ' if args.quick else ''}— Python {platform.python_version()}, "
        f"transitions {version('transitions')}, SQLite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs, load {load}"
    )
    began = time.perf_counter()
    results: list[Result] = []
    for name in names:
        console.rule(name)
        t0 = time.perf_counter()
        results.extend(BENCHMARKS[name](args.quick))
        console.print(f"[dim]{name}: {time.perf_counter() - t0:.1f} s[/]")
    if results:
        print_results(results, "govflow benchmarks — rates are medians; ratios are medians of per-pair ratios")
    failed = [r for r in results if r.passed is False]
    console.print(
        f"{len(results)} result lines, [red]{len(failed)} FAIL[/]"
        if failed
        else f"{len(results)} result lines, all PASS",
        f"in {time.perf_counter() - began:.0f} s",
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Shared pieces of the benchmark suite: the flow, paired timing, memory readings, the result table.

Why paired ratios: the machine is shared and noisy, so absolute rates drift between runs and
even within one. Every benchmark therefore times its baseline and govflow alternately in the
same process, in pairs whose order flips each time (A B, B A, ...), and judges the **median of
the per-pair ratios**: a burst of noise slows both halves of a pair, or spoils one pair out of
many, instead of deciding the verdict.
"""

from __future__ import annotations

import gc
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from rich.console import Console
from rich.table import Table

from govflow import Actor, Engine, Instance, State, Transition, Workflow
from govflow.clock import SHANGHAI, FakeClock
from govflow.storage import Storage

console = Console(highlight=False, width=None if sys.stdout.isatty() else 132)
"""Where every benchmark prints (132 columns when the output is captured, e.g. under nox)."""

STATES = ("draft", "submitted", "approved", "archived")
EVENTS = ("submit", "approve", "archive")
"""The architecture's example flow, in firing order (one fire = one transition)."""

CLERK = Actor("alice", roles={"clerk"}, unit="county.office")
LEADER = Actor("bob", roles={"leader"}, unit="county.office")
FIRES = ((EVENTS[0], CLERK), (EVENTS[1], LEADER), (EVENTS[2], CLERK))
"""(event, actor) for each fire of one run through the flow."""

START_DATA = {"title": "关于2026年度县级财政专项资金使用情况的请示", "amount": 125000, "unit": "county.office"}
"""The data every benchmark instance starts with (and the baselines store): ~100 bytes of JSON."""

EPOCH = datetime(2026, 3, 2, 9, tzinfo=SHANGHAI)


def approval_workflow() -> Workflow:
    """The 4-state approval workflow of the architecture's example (审批)."""
    return Workflow(
        name="approval",
        version=1,
        title="审批",
        states=[
            State("draft", "起草", initial=True),
            State("submitted", "已报送"),
            State("approved", "已批准"),
            State("archived", "已归档", final=True),
        ],
        transitions=[
            Transition("submit", source="draft", dest="submitted", roles={"clerk"}),
            Transition("approve", source="submitted", dest="approved", roles={"leader"}),
            Transition("archive", source="approved", dest="archived", roles={"clerk"}),
        ],
    )


def make_engine(storage: Storage, clock: FakeClock | None = None) -> Engine:
    """An engine over `storage` with the approval flow and a stopped clock."""
    return Engine(storage=storage, workflows=[approval_workflow()], clock=clock or FakeClock(EPOCH))


def start_many(engine: Engine, n: int) -> list[str]:
    """Start `n` approval instances; return their ids."""
    return [engine.start("approval", actor=CLERK, data=START_DATA).id for _ in range(n)]


def run_flow(engine: Engine, ids: Sequence[str]) -> Instance | None:
    """Fire submit, approve, archive on every instance (3 fires each); return the last record."""
    fire = engine.fire
    last = None
    for instance_id in ids:
        for event, actor in FIRES:
            last = fire(instance_id, event, actor=actor)
    return last


# -- timing ---------------------------------------------------------------------------------------

Timed = Callable[[], tuple[float, int]]
"""One timed run: does its own untimed set-up, returns (seconds timed, operations timed)."""


@dataclass
class Paired:
    """Samples of alternately timed baseline and subject runs, as operation rates (ops/s)."""

    baseline: list[float] = field(default_factory=list)
    subject: list[float] = field(default_factory=list)

    @property
    def ratios(self) -> list[float]:
        """Subject rate / baseline rate, per pair."""
        return [s / b for b, s in zip(self.baseline, self.subject, strict=True)]

    @property
    def ratio(self) -> float:
        """Median of the per-pair ratios (the verdict's number)."""
        return statistics.median(self.ratios)

    @property
    def baseline_rate(self) -> float:
        return statistics.median(self.baseline)

    @property
    def subject_rate(self) -> float:
        return statistics.median(self.subject)

    @property
    def spread(self) -> tuple[float, float]:
        """The ratio's interquartile range: how much the pairs disagree."""
        if len(self.ratios) < 2:
            return self.ratio, self.ratio
        q = statistics.quantiles(self.ratios, n=4, method="inclusive")
        return q[0], q[2]


def timed(action: Callable[[], object], operations: int) -> tuple[float, int]:
    """Time `action` (garbage collector on, as in production); return (seconds, operations)."""
    start = time.perf_counter()
    action()
    return time.perf_counter() - start, operations


def paired(baseline: Timed, subject: Timed, pairs: int, *, warmup: int = 1) -> Paired:
    """Alternate baseline and subject `pairs` times, flipping the order in each pair.

    `warmup` untimed rounds of each go first (caches, statement cache, branch predictors).
    A collection is forced between runs so one side does not pay for the other's garbage.
    """
    for _ in range(warmup):
        baseline()
        subject()
    result = Paired()
    for i in range(pairs):
        order = ((baseline, result.baseline), (subject, result.subject))
        for run, samples in order if i % 2 == 0 else reversed(order):
            gc.collect()
            seconds, operations = run()
            samples.append(operations / seconds)
    return result


# -- memory ---------------------------------------------------------------------------------------


def rss_bytes() -> int:
    """Current resident set size (VmRSS) of this process, after a full collection."""
    gc.collect()
    try:
        with open(f"/proc/{os.getpid()}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    # No /proc (macOS): only the peak is available, which is what growth from a fresh process is.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if os.uname().sysname == "Darwin" else peak * 1024


# -- results --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """One line of the report.

    `value` is what the target judges (a ratio, or megabytes); `passed` is None for lines that
    are information only.
    """

    benchmark: str
    case: str
    baseline: str
    subject: str
    value: str
    spread: str
    target: str
    passed: bool | None
    note: str = ""


def rate(value: float, unit: str) -> str:
    """A rate as `12,345 unit/s` over `81.0 µs each`."""
    return f"{value:,.0f} {unit}/s\n{1e6 / value:,.1f} µs each"


def ratio_result(
    benchmark: str,
    case: str,
    samples: Paired,
    *,
    baseline_label: str,
    subject_label: str,
    unit: str,
    minimum: float,
) -> Result:
    """A Result judging subject/baseline ≥ `minimum`."""
    low, high = samples.spread
    return Result(
        benchmark=benchmark,
        case=case,
        baseline=f"{baseline_label}\n{rate(samples.baseline_rate, unit)}",
        subject=f"{subject_label}\n{rate(samples.subject_rate, unit)}",
        value=f"{samples.ratio:.2f}×",
        spread=f"IQR {low:.2f}–{high:.2f}, {len(samples.baseline)} pairs",
        target=f"≥ {minimum:g}×",
        passed=samples.ratio >= minimum,
    )


def print_results(results: Sequence[Result], title: str) -> None:
    """The report table."""
    table = Table(title=title, show_lines=True, title_justify="left")
    table.add_column("benchmark / case", ratio=3)
    table.add_column("baseline (median)", ratio=2)
    table.add_column("govflow (median)", ratio=2)
    table.add_column("median ratio", justify="right", ratio=2)
    table.add_column("target", justify="right", no_wrap=True)
    table.add_column("verdict", justify="center", no_wrap=True)
    for r in results:
        verdict = "[dim]info[/]" if r.passed is None else ("[bold green]PASS[/]" if r.passed else "[bold red]FAIL[/]")
        case = f"[bold]{r.benchmark}[/]\n{r.case}" + (f"\n[dim]{r.note}[/]" if r.note else "")
        value = f"[bold]{r.value}[/]\n[dim]{r.spread}[/]"
        table.add_row(case, r.baseline, r.subject, value, r.target, verdict)
    console.print(table)

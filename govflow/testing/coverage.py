"""Transition coverage (覆盖率): which (state, event) pairs a run exercised, and which it missed.

Read from the audit trail, so it covers whatever drove the instances — scenario tests, a
generated test, a week of production — without instrumenting anything.
"""

from __future__ import annotations

from collections import Counter

import attrs

from govflow.definition import Workflow
from govflow.engine import Engine
from govflow.storage.base import Query


@attrs.frozen
class CoverageReport:
    """Counts per (state, event) pair fired, and the pairs of the definition never fired."""

    workflow: str
    version: int
    fired: Counter[tuple[str, str]]
    missed: tuple[tuple[str, str], ...]

    @property
    def ratio(self) -> float:
        """Share of the definition's (state, event) pairs fired at least once."""
        total = len(self.fired) + len(self.missed)
        return len(self.fired) / total if total else 1.0

    def render(self) -> str:
        """A short text table for people."""
        lines = [f"{self.workflow} v{self.version}: {self.ratio:.0%} of transitions exercised"]
        lines += [f"  {state} --{event}--> {count}" for (state, event), count in sorted(self.fired.items())]
        lines += [f"  never: {state} --{event}-->" for state, event in self.missed]
        return "\n".join(lines)


def transition_coverage(engine: Engine, workflow: Workflow) -> CoverageReport:
    """Coverage of `workflow` by every instance of that version in the engine's storage."""
    pairs = {(source, t.event) for t in workflow.transitions for source in workflow.sources(t)}
    fired: Counter[tuple[str, str]] = Counter()
    offset, batch = 0, 500
    while True:
        page = engine.storage.find(Query(workflow=workflow.name, limit=batch, offset=offset))
        for inst in page:
            if inst.workflow_version != workflow.version:
                continue
            for event in engine.storage.history(inst.id):
                if event.kind == "transition" and event.source is not None and (event.source, event.event) in pairs:
                    fired[(event.source, event.event)] += 1
        if len(page) < batch:
            break
        offset += batch
    return CoverageReport(workflow.name, workflow.version, fired, tuple(sorted(pairs - set(fired))))

"""`fire_memory`: `Engine.fire` on `MemoryStorage` against a bare `transitions` trigger.

What is measured: fires per second through the architecture's 4-state approval flow (one fire =
one transition: submit by a clerk, approve by a leader, archive by a clerk). The govflow side
starts a fresh batch of instances untimed, then times `engine.fire` for every step of every
instance — load, role check, shared-machine step, hash-chained audit event, compare-and-set
commit into `MemoryStorage`.

The baseline is the floor govflow is built on: a plain `transitions.Machine` with one model
object (`auto_transitions=False`, the same states and transitions), timed triggering
submit/approve/archive and resetting `model.state` to draft. It has no roles, no audit, no
storage, so it is the cost of the state change alone; the target asks govflow to keep at least
half of that rate with everything else it does. Both sides run in the same process, alternating.
"""

from __future__ import annotations

from transitions import Machine

from govflow.storage import MemoryStorage
from tests.benchmarks.common import (
    EVENTS,
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

NAME = "fire_memory"
TARGET = 0.5


class _Model:
    state: str


def bare_machine() -> _Model:
    """One model bound to a plain `transitions.Machine` of the approval flow."""
    model = _Model()
    Machine(
        model=model,
        states=list(STATES),
        transitions=[[event, STATES[i], STATES[i + 1]] for i, event in enumerate(EVENTS)],
        initial=STATES[0],
        auto_transitions=False,
    )
    return model


def measure(instances: int, pairs: int) -> Paired:
    """Pairs of (bare transitions, govflow) runs of `instances` × 3 fires each."""
    model = bare_machine()
    submit, approve, archive = (getattr(model, event) for event in EVENTS)
    draft = STATES[0]

    def bare() -> None:
        for _ in range(instances):
            submit()
            approve()
            archive()
            model.state = draft

    def baseline() -> tuple[float, int]:
        return timed(bare, 3 * instances)

    def subject() -> tuple[float, int]:
        engine = make_engine(MemoryStorage())
        ids = start_many(engine, instances)
        return timed(lambda: run_flow(engine, ids), 3 * instances)

    return paired(baseline, subject, pairs)


def run(quick: bool) -> list[Result]:
    """Run the benchmark; one result line."""
    instances, pairs = (700, 9) if quick else (2000, 31)
    samples = measure(instances, pairs)
    return [
        ratio_result(
            NAME,
            "fire on MemoryStorage vs bare transitions trigger",
            samples,
            baseline_label="transitions",
            subject_label="govflow",
            unit="fires",
            minimum=TARGET,
        )
    ]

"""Generated property-based tests (生成式测试) for any workflow.

`stateful_test(workflow)` returns a hypothesis `RuleBasedStateMachine` whose rules start
instances, fire events (mostly legal moves, some deliberately illegal), advance a `FakeClock`
across holidays, sweep timers and reopen the engine on the same SQLite file (a restart). After
every step it checks what must hold for every workflow:

* the state is one of the definition's, and a final state never changes;
* an accepted fire moves `revision` by exactly the number of audit events it appended, which
  chain from the old state to the new one; a rejected call changes nothing (state, data,
  revision, audit, timers);
* the audit chain verifies, and replaying it ends in the current state;
* the open timers are exactly those the current state's deadlines and the open obligations call
  for;
* whoever changed a state held one of the transition's roles and broke no separation rule
  (checked independently of the engine for plain roles and the built-in separation rules).

Instance and timer ids are a counter per test case (`govflow.instance.SequentialIds`), not
random, so the same example always drives the same path (children and same-instant timers are
ordered by id).

Use ``MyTest = stateful_test(wf).TestCase`` in pytest. Add invariants of your own with the
returned class's `add_invariant` decorator. Per-transition counts are kept in `fired`, and the
TestCase also asserts every transition fired at least once (turn off with
``require_every_transition=False``).
"""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

import hypothesis
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from govflow import access as ac
from govflow import deadlines as dl
from govflow.actor import Actor
from govflow.calendar import Calendar, china_calendar
from govflow.clock import SHANGHAI, FakeClock
from govflow.definition import Transition, Workflow
from govflow.directory import Directory
from govflow.engine import Engine
from govflow.errors import GovflowError
from govflow.instance import ID_SOURCE, Instance, SequentialIds
from govflow.machine import ancestry
from govflow.storage.sqlite import SQLiteStorage
from govflow.testing.strategies import actors_for, data_for, junk_payloads

COVERAGE_TOP_UP = (2, 4)
"""When the generated test's budget left a transition unfired, the coverage check runs the
machine again with these multiples of the budget before it fails: a transition that is merely
rare gets its turn; one that cannot be reached still fails, after 7 budgets in all."""

UserInvariant = Callable[[Engine, Instance], None]

DEFAULT_START = datetime(2025, 9, 22, 9, tzinfo=SHANGHAI)
"""Where the generated clock starts: a week before the 2025 National Day / Mid-Autumn break, so
advancing the clock crosses holidays and 调休 make-up weekends early."""


class WorkflowMachine(RuleBasedStateMachine):
    """The rules and invariants shared by every generated test (configured by `stateful_test`)."""

    workflow: ClassVar[Workflow]
    extra_workflows: ClassVar[tuple[Workflow, ...]] = ()
    actors: ClassVar[tuple[Actor, ...]]
    start_data: ClassVar[st.SearchStrategy[dict[str, Any]]]
    payloads: ClassVar[Mapping[str, st.SearchStrategy[dict[str, Any]]]] = {}
    start_at: ClassVar[datetime] = DEFAULT_START
    calendar: ClassVar[Calendar]
    directory: ClassVar[Directory | None] = None
    max_instances: ClassVar[int] = 3
    user_invariants: ClassVar[list[UserInvariant]]
    fired: ClassVar[Counter[tuple[str, str]]]

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="govflow-stateful-"))
        self.clock = FakeClock(self.start_at)
        self.engine = self._open()
        self.ids: list[str] = []
        self.finals: dict[str, str] = {}
        self.seen: Counter[tuple[str, str]] = Counter()
        """Transitions fired in this run (guides move choice; replays stay deterministic)."""
        self._ids_token = ID_SOURCE.set(SequentialIds())
        """Ids are a counter per test case (`govflow.instance.id_source`), not random: whatever
        orders by id — children, due timers at the same instant — comes out the same from run to
        run, so one hypothesis example always drives the same path. Reset in `teardown`."""

    def _open(self) -> Engine:
        return Engine(
            storage=SQLiteStorage(self.folder / "generated.db"),
            workflows=[self.workflow, *self.extra_workflows],
            clock=self.clock,
            calendar=self.calendar,
            directory=self.directory,
        )

    def teardown(self) -> None:
        """Close the storage, remove the temporary database and restore the id source."""
        self.engine.storage.close()
        shutil.rmtree(self.folder, ignore_errors=True)
        ID_SOURCE.reset(self._ids_token)

    @classmethod
    def add_invariant(cls, check: UserInvariant) -> UserInvariant:
        """Decorator: also check `check(engine, instance)` for every instance after every step."""
        cls.user_invariants.append(check)
        return check

    def _may_start(self) -> bool:
        """Fewer than `max_instances` cases in flight, and at most four times that in all: a
        run whose cases all ended early starts new ones instead of idling on closed cases."""
        in_flight = sum(1 for i in self.ids if i not in self.finals)
        return in_flight < self.max_instances and len(self.ids) < 4 * self.max_instances

    # -- snapshots ---------------------------------------------------------------------------

    def _snapshot(self, instance_id: str) -> tuple[Any, ...]:
        return (
            self.engine.get(instance_id),
            self.engine.history(instance_id),
            self.engine.timers(instance_id),
        )

    # -- rules -------------------------------------------------------------------------------

    @precondition(lambda self: self._may_start())
    @rule(data=st.data())
    def start(self, data: st.DataObject) -> None:
        """Start an instance with drawn data, as an actor allowed to start (or anyone)."""
        values = data.draw(self.start_data, label="start data")
        actor = data.draw(st.sampled_from(self.actors), label="starter")
        try:
            inst = self.engine.start(self.workflow.name, actor=actor, data=values, unit=actor.unit or "unit.a")
        except GovflowError:
            return
        self.ids.append(inst.id)

    @precondition(lambda self: bool(self.ids))
    @rule(data=st.data())
    def fire(self, data: st.DataObject) -> None:
        """Fire an event: usually one someone may fire now, sometimes anything at all."""
        self._fire(data)

    @precondition(lambda self: bool(self.ids))
    @rule(data=st.data(), steps=st.integers(2, 6))
    def walk(self, data: st.DataObject, steps: int) -> None:
        """Several fires in a row, so runs reach deep into long workflows within the budget."""
        for _ in range(steps):
            self._fire(data)

    def _fire(self, data: st.DataObject) -> None:
        open_ids = [i for i in self.ids if i not in self.finals]
        prefer_open = bool(open_ids) and data.draw(st.integers(0, 9), label="open case?") > 0
        pool_ids = open_ids if prefer_open else self.ids
        instance_id = data.draw(st.sampled_from(pool_ids), label="instance")
        state = self.engine.get(instance_id).state
        legal = [(actor, event) for actor in self.actors for event in self.engine.available(instance_id, actor)]
        if legal and data.draw(st.integers(0, 9), label="legal?") < 8:
            # Coverage-guided: mostly the moves fired least so far, so every transition gets its turn.
            least = min(self.seen[(state, event)] for _, event in legal)
            rare = [(actor, event) for actor, event in legal if self.seen[(state, event)] == least]
            pool = rare if data.draw(st.integers(0, 5), label="rare?") else legal
            # The event first, then who fires it: otherwise the first actor listed wins every visit.
            event = data.draw(st.sampled_from(sorted({e for _, e in pool})), label="event")
            actor = data.draw(st.sampled_from([a for a, e in pool if e == event]), label="actor")
            payload = data.draw(self.payloads.get(event, st.just({})), label="payload")
            justification = data.draw(st.sampled_from([None, "特殊情况，已报批"]), label="justification")
        else:
            actor = data.draw(st.sampled_from(self.actors), label="actor")
            event = data.draw(st.sampled_from([*self.workflow.events, "no_such_event"]), label="event")
            payload = data.draw(st.one_of(self.payloads.get(event, st.just({})), junk_payloads()), label="payload")
            justification = None
        before = self._snapshot(instance_id)
        try:
            after = self.engine.fire(instance_id, event, actor=actor, payload=payload, justification=justification)
        except GovflowError:
            assert self._snapshot(instance_id) == before, f"a rejected {event!r} changed the instance"
            return
        self._check_accepted(before, after, actor, event)

    @rule(days=st.integers(0, 40), hours=st.integers(0, 23))
    def advance_clock(self, days: int, hours: int) -> None:
        """Let time pass (across weekends, holidays and 调休 make-up days)."""
        self.clock.advance(days=days, hours=hours)

    @rule()
    def tick(self) -> None:
        """Sweep due timers; a second sweep straight after finds nothing."""
        self.engine.tick()
        assert self.engine.tick() == [], "a second sweep at the same instant acted again"

    @rule()
    def restart(self) -> None:
        """Close the engine and open a new one on the same database file."""
        self.engine.storage.close()
        self.engine = self._open()

    # -- checks ------------------------------------------------------------------------------

    def _check_accepted(self, before: tuple[Any, ...], after: Instance, actor: Actor, event: str) -> None:
        old: Instance = before[0]
        history = self.engine.history(after.id)
        new = history[len(before[1]) :]
        assert new, f"{event!r} was accepted but wrote no audit event"
        assert after.revision - old.revision == len(new), "revision must move by the number of new audit events"
        assert new[0].event == event and new[0].source == old.state, "the first new event is not the fired one"
        state = old.state
        for record in new:
            assert record.source == state, "the new events do not chain from state to state"
            state = record.dest
            if record.kind == "transition":
                self._check_authorised(old, record.event, record.source or "", actor, before[1])
                self.fired[(record.source or "", record.event)] += 1
                self.seen[(record.source or "", record.event)] += 1
        assert state == after.state

    def _check_authorised(
        self, instance: Instance, event: str, source: str, actor: Actor, history: Sequence[Any]
    ) -> None:
        """An oracle independent of the engine, for plain roles and built-in separation rules."""
        candidates = [t for t in self.workflow.transitions if t.event == event and source in self.workflow.sources(t)]
        assert candidates, f"{event!r} fired from {source!r}, which the definition does not allow"
        if not any(_plain(t) for t in candidates):
            return
        allowed = False
        for t in candidates:
            roles = {r for r in t.roles if isinstance(r, str)}
            if not ("*" in roles or actor.roles & roles):
                continue
            broken = [rule for rule in t.separation if _violates(rule, instance, actor, history)]
            if not broken:
                allowed = True
        assert allowed, f"{actor.id!r} fired {event!r} without a role or against a separation rule"

    @invariant()
    def states_are_defined_and_finals_absorbing(self) -> None:
        """Every state is the definition's; a final state never changes."""
        names = {s.name for s in self.workflow.leaves}
        for instance_id in self.ids:
            inst = self.engine.get(instance_id)
            assert inst.state in names, f"unknown state {inst.state!r}"
            if instance_id in self.finals:
                assert inst.state == self.finals[instance_id], "a final state changed"
            elif inst.state in self.workflow.final_states:
                self.finals[instance_id] = inst.state

    @invariant()
    def audit_chains_verify(self) -> None:
        """Every chain verifies, and replays to the current state."""
        for instance_id in self.ids:
            self.engine.verify(instance_id)

    @invariant()
    def timers_match_the_definition(self) -> None:
        """Open timers are exactly those the current state and the open obligations call for."""
        for instance_id in self.ids:
            inst = self.engine.get(instance_id)
            expected_state, expected_obligations = _expected_timers(
                self.workflow, inst, self.engine.history(instance_id)
            )
            open_timers = [t for t in self.engine.timers(instance_id) if t.action != "remind"]
            active = (None, *ancestry(inst.state))
            stray = [t.name for t in open_timers if t.state not in active]
            assert not stray, f"timers {stray} still armed after leaving their state"
            by_state = {(t.state, t.name) for t in open_timers if t.state is not None}
            assert by_state == expected_state, f"open deadlines {sorted(by_state)}, expected {sorted(expected_state)}"
            obligations = {t.name for t in open_timers if t.state is None and t.action != "milestone"}
            assert obligations == expected_obligations, (
                f"open obligations {sorted(obligations)}, expected {sorted(expected_obligations)}"
            )

    @invariant()
    def user_defined(self) -> None:
        """The invariants added with `add_invariant`."""
        for check in self.user_invariants:
            for instance_id in self.ids:
                check(self.engine, self.engine.get(instance_id))


def _plain(t: Transition) -> bool:
    return all(isinstance(r, str) for r in t.roles)


def _violates(rule: ac.Separation, instance: Instance, actor: Actor, history: Sequence[Any]) -> bool:
    if isinstance(rule, ac.NotInitiator):
        return instance.created_by == actor.id
    if isinstance(rule, ac.NotActorOf):
        return any(e.event in rule.events and e.actor == actor.id for e in history)
    if isinstance(rule, ac.NotSubject):
        value = instance.data.get(rule.field)
        return actor.id in (value if isinstance(value, list) else [value])
    return False  # unit-based and custom rules: trusted to the engine


def _expected_timers(
    workflow: Workflow, inst: Instance, history: Sequence[Any]
) -> tuple[set[tuple[str, str]], set[str]]:
    """((state, deadline) pairs the current state and the compound states around it should have
    open, obligation names that should be open)."""
    expected: set[tuple[str, str]] = set()
    for node in ancestry(inst.state):
        inside = set(workflow.inside(node))
        entry = max((i for i, e in enumerate(history) if e.dest in inside and e.source not in inside), default=0)
        since = history[entry + 1 :]
        failed: set[Any] = set()  # parked timers, unless an operator re-armed them since
        for e in since:
            if e.event == "timer_failed":
                failed.add(e.detail.get("timer"))
            elif e.event == "timer_rearmed":
                failed.discard(e.detail.get("timer"))
        for spec in workflow.state(node).all_deadlines():
            if isinstance(spec, dl.Recurring):
                expected.add((node, spec.name))
                continue
            met = any(e.event == spec.satisfied_by and e.source in inside for e in since)
            if not met and spec.name not in failed:
                expected.add((node, spec.name))
    obligations: dict[str, dl.Deadline] = {}
    open_now: set[str] = set()
    for record in history:
        if record.kind != "transition":
            continue
        for t in workflow.transitions:
            if t.event == record.event and record.source in workflow.sources(t) and _lands(workflow, t, record.dest):
                for ob in t.opens:
                    obligations[ob.name] = ob
                    open_now.add(ob.name)
        for name, ob in obligations.items():
            if ob.satisfied_by == record.event and name in open_now and not _opens(workflow, record, name):
                open_now.discard(name)
    return expected, open_now


def _lands(workflow: Workflow, t: Transition, dest: str) -> bool:
    """Whether `t` can land in leaf `dest` (its destination's entry, or any sub-state it resumes)."""
    return dest in workflow.inside(t.dest) if t.history else workflow.entry(t.dest) == dest


def _opens(workflow: Workflow, record: Any, name: str) -> bool:
    return any(
        t.event == record.event and _lands(workflow, t, record.dest) and any(ob.name == name for ob in t.opens)
        for t in workflow.transitions
    )


def stateful_test(
    workflow: Workflow,
    *,
    actors: Sequence[Actor] | None = None,
    data: st.SearchStrategy[dict[str, Any]] | None = None,
    payloads: Mapping[str, st.SearchStrategy[dict[str, Any]]] | None = None,
    start_at: datetime = DEFAULT_START,
    calendar: Calendar | None = None,
    directory: Directory | None = None,
    workflows: Sequence[Workflow] = (),
    max_instances: int = 3,
    require_every_transition: bool = True,
) -> type[WorkflowMachine]:
    """A generated `RuleBasedStateMachine` for `workflow`; use its `.TestCase` in pytest.

    `actors` defaults to two holders of every role plus an outsider; `data` draws start data
    (default: from the workflow's schema); `payloads` maps events to payload strategies;
    `calendar` defaults to the PRC calendar, provisional beyond the years it covers; `workflows`
    registers others the workflow needs (children).
    """
    machine: type[WorkflowMachine] = type(
        f"Generated_{workflow.name}_v{workflow.version}",
        (WorkflowMachine,),
        {
            "workflow": workflow,
            "extra_workflows": tuple(workflows),
            "actors": tuple(actors if actors is not None else actors_for(workflow)),
            "start_data": data if data is not None else data_for(workflow.schema),
            "payloads": dict(payloads or {}),
            "start_at": start_at,
            "calendar": calendar if calendar is not None else china_calendar(provisional=True),
            "directory": directory,
            "max_instances": max_instances,
            "user_invariants": [],
            "fired": Counter(),
        },
    )
    base_case: type = machine.TestCase

    def test_state_machine(self: Any) -> None:
        # pytest collects test* methods only, so the state machine's own runTest is called here.
        self.runTest()

    def test_every_transition_fired(self: Any) -> None:
        pairs = {(source, t.event) for t in workflow.transitions for source in workflow.sources(t)}
        missing = sorted(pairs - set(machine.fired))
        for factor in COVERAGE_TOP_UP if require_every_transition else ():
            if not missing:
                break
            # The budget's examples missed a rare move: run more (derandomized, so the extra
            # examples are the same on every run) before calling a transition unreachable.
            top_up = hypothesis.settings(
                self.settings, max_examples=factor * self.settings.max_examples, derandomize=True
            )
            run_state_machine_as_test(machine, settings=top_up)
            missing = sorted(pairs - set(machine.fired))
        print(f"\n{workflow.name} v{workflow.version}: transitions fired by the generated test")
        for (source, event), count in sorted(machine.fired.items()):
            print(f"  {source:>20} --{event}--> {count}")
        if require_every_transition:
            assert not missing, f"never fired successfully: {missing} ({_missing_hint(workflow, missing)})"

    # Shadow hypothesis' TestCase property with a subclass that also reports transition coverage.
    checked = type(
        "TestCase",
        (base_case,),
        {"test_state_machine": test_state_machine, "test_zz_every_transition_fired": test_every_transition_fired},
    )
    setattr(machine, "TestCase", checked)  # noqa: B010 - assigning would fight the property's declared type
    return machine


def _missing_hint(workflow: Workflow, missing: list[tuple[str, str]]) -> str:
    """What to look at when transitions never fired: guards reading the payload without
    ``on_payload=True`` first (the moves are drawn from `available()`, which has no payload)."""
    from govflow.checks import payload_fields_read

    events = {event for _, event in missing}
    suspects = sorted(
        {
            f"guard {g.name!r} on {t.event!r} reads the payload but is not on_payload=True"
            for t in workflow.transitions
            if t.event in events
            for g in (*t.guards, *t.soft_guards)
            if not g.on_payload and payload_fields_read(g)
        }
    )
    if suspects:
        return "; ".join(suspects) + " — available() has no payload, so the event is never offered"
    return "give better data/payload strategies or actors"

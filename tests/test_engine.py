"""Engine behaviour on every adapter: the contract's methods, rules, and rejections that write nothing."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from typing import Any

import attrs
import pytest
from conftest import ALICE, BOB, approval_workflow

from govflow import Actor, Engine, GuardContext, State, Transition, Workflow, effect, guard
from govflow.clock import SHANGHAI, FakeClock
from govflow.effects import EffectContext
from govflow.errors import (
    ConcurrentModification,
    GovflowError,
    GuardRejected,
    InstanceNotFound,
    InvalidData,
    JustificationRequired,
    NaiveDatetime,
    PermissionDenied,
    TransitionNotAllowed,
    UnknownEvent,
    UnknownWorkflow,
)
from govflow.storage import Storage


def snapshot(engine: Engine, instance_id: str) -> tuple[Any, ...]:
    """Everything a rejected call must leave untouched."""
    inst = engine.get(instance_id)
    return (inst, engine.history(instance_id), engine.storage.timers(instance_id))


def test_contract_walkthrough(engine: Engine, clock: FakeClock) -> None:
    inst = engine.start("approval", actor=ALICE, data={"title": "关于春耕的请示"})
    assert (inst.state, inst.revision, inst.unit, inst.workflow_version) == ("draft", 1, "county.office", 1)
    clock.advance(hours=1)
    inst = engine.fire(inst.id, "submit", actor=ALICE)
    assert (inst.state, inst.revision) == ("submitted", 2)
    assert engine.available(inst.id, ALICE) == []
    assert engine.available(inst.id, BOB) == ["approve"]
    inst = engine.fire(inst.id, "approve", actor=BOB)
    inst = engine.fire(inst.id, "archive", actor=ALICE)
    assert engine.get(inst.id) == inst
    history = engine.history(inst.id)
    assert [(e.seq, e.event, e.source, e.dest, e.actor) for e in history] == [
        (1, "start", None, "draft", "alice"),
        (2, "submit", "draft", "submitted", "alice"),
        (3, "approve", "submitted", "approved", "bob"),
        (4, "archive", "approved", "archived", "alice"),
    ]
    assert history[1].roles == ("clerk",)
    assert history[1].at == datetime(2026, 3, 2, 10, tzinfo=SHANGHAI)
    assert history[0].payload == {"title": "关于春耕的请示"}
    assert all(e.prev_hash == p.hash for p, e in itertools.pairwise(history))
    assert inst.head == history[-1].hash
    engine.verify(inst.id)


@pytest.mark.parametrize(
    ("event", "actor", "error", "text"),
    [
        ("approve", ALICE, PermissionDenied, "needs one of the roles {leader}, the actor holds {clerk}"),
        ("archive", ALICE, TransitionNotAllowed, "not allowed in state 'submitted'"),
        ("teleport", BOB, UnknownEvent, "has no event 'teleport'"),
    ],
)
def test_rejections_write_nothing(engine: Engine, event: str, actor: Actor, error: type[Exception], text: str) -> None:
    inst = engine.fire(engine.start("approval", actor=ALICE).id, "submit", actor=ALICE)
    before = snapshot(engine, inst.id)
    with pytest.raises(error, match=text.replace("{", r"\{").replace("}", r"\}")):
        engine.fire(inst.id, event, actor=actor)
    assert snapshot(engine, inst.id) == before


def test_unknown_workflow_and_instance(engine: Engine) -> None:
    with pytest.raises(UnknownWorkflow, match=r"unknown workflow 'nope' \(registered: approval v1\)"):
        engine.start("nope", actor=ALICE)
    with pytest.raises(InstanceNotFound):
        engine.fire("missing", "submit", actor=ALICE)
    with pytest.raises(InstanceNotFound):
        engine.history("missing")
    with pytest.raises(InvalidData, match="actor must be a govflow Actor"):
        engine.start("approval", actor="alice")  # type: ignore[arg-type]


def test_stale_revision_is_refused(engine: Engine) -> None:
    inst = engine.start("approval", actor=ALICE)
    engine.fire(inst.id, "submit", actor=ALICE, expected_revision=1)
    before = snapshot(engine, inst.id)
    with pytest.raises(ConcurrentModification, match="expected revision 1, it is at revision 2"):
        engine.fire(inst.id, "approve", actor=BOB, expected_revision=1)
    assert snapshot(engine, inst.id) == before


# --- rules ------------------------------------------------------------------------------------


@attrs.frozen
class Trip:
    """A test schema: a delegation abroad."""

    members: list[str]
    countries: list[str]
    depart: date
    opinion: str = ""


@guard("test_engine.group_size", "a delegation has at most 6 members", source="seed 003 L92")
def group_size(ctx: GuardContext) -> bool:
    return len(ctx.model.members) <= 6


@guard("test_engine.countries", "at most 2 countries", source="seed 003 L92")
def countries(ctx: GuardContext) -> bool | str:
    n = len(ctx.data["countries"])
    return n <= 2 or f"{n} countries planned, at most 2 allowed"


@guard("test_engine.short_notice", "filed at least 21 days before departure (如无特殊情况)", source="seed 003 L104")
def lead_time(ctx: GuardContext) -> bool:
    return (ctx.model.depart - ctx.now.date()).days >= 21


@guard("test_engine.opinion", "an approval needs a written opinion", on_payload=True)
def has_opinion(ctx: GuardContext) -> bool:
    return bool(ctx.payload.get("opinion"))


@attrs.frozen
class Opinion:
    opinion: str


@effect("test_engine.count_rounds", "count review rounds and auto-file after approval")
def file_after_approval(ctx: EffectContext) -> None:
    ctx.data["opinion"] = "filed"
    ctx.raise_event("file")


TRIP = Workflow(
    name="trip",
    version=1,
    title="出访",
    schema=Trip,
    index=("members",),
    states=[
        State("drafting", "拟报", initial=True),
        State("reviewing", "审核中"),
        State("approved", "已批准"),
        State("filed", "已备案", final=True),
        State("rejected", "不予批准", final=True),
    ],
    transitions=[
        Transition(
            "submit",
            source="drafting",
            dest="reviewing",
            roles={"clerk"},
            guards=[group_size, countries],
            soft_guards=[lead_time],
        ),
        Transition(
            "approve",
            source="reviewing",
            dest="approved",
            roles={"leader"},
            guards=[has_opinion],
            payload_schema=Opinion,
            effects=[file_after_approval],
        ),
        Transition("reject", source="reviewing", dest="rejected", roles={"leader"}),
        Transition("amend", source="drafting", dest="drafting", roles={"clerk"}),
        Transition("file", source="approved", dest="filed", roles={"leader"}),
    ],
)


@pytest.fixture
def trips(storage: Storage, clock: FakeClock) -> Engine:
    return Engine(storage=storage, workflows=[TRIP], clock=clock)


def trip_data(n: int = 3, countries: int = 1, depart: str = "2026-05-01") -> dict[str, Any]:
    return {"members": [f"p{i}" for i in range(n)], "countries": ["FR", "DE", "IT"][:countries], "depart": depart}


def test_hard_guards_report_every_failed_reason(trips: Engine) -> None:
    inst = trips.start("trip", actor=ALICE, data=trip_data(n=7, countries=3))
    before = snapshot(trips, inst.id)
    with pytest.raises(GuardRejected) as err:
        trips.fire(inst.id, "submit", actor=ALICE)
    assert err.value.reasons == (
        "a delegation has at most 6 members (seed 003 L92)",
        "3 countries planned, at most 2 allowed (seed 003 L92)",
    )
    assert snapshot(trips, inst.id) == before


def test_soft_guard_needs_a_justification_which_is_recorded(trips: Engine) -> None:
    inst = trips.start("trip", actor=ALICE, data=trip_data(depart="2026-03-10"))
    before = snapshot(trips, inst.id)
    with pytest.raises(JustificationRequired, match="filed at least 21 days before departure"):
        trips.fire(inst.id, "submit", actor=ALICE)
    assert snapshot(trips, inst.id) == before
    assert trips.available(inst.id, ALICE) == ["submit", "amend"]
    inst = trips.fire(inst.id, "submit", actor=ALICE, justification="市领导交办的紧急出访任务")
    event = trips.history(inst.id)[-1]
    assert event.justification == "市领导交办的紧急出访任务"
    assert event.overrides == ("test_engine.short_notice",)
    with pytest.raises(InvalidData, match="justification must be a non-empty text"):
        trips.fire(inst.id, "reject", actor=BOB, justification="   ")


def test_payload_updates_data_and_is_validated(trips: Engine) -> None:
    inst = trips.start("trip", actor=ALICE, data=trip_data())
    inst = trips.fire(inst.id, "amend", actor=ALICE, payload={"members": ["p0", "p1"]})
    assert inst.data["members"] == ["p0", "p1"]
    assert trips.history(inst.id)[-1].payload == {"members": ["p0", "p1"]}
    before = snapshot(trips, inst.id)
    with pytest.raises(InvalidData) as err:
        trips.fire(inst.id, "amend", actor=ALICE, payload={"members": "p0", "budget": 5})
    text = str(err.value)
    assert "$.members" in text and "extra fields found (budget)" in text
    with pytest.raises(InvalidData, match="must be a mapping"):
        trips.fire(inst.id, "amend", actor=ALICE, payload=["x"])  # type: ignore[arg-type]
    assert snapshot(trips, inst.id) == before


def test_malformed_start_data_writes_nothing(trips: Engine) -> None:
    with pytest.raises(InvalidData) as err:
        trips.start("trip", actor=ALICE, data={"members": [1], "countries": [], "depart": "not a date"})
    assert "$.members[0]" in str(err.value) and "$.depart" in str(err.value)
    assert trips.count("trip") == 0


def test_payload_schema_and_follow_up_events_run_to_completion(trips: Engine) -> None:
    inst = trips.start("trip", actor=ALICE, data=trip_data())
    inst = trips.fire(inst.id, "submit", actor=ALICE)
    assert trips.available(inst.id, BOB) == ["approve", "reject"]  # the opinion comes with the event
    with pytest.raises(GuardRejected, match="needs a written opinion"):
        trips.fire(inst.id, "approve", actor=BOB, payload={"opinion": ""})
    with pytest.raises(InvalidData, match="payload of 'approve'"):
        trips.fire(inst.id, "approve", actor=BOB, payload={"opinion": 3})
    inst = trips.fire(inst.id, "approve", actor=BOB, payload={"opinion": "同意"})
    assert inst.state == "filed"
    assert inst.data["opinion"] == "filed"
    assert [(e.event, e.dest, e.payload) for e in trips.history(inst.id)[-2:]] == [
        ("approve", "approved", {"opinion": "同意"}),
        ("file", "filed", {}),
    ]
    assert inst.revision == 4 == len(trips.history(inst.id))
    trips.verify(inst.id)


def test_follow_up_that_fails_rolls_back_the_whole_fire(storage: Storage, clock: FakeClock) -> None:
    @effect("test_engine.bad_follow_up")
    def bad(ctx: EffectContext) -> None:
        ctx.raise_event("close")

    wf = Workflow(
        name="chain",
        version=1,
        states=[State("a", initial=True), State("b"), State("c", final=True)],
        transitions=[
            Transition("go", source="a", dest="b", roles={"clerk"}, effects=[bad]),
            Transition("close", source="b", dest="c", roles={"leader"}),
        ],
    )
    engine = Engine(storage=storage, workflows=[wf], clock=clock)
    inst = engine.start("chain", actor=ALICE)
    before = snapshot(engine, inst.id)
    with pytest.raises(PermissionDenied, match="'close'"):
        engine.fire(inst.id, "go", actor=ALICE)
    assert snapshot(engine, inst.id) == before


def test_runaway_follow_ups_are_stopped(storage: Storage, clock: FakeClock) -> None:
    @effect("test_engine.loop")
    def loop(ctx: EffectContext) -> None:
        ctx.raise_event("spin")

    wf = Workflow(
        name="loop",
        version=1,
        states=[State("a", initial=True), State("z", final=True)],
        transitions=[
            Transition("spin", source="a", dest="a", roles={"clerk"}, effects=[loop]),
            Transition("stop", source="a", dest="z", roles={"clerk"}),
        ],
    )
    engine = Engine(storage=storage, workflows=[wf], clock=clock)
    inst = engine.start("loop", actor=ALICE)
    with pytest.raises(GovflowError, match="follow-up events; the workflow loops"):
        engine.fire(inst.id, "spin", actor=ALICE)
    assert engine.get(inst.id).revision == 1


def test_versions_are_pinned(storage: Storage, clock: FakeClock) -> None:
    v1 = approval_workflow(1)
    engine = Engine(storage=storage, workflows=[v1], clock=clock)
    old = engine.start("approval", actor=ALICE)
    v2 = attrs.evolve(
        v1,
        version=2,
        transitions=[
            Transition("submit", source="draft", dest="submitted", roles={"clerk"}),
            Transition("approve", source="submitted", dest="approved", roles={"director"}),
            Transition("archive", source="approved", dest="archived", roles={"clerk"}),
        ],
    )
    engine.register(v2)
    new = engine.start("approval", actor=ALICE)
    assert (old.workflow_version, new.workflow_version) == (1, 2)
    old = engine.fire(engine.fire(old.id, "submit", actor=ALICE).id, "approve", actor=BOB)
    assert old.state == "approved"
    engine.fire(new.id, "submit", actor=ALICE)
    with pytest.raises(PermissionDenied, match="director"):
        engine.fire(new.id, "approve", actor=BOB)
    # A fresh engine that only knows v2 cannot silently drive v1 instances.
    only_v2 = Engine(storage=storage, workflows=[v2], clock=clock)
    with pytest.raises(UnknownWorkflow, match="approval v1"):
        only_v2.fire(old.id, "archive", actor=ALICE)
    with pytest.raises(GovflowError, match="already registered with a different definition"):
        engine.register(attrs.evolve(v2, title="changed"))


def test_find_and_count_use_indexed_fields(trips: Engine, clock: FakeClock) -> None:
    a = trips.start("trip", actor=ALICE, data=trip_data(n=2))
    clock.advance(days=1)
    b = trips.start("trip", actor=ALICE, data={**trip_data(n=1), "members": ["p1"]}, unit="district.a")
    trips.fire(b.id, "amend", actor=ALICE, payload={"members": ["p9"]})
    assert [i.id for i in trips.find("trip", where={"members": "p1"})] == [a.id]
    assert [i.id for i in trips.find("trip", where={"members": "p9"})] == [b.id]
    assert trips.count("trip", unit="district.a") == 1
    assert trips.count("trip", state="drafting") == 2
    assert [i.id for i in trips.find("trip", created_from=clock.now())] == [b.id]
    assert [i.id for i in trips.find("trip", limit=1, offset=1)] == [b.id]
    with pytest.raises(InvalidData, match="not indexed"):
        trips.find("trip", where={"depart": "2026-05-01"})
    with pytest.raises(NaiveDatetime):
        trips.find("trip", created_from=datetime(2026, 1, 1))


def test_inbox_lists_what_an_actor_can_do(engine: Engine) -> None:
    one = engine.fire(engine.start("approval", actor=ALICE).id, "submit", actor=ALICE)
    two = engine.start("approval", actor=ALICE)
    assert [(i.instance.id, i.events) for i in engine.inbox(BOB)] == [(one.id, ("approve",))]
    assert [(i.instance.id, i.events) for i in engine.inbox(ALICE)] == [(two.id, ("submit",))]
    assert engine.inbox(Actor("carol", roles={"auditor"})) == []


def test_start_roles_are_enforced(storage: Storage, clock: FakeClock) -> None:
    wf = attrs.evolve(approval_workflow(), start_roles={"clerk"})
    engine = Engine(storage=storage, workflows=[wf], clock=clock)
    with pytest.raises(PermissionDenied, match="starting 'approval' needs one of the roles"):
        engine.start("approval", actor=BOB)
    assert engine.count("approval") == 0


def test_naive_clock_is_refused(storage: Storage, approval: Workflow) -> None:
    class Naive:
        def now(self) -> datetime:
            return datetime(2026, 1, 1)

    engine = Engine(storage=storage, workflows=[approval], clock=Naive())
    with pytest.raises(NaiveDatetime):
        engine.start("approval", actor=ALICE)


def test_fake_clock_only_moves_forward(clock: FakeClock) -> None:
    start = clock.now()
    assert clock.advance(days=2) == start + timedelta(days=2)
    with pytest.raises(ValueError, match="only moves forward"):
        clock.advance(timedelta(seconds=-1))
    with pytest.raises(NaiveDatetime):
        FakeClock(datetime(2026, 1, 1))


def test_effect_edits_of_a_rejected_fire_leave_stored_data_alone(storage: Storage, clock: FakeClock) -> None:
    @effect("test_engine.scribble")
    def scribble(ctx: EffectContext) -> None:
        ctx.data["x"] = 99
        ctx.raise_event("close")

    wf = Workflow(
        name="scribble",
        version=1,
        states=[State("a", initial=True), State("b"), State("c", final=True)],
        transitions=[
            Transition("go", source="a", dest="b", roles={"clerk"}, effects=[scribble]),
            Transition("close", source="b", dest="c", roles={"leader"}),
        ],
    )
    engine = Engine(storage=storage, workflows=[wf], clock=clock)
    inst = engine.start("scribble", actor=ALICE, data={"x": 1})
    with pytest.raises(PermissionDenied):
        engine.fire(inst.id, "go", actor=ALICE)
    assert engine.get(inst.id).data == {"x": 1}


def test_fire_retrying_reloads_after_a_lost_race(storage: Storage, clock: FakeClock, approval: Workflow) -> None:
    engine = Engine(storage=storage, workflows=[approval], clock=clock)
    inst = engine.start("approval", actor=ALICE)
    real_commit = storage.commit
    calls = {"n": 0}

    def commit_losing_first(change: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 1:  # someone else commits first: our compare-and-set loses
            real_commit(attrs.evolve(change, events=change.events))
            raise ConcurrentModification(change.instance.id, change.expected_revision, change.instance.revision)
        real_commit(change)

    storage.commit = commit_losing_first  # type: ignore[method-assign]
    try:
        # The first try "loses" after the other writer submitted; the retry re-reads the instance
        # and finds submit no longer allowed in 'submitted' — re-checked, not blindly re-applied.
        with pytest.raises(TransitionNotAllowed):
            engine.fire_retrying(inst.id, "submit", actor=ALICE, attempts=3)
    finally:
        storage.commit = real_commit  # type: ignore[method-assign]
    assert engine.get(inst.id).revision == 2
    with pytest.raises(InvalidData, match=r"attempts must be from 1 to 100 \(inclusive\), not 0"):
        engine.fire_retrying(inst.id, "approve", actor=BOB, attempts=0)
    with pytest.raises(InvalidData, match="attempts must be a whole number, got str"):
        engine.fire_retrying(inst.id, "approve", actor=BOB, attempts="3")  # type: ignore[arg-type]
    assert engine.fire_retrying(inst.id, "approve", actor=BOB).state == "approved"


def test_start_guards_hard_and_soft(storage: Storage, clock: FakeClock) -> None:
    @guard("test_engine.not_sanctioned", "the unit is barred from organising trips for 1 year", source="seed 003 L145")
    def not_sanctioned(ctx: GuardContext) -> bool:
        return ctx.actor.unit != "banned.unit"

    @guard("test_engine.in_plan", "off-plan groups are, in principle, not approved", source="seed 003 L85")
    def in_plan(ctx: GuardContext) -> bool:
        return bool(ctx.data.get("in_plan"))

    wf = attrs.evolve(approval_workflow(), start_guards=[not_sanctioned], start_soft_guards=[in_plan])
    engine = Engine(storage=storage, workflows=[wf], clock=clock)
    with pytest.raises(GuardRejected, match="barred from organising trips"):
        engine.start("approval", actor=Actor("x", roles={"clerk"}, unit="banned.unit"), data={"in_plan": True})
    with pytest.raises(JustificationRequired, match="off-plan"):
        engine.start("approval", actor=ALICE, data={"in_plan": False})
    assert engine.count("approval") == 0
    inst = engine.start("approval", actor=ALICE, data={"in_plan": False}, justification="市领导临时交办")
    first = engine.history(inst.id)[0]
    assert (first.justification, first.overrides) == ("市领导临时交办", ("test_engine.in_plan",))
    assert Workflow.from_json(wf.to_json()) == wf

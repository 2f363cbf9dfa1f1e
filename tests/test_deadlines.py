"""Deadlines: durable timers armed with the state, swept by tick, on the PRC calendar."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import attrs
import pytest

from govflow import Actor, Engine, State, Transition, Workflow
from govflow.calendar import NaturalCalendar, YearSchedule, china_calendar
from govflow.clock import SHANGHAI, FakeClock
from govflow.deadlines import (
    BeforeField,
    ByDate,
    Days,
    Deadline,
    Escalate,
    FireEvent,
    FromField,
    Months,
    Recurring,
    Weeks,
    WorkingDays,
)
from govflow.errors import CalendarError, DefinitionError, GuardRejected, InvalidData
from govflow.storage import SQLiteStorage, Storage

CLERK = Actor("clerk1", roles={"clerk"}, unit="county.office")
LEADER = Actor("leader1", roles={"leader"}, unit="county")


def at(y: int, m: int, d: int, h: int = 9, minute: int = 0) -> datetime:
    return datetime(y, m, d, h, minute, tzinfo=SHANGHAI)


def notice_flow(*, action: object = None, remind: tuple[object, ...] = ()) -> Workflow:
    """A notice must be answered within 10 working days (10个工作日内)."""
    reply = Deadline(
        "reply", WorkingDays(10), label="限期答复", remind=remind, **({"action": action} if action else {})
    )  # type: ignore[arg-type]
    return Workflow(
        name="notice",
        version=1,
        states=[
            State("issued", "已下发", initial=True, deadlines=[reply]),
            State("answered", "已答复"),
            State("closed", "已办结", final=True),
        ],
        transitions=[
            Transition("answer", source="issued", dest="answered", roles={"clerk"}),
            Transition("lapse", source="issued", dest="closed", roles={"system"}),
            Transition("close", source="answered", dest="closed", roles={"leader"}),
        ],
    )


def make(storage: Storage, clock: FakeClock, *workflows: Workflow, **kw: object) -> Engine:
    return Engine(storage=storage, workflows=workflows, clock=clock, **kw)  # type: ignore[arg-type]


def test_working_day_deadline_uses_the_prc_calendar(storage: Storage) -> None:
    clock = FakeClock(at(2016, 9, 5))  # Monday
    engine = make(storage, clock, notice_flow())
    inst = engine.start("notice", actor=CLERK)
    [timer] = engine.timers(inst.id)
    assert timer.params["due_date"] == "2016-09-20"  # Mid-Autumn 9/15-17 off, Sunday 9/18 worked
    assert timer.due == datetime(2016, 9, 21, tzinfo=SHANGHAI)  # met until 24:00 on the due date
    mon_fri = make(storage, clock, notice_flow(), calendar=NaturalCalendar())
    other = mon_fri.start("notice", actor=CLERK)
    assert mon_fri.timers(other.id)[0].params["due_date"] == "2016-09-19"


def test_overdue_is_marked_once_and_left_in_place(storage: Storage) -> None:
    clock = FakeClock(at(2016, 9, 5))
    engine = make(storage, clock, notice_flow())
    inst = engine.start("notice", actor=CLERK)
    clock.set(at(2016, 9, 20, 23, 59))
    assert engine.tick() == []
    clock.set(at(2016, 9, 21, 0, 0))
    [outcome] = engine.tick()
    assert outcome.result == "done"
    assert engine.tick() == []  # idempotent
    inst = engine.get(inst.id)
    assert (inst.state, inst.revision, inst.marks["overdue"]) == ("issued", 2, {"reply": "2016-09-20"})
    last = engine.history(inst.id)[-1]
    assert (last.kind, last.event, last.actor, last.source, last.dest) == (
        "timer",
        "overdue",
        "system",
        "issued",
        "issued",
    )
    assert last.detail["label"] == "限期答复"
    [due] = engine.overdue("notice")
    assert due.instance.id == inst.id
    # Answering late settles the deadline as late and clears the overdue mark.
    inst = engine.fire(inst.id, "answer", actor=CLERK)
    assert "overdue" not in inst.marks
    assert engine.overdue() == []
    assert engine.timers(inst.id) == []
    engine.verify(inst.id)


def test_leaving_the_state_cancels_its_timers(storage: Storage) -> None:
    clock = FakeClock(at(2016, 9, 5))
    engine = make(storage, clock, notice_flow(remind=(WorkingDays(2),)))
    inst = engine.start("notice", actor=CLERK)
    assert len(engine.timers(inst.id)) == 2
    engine.fire(inst.id, "answer", actor=CLERK)
    assert engine.timers(inst.id) == []
    clock.advance(days=60)
    assert engine.tick() == []


def test_fire_event_on_expiry_acts_as_system(storage: Storage) -> None:
    clock = FakeClock(at(2016, 9, 5))
    engine = make(storage, clock, notice_flow(action=FireEvent("lapse")))
    inst = engine.start("notice", actor=CLERK)
    clock.advance(days=30)
    [outcome] = engine.tick()
    assert outcome.result == "done"
    inst = engine.get(inst.id)
    assert inst.state == "closed"
    last = engine.history(inst.id)[-1]
    assert (last.event, last.actor, last.roles, last.detail["timer"]) == ("lapse", "system", ("system",), "reply")


def test_expiry_event_must_be_able_to_leave_the_state() -> None:
    with pytest.raises(DefinitionError, match="fires 'close', which cannot leave 'issued'"):
        notice_flow(action=FireEvent("close"))
    wf = notice_flow()
    with pytest.raises(DefinitionError, match="does not allow the role 'system'"):
        attrs.evolve(
            wf,
            states=[
                attrs.evolve(wf.states[0], deadlines=[Deadline("r", Days(3), action=FireEvent("answer"))]),
                *wf.states[1:],
            ],
        )


def test_reminders_are_counted_on_the_instance(storage: Storage) -> None:
    clock = FakeClock(at(2016, 9, 5))
    engine = make(storage, clock, notice_flow(remind=(WorkingDays(2), Days(1))))
    inst = engine.start("notice", actor=CLERK)
    timers = engine.timers(inst.id)
    assert sorted(t.params.get("remind_date", "") for t in timers if t.action == "remind") == [
        "2016-09-18",
        "2016-09-19",
    ]  # Sunday 9/18 was a 调休 working day
    clock.set(at(2016, 9, 19, 8))
    assert [o.timer.action for o in engine.tick()] == ["remind", "remind"]
    inst = engine.get(inst.id)
    assert inst.marks["reminders"] == {"reply": 2}
    assert [e.detail["count"] for e in engine.history(inst.id) if e.event == "remind"] == [1, 2]


def test_escalation_hands_responsibility_up(storage: Storage) -> None:
    clock = FakeClock(at(2016, 9, 5))
    engine = make(storage, clock, notice_flow(action=Escalate(to_role="leader", to_parent_unit=True)))
    inst = engine.start("notice", actor=CLERK)
    clock.advance(days=30)
    engine.tick()
    inst = engine.get(inst.id)
    assert inst.unit == "county"
    [escalation] = inst.marks["escalations"]
    assert (escalation["to_role"], escalation["to_unit"]) == ("leader", "county")
    last = engine.history(inst.id)[-1]
    assert (last.event, last.detail["from_unit"], last.detail["to_unit"]) == ("escalate", "county.office", "county")
    assert [d.instance.id for d in engine.overdue(unit="county")] == [inst.id]


def test_timers_survive_a_restart(tmp_path: Path) -> None:
    clock = FakeClock(at(2016, 9, 5))
    first = make(SQLiteStorage(tmp_path / "gov.db"), clock, notice_flow())
    inst = first.start("notice", actor=CLERK)
    first.storage.close()
    clock.advance(days=20)
    second = make(SQLiteStorage(tmp_path / "gov.db"), clock, notice_flow())
    assert [o.result for o in second.tick()] == ["done"]
    assert second.get(inst.id).marks["overdue"] == {"reply": "2016-09-20"}
    second.verify(inst.id)


def test_due_timers_fire_in_due_order(storage: Storage) -> None:
    clock = FakeClock(at(2016, 9, 5))
    engine = make(storage, clock, notice_flow())
    ids = []
    for _ in range(3):
        ids.append(engine.start("notice", actor=CLERK).id)
        clock.advance(days=1)
    clock.advance(days=40)
    assert [o.timer.instance_id for o in engine.tick()] == ids


# --- anchors, obligations, recurring duties -------------------------------------------------


@attrs.frozen
class TripData:
    depart: date
    returned: date | None = None


def trip_flow() -> Workflow:
    """After return: report within 1 month, passport within 15 days (seed 003 L104)."""
    report = Deadline("report", Months(1), satisfied_by="file_report", label="出访报告", source="seed 003")
    passport = Deadline("passport", Days(15), satisfied_by="deposit_passport", label="交回护照", source="seed 003")
    visa = Deadline("request", Weeks(3), anchor=BeforeField("depart"), label="提前三周报批")
    return Workflow(
        name="trip",
        version=1,
        schema=TripData,
        states=[
            State("applying", "申报", initial=True, deadlines=[visa]),
            State("abroad", "出访中"),
            State("returned", "已回国", deadlines=[Deadline("debrief", Days(7), anchor=FromField("returned"))]),
            State("closed", "已办结", final=True),
        ],
        transitions=[
            Transition("depart", source="applying", dest="abroad", roles={"clerk"}),
            Transition("return_home", source="abroad", dest="returned", roles={"clerk"}, opens=[report, passport]),
            Transition("file_report", source="returned", dest="returned", roles={"clerk"}),
            Transition("deposit_passport", source="returned", dest="returned", roles={"clerk"}),
            Transition(
                "close", source="returned", dest="closed", roles={"leader"}, requires_met=["report", "passport"]
            ),
        ],
    )


def test_anchor_fields_and_obligations(storage: Storage) -> None:
    clock = FakeClock(at(2024, 5, 6))
    engine = make(storage, clock, trip_flow())
    inst = engine.start("trip", actor=CLERK, data={"depart": "2024-06-24"})
    assert engine.timers(inst.id)[0].params["due_date"] == "2024-06-03"  # 前三周 of Mon 6/24
    engine.fire(inst.id, "depart", actor=CLERK)
    clock.set(at(2024, 7, 1))
    inst = engine.fire(inst.id, "return_home", actor=CLERK, payload={"returned": "2024-06-30"})
    due = {t.name: t.params["due_date"] for t in engine.timers(inst.id)}
    assert due == {"report": "2024-08-01", "passport": "2024-07-16", "debrief": "2024-07-07"}
    with pytest.raises(GuardRejected) as err:
        engine.fire(inst.id, "close", actor=LEADER)
    assert any("obligation 'report' (出访报告) is not met yet (due 2024-08-01)" in r for r in err.value.reasons)
    assert engine.available(inst.id, LEADER) == []
    engine.fire(inst.id, "file_report", actor=CLERK)
    clock.set(at(2024, 7, 20))
    assert [o.timer.name for o in engine.tick()] == ["debrief", "passport"]
    assert engine.get(inst.id).marks["overdue"] == {"debrief": "2024-07-07", "passport": "2024-07-16"}
    inst = engine.fire(inst.id, "deposit_passport", actor=CLERK)
    assert inst.marks["overdue"] == {"debrief": "2024-07-07"}
    inst = engine.fire(inst.id, "close", actor=LEADER)
    assert inst.state == "closed"
    assert engine.timers(inst.id) == []


def test_missing_anchor_field_rejects_the_fire_and_writes_nothing(storage: Storage) -> None:
    clock = FakeClock(at(2024, 5, 6))
    engine = make(storage, clock, trip_flow())
    inst = engine.start("trip", actor=CLERK, data={"depart": "2024-06-24"})
    engine.fire(inst.id, "depart", actor=CLERK)
    before = (engine.get(inst.id), engine.history(inst.id), engine.timers(inst.id))
    with pytest.raises(InvalidData, match="counts from data field 'returned', which is missing"):
        engine.fire(inst.id, "return_home", actor=CLERK)
    assert (engine.get(inst.id), engine.history(inst.id), engine.timers(inst.id)) == before


def test_anchor_field_must_be_a_date_in_the_schema() -> None:
    @attrs.frozen
    class Bad:
        name: str

    with pytest.raises(DefinitionError, match="anchored on 'name', which is not a date field"):
        Workflow(
            name="bad",
            version=1,
            schema=Bad,
            states=[
                State("a", initial=True, deadlines=[Deadline("d", Days(3), anchor=FromField("name"))]),
                State("z", final=True),
            ],
            transitions=[Transition("go", source="a", dest="z", roles={"r"})],
        )


@pytest.mark.parametrize("make_bad", [lambda: WorkingDays(0), lambda: Days(-1), lambda: Months(0), lambda: ByDate(13)])
def test_non_positive_durations_are_definition_errors(make_bad: object) -> None:
    with pytest.raises(DefinitionError):
        make_bad()  # type: ignore[operator]


def test_obligation_needs_a_way_to_be_met() -> None:
    with pytest.raises(DefinitionError, match="needs satisfied_by"):
        Workflow(
            name="bad",
            version=1,
            states=[State("a", initial=True), State("z", final=True)],
            transitions=[Transition("go", source="a", dest="z", roles={"r"}, opens=[Deadline("report", Months(1))])],
        )


def test_recurring_monthly_report(storage: Storage) -> None:
    """次月5号前报送: each month's report is due on the 5th of the next month."""
    monthly = Recurring("monthly_report", "month", Days(5), satisfied_by="report", label="月报")
    wf = Workflow(
        name="ledger",
        version=1,
        states=[State("open", "在办", initial=True, deadlines=[monthly]), State("done", "办结", final=True)],
        transitions=[
            Transition("report", source="open", dest="open", roles={"clerk"}),
            Transition("finish", source="open", dest="done", roles={"clerk"}),
        ],
    )
    clock = FakeClock(at(2026, 3, 10))
    engine = make(storage, clock, wf)
    inst = engine.start("ledger", actor=CLERK)
    [march] = engine.timers(inst.id)
    assert (march.params["period"], march.params["due_date"]) == ("2026-03", "2026-04-05")
    clock.set(at(2026, 4, 3))
    engine.fire(inst.id, "report", actor=CLERK)
    [april] = engine.timers(inst.id)
    assert (april.params["period"], april.params["due_date"]) == ("2026-04", "2026-05-05")
    clock.set(at(2026, 5, 6))
    [outcome] = engine.tick()
    assert outcome.timer.params["period"] == "2026-04"
    timers = {t.params["period"]: t.status for t in engine.timers(inst.id)}
    assert timers == {"2026-04": "overdue", "2026-05": "pending"}
    engine.fire(inst.id, "finish", actor=CLERK)
    assert engine.timers(inst.id) == []


# --- calendar coverage and provisional deadlines --------------------------------------------


# Tests must not break when a newer `holidays` release adds a year: "this year" is a year far
# ahead made official by a loaded schedule, and the year after it has no official data.
THIS_YEAR = 2089
NEXT_YEAR = THIS_YEAR + 1


def schedule_for(year: int, holidays: set[date], workdays: tuple[date, ...] = ()) -> YearSchedule:
    return YearSchedule(year=year, holidays=frozenset(holidays), workdays=frozenset(workdays), source="test schedule")


THIS_SCHEDULE = schedule_for(THIS_YEAR, {date(THIS_YEAR, 1, 1), date(THIS_YEAR, 10, 1)})
# The (made-up) notice for next year: 1-8 January off, the Saturday after them worked (调休).
NEXT_HOLIDAYS = {date(NEXT_YEAR, 1, d) for d in range(1, 9)}
NEXT_WORKDAY = next(date(NEXT_YEAR, 1, d) for d in range(9, 16) if date(NEXT_YEAR, 1, d).weekday() == 5)
NEXT_SCHEDULE = schedule_for(NEXT_YEAR, NEXT_HOLIDAYS, (NEXT_WORKDAY,))


def year_end_engine(storage: Storage, clock: FakeClock, **kw: object) -> Engine:
    """An engine whose calendar has official data for THIS_YEAR and none for NEXT_YEAR."""
    engine = make(storage, clock, notice_flow(), **kw)
    engine.load_schedule(THIS_SCHEDULE)
    return engine


def test_a_year_end_deadline_is_armed_provisionally_by_default(storage: Storage) -> None:
    """Issue 12: on 29 December a working-day deadline reaching into a year without official
    data was refused, so work stopped at every year end. By default it is now counted on the
    weekend and statutory-holiday rules and marked provisional everywhere it shows."""
    clock = FakeClock(at(THIS_YEAR, 12, 29))
    engine = year_end_engine(storage, clock)  # the default calendar
    inst = engine.start("notice", actor=CLERK)
    [timer] = engine.timers(inst.id)
    assert timer.provisional
    assert date.fromisoformat(timer.params["due_date"]).year == NEXT_YEAR
    [start] = engine.history(inst.id)
    assert start.detail["provisional"] == [{"deadline": "reply", "due": timer.params["due_date"]}]
    [soon] = engine.upcoming(timedelta(days=30))
    assert soon.timer.provisional
    clock.set(timer.due + timedelta(minutes=1))
    engine.tick()
    [late] = engine.overdue()
    assert late.timer.provisional
    marked = engine.history(inst.id)[-1]
    assert (marked.event, marked.detail["provisional"]) == ("overdue", True)
    engine.verify(inst.id)


def test_a_deadline_on_official_data_carries_no_provisional_mark(storage: Storage) -> None:
    clock = FakeClock(at(2016, 9, 5))
    engine = make(storage, clock, notice_flow())
    inst = engine.start("notice", actor=CLERK)
    assert not engine.timers(inst.id)[0].provisional
    assert "provisional" not in engine.history(inst.id)[0].detail


def test_a_deadline_in_an_unpublished_year_is_refused_in_strict_mode(storage: Storage) -> None:
    clock = FakeClock(at(THIS_YEAR, 12, 29))
    engine = year_end_engine(storage, clock, calendar=china_calendar(provisional=False))
    with pytest.raises(CalendarError, match=f"{NEXT_YEAR}-01-01 is outside the official holiday data") as caught:
        engine.start("notice", actor=CLERK)
    assert "load that year's YearSchedule" in str(caught.value)  # it says what to do
    assert engine.count("notice") == 0


def test_loading_next_years_schedule_recomputes_and_audits_each_moved_deadline(storage: Storage) -> None:
    clock = FakeClock(at(THIS_YEAR, 12, 24))
    engine = year_end_engine(storage, clock)
    inst = engine.start("notice", actor=CLERK)
    answered = engine.fire(engine.start("notice", actor=CLERK).id, "answer", actor=CLERK)
    engine.start("notice", actor=CLERK)
    [timer] = engine.timers(inst.id)
    assert timer.provisional
    clock.advance(days=1)
    assert engine.load_schedule(NEXT_SCHEDULE) == 2  # `inst` and the third; `answered` has none pending
    [moved] = engine.timers(inst.id)
    assert not moved.provisional
    assert moved.due > timer.due and moved.params["due_date"] > timer.params["due_date"]
    record = engine.history(inst.id)[-1]
    assert (record.kind, record.event, record.actor) == ("calendar", "deadline_recomputed", "system")
    assert record.at == clock.now()
    assert record.detail == {
        "schedule": {"year": NEXT_YEAR, "source": "test schedule"},
        "deadlines": [
            {
                "deadline": "reply",
                "action": "overdue",
                "from": timer.params["due_date"],
                "to": moved.params["due_date"],
                "provisional": False,
            }
        ],
    }
    assert engine.get(inst.id).revision == 2 and engine.get(inst.id).state == "issued"
    engine.verify(inst.id)
    assert [e.event for e in engine.history(answered.id)] == ["start", "answer"]  # untouched
    # Nothing provisional is left, so loading again changes nothing and records nothing.
    assert engine.load_schedule(NEXT_SCHEDULE) == 0
    assert len(engine.history(inst.id)) == 2
    # Another engine on the same storage picks the stored schedule up.
    again = make(storage, clock, notice_flow())
    assert again.calendar.is_working_day(NEXT_WORKDAY)
    assert not again.calendar.is_working_day(date(NEXT_YEAR, 1, 5))


def test_a_recompute_that_cannot_commit_moves_nothing_and_can_be_run_again(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The moved due time and its audit event are one commit: if it fails, neither is written."""
    from govflow.errors import StorageError
    from govflow.storage import Change

    clock = FakeClock(at(THIS_YEAR, 12, 24))
    engine = year_end_engine(storage, clock)
    inst = engine.start("notice", actor=CLERK)
    [timer] = engine.timers(inst.id)
    real_commit = storage.commit
    seen: list[Change] = []

    def failing(change: Change) -> None:
        seen.append(change)
        raise StorageError("disk full (simulated)")

    monkeypatch.setattr(storage, "commit", failing)
    with pytest.raises(StorageError, match="simulated"):
        engine.load_schedule(NEXT_SCHEDULE)
    [change] = seen
    assert [e.event for e in change.events] == ["deadline_recomputed"] and [t.id for t in change.reschedule] == [
        timer.id
    ]
    assert engine.timers(inst.id) == [timer] and len(engine.history(inst.id)) == 1
    monkeypatch.setattr(storage, "commit", real_commit)
    assert engine.recompute_provisional() == 1
    assert not engine.timers(inst.id)[0].provisional
    engine.verify(inst.id)


def test_a_recompute_that_loses_a_race_reloads_and_records_on_the_new_head(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock(at(THIS_YEAR, 12, 24))
    engine = year_end_engine(storage, clock)
    inst = engine.start("notice", actor=CLERK)
    real_timers = storage.timers
    raced: list[str] = []

    def racing_timers(instance_id: str):  # type: ignore[no-untyped-def]
        found = real_timers(instance_id)
        if not raced:  # another writer moves the instance between this read and the commit
            raced.append(instance_id)
            engine.fire(instance_id, "answer", actor=CLERK)
        return found

    monkeypatch.setattr(storage, "timers", racing_timers)
    # The answer left `issued`, cancelling the provisional timer: nothing is left to recompute.
    assert engine.load_schedule(NEXT_SCHEDULE) == 0
    assert [e.event for e in engine.history(inst.id)] == ["start", "answer"]
    engine.verify(inst.id)


def test_upcoming_deadlines_for_an_actor(storage: Storage) -> None:
    clock = FakeClock(at(2016, 9, 5))
    engine = make(storage, clock, notice_flow())
    first = engine.start("notice", actor=CLERK)
    clock.advance(days=7)
    second = engine.start("notice", actor=CLERK)
    assert engine.timers(second.id)[0].params["due_date"] == "2016-09-27"
    assert [d.instance.id for d in engine.upcoming(timedelta(days=10))] == [first.id]
    assert [d.instance.id for d in engine.upcoming(timedelta(days=30), actor=CLERK)] == [first.id, second.id]
    assert engine.upcoming(timedelta(days=30), actor=LEADER) == []


def test_lead_time_rule_is_soft_where_the_document_says_so(storage: Storage) -> None:
    """Seed 003: request approval ≥ 3 weeks before the passport/visa date, 如无特殊情况 (soft)."""
    from govflow.deadlines import lead_time
    from govflow.errors import JustificationRequired

    @attrs.frozen
    class Visa:
        visa_date: date

    rule = lead_time("test.visa_lead", "visa_date", Weeks(3), message="报批须在办理护照签证前三周", source="seed 003")
    wf = Workflow(
        name="visa",
        version=1,
        schema=Visa,
        states=[State("draft", initial=True), State("filed", final=True)],
        transitions=[Transition("file", source="draft", dest="filed", roles={"clerk"}, soft_guards=[rule])],
    )
    clock = FakeClock(at(2024, 6, 3, 17))
    engine = make(storage, clock, wf)
    on_time = engine.start("visa", actor=CLERK, data={"visa_date": "2024-06-24"})
    late = engine.start("visa", actor=CLERK, data={"visa_date": "2024-06-23"})
    assert engine.fire(on_time.id, "file", actor=CLERK).state == "filed"  # 6/3 is exactly three weeks before
    with pytest.raises(JustificationRequired, match="the last day to do this was 2024-06-02"):
        engine.fire(late.id, "file", actor=CLERK)
    assert engine.fire(late.id, "file", actor=CLERK, justification="紧急外事任务").state == "filed"


def test_several_deadlines_run_in_parallel_on_one_state(storage: Storage) -> None:
    """A rectification notice: reply within 5 working days and finish within 1 month, both at once."""
    wf = Workflow(
        name="notice2", version=1,
        states=[
            State("issued", initial=True, deadlines=[Deadline("reply", WorkingDays(5)), Deadline("finish", Months(1))]),
            State("closed", final=True),
        ],
        transitions=[Transition("close", source="issued", dest="closed", roles={"clerk"})],
    )  # fmt: skip
    clock = FakeClock(at(2026, 3, 2))
    engine = make(storage, clock, wf)
    inst = engine.start("notice2", actor=CLERK)
    assert {t.name: t.params["due_date"] for t in engine.timers(inst.id)} == {
        "reply": "2026-03-09",
        "finish": "2026-04-02",
    }
    clock.set(at(2026, 3, 20))
    assert [o.timer.name for o in engine.tick()] == ["reply"]
    clock.set(at(2026, 4, 3))
    assert [o.timer.name for o in engine.tick()] == ["finish"]
    assert engine.get(inst.id).marks["overdue"] == {"reply": "2026-03-09", "finish": "2026-04-02"}


def test_anchor_value_that_is_not_a_date_or_is_naive(storage: Storage) -> None:
    wf = Workflow(
        name="loose", version=1,
        states=[
            State("a", initial=True, deadlines=[Deadline("d", Days(3), anchor=FromField("when"))]),
            State("z", final=True),
        ],
        transitions=[Transition("go", source="a", dest="z", roles={"clerk"})],
    )  # fmt: skip
    engine = make(storage, FakeClock(at(2026, 3, 2)), wf)
    with pytest.raises(InvalidData, match="'when' = 'soon', which is not a date"):
        engine.start("loose", actor=CLERK, data={"when": "soon"})
    with pytest.raises(InvalidData, match="a datetime without a time zone"):
        engine.start("loose", actor=CLERK, data={"when": "2026-03-05T10:00:00"})
    assert engine.count("loose") == 0
    ok = engine.start("loose", actor=CLERK, data={"when": "2026-03-05T10:00:00+08:00"})
    assert engine.timers(ok.id)[0].params["due_date"] == "2026-03-08"


@pytest.mark.parametrize(
    ("every", "day", "period", "due"),
    [
        ("month", date(2026, 12, 3), ("2026-12-01", "2026-12-31"), "2027-01-05"),
        ("quarter", date(2026, 5, 3), ("2026-04-01", "2026-06-30"), "2026-07-05"),
        ("half_year", date(2026, 11, 3), ("2026-07-01", "2026-12-31"), "2027-01-05"),
        ("year", date(2026, 2, 3), ("2026-01-01", "2026-12-31"), "2027-01-05"),
    ],
)
def test_periods_of_recurring_duties(every: str, day: date, period: tuple[str, str], due: str) -> None:
    from govflow.deadlines import due_date, period_of

    first, last = period_of(every, day)
    assert (first.isoformat(), last.isoformat()) == period
    assert due_date(Days(5), last, NaturalCalendar()).day.isoformat() == due


def test_lateness_is_judged_by_the_clock_not_by_the_sweep(storage: Storage) -> None:
    from govflow.storage import TimerQuery

    clock = FakeClock(at(2016, 9, 5))
    engine = make(storage, clock, notice_flow())
    late, on_time = engine.start("notice", actor=CLERK), engine.start("notice", actor=CLERK)
    engine.fire(on_time.id, "answer", actor=CLERK)
    clock.set(at(2016, 9, 26))  # past the 9/20 due date, but no sweep has run
    engine.fire(late.id, "answer", actor=CLERK)
    closed = {t.instance_id: t.status for t, _ in storage.find_timers(TimerQuery(statuses=("late", "cancelled")))}
    assert closed == {late.id: "late", on_time.id: "cancelled"}


def test_one_report_meets_one_period(storage: Storage) -> None:
    monthly = Recurring("monthly_report", "month", Days(5), satisfied_by="report", label="月报")
    wf = Workflow(
        name="ledger2", version=1,
        states=[State("open", initial=True, deadlines=[monthly]), State("done", final=True)],
        transitions=[Transition("report", source="open", dest="open", roles={"clerk"}),
                     Transition("finish", source="open", dest="done", roles={"clerk"})],
    )  # fmt: skip
    clock = FakeClock(at(2026, 3, 10))
    engine = make(storage, clock, wf)
    inst = engine.start("ledger2", actor=CLERK)
    clock.set(at(2026, 4, 7))
    engine.tick()  # March is overdue; April is armed
    engine.fire(inst.id, "report", actor=CLERK)  # the late March report
    assert {t.params["period"]: t.status for t in engine.timers(inst.id)} == {"2026-04": "pending"}
    engine.fire(inst.id, "report", actor=CLERK)  # April's, early
    assert {t.params["period"]: t.status for t in engine.timers(inst.id)} == {"2026-05": "pending"}


def test_a_timer_that_cannot_act_does_not_stop_the_sweep(storage: Storage) -> None:
    """December's period of a monthly duty ends next year, beyond the strict calendar's data:
    a fault that may heal (the schedule gets loaded), so it is retried with back-off and only
    parked as failed after the policy's attempts."""
    from govflow.sweep import RetryPolicy

    monthly = Recurring("monthly_report", "month", WorkingDays(5), satisfied_by="report")
    ledger = Workflow(
        name="ledger3", version=1,
        states=[State("open", initial=True, deadlines=[monthly]), State("done", final=True)],
        transitions=[Transition("report", source="open", dest="open", roles={"clerk"}),
                     Transition("finish", source="open", dest="done", roles={"clerk"})],
    )  # fmt: skip
    clock = FakeClock(at(THIS_YEAR, 11, 2))
    strict = china_calendar(provisional=False, schedules=[THIS_SCHEDULE])
    retry = RetryPolicy(max_attempts=2, base=timedelta(hours=1), cap=timedelta(hours=1))
    engine = make(storage, clock, ledger, notice_flow(), calendar=strict, timer_retry=retry)
    stuck = engine.start("ledger3", actor=CLERK)
    clock.set(at(THIS_YEAR, 11, 20))
    other = engine.start("notice", actor=CLERK)  # due early December
    clock.set(at(THIS_YEAR, 12, 9))
    outcomes = {o.timer.instance_id: o.result for o in engine.tick()}
    assert outcomes == {stuck.id: "retry", other.id: "done"}
    [waiting] = [t for t in engine.timers(stuck.id) if t.status == "pending" and t.attempts]
    assert waiting.attempts == 1 and str(NEXT_YEAR) in (waiting.last_error or "")
    assert waiting.retry_at == at(THIS_YEAR, 12, 9) + timedelta(hours=1)
    assert [e.event for e in engine.history(stuck.id)] == ["start"]  # a retry writes no audit event
    assert engine.tick() == []  # backing off
    clock.advance(hours=1)
    [parked] = engine.tick()
    assert parked.result == "failed" and str(NEXT_YEAR) in parked.detail
    failure = engine.history(stuck.id)[-1]
    assert failure.event == "timer_failed" and str(NEXT_YEAR) in failure.detail["error"]
    assert failure.detail["attempts"] == 2
    assert [due.timer.id for due in engine.failed_timers()] == [waiting.id]
    engine.verify(stuck.id)

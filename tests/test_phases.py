"""Dated phase windows and milestones, with the December safety campaign's own dates (seed 004 第八篇)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from govflow import Actor, Engine, Months, State, Transition, Workflow
from govflow.children import Spawn
from govflow.clock import SHANGHAI, FakeClock
from govflow.errors import DefinitionError
from govflow.phases import Milestone, Window, months, split
from govflow.storage import Storage

OFFICE = Actor("office", roles={"safety_office"}, unit="county")
UNIT = Actor("unit", roles={"unit_clerk"}, unit="county.u1")


def at(m: int, d: int, y: int = 2026) -> datetime:
    return datetime(y, m, d, 9, tzinfo=SHANGHAI)


def campaign(*, sequential: bool = False, acceptance_start: date = date(2026, 12, 21)) -> Workflow:
    """Deployment before 12/10, self-inspection 12/10-12/15, leader inspections 12/16-18,
    supervision 12/19-20, acceptance 12/20-30 (the document's dates; acceptance moved to start
    12/21 unless a test asks for the document's overlapping 12/20)."""
    return Workflow(
        name="december_campaign", version=1, sequential_phases=sequential,
        states=[
            State("deploying", "动员部署", initial=True, window=Window(end=date(2026, 12, 9))),
            State("self_inspection", "单位自查", window=Window(date(2026, 12, 10), date(2026, 12, 15))),
            State("leader_inspection", "领导检查", window=Window(date(2026, 12, 16), date(2026, 12, 18))),
            State("supervision", "督查", window=Window(date(2026, 12, 19), date(2026, 12, 20))),
            State("acceptance", "验收", window=Window(acceptance_start, date(2026, 12, 30))),
            State("done", "结束", final=True),
        ],
        transitions=[
            Transition("next", source="deploying", dest="self_inspection", roles={"safety_office"}),
            Transition("next", source="self_inspection", dest="leader_inspection", roles={"safety_office"}),
            Transition("next", source="leader_inspection", dest="supervision", roles={"safety_office"}),
            Transition("next", source="supervision", dest="acceptance", roles={"safety_office"}),
            Transition("next", source="acceptance", dest="done", roles={"safety_office"}),
        ],
    )  # fmt: skip


def test_a_window_that_ends_before_it_starts() -> None:
    with pytest.raises(DefinitionError, match=r"the window ends \(2026-12-09\) before it starts \(2026-12-10\)"):
        Window(date(2026, 12, 10), date(2026, 12, 9))


def test_sequential_phases_may_not_overlap() -> None:
    campaign(sequential=True)  # with acceptance from 12/21 the phases follow one another
    with pytest.raises(DefinitionError, match=r"windows of 'supervision' .* and 'acceptance' .* overlap"):
        campaign(sequential=True, acceptance_start=date(2026, 12, 20))  # the document's own dates share 12/20
    campaign(sequential=False, acceptance_start=date(2026, 12, 20))  # allowed when phases may overlap


def test_entering_early_or_late_is_recorded_and_a_phase_that_runs_over_is_overdue(storage: Storage) -> None:
    clock = FakeClock(at(12, 1))
    engine = Engine(storage=storage, workflows=[campaign()], clock=clock)
    inst = engine.start("december_campaign", actor=OFFICE)
    clock.set(at(12, 8))
    engine.fire(inst.id, "next", actor=OFFICE)  # self-inspection entered two days early
    assert engine.history(inst.id)[-1].detail["window"] == {
        "start": "2026-12-10",
        "end": "2026-12-15",
        "entered": "early",
    }
    clock.set(at(12, 17))
    assert [o.timer.name for o in engine.tick()] == ["window"]  # still self-inspecting after 12/15
    assert engine.get(inst.id).marks["overdue"] == {"window": "2026-12-15"}
    clock.set(at(12, 19))
    engine.fire(inst.id, "next", actor=OFFICE)  # leader inspections (12/16-18) entered on 12/19
    assert engine.history(inst.id)[-1].detail["window"]["entered"] == "late"
    assert "overdue" not in engine.get(inst.id).marks  # self-inspection's lateness is settled as late


def test_windows_from_data_and_about_a_month(storage: Storage) -> None:
    import attrs

    @attrs.frozen
    class Plan:
        pilot_end: date

    wf = Workflow(
        name="pilot", version=1, schema=Plan,
        states=[
            State("mobilising", "动员部署", initial=True, window=Window(about=Months(1))),
            State("piloting", "试点", window=Window(end="pilot_end")),
            State("rollout", "推广", window=Window()),
            State("done", final=True),
        ],
        transitions=[Transition("next", source="mobilising", dest="piloting", roles={"office"}),
                     Transition("next", source="piloting", dest="rollout", roles={"office"}),
                     Transition("finish", source="rollout", dest="done", roles={"office"})],
    )  # fmt: skip
    engine = Engine(storage=storage, workflows=[wf], clock=FakeClock(at(7, 22, 2011)))
    office = Actor("o", roles={"office"})
    inst = engine.start("pilot", actor=office, data={"pilot_end": "2011-08-31"})  # Harbin: pilots by 2011-08-31
    assert engine.timers(inst.id)[0].params["due_date"] == "2011-08-22"
    engine.fire(inst.id, "next", actor=office)
    assert engine.timers(inst.id)[0].params["due_date"] == "2011-08-31"
    engine.fire(inst.id, "next", actor=office)
    assert engine.timers(inst.id) == []  # an open-ended rollout has no window deadline
    with pytest.raises(DefinitionError, match="reads 'nope', which is not a date field"):
        attrs.evolve(wf, states=[attrs.evolve(wf.states[0], window=Window(end="nope")), *wf.states[1:]])


SELF = Workflow(
    name="unit_rectify", version=1,
    states=[State("open", initial=True), State("done", "已整改", final=True)],
    transitions=[Transition("finish", source="open", dest="done", roles={"unit_clerk"})],
    start_roles={"safety_office"},
)  # fmt: skip


def test_milestones_on_children_are_recorded_met_or_missed(storage: Storage) -> None:
    """30% rectified by 3/31, 70% by 4/15 (assessment digest D4, A7)."""
    wf = Workflow(
        name="drive", version=1,
        states=[State("running", initial=True), State("over", final=True)],
        transitions=[
            Transition("launch", source="running", dest="running", roles={"safety_office"},
                       spawn=[Spawn("unit_rectify", per="units")]),
            Transition("end", source="running", dest="over", roles={"safety_office"}, settle_children="keep"),
        ],
        milestones=[
            Milestone("first", by=date(2026, 3, 31), share=0.3, workflow="unit_rectify", states=["done"], label="30%"),
            Milestone("second", by=date(2026, 4, 15), share=0.7, workflow="unit_rectify", states=["done"], label="70%"),
        ],
    )  # fmt: skip
    clock = FakeClock(at(3, 2))
    engine = Engine(storage=storage, workflows=[wf, SELF], clock=clock)
    inst = engine.start("drive", actor=OFFICE, data={"units": [f"u{n}" for n in range(10)]})
    engine.fire(inst.id, "launch", actor=OFFICE)
    kids = engine.children(inst.id)
    for kid in kids[:3]:
        engine.fire(kid.id, "finish", actor=UNIT)
    clock.set(at(4, 1))
    engine.tick()
    clock.set(at(4, 16))
    engine.tick()
    marks = engine.get(inst.id).marks["milestones"]
    assert marks["first"] == {"met": True, "actual": 0.3, "target": 0.3, "by": "2026-03-31"}  # 30% inclusive
    assert marks["second"]["met"] is False and marks["second"]["actual"] == 0.3
    assert [e.detail["met"] for e in engine.history(inst.id) if e.event == "milestone"] == [True, False]


def test_milestone_definition_faults_and_json_round_trip() -> None:
    with pytest.raises(DefinitionError, match="give exactly one of share or count"):
        Milestone("m", by="2026-03-31", figure="rectified_share")
    with pytest.raises(DefinitionError, match=r"count children .* or read a figure"):
        Milestone("m", by="2026-03-31", share=0.3)
    wf = campaign()
    assert Workflow.from_json(wf.to_json()) == wf


def test_month_ranges_and_a_total_split_over_phases() -> None:
    """「11—12月」 (seed 004 第八篇 第2篇 巩固提高) and seed 001 篇3's 2012-08-01..10-31 as 31/50/11 days."""
    assert months("2016-11", "2016-12") == Window(date(2016, 11, 1), date(2016, 12, 31))
    assert months("2012-02") == Window(date(2012, 2, 1), date(2012, 2, 29))
    mobilise, implement, accept = split(date(2012, 8, 1), date(2012, 10, 31), [31, 50, None])
    assert (mobilise.start, mobilise.end) == (date(2012, 8, 1), date(2012, 8, 31))
    assert (implement.start, implement.end) == (date(2012, 9, 1), date(2012, 10, 20))
    assert (accept.start, accept.end) == (date(2012, 10, 21), date(2012, 10, 31))
    with pytest.raises(DefinitionError, match=r"the phases take 90 days, but 2012-08-01..2012-10-31 is 92 days"):
        split(date(2012, 8, 1), date(2012, 10, 31), [31, 50, 9])
    with pytest.raises(DefinitionError, match="at most one phase may take 'the rest'"):
        split(date(2012, 8, 1), date(2012, 10, 31), [None, None])
    with pytest.raises(DefinitionError, match="'2012-13' is not a month"):
        months("2012-13")

"""网格民情案件 (govflow_workflows.grid_case): scenarios on the PRC calendar, on every adapter.

The dates: the National Day break of 2016 (1–7 October off, Saturday 8 and Sunday 9 October
worked). A case dispatched on Thursday 29 September with 5 working days is due Tuesday
11 October (30 September, 8, 9, 10, 11 October); on a plain Monday–Friday calendar it would
be due Thursday 6 October.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import hypothesis
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import rule

import govflow_workflows.grid_case as gc
from govflow import Actor, Engine, Workflow, check
from govflow.calendar import NaturalCalendar
from govflow.clock import SHANGHAI, FakeClock
from govflow.diagram import mermaid
from govflow.errors import GuardRejected, InvalidData, PermissionDenied, TransitionNotAllowed
from govflow.storage import MemoryStorage, Storage
from govflow.testing import stateful_test
from govflow_workflows.grid_case import (
    DUTY_WORKFLOW_NAME,
    GRID_CASE,
    GRID_DUTY,
    ROUTES,
    WORKFLOW_NAME,
    department,
    grid_unit,
    monthly_sample,
    quarterly_facts,
    sweep,
    team_facts,
)

GRID = grid_unit("beidajie", "c1", "g1")  # district.beidajie.c1.g1
OTHER_GRID = grid_unit("beidajie", "c1", "g2")
WORKER = Actor("li", roles={"grid_worker"}, unit=GRID, name="李网格员")
RESIDENT = Actor("resident.zhou", roles={"resident"}, unit=GRID, name="周居民")
HEAD = Actor("wang", roles={"grid_head"}, unit=GRID, name="王网格长")
OTHER_HEAD = Actor("zhao", roles={"grid_head"}, unit=OTHER_GRID, name="赵网格长")
COMMUNITY = Actor("chen", roles={"community"}, unit="district.beidajie.c1", name="陈工作站")
STREET = Actor("sun", roles={"street"}, unit="district.beidajie", name="孙分中心")
DISTRICT = Actor("qian", roles={"district"}, unit="district", name="钱指挥中心")
VERIFIER = Actor("he", roles={"verifier"}, unit="district.beidajie", name="何复核")
ENVIRONMENT = department("district.environment")
CITY_MGMT = department("district.city_management")
POLICE = department("district.police")
REASON = {"reason": "需协调有关部门解决"}


def at(y: int, m: int, d: int, h: int = 9, minute: int = 0) -> datetime:
    return datetime(y, m, d, h, minute, tzinfo=SHANGHAI)


def make(clock: FakeClock, storage: Storage | None = None, **kw: Any) -> Engine:
    return Engine(storage=storage or MemoryStorage(), workflows=gc.WORKFLOWS, clock=clock, **kw)


def report(engine: Engine, who: Actor = WORKER, **data: Any) -> str:
    body = {"description": "小区门口油烟扰民", "reporter_kind": next(iter(who.roles)), **data}
    return engine.start(WORKFLOW_NAME, actor=who, unit=GRID, data=body).id


def at_community(engine: Engine, **data: Any) -> str:
    case = report(engine, **data)
    engine.fire(case, "accept", actor=HEAD, payload={})
    engine.fire(case, "escalate", actor=HEAD, payload=REASON)
    return case


def timers(engine: Engine, case: str) -> dict[tuple[str, str], str]:
    return {(t.name, t.action): t.params["due_date"] for t in engine.timers(case) if t.status == "pending"}


# -- the definition --------------------------------------------------------------------------


def test_docstring_diagram_is_the_generated_one() -> None:
    assert gc.__doc__ is not None
    block = re.search(r"```mermaid\n(.*?)```", gc.__doc__, re.S)
    assert block is not None and block.group(1) == mermaid(GRID_CASE)


def test_definitions_are_clean_and_round_trip() -> None:
    for wf in gc.WORKFLOWS:
        assert check(wf) == []
        assert Workflow.from_json(wf.to_json()) == wf
        assert all(s.label for s in wf.states)
        assert all(t.label for t in wf.transitions)
    for state in GRID_CASE.states:
        for spec in state.deadlines:
            assert spec.source, (state.name, spec.name)


# -- the whole path, on every adapter ---------------------------------------------------------


def test_report_escalate_dispatch_handle_verify_feedback_across_national_day(storage: Storage) -> None:
    """Dispatched Thu 2016-09-29 with the route's 5 working days → due Tue 2016-10-11."""
    clock = FakeClock(at(2016, 9, 28))
    engine = make(clock, storage)
    case = report(engine, category="noise_fumes")
    assert engine.get(case).state == "reported"
    assert timers(engine, case) == {("accept", "overdue"): "2016-09-29"}  # 当日清, read as by the next day
    engine.fire(case, "accept", actor=HEAD, payload={})
    assert timers(engine, case) == {("grid_limit", "overdue"): "2016-09-29"}
    clock.set(at(2016, 9, 29))
    inst = engine.fire(case, "escalate", actor=HEAD, payload=REASON)
    assert (inst.state, inst.data["level"], inst.data["escalations"]) == ("at_community", "community", 1)
    assert timers(engine, case) == {("community_limit", "overdue"): "2016-10-11"}  # 5 working days
    inst = engine.fire(case, "dispatch", actor=COMMUNITY, payload={"category": "noise_fumes"})
    assert (inst.state, inst.data["department"], inst.data["due_date"]) == (
        "dispatched",
        "district.environment",
        "2016-10-11",
    )
    assert timers(engine, case) == {("handle", "overdue"): "2016-10-11", ("handle", "remind"): "2016-10-11"}
    [remind] = [t for t in engine.timers(case) if t.action == "remind"]
    assert remind.params["remind_date"] == "2016-10-10"  # one working day before
    clock.set(at(2016, 10, 11, 23, 59))
    assert [o.timer.action for o in engine.tick()] == ["remind"]  # in time until 24:00 on the 11th
    inst = engine.fire(case, "handle", actor=ENVIRONMENT, payload={"result": "已责令商户安装油烟净化器"})
    assert (inst.state, inst.data["days_late"], inst.data["late"]) == ("verifying", 0, False)
    inst = engine.fire(case, "verify", actor=VERIFIER, payload={"opinion": "现场复核,已整改"})
    assert inst.state == "feedback"
    clock.set(at(2016, 10, 12))
    inst = engine.fire(case, "give_feedback", actor=HEAD, payload={"satisfaction": "satisfied"})
    assert (inst.state, inst.data["satisfaction"], inst.data["closed_on"]) == ("closed", "satisfied", "2016-10-12")
    assert engine.timers(case) == [] or all(t.status != "pending" for t in engine.timers(case))
    assert [e.event for e in engine.history(case) if e.kind == "transition"] == [
        "accept",
        "escalate",
        "dispatch",
        "handle",
        "verify",
        "give_feedback",
    ]
    engine.verify(case)


def test_the_limit_is_counted_on_the_prc_calendar_not_monday_to_friday() -> None:
    clock = FakeClock(at(2016, 9, 29))
    plain = make(clock, calendar=NaturalCalendar())
    case = at_community(plain)
    assert plain.fire(case, "dispatch", actor=COMMUNITY, payload={"category": "noise_fumes"}).data["due_date"] == (
        "2016-10-06"
    )


def test_a_late_handling_is_recorded_in_calendar_days(storage: Storage) -> None:
    clock = FakeClock(at(2016, 9, 29))
    engine = make(clock, storage)
    case = at_community(engine)
    engine.fire(case, "dispatch", actor=COMMUNITY, payload={"category": "noise_fumes", "limit_days": 1})
    assert engine.get(case).data["due_date"] == "2016-09-30"  # 1 working day
    clock.set(at(2016, 10, 1, 0, 0))
    [outcome] = [o for o in sweep(engine) if o.timer.action == "overdue"]
    assert outcome.timer.name == "handle"
    assert engine.get(case).marks["overdue"]
    clock.set(at(2016, 10, 8))  # the first working day after the break
    inst = engine.fire(case, "handle", actor=ENVIRONMENT, payload={"result": "已处理"})
    assert (inst.data["days_late"], inst.data["late"]) == (8, True)


# -- 转办 ------------------------------------------------------------------------------------------


def test_wrong_dispatch_goes_back_to_the_dispatcher_and_not_to_the_same_department(storage: Storage) -> None:
    clock = FakeClock(at(2016, 9, 29))
    engine = make(clock, storage)
    case = at_community(engine)
    engine.fire(case, "dispatch", actor=COMMUNITY, payload={"category": "noise_fumes"})
    with pytest.raises(PermissionDenied, match="own-unit-only"):  # not the department it went to
        engine.fire(case, "redirect", actor=CITY_MGMT, payload={"reason": "不是我们的"})
    with pytest.raises(GuardRejected, match="say why"):
        engine.fire(case, "redirect", actor=ENVIRONMENT, payload={"reason": " "})
    inst = engine.fire(case, "redirect", actor=ENVIRONMENT, payload={"reason": "系占道经营,属城管职责"})
    assert (inst.state, inst.data["returned_by"], inst.data["department"]) == (
        "at_community",
        ["district.environment"],
        None,
    )
    assert [t for t in engine.timers(case) if t.name == "handle" and t.status == "pending"] == []
    with pytest.raises(GuardRejected, match="already sent this case back"):
        engine.fire(case, "dispatch", actor=COMMUNITY, payload={"category": "noise_fumes"})
    inst = engine.fire(case, "dispatch", actor=COMMUNITY, payload={"category": "street_order"})
    assert (inst.data["department"], inst.data["dispatches"], inst.data["redirects"]) == (
        "district.city_management",
        2,
        1,
    )
    redirect = next(e for e in engine.history(case) if e.event == "redirect")
    assert redirect.detail["reason"] == "系占道经营,属城管职责"


def test_redirect_returns_to_the_level_that_dispatched() -> None:
    clock = FakeClock(at(2016, 9, 29))
    engine = make(clock)
    case = at_community(engine)
    engine.fire(case, "escalate", actor=COMMUNITY, payload=REASON)
    engine.fire(case, "dispatch", actor=STREET, payload={"category": "public_security"})
    assert engine.fire(case, "redirect", actor=POLICE, payload={"reason": "属民事纠纷"}).state == "at_street"


# -- the ladder ----------------------------------------------------------------------------------


def test_each_level_has_its_own_limit_and_a_passed_limit_only_marks_overdue(storage: Storage) -> None:
    clock = FakeClock(at(2016, 9, 30))  # a Friday, the eve of the break
    engine = make(clock, storage)
    case = report(engine)
    engine.fire(case, "accept", actor=HEAD, payload={})
    assert timers(engine, case) == {("grid_limit", "overdue"): "2016-10-01"}  # 1 day, a holiday
    clock.set(at(2016, 10, 2))
    assert [o.timer.name for o in sweep(engine)] == ["grid_limit"]
    inst = engine.get(case)
    assert (inst.state, sorted(inst.marks["overdue"])) == ("at_grid", ["grid_limit"])  # LEVEL_EXPIRY
    engine.fire(case, "escalate", actor=HEAD, payload=REASON)  # Sunday 10-2, in the break
    assert timers(engine, case) == {("community_limit", "overdue"): "2016-10-12"}  # 8, 9, 10, 11, 12
    engine.fire(case, "escalate", actor=COMMUNITY, payload=REASON)
    assert timers(engine, case) == {("street_limit", "overdue"): "2016-10-12"}
    inst = engine.fire(case, "escalate", actor=STREET, payload=REASON)
    assert timers(engine, case) == {("district_limit", "overdue"): "2016-10-19"}  # 10 working days
    assert (inst.data["top_level"], inst.data["escalations"]) == ("district", 3)
    with pytest.raises(TransitionNotAllowed):
        engine.fire(case, "escalate", actor=DISTRICT, payload=REASON)  # the top of the ladder
    assert engine.fire(case, "dispatch", actor=DISTRICT, payload={"category": "property"}).state == "dispatched"


def test_levels_are_scoped_to_the_grid_and_the_units_above() -> None:
    engine = make(FakeClock(at(2016, 9, 29)))
    case = report(engine)
    with pytest.raises(PermissionDenied):
        engine.fire(case, "accept", actor=OTHER_HEAD, payload={})  # another grid's head
    engine.fire(case, "accept", actor=HEAD, payload={})
    with pytest.raises(TransitionNotAllowed):
        engine.fire(case, "dispatch", actor=HEAD, payload={"category": "sanitation"})  # DISPATCH_FROM
    engine.fire(case, "escalate", actor=HEAD, payload=REASON)
    other_community = Actor("wu", roles={"community"}, unit="district.beidajie.c2")
    with pytest.raises(PermissionDenied):
        engine.fire(case, "dispatch", actor=other_community, payload={"category": "sanitation"})
    assert engine.fire(case, "dispatch", actor=COMMUNITY, payload={"category": "sanitation"}).state == "dispatched"


# -- 复核 by someone else --------------------------------------------------------------------------


def test_the_handler_may_not_check_their_own_work_and_a_failed_check_goes_back() -> None:
    clock = FakeClock(at(2016, 9, 29))
    engine = make(clock)
    both = Actor("grid.both", roles={"grid_head", "verifier"}, unit=GRID)
    case = report(engine)
    engine.fire(case, "accept", actor=both, payload={})
    engine.fire(case, "solve", actor=both, payload={"result": "已当场清理堆放垃圾"})
    with pytest.raises(PermissionDenied, match="four-eyes"):
        engine.fire(case, "verify", actor=both, payload={"opinion": "好"})
    with pytest.raises(GuardRejected, match="复核意见"):
        engine.fire(case, "verify", actor=VERIFIER, payload={"opinion": ""})
    inst = engine.fire(case, "rework", actor=VERIFIER, payload={"opinion": "仍有垃圾"})
    assert (inst.state, inst.data["reworks"], inst.data["handled_by"]) == ("at_grid", 1, None)
    engine.fire(case, "solve", actor=both, payload={"result": "已彻底清理"})
    assert engine.fire(case, "verify", actor=VERIFIER, payload={"opinion": "已清理"}).state == "feedback"


def test_a_failed_check_gives_the_department_a_fresh_limit() -> None:
    clock = FakeClock(at(2016, 9, 29))
    engine = make(clock)
    case = at_community(engine)
    engine.fire(case, "dispatch", actor=COMMUNITY, payload={"category": "sanitation"})  # 3 working days
    assert engine.get(case).data["due_date"] == "2016-10-09"  # 9/30, Sat 10/8, Sun 10/9
    engine.fire(case, "handle", actor=department("district.sanitation"), payload={"result": "已清扫"})
    clock.set(at(2016, 10, 10))
    inst = engine.fire(case, "rework", actor=VERIFIER, payload={"opinion": "清扫不彻底"})
    assert (inst.state, inst.data["due_date"]) == ("dispatched", "2016-10-13")  # REWORK_LIMIT


# -- refusals -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "data", "error", "words"),
    [
        (WORKER, {"description": ""}, GuardRejected, "民情日志"),
        (RESIDENT, {"reporter_kind": "grid_worker"}, GuardRejected, "without that role"),
        (WORKER, {"level": "street"}, GuardRejected, "kept by the workflow"),
        (WORKER, {"satisfaction": "satisfied"}, GuardRejected, "satisfaction"),
        (WORKER, {"work_type": "urgent"}, InvalidData, "work_type"),
        (HEAD, {}, PermissionDenied, "grid_worker, resident"),
    ],
)
def test_bad_reports_are_refused(who: Actor, data: dict[str, Any], error: type[Exception], words: str) -> None:
    engine = make(FakeClock(at(2016, 9, 29)))
    body = {"description": "路灯不亮", "reporter_kind": "resident" if who is RESIDENT else "grid_worker", **data}
    with pytest.raises(error, match=words):
        engine.start(WORKFLOW_NAME, actor=who, unit=GRID, data=body)
    assert engine.count(WORKFLOW_NAME) == 0


def test_a_resident_reports() -> None:
    engine = make(FakeClock(at(2016, 9, 29)))
    case = report(engine, RESIDENT)
    assert engine.get(case).data["reporter_kind"] == "resident"


@pytest.mark.parametrize(
    ("payload", "error", "words"),
    [
        ({"category": "ufo"}, GuardRejected, "no route for category 'ufo'"),
        ({"category": "sanitation", "limit_days": 0}, GuardRejected, "≥ 1"),
        ({"category": "sanitation", "department": "district.police"}, InvalidData, "department"),
    ],
)
def test_bad_dispatches_are_refused(payload: dict[str, Any], error: type[Exception], words: str) -> None:
    engine = make(FakeClock(at(2016, 9, 29)))
    case = at_community(engine)
    before = engine.get(case)
    with pytest.raises(error, match=words):
        engine.fire(case, "dispatch", actor=COMMUNITY, payload=payload)
    assert engine.get(case) == before


def test_a_bad_satisfaction_answer_is_refused() -> None:
    engine = make(FakeClock(at(2016, 9, 29)))
    case = report(engine)
    engine.fire(case, "accept", actor=HEAD, payload={})
    engine.fire(case, "solve", actor=HEAD, payload={"result": "已处理"})
    engine.fire(case, "verify", actor=VERIFIER, payload={"opinion": "好"})
    with pytest.raises(InvalidData, match="satisfaction"):
        engine.fire(case, "give_feedback", actor=HEAD, payload={"satisfaction": "so-so"})
    assert engine.get(case).state == "feedback"


def test_the_routing_table_is_the_documents_division() -> None:
    assert ROUTES.route("street_order").unit == "district.city_management"  # seed 002 L17
    assert ROUTES.route("noise_fumes").unit == "district.environment"  # seed 002 L23
    assert ROUTES.route("property").unit == "district.housing"  # seed 002 L24
    assert all(r.source for r in ROUTES.routes)


# -- facts for the assessment ------------------------------------------------------------------------


def _close(engine: Engine, case: str, answer: str, *, head: Actor = HEAD) -> None:
    engine.fire(case, "accept", actor=head, payload={})
    engine.fire(case, "solve", actor=head, payload={"result": "已处理"})
    engine.fire(case, "verify", actor=VERIFIER, payload={"opinion": "好"})
    engine.fire(case, "give_feedback", actor=head, payload={"satisfaction": answer})


def test_team_facts_sample_and_ranking(storage: Storage) -> None:
    clock = FakeClock(at(2016, 10, 10))
    engine = make(clock, storage)
    for answer in ("satisfied", "basically_satisfied", "dissatisfied", "unreachable"):
        _close(engine, report(engine), answer)
    escalated = at_community(engine)
    engine.fire(escalated, "dispatch", actor=COMMUNITY, payload={"category": "noise_fumes"})
    engine.fire(escalated, "redirect", actor=ENVIRONMENT, payload={"reason": "不属本部门"})
    other = engine.start(
        WORKFLOW_NAME, actor=Actor("x", roles={"resident"}, unit=OTHER_GRID), unit=OTHER_GRID,
        data={"description": "井盖缺失", "reporter_kind": "resident"},
    ).id  # fmt: skip
    _close(engine, other, "satisfied", head=OTHER_HEAD)
    start, end = gc.month_window(2016, 10)
    facts = team_facts(engine, GRID, start, end)
    assert (facts.cases, facts.closed, facts.open, facts.escalated, facts.redirected) == (5, 4, 1, 1, 1)
    assert facts.by_reporter == {"grid_worker": 5, "resident": 0}
    assert facts.solved_in_grid == 4
    assert facts.answers == {"satisfied": 1, "basically_satisfied": 1, "dissatisfied": 1, "unreachable": 1}
    assert facts.satisfaction_rate == pytest.approx(2 / 3)  # the unreachable resident is not counted
    assert facts.on_time_rate == 1.0
    assert team_facts(engine, GRID, *gc.month_window(2016, 9)).cases == 0
    ranking = quarterly_facts(engine, [GRID, OTHER_GRID], 2016, 4)
    assert [(r.rank, r.facts.grid) for r in ranking] == [(1, OTHER_GRID), (2, GRID)]
    assert quarterly_facts(engine, [GRID], 2016, 3)[0].facts.cases == 0


def test_the_monthly_sample_draws_a_third_of_the_grids() -> None:
    engine = make(FakeClock(at(2016, 10, 10)))
    grids = [grid_unit("s", f"c{i // 3}", f"g{i}") for i in range(33)]
    sample = monthly_sample(engine, grids, 2016, 10, seed=7)
    assert len(sample.grids) == 11 and set(sample.grids) <= set(grids)  # 11 of 33 (seed 002 L32)
    assert monthly_sample(engine, grids, 2016, 10, seed=7).grids == sample.grids
    assert set(sample.facts) == set(sample.grids)
    assert [gc.sample_size(n) for n in (33, 34, 3, 1)] == [11, 12, 1, 1]
    with pytest.raises(ValueError, match="quarter"):
        gc.quarter_window(2016, 5)


# -- the recurring duties -----------------------------------------------------------------------------


def test_weekly_and_monthly_duties_across_national_day(storage: Storage) -> None:
    clock = FakeClock(at(2016, 9, 28))  # a Wednesday
    engine = make(clock, storage)
    duty = engine.start(DUTY_WORKFLOW_NAME, actor=COMMUNITY, unit=GRID, data={"grid": GRID}).id
    periods = {t.name: (t.params["period"], t.params["due_date"]) for t in engine.timers(duty)}
    assert periods == {
        "supervisor_patrol": ("2016-W39", "2016-10-02"),  # by the week's Sunday
        "team_meeting": ("2016-W39", "2016-10-02"),
        "analysis_meeting": ("2016-09", "2016-09-30"),
    }
    supervisor = Actor("zheng", roles={"supervisor"}, unit="district.beidajie")
    engine.fire(duty, "record_patrol", actor=supervisor, payload={"summary": "巡查网格,发现2处问题", "cases_found": 2})
    engine.fire(duty, "hold_analysis_meeting", actor=COMMUNITY, payload={"summary": "九月分析研判会"})
    clock.set(at(2016, 10, 10))  # the holiday week's team meeting was never held
    outcomes = sweep(engine)
    assert sorted((o.timer.name, o.timer.params["period"]) for o in outcomes) == [
        ("supervisor_patrol", "2016-W40"),
        ("team_meeting", "2016-W39"),
        ("team_meeting", "2016-W40"),
    ]
    pending = {t.name: t.params["period"] for t in engine.timers(duty) if t.status == "pending"}
    assert pending == {"supervisor_patrol": "2016-W41", "team_meeting": "2016-W41", "analysis_meeting": "2016-10"}
    with pytest.raises(GuardRejected, match="say what"):
        engine.fire(duty, "hold_team_meeting", actor=HEAD, payload={"summary": ""})
    with pytest.raises(PermissionDenied):
        engine.fire(duty, "hold_team_meeting", actor=OTHER_HEAD, payload={"summary": "例会"})
    engine.fire(duty, "hold_team_meeting", actor=HEAD, payload={"summary": "周例会"})  # the late one first
    meetings = {t.params["period"]: t.status for t in engine.timers(duty) if t.name == "team_meeting"}
    assert meetings == {"2016-W40": "overdue", "2016-W41": "pending"}  # W39 met late; one meeting, one period


# -- the generated test ------------------------------------------------------------------------

_CATEGORY = st.sampled_from([*ROUTES.categories[:4], "ufo"])
_TEXT = st.sampled_from(["已处理", "需协调", ""])

GridCaseMachine = stateful_test(
    GRID_CASE,
    start_at=at(2016, 9, 26),
    data=st.fixed_dictionaries(
        {
            "description": st.sampled_from(["油烟扰民", "路灯不亮", ""]),
            "reporter_kind": st.sampled_from(["grid_worker", "resident"]),
            "category": st.sampled_from(["", "sanitation"]),
        }
    ),
    payloads={
        "accept": st.just({}),
        "escalate": st.fixed_dictionaries({"reason": st.sampled_from(["需上级协调", "需上级协调", ""])}),
        "solve": st.fixed_dictionaries({"result": _TEXT}),
        "dispatch": st.fixed_dictionaries({"category": _CATEGORY}, optional={"limit_days": st.sampled_from([1, 5, 0])}),
        "redirect": st.fixed_dictionaries({"reason": st.sampled_from(["不属本部门", ""])}),
        "handle": st.fixed_dictionaries({"result": _TEXT}),
        "verify": st.fixed_dictionaries({"opinion": _TEXT}),
        "rework": st.fixed_dictionaries({"opinion": _TEXT}),
        "give_feedback": st.fixed_dictionaries({"satisfaction": st.sampled_from(gc.SATISFACTION)}),
    },
    actors=[
        WORKER,
        RESIDENT,
        HEAD,
        OTHER_HEAD,
        COMMUNITY,
        STREET,
        DISTRICT,
        VERIFIER,
        Actor("grid.both", roles={"grid_head", "verifier"}, unit=GRID),
        *(department(u) for u in ROUTES.units()[:4]),
        Actor("outsider", roles=set(), unit="elsewhere"),
    ],
)


@GridCaseMachine.add_invariant
def record_matches_history(engine: Engine, instance: Any) -> None:
    """The case's counters agree with its audit trail, and a closed case has its answer."""
    events = [e for e in engine.history(instance.id) if e.kind == "transition"]
    data = instance.data
    assert data["escalations"] == sum(1 for e in events if e.event == "escalate")
    assert data["redirects"] == sum(1 for e in events if e.event == "redirect") == len(data["returned_by"])
    assert data["dispatches"] == sum(1 for e in events if e.event == "dispatch")
    assert data["reworks"] == sum(1 for e in events if e.event == "rework")
    level = gc.LADDER.level_of(instance.state)
    if level is not None:
        assert data["level"] == level.name
    if instance.state == "dispatched":
        assert data["department"] == ROUTES.route(data["category"]).unit
        assert data["department"] not in data["returned_by"]
    if instance.state == "closed":
        assert data["satisfaction"] in gc.SATISFACTION and data["closed_on"] is not None
        checks = [e for e in events if e.event == "verify"]
        handlers = {e.actor for e in events if e.event in {"solve", "handle"}}
        assert checks and checks[-1].actor not in handlers


def _tick_until_quiet(self: Any) -> None:
    """Sweep until quiet; then a second sweep at the same instant finds nothing (see test_rectification)."""
    sweep(self.engine)
    assert self.engine.tick() == [], "a second sweep at the same instant acted again"


_tick_until_quiet.__name__ = "tick"
GridCaseMachine.tick = rule()(_tick_until_quiet)  # type: ignore[method-assign]


class TestGridCaseGenerated(GridCaseMachine.TestCase):  # type: ignore[misc, name-defined]
    """The generated TestCase (derandomized: the coverage check needs cases to climb the ladder)."""

    settings = hypothesis.settings(GridCaseMachine.TestCase.settings, derandomize=True)

    def test_state_machine(self) -> None:
        self.runTest()


GridDutyMachine = stateful_test(
    GRID_DUTY,
    start_at=at(2016, 9, 26),
    data=st.just({"grid": GRID}),
    payloads={
        "record_patrol": st.fixed_dictionaries({"summary": st.sampled_from(["巡查", ""])}),
        "hold_team_meeting": st.fixed_dictionaries({"summary": st.sampled_from(["例会", ""])}),
        "hold_analysis_meeting": st.fixed_dictionaries({"summary": st.sampled_from(["研判会", ""])}),
        "end": st.just({}),
    },
    actors=[
        HEAD,
        OTHER_HEAD,
        COMMUNITY,
        Actor("zheng", roles={"supervisor"}, unit="district.beidajie"),
        Actor("outsider", roles=set(), unit="elsewhere"),
    ],
)
GridDutyMachine.tick = rule()(_tick_until_quiet)  # type: ignore[method-assign]


class TestGridDutyGenerated(GridDutyMachine.TestCase):  # type: ignore[misc, name-defined]
    """The duties' generated TestCase."""

    settings = hypothesis.settings(GridDutyMachine.TestCase.settings, derandomize=True)

    def test_state_machine(self) -> None:
        self.runTest()


def test_dates_used_here_are_the_prc_calendars() -> None:
    """The scenario dates above rest on these days of the 2016 calendar."""
    from govflow.calendar import china_calendar

    prc = china_calendar()
    assert prc.add_working_days(date(2016, 9, 29), 5) == date(2016, 10, 11)
    assert prc.is_working_day(date(2016, 10, 8)) and prc.is_working_day(date(2016, 10, 9))
    assert not prc.is_working_day(date(2016, 10, 7))


# -- the demo ---------------------------------------------------------------------------------------


def test_a_street_office_month() -> None:
    import random

    from govflow.demo.street_office import MONTH_START, demo_month

    engine = Engine(storage=MemoryStorage(), clock=FakeClock(MONTH_START))
    month = demo_month(engine, random.Random(2026))
    assert month.cases == len(month.case_ids) == 36
    assert month.by_state.get("closed", 0) == 35 and month.by_state.get("reported", 0) == 1
    assert month.redirected >= 1 and month.dispatched >= 10 and month.handled_late >= 1
    assert set(month.by_top_level) == set(gc.LEVELS)
    assert sum(month.answers.values()) == 35
    assert [rank for rank, _, _ in month.ranking] == list(range(1, 7))
    assert sorted(month.petitions) == ["1号", "2号"]
    assert "extended 15 days, late: no" in month.petitions["2号"]
    assert month.broken == 0 and engine.verify_all() == []
    assert any("转办" in line for line in month.lines())
    with pytest.raises(TypeError):
        from govflow.clock import SystemClock

        demo_month(Engine(storage=MemoryStorage(), clock=SystemClock()), random.Random(1))

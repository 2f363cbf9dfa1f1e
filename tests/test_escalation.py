"""Escalation to a named level or unit, and the power it gives the role-holders there (督办)."""

from __future__ import annotations

from datetime import datetime

import pytest

from govflow import Actor, Engine, State, Transition, Workflow
from govflow.access import NotInitiator
from govflow.clock import SHANGHAI, FakeClock
from govflow.deadlines import Deadline, Escalate, WorkingDays, action_text
from govflow.definition import Workflow as WorkflowType
from govflow.directory import Directory
from govflow.errors import DefinitionError, PermissionDenied
from govflow.storage import Storage

UNITS = """id,name,parent,kind,line
district,区政府,,区,
district.street,北大街街道办事处,district,街道,
district.street.community,和平社区,district.street,社区,
district.street.community.grid3,第三网格,district.street.community,网格,
"""
POSTS = """person,position,unit,start,end,portfolio,line
grid.li,grid_worker,district.street.community.grid3,2016-01-01,,,
community.wu,community_head,district.street.community,2016-01-01,,,
street.zhao,street_head,district.street,2016-01-01,,,
street.qian,street_head,district,2016-01-01,,,
"""
GRID_WORKER = Actor("grid.li", unit="district.street.community.grid3")
STREET_HEAD = Actor("street.zhao", unit="district.street")


def case_flow(action: Escalate, *, separation: bool = False) -> Workflow:
    """A grid case the grid must settle in 3 working days, else it goes up."""
    limit = Deadline("handle", WorkingDays(3), action=action, satisfied_by="settle", label="限期办理")
    return Workflow(
        name="grid_case",
        version=1,
        title="网格民情",
        states=[
            State("handling", "办理中", initial=True, deadlines=[limit]),
            State("settled", "已办结"),
            State("closed", "已关闭", final=True),
        ],
        transitions=[
            Transition(
                "settle",
                source="handling",
                dest="settled",
                roles={"grid_worker"},
                separation=[NotInitiator()] if separation else [],
            ),
            Transition("lapse", source="handling", dest="closed", roles={"system"}),
            Transition("close", source="settled", dest="closed", roles={"grid_worker"}),
        ],
    )


def engine_for(storage: Storage, action: Escalate, **kw: bool) -> tuple[Engine, FakeClock]:
    clock = FakeClock(datetime(2016, 9, 26, 9, tzinfo=SHANGHAI))  # Monday before National Day
    directory = Directory.from_csv(UNITS, POSTS)
    return Engine(storage=storage, workflows=[case_flow(action, **kw)], clock=clock, directory=directory), clock


def test_escalation_climbs_to_the_named_level_and_gives_its_role_power(storage: Storage) -> None:
    engine, clock = engine_for(storage, Escalate(to_role="street_head", to_level="街道"))
    case = engine.start("grid_case", actor=GRID_WORKER)
    assert engine.available(case.id, STREET_HEAD) == []  # not escalated yet: the street cannot act
    with pytest.raises(PermissionDenied):
        engine.fire(case.id, "settle", actor=STREET_HEAD)
    clock.set(datetime(2016, 10, 10, 9, tzinfo=SHANGHAI))  # 3 working days: 9/27-9/29; National Day off
    engine.tick()
    case = engine.get(case.id)
    assert case.unit == "district.street"  # past the community, straight to the street office
    [escalation] = case.marks["escalations"]
    assert (escalation["to_role"], escalation["to_unit"], escalation["state"]) == (
        "street_head",
        "district.street",
        "handling",
    )
    last = engine.history(case.id)[-1]
    assert (last.event, last.detail["from_unit"], last.detail["to_unit"]) == (
        "escalate",
        "district.street.community.grid3",
        "district.street",
    )
    assert engine.available(case.id, STREET_HEAD) == ["settle"]
    assert [item.instance.id for item in engine.inbox(STREET_HEAD)] == [case.id]
    # the street head of another unit (the district) holds the role elsewhere: no power here
    with pytest.raises(PermissionDenied):
        engine.fire(case.id, "settle", actor=Actor("street.qian", unit="district"))
    settled = engine.fire(case.id, "settle", actor=STREET_HEAD)
    assert settled.state == "settled"
    assert engine.history(case.id)[-1].detail["via"] == "escalation"
    # the escalation stood only in the state it was made in: once settled, the street has no power
    assert engine.available(case.id, STREET_HEAD) == []
    assert engine.available(case.id, GRID_WORKER) == ["close"]
    engine.verify(case.id)


def test_escalation_to_a_named_unit(storage: Storage) -> None:
    engine, clock = engine_for(storage, Escalate(to_role="street_head", to_unit="district.street"))
    case = engine.start("grid_case", actor=GRID_WORKER)
    clock.set(datetime(2016, 10, 10, 9, tzinfo=SHANGHAI))
    engine.tick()
    assert engine.get(case.id).unit == "district.street"
    assert engine.available(case.id, STREET_HEAD) == ["settle"]


def test_separation_rules_still_bind_the_escalated_role(storage: Storage) -> None:
    engine, clock = engine_for(storage, Escalate(to_role="street_head", to_level="街道"), separation=True)
    case = engine.start("grid_case", actor=STREET_HEAD)  # the street head reported it himself
    clock.set(datetime(2016, 10, 10, 9, tzinfo=SHANGHAI))
    engine.tick()
    with pytest.raises(PermissionDenied, match="not-initiator"):
        engine.fire(case.id, "settle", actor=STREET_HEAD)


def test_no_unit_of_the_level_above_keeps_the_case_and_says_why(storage: Storage) -> None:
    engine, clock = engine_for(storage, Escalate(to_role="street_head", to_level="市"))
    case = engine.start("grid_case", actor=GRID_WORKER)
    clock.set(datetime(2016, 10, 10, 9, tzinfo=SHANGHAI))
    engine.tick()
    case = engine.get(case.id)
    assert case.unit == "district.street.community.grid3"
    assert "no unit of level '市' above" in engine.history(case.id)[-1].detail["note"]


def test_role_only_escalation_gives_power_in_the_case_unit_or_above(storage: Storage) -> None:
    engine, clock = engine_for(storage, Escalate(to_role="street_head"))
    case = engine.start("grid_case", actor=GRID_WORKER)
    clock.set(datetime(2016, 10, 10, 9, tzinfo=SHANGHAI))
    engine.tick()
    assert engine.get(case.id).unit == "district.street.community.grid3"
    assert engine.available(case.id, STREET_HEAD) == ["settle"]


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({}, "name a role"),
        ({"to_parent_unit": True, "to_level": "街道"}, "at most one"),
        ({"to_level": " "}, "to_level must be a non-empty string"),
    ],
)
def test_bad_escalations_are_definition_errors(kwargs: dict[str, object], needle: str) -> None:
    with pytest.raises(DefinitionError, match=needle):
        Escalate(**kwargs)  # type: ignore[arg-type]


def test_escalation_round_trips_and_reads_for_people() -> None:
    wf = case_flow(Escalate(to_role="street_head", to_level="街道"))
    assert WorkflowType.from_json(wf.to_json()) == wf
    assert action_text(Escalate(to_role="street_head", to_level="街道")) == (
        "escalate to role street_head and the nearest 街道 above"
    )

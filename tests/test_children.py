"""Child instances: spawned with the parent's step, joined on a share, settled when the parent ends."""

from __future__ import annotations

from datetime import datetime

import pytest

from govflow import Actor, Engine, State, Transition, Workflow
from govflow.children import KEEP, Spawn, join
from govflow.clock import SHANGHAI, FakeClock
from govflow.errors import DefinitionError, GuardRejected, UnknownWorkflow
from govflow.storage import Storage

LEAD = Actor("office", roles={"safety_office"}, unit="county")
UNIT = Actor("unit-clerk", roles={"unit_clerk"}, unit="county.u1")
INSPECTOR = Actor("inspector", roles={"inspector"}, unit="county")

SELF_INSPECTION = Workflow(
    name="self_inspection",
    version=1,
    title="单位自查",
    states=[
        State("pending", "待自查", initial=True),
        State("submitted", "已报自查"),
        State("accepted", "验收合格", final=True),
        State("failed", "验收不合格", final=True),
        State("cancelled", "已撤销", final=True),
    ],
    transitions=[
        Transition("submit", source="pending", dest="submitted", roles={"unit_clerk"}),
        Transition("accept", source="submitted", dest="accepted", roles={"inspector"}),
        Transition("fail", source="submitted", dest="failed", roles={"inspector"}),
        Transition("cancel", source="*", dest="cancelled", roles={"system"}),
    ],
    start_roles={"safety_office"},
)

CAMPAIGN = Workflow(
    name="campaign",
    version=1,
    title="安全生产专项行动",
    states=[
        State("deploying", "动员部署", initial=True),
        State("inspecting", "自查自纠"),
        State("accepted", "总结验收", final=True),
        State("called_off", "终止", final=True),
        State("closed_early", "提前结束", final=True),
    ],
    transitions=[
        Transition("deploy", source="deploying", dest="inspecting", roles={"safety_office"},
                   spawn=[Spawn("self_inspection", per="units", label="各单位自查")]),
        Transition("conclude", source="inspecting", dest="accepted", roles={"safety_office"},
                   guards=[join("self_inspection", ["accepted", "failed"], share=0.9)]),
        Transition("call_off", source="inspecting", dest="called_off", roles={"safety_office"},
                   settle_children="cancel"),
        Transition("close_early", source="inspecting", dest="closed_early", roles={"safety_office"}),
        Transition("wrap_up", source="inspecting", dest="closed_early", roles={"inspector"}, settle_children=KEEP),
    ],
)  # fmt: skip

UNITS = [f"county.u{n}" for n in range(1, 11)]


@pytest.fixture
def engine(storage: Storage) -> Engine:
    return Engine(
        storage=storage,
        workflows=[CAMPAIGN, SELF_INSPECTION],
        clock=FakeClock(datetime(2026, 12, 10, 9, tzinfo=SHANGHAI)),
    )


def deployed(engine: Engine) -> str:
    campaign = engine.start("campaign", actor=LEAD, data={"units": UNITS})
    return engine.fire(campaign.id, "deploy", actor=LEAD).id


def test_spawn_one_child_per_unit_with_the_parents_step(engine: Engine) -> None:
    cid = deployed(engine)
    kids = engine.children(cid)
    assert sorted(k.unit for k in kids) == sorted(UNITS)
    assert {k.state for k in kids} == {"pending"} and {k.parent_id for k in kids} == {cid}
    assert engine.children_summary(cid)["by_state"] == {"pending": 10}


def test_join_waits_for_a_share_of_children(engine: Engine) -> None:
    cid = deployed(engine)
    kids = engine.children(cid)
    for kid in kids[:8]:
        engine.fire(kid.id, "submit", actor=UNIT)
        engine.fire(kid.id, "accept", actor=INSPECTOR)
    with pytest.raises(GuardRejected, match=r"8 of 10 children accepted/failed \(80%\); 90% needed"):
        engine.fire(cid, "conclude", actor=LEAD)
    engine.fire(kids[8].id, "submit", actor=UNIT)
    engine.fire(kids[8].id, "fail", actor=INSPECTOR)
    # 90% (inclusive) are settled; the tenth is still pending — which the parent must then say something about.
    with pytest.raises(GuardRejected, match="still in flight; declare Transition"):
        engine.fire(cid, "conclude", actor=LEAD)


def test_calling_off_cancels_children_in_the_same_transaction(engine: Engine) -> None:
    cid = deployed(engine)
    first = engine.children(cid)[0]
    engine.fire(first.id, "submit", actor=UNIT)
    engine.fire(first.id, "accept", actor=INSPECTOR)
    engine.fire(cid, "call_off", actor=LEAD)
    summary = engine.children_summary(cid)
    assert summary["by_state"] == {"accepted": 1, "cancelled": 9}
    cancelled = next(k for k in engine.children(cid) if k.state == "cancelled")
    last = engine.history(cancelled.id)[-1]
    assert (last.event, last.actor) == ("cancel", "system")
    engine.verify(cancelled.id)


def test_ending_with_children_in_flight_must_say_what_happens_to_them(engine: Engine) -> None:
    cid = deployed(engine)
    before = (engine.get(cid), [k.state for k in engine.children(cid)])
    with pytest.raises(GuardRejected, match="10 child instance\\(s\\) are still in flight"):
        engine.fire(cid, "close_early", actor=LEAD)
    assert (engine.get(cid), [k.state for k in engine.children(cid)]) == before
    assert engine.fire(cid, "wrap_up", actor=INSPECTOR).state == "closed_early"  # "keep": children go on
    assert {k.state for k in engine.children(cid)} == {"pending"}


def test_a_child_workflow_that_is_not_registered(storage: Storage) -> None:
    engine = Engine(storage=storage, workflows=[CAMPAIGN], clock=FakeClock(datetime(2026, 12, 10, 9, tzinfo=SHANGHAI)))
    campaign = engine.start("campaign", actor=LEAD, data={"units": UNITS})
    with pytest.raises(UnknownWorkflow, match="self_inspection"):
        engine.fire(campaign.id, "deploy", actor=LEAD)
    assert engine.get(campaign.id).revision == 1 and engine.count("self_inspection") == 0


def test_a_child_start_that_fails_rolls_back_the_parent(engine: Engine) -> None:
    clerk = Actor("c", roles={"unit_clerk", "safety_office"})
    campaign = engine.start("campaign", actor=LEAD, data={"units": [*UNITS[:2], 42]})
    with pytest.raises(Exception, match="must be a unit id or a mapping"):
        engine.fire(campaign.id, "deploy", actor=clerk)
    assert engine.get(campaign.id).state == "deploying" and engine.count("self_inspection") == 0


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"share": 1.5}, "share must be in"),
        ({"count": 0}, "count must be at least 1"),
        ({"share": 0.5, "count": 2}, "not both"),
    ],
)
def test_impossible_joins_are_definition_errors(kw: dict[str, float], message: str) -> None:
    with pytest.raises(DefinitionError, match=message):
        join("self_inspection", ["accepted"], **kw)  # type: ignore[arg-type]


def test_static_check_finds_joins_that_can_never_be_met() -> None:
    from govflow import check

    orphan = Workflow(
        name="orphan", version=1,
        states=[State("a", initial=True), State("z", final=True)],
        transitions=[Transition("go", source="a", dest="z", roles={"r"}, guards=[join("self_inspection", "accepted")])],
    )  # fmt: skip
    assert any("no transition spawns them" in f for f in check(orphan))
    wrong_state = Workflow(
        name="wrong", version=1,
        states=[State("a", initial=True), State("b"), State("z", final=True)],
        transitions=[
            Transition("go", source="a", dest="b", roles={"r"}, spawn=[Spawn("self_inspection", per="units")]),
            Transition("end", source="b", dest="z", roles={"r"}, guards=[join("self_inspection", "approved")],
                       settle_children=KEEP),
        ],
    )  # fmt: skip
    assert any("no such state" in f for f in check(wrong_state, others=[SELF_INSPECTION]))
    assert check(CAMPAIGN, others=[SELF_INSPECTION]) == []

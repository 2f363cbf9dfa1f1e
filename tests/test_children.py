"""Child instances: spawned with the parent's step, joined on a share, settled when the parent ends."""

from __future__ import annotations

from datetime import datetime

import pytest

from govflow import Actor, Engine, State, Transition, Workflow
from govflow.children import KEEP, ChildReport, Spawn, join
from govflow.clock import SHANGHAI, FakeClock
from govflow.effects import EffectContext, effect
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


# -- children report their outcomes up (上报结果) -------------------------------------------------


@effect("tests.children.tally_report")
def tally_report(ctx: EffectContext) -> None:
    """The parent keeps a ledger: outcome per unit, and the deductions reported."""
    ctx.data["outcomes"] = {**ctx.data.get("outcomes", {}), ctx.payload["unit"]: ctx.payload["outcome"]}
    ctx.data["deducted"] = ctx.data.get("deducted", 0) + (ctx.payload["outputs"].get("deduction") or 0)


REPORTING = Workflow(
    name="reporting_campaign", version=1, title="专项行动(上报结果)",
    states=[State("deploying", "动员部署", initial=True), State("inspecting", "自查自纠"),
            State("reviewing", "总结"), State("done", "结束", final=True), State("called_off", "终止", final=True)],
    transitions=[
        Transition("deploy", source="deploying", dest="inspecting", roles={"safety_office"},
                   spawn=[Spawn("self_inspection", per="units", report="unit_reported", outputs=["deduction"])]),
        Transition("unit_reported", source="inspecting", dest="inspecting", roles={"system"},
                   payload_schema=ChildReport, effects=[tally_report], label="单位上报"),
        Transition("review", source="inspecting", dest="reviewing", roles={"safety_office"}, settle_children=KEEP),
        Transition("finish", source="reviewing", dest="done", roles={"safety_office"}, settle_children=KEEP),
        Transition("call_off", source="inspecting", dest="called_off", roles={"safety_office"},
                   settle_children="cancel"),
    ],
)  # fmt: skip


def reporting_engine(storage: Storage) -> Engine:
    clock = FakeClock(datetime(2026, 12, 10, 9, tzinfo=SHANGHAI))
    return Engine(storage=storage, workflows=[REPORTING, SELF_INSPECTION], clock=clock)


def deploy_reporting(engine: Engine, units: list[str]) -> str:
    parent = engine.start("reporting_campaign", actor=LEAD, data={"units": units})
    return engine.fire(parent.id, "deploy", actor=LEAD).id


def test_a_child_that_ends_reports_to_its_parent_in_the_same_step(storage: Storage) -> None:
    engine = reporting_engine(storage)
    parent_id = deploy_reporting(engine, ["county.u1", "county.u2"])
    first = engine.children(parent_id, unit="county.u1")[0]
    second = engine.children(parent_id, unit="county.u2")[0]
    engine.fire(first.id, "submit", actor=UNIT, payload={"deduction": 2})
    engine.fire(first.id, "fail", actor=INSPECTOR)
    parent = engine.get(parent_id)
    assert parent.state == "inspecting"
    assert parent.data["outcomes"] == {"county.u1": "failed"}
    assert parent.data["deducted"] == 2
    report = engine.history(parent_id)[-1]
    assert (report.event, report.actor) == ("unit_reported", "system")
    assert report.payload == {"child_id": first.id, "workflow": "self_inspection", "unit": "county.u1",
                              "outcome": "failed", "outputs": {"deduction": 2}}  # fmt: skip
    engine.fire(second.id, "submit", actor=UNIT)
    engine.fire(second.id, "accept", actor=INSPECTOR)
    assert engine.get(parent_id).data["outcomes"] == {"county.u1": "failed", "county.u2": "accepted"}
    engine.verify(parent_id)


def test_a_report_the_parent_cannot_take_is_kept_as_a_note(storage: Storage) -> None:
    engine = reporting_engine(storage)
    parent_id = deploy_reporting(engine, ["county.u1"])
    engine.fire(parent_id, "review", actor=LEAD)  # moved on: reviewing takes no reports
    child = engine.children(parent_id)[0]
    engine.fire(child.id, "submit", actor=UNIT)
    assert engine.fire(child.id, "accept", actor=INSPECTOR).state == "accepted"  # never an error for the child
    note = engine.history(parent_id)[-1]
    assert (note.kind, note.event) == ("note", "child_reported")
    assert note.detail["outcome"] == "accepted"
    assert "reviewing" in note.detail["not_taken"]
    assert engine.get(parent_id).state == "reviewing"
    engine.verify(parent_id)


def test_children_the_parent_settles_do_not_report_back(storage: Storage) -> None:
    engine = reporting_engine(storage)
    parent_id = deploy_reporting(engine, ["county.u1", "county.u2"])
    engine.fire(parent_id, "call_off", actor=LEAD)
    assert engine.children_summary(parent_id)["by_state"] == {"cancelled": 2}
    assert [e.event for e in engine.history(parent_id)] == ["start", "deploy", "call_off"]


def test_report_wiring_is_checked_when_the_parent_is_built() -> None:
    def parent(*reported: Transition) -> Workflow:
        return Workflow(
            name="p", version=1,
            states=[State("a", initial=True), State("b"), State("z", final=True)],
            transitions=[Transition("go", source="a", dest="b", roles={"r"},
                                    spawn=[Spawn("self_inspection", per="units", report="done_one")]),
                         Transition("end", source="b", dest="z", roles={"r"}, settle_children=KEEP), *reported],
        )  # fmt: skip

    with pytest.raises(DefinitionError, match="report with 'done_one', which no transition takes"):
        parent()
    with pytest.raises(DefinitionError, match="must declare payload_schema=ChildReport"):
        parent(Transition("done_one", source="b", dest="b", roles={"system"}))
    with pytest.raises(DefinitionError, match="must allow the role 'system'"):
        parent(Transition("done_one", source="b", dest="b", roles={"r"}, payload_schema=ChildReport))
    assert Workflow.from_json(REPORTING.to_json()) == REPORTING


def test_definitions_with_spawns_are_hashable() -> None:
    """Loading modules de-duplicates workflows by hash; a spawn's data dict must not break it."""
    with_data = Spawn("self_inspection", per="units", data={"year": 2026})
    assert hash(with_data) == hash(Spawn("self_inspection", per="units", data={"year": 2027}))
    assert with_data != Spawn("self_inspection", per="units", data={"year": 2027})
    assert len({REPORTING, REPORTING}) == 1


def test_check_knows_the_events_the_engine_fires() -> None:
    """A child's `cancel` (system only) is fired by a parent settling it; a report event by a child."""
    from govflow import check

    alone = [f for f in check(SELF_INSPECTION) if "'cancel'" in f]
    assert alone == ["transition 'cancel' can only be fired by the system role, and no deadline fires it"]
    assert not [f for f in check(SELF_INSPECTION, others=[CAMPAIGN]) if "'cancel'" in f]
    assert not [f for f in check(REPORTING, others=[SELF_INSPECTION]) if "unit_reported" in f]

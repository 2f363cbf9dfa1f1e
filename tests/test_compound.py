"""Compound states (复合状态): a phase with its own sub-stages, on transitions' hierarchical
machine — paths, inherited transitions, deadlines per compound, and history kept when work is
suspended and resumed (停工/复工)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import attrs
import pytest

from govflow import Actor, Days, Deadline, Engine, State, Transition, Workflow
from govflow.children import Spawn, join
from govflow.clock import SHANGHAI, FakeClock
from govflow.deadlines import FireEvent
from govflow.diagram import dot, mermaid
from govflow.effects import EffectContext, effect
from govflow.errors import DefinitionError, GuardRejected, PermissionDenied, TransitionNotAllowed
from govflow.phases import Window
from govflow.storage import SQLiteStorage, Storage
from govflow.testing import stateful_test

BUILDER = Actor("builder", roles={"builder"}, unit="county.works")
SUPERVISOR = Actor("supervisor", roles={"supervisor"}, unit="county")
INSPECTOR = Actor("inspector", roles={"inspector"}, unit="county")


@effect("tests.compound.count_stage")
def count_stage(ctx: EffectContext) -> None:
    ctx.data["stages_done"] = ctx.data.get("stages_done", 0) + 1


WORKS = Workflow(
    name="works", version=1, title="工程施工",
    states=[
        State("planning", "规划", initial=True),
        State(
            "building", "施工中",
            deadlines=[Deadline("works_limit", Days(60), label="工期"),
                       Deadline("idle_stop", Days(90), action=FireEvent("suspend"), label="超期停工")],
            window=Window(about=Days(60)),
            states=[
                State("foundation", "基础", initial=True),
                State("structure", "主体", deadlines=[Deadline("structure_limit", Days(20), label="主体工期")]),
                State("finishing", "装修"),
            ],
        ),
        State("suspended", "停工"),
        State("accepted", "竣工验收", final=True),
        State("abandoned", "撤销", final=True),
    ],
    transitions=[
        Transition("begin", source="planning", dest="building", roles={"builder"}, label="开工"),
        Transition("next", source="building.foundation", dest="building.structure", roles={"builder"},
                   effects=[count_stage], label="下一阶段"),
        Transition("next", source="building.structure", dest="building.finishing", roles={"builder"},
                   effects=[count_stage], label="下一阶段"),
        Transition("suspend", source="building", dest="suspended", roles={"supervisor", "system"}, label="停工"),
        Transition("resume", source="suspended", dest="building", roles={"supervisor"}, history=True, label="复工"),
        Transition("redo", source="suspended", dest="building", roles={"supervisor"}, label="重新开工"),
        Transition("accept", source="building.finishing", dest="accepted", roles={"inspector"}, label="验收"),
        Transition("abandon", source=["planning", "suspended"], dest="abandoned", roles={"supervisor"}, label="撤销"),
    ],
)  # fmt: skip


def at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 9, tzinfo=SHANGHAI)


def engine_for(storage: Storage, *workflows: Workflow) -> tuple[Engine, FakeClock]:
    clock = FakeClock(at(3, 2))
    return Engine(storage=storage, workflows=list(workflows or [WORKS]), clock=clock), clock


def test_paths_leaves_and_entry() -> None:
    assert [s.name for s in WORKS.leaves] == [
        "planning", "building.foundation", "building.structure", "building.finishing",
        "suspended", "accepted", "abandoned",
    ]  # fmt: skip
    assert WORKS.entry("building") == "building.foundation"
    assert WORKS.inside("building") == ("building.foundation", "building.structure", "building.finishing")
    assert WORKS.state("building.structure").display == "building.structure (主体)"
    assert WORKS.state("building").compound
    assert Workflow.from_json(WORKS.to_json()) == WORKS


def test_a_transition_on_the_compound_applies_in_every_sub_state(storage: Storage) -> None:
    engine, _ = engine_for(storage)
    for steps in (0, 1, 2):
        inst = engine.start("works", actor=BUILDER)
        engine.fire(inst.id, "begin", actor=BUILDER)
        for _ in range(steps):
            engine.fire(inst.id, "next", actor=BUILDER)
        here = engine.get(inst.id).state
        assert "suspend" in engine.available(inst.id, SUPERVISOR)
        assert engine.fire(inst.id, "suspend", actor=SUPERVISOR).state == "suspended"
        assert engine.history(inst.id)[-1].source == here


def test_history_resumes_the_sub_stage_where_work_stopped(storage: Storage) -> None:
    """停工 in 主体 and 复工 back into 主体, not into 基础; 重新开工 starts from 基础."""
    engine, _ = engine_for(storage)
    inst = engine.start("works", actor=BUILDER)
    engine.fire(inst.id, "begin", actor=BUILDER)
    engine.fire(inst.id, "next", actor=BUILDER)
    engine.fire(inst.id, "suspend", actor=SUPERVISOR)
    resumed = engine.fire(inst.id, "resume", actor=SUPERVISOR)
    assert resumed.state == "building.structure"
    assert engine.history(inst.id)[-1].detail["history"] == {"state": "building", "resumed": "building.structure"}
    assert resumed.data == {"stages_done": 1}  # the effect ran once, through the hierarchical machine
    engine.fire(inst.id, "suspend", actor=SUPERVISOR)
    assert engine.fire(inst.id, "redo", actor=SUPERVISOR).state == "building.foundation"
    engine.fire(inst.id, "next", actor=BUILDER)
    engine.fire(inst.id, "next", actor=BUILDER)
    assert engine.fire(inst.id, "accept", actor=INSPECTOR).state == "accepted"
    engine.verify(inst.id)


def test_history_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "works.db"
    engine, _ = engine_for(SQLiteStorage(path))
    inst = engine.start("works", actor=BUILDER)
    engine.fire(inst.id, "begin", actor=BUILDER)
    engine.fire(inst.id, "next", actor=BUILDER)
    engine.fire(inst.id, "next", actor=BUILDER)
    engine.fire(inst.id, "suspend", actor=SUPERVISOR)
    again, _ = engine_for(SQLiteStorage(path))
    assert again.fire(inst.id, "resume", actor=SUPERVISOR).state == "building.finishing"


def test_resuming_a_phase_never_left_enters_its_initial_sub_state(storage: Storage) -> None:
    wf = attrs.evolve(
        WORKS, name="works2",
        transitions=[*WORKS.transitions,
                     Transition("hold", source="planning", dest="suspended", roles={"supervisor"}, label="缓建")],
    )  # fmt: skip
    engine, _ = engine_for(storage, wf)
    inst = engine.start("works2", actor=BUILDER)
    engine.fire(inst.id, "hold", actor=SUPERVISOR)
    assert engine.fire(inst.id, "resume", actor=SUPERVISOR).state == "building.foundation"
    assert engine.history(inst.id)[-1].detail["history"] == {"state": "building", "resumed": None}


def test_the_compound_deadlines_run_across_its_sub_states(storage: Storage) -> None:
    engine, clock = engine_for(storage)
    inst = engine.start("works", actor=BUILDER)
    engine.fire(inst.id, "begin", actor=BUILDER)
    entered = engine.history(inst.id)[-1].detail["window"]
    assert entered == {"state": "building", "start": None, "end": None, "entered": "in window"}

    def open_timers() -> set[tuple[str | None, str]]:
        return {(t.state, t.name) for t in engine.timers(inst.id)}

    building = {("building", "works_limit"), ("building", "idle_stop"), ("building", "window")}
    assert open_timers() == building
    clock.set(at(3, 5))
    engine.fire(inst.id, "next", actor=BUILDER)
    assert open_timers() == building | {("building.structure", "structure_limit")}
    engine.fire(inst.id, "next", actor=BUILDER)
    assert open_timers() == building  # the sub-stage's own deadline went with it, the phase's stayed
    assert engine.timers(inst.id)[0].params["due_date"] == "2026-05-01"  # 60 days from 3/2, not from 3/5
    engine.fire(inst.id, "suspend", actor=SUPERVISOR)
    assert open_timers() == set()  # leaving the phase cancels its deadlines


def test_a_deadline_on_the_compound_fires_from_any_sub_state(storage: Storage) -> None:
    engine, clock = engine_for(storage)
    inst = engine.start("works", actor=BUILDER)
    engine.fire(inst.id, "begin", actor=BUILDER)
    engine.fire(inst.id, "next", actor=BUILDER)
    clock.set(at(6, 2))  # 92 days later: the 90-day stop has passed
    engine.tick()
    after = engine.get(inst.id)
    assert after.state == "suspended"
    assert after.marks["history"] == {"building": "building.structure"}
    assert engine.fire(inst.id, "resume", actor=SUPERVISOR).state == "building.structure"


def test_queries_on_a_compound_state_match_its_sub_states(storage: Storage) -> None:
    engine, _ = engine_for(storage)
    ids = []
    for steps in (0, 1, 2):
        inst = engine.start("works", actor=BUILDER)
        engine.fire(inst.id, "begin", actor=BUILDER)
        for _ in range(steps):
            engine.fire(inst.id, "next", actor=BUILDER)
        ids.append(inst.id)
    engine.start("works", actor=BUILDER)
    assert engine.count("works", state="building") == 3
    assert {i.id for i in engine.find("works", state="building")} == set(ids)
    assert engine.count("works", state="building.structure") == 1
    assert engine.count("works", state=["planning", "building"]) == 4


def test_a_join_may_wait_on_a_compound_state(storage: Storage) -> None:
    county = Workflow(
        name="county_works", version=1,
        states=[State("launching", "部署", initial=True), State("running", "推进"), State("done", "完成", final=True)],
        transitions=[
            Transition("launch", source="launching", dest="running", roles={"supervisor"},
                       spawn=[Spawn("works", per="sites")]),
            Transition("review", source="running", dest="done", roles={"supervisor"},
                       guards=[join("works", "building", share=0.5)], settle_children="keep"),
        ],
    )  # fmt: skip
    engine, _ = engine_for(storage, WORKS, county)
    parent = engine.start("county_works", actor=SUPERVISOR, data={"sites": ["county.a", "county.b"]})
    engine.fire(parent.id, "launch", actor=SUPERVISOR)
    with pytest.raises(GuardRejected, match=r"0 of 2 children building \(0%\); 50% needed"):
        engine.fire(parent.id, "review", actor=SUPERVISOR)
    child = engine.children(parent.id)[0]
    engine.fire(child.id, "begin", actor=BUILDER)
    engine.fire(child.id, "next", actor=BUILDER)
    assert engine.fire(parent.id, "review", actor=SUPERVISOR).state == "done"


def test_wrong_sub_state_wrong_role_write_nothing(storage: Storage) -> None:
    engine, _ = engine_for(storage)
    inst = engine.start("works", actor=BUILDER)
    engine.fire(inst.id, "begin", actor=BUILDER)
    with pytest.raises(TransitionNotAllowed, match=r"building\.foundation"):
        engine.fire(inst.id, "accept", actor=INSPECTOR)  # only from 装修
    with pytest.raises(PermissionDenied):
        engine.fire(inst.id, "suspend", actor=BUILDER)
    assert engine.get(inst.id).revision == 2
    assert engine.get(inst.id).state == "building.foundation"


def test_an_inner_transition_is_tried_before_the_compound_one(storage: Storage) -> None:
    """As in a hierarchical machine: a sub-state's own transition on an event wins."""
    wf = Workflow(
        name="nested", version=1,
        states=[State("phase", "阶段", initial=True, states=[State("a", "甲", initial=True), State("b", "乙")]),
                State("out", "出", final=True), State("fast", "快", final=True)],
        transitions=[
            Transition("step", source="phase.a", dest="phase.b", roles={"r"}, label="下一步"),
            Transition("leave", source="phase", dest="out", roles={"r"}, label="退出"),
            Transition("leave", source="phase.b", dest="fast", roles={"r"}, label="快速退出"),
        ],
    )  # fmt: skip
    engine, _ = engine_for(storage, wf)
    actor = Actor("x", roles={"r"})
    first = engine.start("nested", actor=actor)
    assert first.state == "phase.a"  # a compound initial state starts in its initial sub-state
    assert engine.fire(first.id, "leave", actor=actor).state == "out"
    second = engine.start("nested", actor=actor)
    engine.fire(second.id, "step", actor=actor)
    assert engine.fire(second.id, "leave", actor=actor).state == "fast"


@pytest.mark.parametrize(
    ("states", "transitions", "problem"),
    [
        ([State("p", initial=True, states=[State("a"), State("b")]), State("z", final=True)],
         [Transition("go", source="p", dest="z", roles={"r"})], "no initial state in 'p'"),
        ([State("p", initial=True, states=[State("a", initial=True), State("b", initial=True)]),
          State("z", final=True)],
         [Transition("go", source="p", dest="z", roles={"r"})], "several initial states in 'p': a, b"),
        ([State("p", initial=True, states=[State("a", initial=True), State("b", final=True)]),
          State("z", final=True)],
         [Transition("go", source="p", dest="z", roles={"r"})], "sub-state 'b' of 'p' cannot be final"),
        ([State("p.q", initial=True), State("z", final=True)],
         [Transition("go", source="p.q", dest="z", roles={"r"})], "contains '.'"),
        ([State("p", initial=True), State("z", final=True)],
         [Transition("go", source="p", dest="z", roles={"r"}, history=True)], "which has no sub-states"),
        ([State("p", initial=True, states=[State("a", initial=True), State("b")]), State("z", final=True)],
         [Transition("go", source="p", dest="z", roles={"r"})], "state 'p.b' cannot be reached from 'p.a'"),
        ([State("p", initial=True, states=[State("a", initial=True)]), State("z", final=True)],
         [Transition("go", source="p.nope", dest="z", roles={"r"})], "unknown state 'p.nope'"),
    ],
)  # fmt: skip
def test_broken_compound_definitions_are_refused(
    states: list[State], transitions: list[Transition], problem: str
) -> None:
    with pytest.raises(DefinitionError) as err:
        Workflow(name="bad", version=1, states=states, transitions=transitions)
    assert problem in "; ".join(err.value.problems)


def test_sub_stage_windows_are_sequential_too() -> None:
    with pytest.raises(DefinitionError, match=r"windows of 'a' .* and 'b' .* overlap"):
        Workflow(
            name="bad", version=1, sequential_phases=True,
            states=[State("p", initial=True, states=[
                        State("a", initial=True, window=Window(date(2026, 1, 1), date(2026, 2, 1))),
                        State("b", window=Window(date(2026, 1, 15), date(2026, 3, 1)))]),
                    State("z", final=True)],
            transitions=[Transition("step", source="p.a", dest="p.b", roles={"r"}),
                         Transition("go", source="p", dest="z", roles={"r"})],
        )  # fmt: skip


def test_diagrams_draw_the_compound_as_a_cluster() -> None:
    text = mermaid(WORKS, current="building.structure")
    assert 'state "building (施工中)" as building' in text
    assert "state building {" in text
    assert "[*] --> building.foundation" in text
    assert 'state "structure (主体)" as building.structure' in text
    assert "suspended --> building: resume (复工) [supervisor] resumes history" in text
    assert "building --> suspended: suspend (停工) [supervisor, system]" in text
    assert text.count("--> [*]") == 2  # the two final states
    assert "[*] --> planning" in text
    assert "subgraph cluster_building" in dot(WORKS)


WorksMachine = stateful_test(WORKS, actors=[BUILDER, SUPERVISOR, INSPECTOR])
TestWorksMachine = WorksMachine.TestCase

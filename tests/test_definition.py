"""Definitions are validated when built: every structural fault is a DefinitionError naming it."""

from __future__ import annotations

import json

import attrs
import pytest

from govflow import State, Transition, Workflow, guard
from govflow.errors import DefinitionError


@attrs.frozen
class Trip:
    members: list[str]
    days: int = 1


@guard("test_def.small_group", "a group has at most 6 members", source="seed 003 L92")
def small_group(ctx: object) -> bool:
    return True


def build(states: list[State], transitions: list[Transition], **kw: object) -> Workflow:
    return Workflow(name="w", version=1, states=states, transitions=transitions, **kw)  # type: ignore[arg-type]


A, B, C = State("a", "甲", initial=True), State("b", "乙"), State("c", "丙", final=True)
T_AB = Transition("go", source="a", dest="b", roles={"r"})
T_BC = Transition("end", source="b", dest="c", roles={"r"})


def problems(excinfo: pytest.ExceptionInfo[DefinitionError]) -> str:
    return "; ".join(excinfo.value.problems)


def test_a_valid_definition_builds() -> None:
    wf = build([A, B, C], [T_AB, T_BC])
    assert wf.initial == A
    assert wf.final_states == {"c"}
    assert wf.events == ("go", "end")


def test_duplicate_state() -> None:
    with pytest.raises(DefinitionError) as err:
        build([A, B, State("b"), C], [T_AB, T_BC])
    assert "duplicate state 'b'" in problems(err)


def test_unknown_states_in_transitions() -> None:
    with pytest.raises(DefinitionError) as err:
        build(
            [A, B, C],
            [
                T_AB,
                T_BC,
                Transition("x", source="nowhere", dest="c", roles={"r"}),
                Transition("y", source="b", dest="limbo", roles={"r"}),
            ],
        )
    text = problems(err)
    assert "comes from unknown state 'nowhere'" in text
    assert "goes to unknown state 'limbo'" in text


def test_no_initial_state() -> None:
    with pytest.raises(DefinitionError) as err:
        build([State("a"), B, C], [T_AB, T_BC])
    assert "no initial state" in problems(err)


def test_several_initial_states() -> None:
    with pytest.raises(DefinitionError) as err:
        build([A, State("b", initial=True), C], [T_AB, T_BC])
    assert "several initial states: a, b" in problems(err)


def test_unreachable_state() -> None:
    with pytest.raises(DefinitionError) as err:
        build([A, B, C, State("island", final=True)], [T_AB, T_BC])
    assert "state 'island' cannot be reached from 'a'" in problems(err)


def test_dead_end() -> None:
    with pytest.raises(DefinitionError) as err:
        build([A, B, C], [T_AB, Transition("x", source="a", dest="c", roles={"r"})])
    assert "state 'b' is not final but has no way out" in problems(err)


def test_final_state_with_outgoing_transition() -> None:
    with pytest.raises(DefinitionError) as err:
        build([A, B, C], [T_AB, T_BC, Transition("reopen", source="c", dest="b", roles={"r"})])
    assert "final state 'c' has outgoing transitions (reopen)" in problems(err)


def test_indistinct_transitions() -> None:
    with pytest.raises(DefinitionError) as err:
        build([A, B, C], [T_AB, Transition("go", source="a", dest="c", roles={"r"}), T_BC])
    text = problems(err)
    assert "nothing distinguishes them" in text
    assert "can never be taken" in text


def test_transitions_told_apart_by_guards_are_fine() -> None:
    wf = build(
        [A, B, C],
        [
            Transition("go", source="a", dest="b", roles={"r"}, guards=[small_group]),
            Transition("go", source="a", dest="c", roles={"r"}),
            T_BC,
        ],
    )
    assert len(wf.transitions) == 3


def test_transition_without_roles() -> None:
    with pytest.raises(DefinitionError) as err:
        build([A, B, C], [Transition("go", source="a", dest="b", roles=set()), T_BC])
    assert "names no roles" in problems(err)


def test_every_problem_is_listed_at_once() -> None:
    with pytest.raises(DefinitionError) as err:
        build([State("a"), State("a"), State("z", final=True)], [Transition("x", source="q", dest="z", roles=set())])
    assert len(err.value.problems) >= 4
    assert str(err.value).startswith("workflow 'w' is not valid: ")


def test_bad_version_and_schema() -> None:
    with pytest.raises(DefinitionError) as err:
        Workflow(name="w", version=0, states=[A, B, C], transitions=[T_AB, T_BC])
    assert "version must be a whole number" in problems(err)
    with pytest.raises(DefinitionError) as err:
        build([A, B, C], [T_AB, T_BC], schema=dict)
    assert "is not an attrs class" in problems(err)
    with pytest.raises(DefinitionError) as err:
        build([A, B, C], [T_AB, T_BC], schema=Trip, index=("nope",))
    assert "index field 'nope'" in problems(err)


def test_any_source_expands_to_non_final_states() -> None:
    wf = build(
        [A, B, C, State("withdrawn", "已撤回", final=True)],
        [T_AB, T_BC, Transition("withdraw", source="*", dest="withdrawn", roles={"r"})],
    )
    withdraw = wf.transitions[-1]
    assert wf.sources(withdraw) == ("a", "b")


def test_json_round_trip_resolves_guards_and_schema_by_name() -> None:
    wf = build(
        [A, B, C],
        [Transition("go", source="a", dest="b", roles={"r"}, guards=[small_group], label="报送"), T_BC],
        schema=Trip,
        index=("members",),
        title="测试",
    )
    doc = json.loads(json.dumps(wf.to_json(), ensure_ascii=False))
    assert doc["transitions"][0]["guards"] == ["test_def.small_group"]
    assert doc["schema"].endswith(":Trip")
    again = Workflow.from_json(doc)
    assert again == wf
    assert again.transitions[0].guards[0] is small_group


def test_json_with_unknown_guard_is_a_definition_error() -> None:
    doc = build([A, B, C], [T_AB, T_BC]).to_json()
    doc["transitions"][0]["guards"] = ["no.such.guard"]
    with pytest.raises(DefinitionError, match=r"unknown guard 'no\.such\.guard'"):
        Workflow.from_json(doc)
    with pytest.raises(DefinitionError, match="malformed JSON definition"):
        Workflow.from_json({"name": "w"})

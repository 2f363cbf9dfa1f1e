"""Diagram output: every state label and event present, current state highlighted, deterministic."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from govflow import ANY_SOURCE, State, Transition, Workflow
from govflow.demo import DOC_APPROVAL
from govflow.diagram import dot, edge_label, mermaid, render
from govflow.errors import GovflowError


def withdrawable() -> Workflow:
    """A flow with a withdraw-from-anywhere transition, several roles and a colon in a label."""
    return Workflow(
        name="leave",
        version=2,
        title="请假: 审批",
        states=[
            State("applied", "已申请", initial=True),
            State("granted", "已批准"),
            State("closed", "已办结", final=True),
            State("withdrawn", "已撤回", final=True),
        ],
        transitions=[
            Transition("grant", source="applied", dest="granted", roles={"leader", "deputy"}, label="批准"),
            Transition("close", source="granted", dest="closed", roles={"*"}, label="办结: 归档"),
            Transition("withdraw", source=ANY_SOURCE, dest="withdrawn", roles={"applicant"}, label="撤回"),
        ],
    )


def test_mermaid_has_every_state_label_and_event() -> None:
    text = mermaid(DOC_APPROVAL)
    assert text.startswith("---\ntitle: doc_approval v1 (公文审批)\n---\nstateDiagram-v2\n")
    for state in DOC_APPROVAL.states:
        assert f'state "{state.name} ({state.label})" as {state.name}' in text
    for t in DOC_APPROVAL.transitions:
        assert f"{t.event} ({t.label}) [" in text
    assert (
        "  draft --> submitted: submit (报送) [clerk] if doc_approval.title_given 原则上 doc_approval.page_limit\n"
        in text
    )
    assert "  reviewed --> returned: return (退回) [leader]\n" in text
    assert "  submitted --> returned: return (退回) [reviewer]\n" in text
    assert "  [*] --> draft\n" in text
    assert "  archived --> [*]\n" in text and "  rejected --> [*]\n" in text
    assert "Class archived s_final" in text
    assert all(line == line.rstrip() for line in text.splitlines())


def test_mermaid_highlights_the_current_state_only() -> None:
    plain = mermaid(DOC_APPROVAL)
    assert "Class submitted s_default" in plain
    assert not [line for line in plain.splitlines() if line.strip().startswith("Class") and "s_active" in line]
    text = mermaid(DOC_APPROVAL, current="submitted")
    active = [line.strip() for line in text.splitlines() if line.strip().startswith("Class") and "s_active" in line]
    assert active == ["Class submitted s_active"]
    assert "classDef s_active color:red,fill:darksalmon" in text


def test_mermaid_highlights_a_final_current_state() -> None:
    text = mermaid(DOC_APPROVAL, current="archived")
    assert "Class archived s_active" in text
    assert "Class archived s_final" not in text
    assert "  archived --> [*]\n" in text


def test_dot_has_every_state_label_and_event_and_highlight() -> None:
    text = dot(DOC_APPROVAL, current="reviewed")
    assert text.startswith('digraph "doc_approval v1 (公文审批)" {')
    for state in DOC_APPROVAL.states:
        assert f'{state.name} [label="{state.name} ({state.label})\\l"' in text
    for event in DOC_APPROVAL.events:
        assert f'[label="{event} (' in text
    assert 'reviewed [label="reviewed (已审核)\\l" color=red fillcolor=darksalmon peripheries=2]' in text
    assert 'archived [label="archived (已归档)\\l" color=black fillcolor=lightgrey peripheries=2]' in text
    assert 'draft [label="draft (起草)\\l"]' in text
    assert 'approved -> archived [label="archive (归档) [clerk]"]' in text
    assert text.count("darksalmon") == 1


def test_any_source_roles_and_unsafe_characters() -> None:
    wf = withdrawable()
    text = mermaid(wf)
    # "*" expands to every non-final state other than the destination.
    assert "  applied --> withdrawn: withdraw (撤回) [applicant]\n" in text
    assert "  granted --> withdrawn: withdraw (撤回) [applicant]\n" in text
    assert "closed --> withdrawn" not in text
    # roles sorted, "*" shown as "any"; ":" would end a Mermaid edge label, so it is full-width.
    assert "  applied --> granted: grant (批准) [deputy, leader]\n" in text
    assert "  granted --> closed: close (办结： 归档) [any]\n" in text
    assert "title: leave v2 (请假： 审批)\n" in text
    # DOT quotes labels itself, so they are kept as written.
    assert 'granted -> closed [label="close (办结: 归档) [any]"]' in dot(wf)


def test_edge_label_lists_roles_and_guards() -> None:
    submit = DOC_APPROVAL.transitions[0]
    assert edge_label(submit) == "submit (报送) [clerk] if doc_approval.title_given 原则上 doc_approval.page_limit"


def test_output_is_deterministic_within_and_across_processes() -> None:
    assert mermaid(DOC_APPROVAL, "returned") == mermaid(DOC_APPROVAL, "returned")
    assert dot(DOC_APPROVAL) == dot(DOC_APPROVAL)
    code = (
        "from govflow.demo import DOC_APPROVAL as W; from govflow.diagram import mermaid, dot; "
        "print(mermaid(W) + dot(W), end='')"
    )
    outputs = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
        outputs.add(done.stdout)
    assert outputs == {mermaid(DOC_APPROVAL) + dot(DOC_APPROVAL)}


def test_unknown_current_state_and_format_are_refused() -> None:
    with pytest.raises(GovflowError, match="has no state 'nowhere'"):
        mermaid(DOC_APPROVAL, current="nowhere")
    with pytest.raises(GovflowError, match="has no state 'nowhere'"):
        dot(DOC_APPROVAL, current="nowhere")
    with pytest.raises(GovflowError, match="unknown diagram format 'svg'"):
        render(DOC_APPROVAL, "svg")
    assert render(DOC_APPROVAL, "dot", "draft") == dot(DOC_APPROVAL, "draft")


def test_diagrams_show_deadlines_and_separation() -> None:
    from govflow_workflows.rectification import RECTIFICATION

    text = mermaid(RECTIFICATION)
    assert (
        "note right of rectifying : limit (逾期挂牌督办)： 1 days (日), from data field 'due_eve'； "
        "fire list_supervision as system"
    ) in text
    assert "note right of supervised : exposure (督办逾期曝光)： 10 working days (个工作日)" in text
    assert (
        "close (核查通过销号) [inspector] if rectification.survey_consistent, rectification.rectified 分离 not-own-unit"
        in (text)
    )
    graph = dot(RECTIFICATION)
    assert (
        "exposure (督办逾期曝光): 10 working days (个工作日), from entering the state; fire expose as system" in graph
    )

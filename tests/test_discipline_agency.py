"""派驻纪检 (govflow_workflows.discipline_agency): the dual line in the directory, on every adapter.

The agency resident in the housing bureau sits under the commission in the unit tree
(``city.jw.agency.housing``); the bureau's director holds her post in ``city.housing``. The
agency head also sits on the bureau's party committee (seed 003 L371).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import hypothesis
import pytest
from hypothesis import strategies as st

import govflow_workflows.discipline_agency as da
from govflow import Engine, Workflow, check
from govflow.clock import SHANGHAI, FakeClock
from govflow.diagram import mermaid
from govflow.directory import Directory, Post
from govflow.errors import GuardRejected, PermissionDenied
from govflow.storage import MemoryStorage, Storage
from govflow.testing import stateful_test
from govflow_workflows.discipline_agency import (
    CASE_WORKFLOW_NAME,
    CONSULTATION_WORKFLOW_NAME,
    DISCIPLINE_CASE,
    agency_unit,
    dual_line_directory,
)

HOST = "city.housing"
AGENCY = agency_unit("housing")


def at(y: int, m: int, d: int, h: int = 9) -> datetime:
    return datetime(y, m, d, h, tzinfo=SHANGHAI)


def make(storage: Storage | None = None, directory: Directory | None = None) -> Engine:
    return Engine(
        storage=storage or MemoryStorage(),
        workflows=da.WORKFLOWS,
        clock=FakeClock(at(2016, 9, 1)),
        directory=directory or dual_line_directory("housing"),
    )


def clue(engine: Engine, leadership: bool, subject: str = "housing.cadre") -> str:
    data = {"host": HOST, "subject": subject, "allegation": "违规收受礼金", "leadership": leadership}
    return engine.start(CASE_WORKFLOW_NAME, actor=engine.actor("housing.agency.wu"), unit=AGENCY, data=data).id


def test_docstring_diagram_is_the_generated_one() -> None:
    block = re.search(r"```mermaid\n(.*?)```", da.__doc__ or "", re.S)
    assert block is not None and block.group(1) == mermaid(DISCIPLINE_CASE)


def test_definitions_are_clean_and_round_trip() -> None:
    for wf in da.WORKFLOWS:
        assert check(wf) == []
        assert Workflow.from_json(wf.to_json()) == wf


def test_the_agency_answers_to_the_commission_not_the_host(storage: Storage) -> None:
    engine = make(storage)
    director, head, lin = engine.actor("housing.director"), engine.actor("housing.agency.zhou"), engine.actor("jw.lin")
    case = clue(engine, leadership=False)
    engine.fire(case, "start_verification", actor=head, payload={})
    engine.fire(case, "propose_filing", actor=head, payload={"text": "初核属实,建议立案"})
    with pytest.raises(PermissionDenied, match="commission_leader"):
        engine.fire(case, "approve_filing", actor=director, payload={"text": "同意"})  # the host cannot approve
    with pytest.raises(PermissionDenied):
        engine.fire(case, "approve_filing", actor=head, payload={"text": "同意"})
    inst = engine.fire(case, "approve_filing", actor=lin, payload={"text": "同意立案"})
    assert (inst.state, inst.data["filed"], inst.data["host_informed"]) == ("investigating", True, True)
    inst = engine.fire(
        case, "decide", actor=head, payload={"outcome": "sanction", "sanction": "党内警告", "reasons": "查实"}
    )
    assert (inst.state, inst.data["outcome"]) == ("decided", "sanction")  # other staff: the agency decides
    engine.fire(case, "appeal", actor=engine.actor("housing.agency.wu"), payload={"text": "不服处分"})
    with pytest.raises(PermissionDenied):
        engine.fire(case, "decide_appeal", actor=head, payload={"upheld": True, "reasons": "维持"})
    inst = engine.fire(case, "decide_appeal", actor=lin, payload={"upheld": False, "reasons": "处分过重,予以撤销"})
    assert (inst.state, inst.data["appeal_upheld"]) == ("closed", False)
    engine.verify(case)


def test_leadership_verification_needs_approval_and_the_commission_decides(storage: Storage) -> None:
    engine = make(storage)
    head, lin = engine.actor("housing.agency.zhou"), engine.actor("jw.lin")
    case = clue(engine, leadership=True, subject="housing.director")
    with pytest.raises(GuardRejected, match="other staff"):
        engine.fire(case, "start_verification", actor=head, payload={})  # 经批准,初步核实
    engine.fire(case, "request_approval", actor=head, payload={"text": "反映局长违规收受礼金,拟初核"})
    engine.fire(case, "approve_verification", actor=lin, payload={"text": "同意初核"})
    engine.fire(case, "propose_filing", actor=head, payload={"text": "初核属实"})
    engine.fire(case, "approve_filing", actor=lin, payload={"text": "同意立案"})
    with pytest.raises(GuardRejected, match="other staff"):  # the agency only takes part (参与调查)
        engine.fire(case, "decide", actor=head, payload={"outcome": "no_sanction", "reasons": "x"})
    inst = engine.fire(
        case, "decide", actor=lin, payload={"outcome": "sanction", "sanction": "严重警告", "reasons": "查实"}
    )
    assert inst.state == "decided"
    clock = engine.clock
    assert isinstance(clock, FakeClock)
    clock.set(at(2016, 10, 2))  # APPEAL_WINDOW (30 days) has passed
    engine.tick()
    assert engine.get(case).state == "closed"


def test_a_commission_member_with_a_host_post_is_kept_out() -> None:
    base = dual_line_directory("housing")
    both = Directory(
        units=base.units, posts=[*base.posts, Post("housing.agency.zhou", "commission_leader", "city.jw", "2006-06-26")]
    )
    engine = make(directory=both)
    head = engine.actor("housing.agency.zhou")
    case = clue(engine, leadership=False)
    engine.fire(case, "start_verification", actor=head, payload={})
    engine.fire(case, "propose_filing", actor=head, payload={"text": "建议立案"})
    with pytest.raises(PermissionDenied, match="not-own-unit"):
        engine.fire(case, "approve_filing", actor=head, payload={"text": "同意"})


def test_the_subject_never_acts_on_their_own_case() -> None:
    engine = make()
    head = engine.actor("housing.agency.zhou")
    case = clue(engine, leadership=False, subject="housing.agency.zhou")  # a report on the agency head
    engine.fire(case, "start_verification", actor=head, payload={})
    with pytest.raises(PermissionDenied, match="not-subject"):
        engine.fire(case, "close_unfounded", actor=head, payload={"text": "反映问题不属实"})


def test_unfounded_clues_close_after_verification_and_only_sanctions_are_appealed() -> None:
    engine = make()
    head, lin = engine.actor("housing.agency.zhou"), engine.actor("jw.lin")
    case = clue(engine, leadership=False)
    engine.fire(case, "start_verification", actor=head, payload={})
    assert engine.fire(case, "close_unfounded", actor=head, payload={"text": "反映问题不属实"}).state == "closed"
    other = clue(engine, leadership=False)
    engine.fire(other, "start_verification", actor=head, payload={})
    engine.fire(other, "propose_filing", actor=head, payload={"text": "建议立案"})
    engine.fire(other, "approve_filing", actor=lin, payload={"text": "同意"})
    engine.fire(other, "decide", actor=head, payload={"outcome": "no_sanction", "reasons": "情节轻微,免予处分"})
    with pytest.raises(GuardRejected, match="only a sanction"):
        engine.fire(other, "appeal", actor=engine.actor("housing.agency.wu"), payload={"text": "申诉"})
    with pytest.raises(GuardRejected, match="names the sanction"):
        third = clue(engine, leadership=False)
        engine.fire(third, "start_verification", actor=head, payload={})
        engine.fire(third, "propose_filing", actor=head, payload={"text": "建议立案"})
        engine.fire(third, "approve_filing", actor=lin, payload={"text": "同意"})
        engine.fire(third, "decide", actor=head, payload={"outcome": "sanction", "reasons": "查实"})


def test_bad_clues_are_refused() -> None:
    engine = make()
    with pytest.raises(GuardRejected, match="names the host"):
        engine.start(CASE_WORKFLOW_NAME, actor=engine.actor("housing.agency.wu"), unit=AGENCY,
                     data={"host": HOST, "subject": "", "allegation": "x"})  # fmt: skip
    with pytest.raises(PermissionDenied):
        engine.start(CASE_WORKFLOW_NAME, actor=engine.actor("housing.director"), unit=AGENCY,
                     data={"host": HOST, "subject": "s", "allegation": "x"})  # fmt: skip


# -- the consultation --------------------------------------------------------------------------------


def consultation(engine: Engine, candidate: str = "housing.cadre") -> str:
    data = {"host": HOST, "candidate": candidate, "post": "住房保障处处长"}
    return engine.start(CONSULTATION_WORKFLOW_NAME, actor=engine.actor("housing.director"), unit=AGENCY, data=data).id


def test_the_host_appoints_only_after_a_favourable_opinion_of_the_commission(storage: Storage) -> None:
    engine = make(storage)
    director, wu, head, lin = (
        engine.actor(p) for p in ("housing.director", "housing.agency.wu", "housing.agency.zhou", "jw.lin")
    )
    case = consultation(engine)
    with pytest.raises(Exception, match="not allowed"):
        engine.fire(case, "appoint", actor=director, payload={})
    engine.fire(case, "draft_opinion", actor=wu, payload={"text": "未发现违纪问题"})
    with pytest.raises(PermissionDenied):
        engine.fire(case, "issue_opinion", actor=director, payload={"favourable": True, "text": "同意"})
    with pytest.raises(PermissionDenied):
        engine.fire(case, "issue_opinion", actor=head, payload={"favourable": True, "text": "同意"})
    engine.fire(case, "issue_opinion", actor=lin, payload={"favourable": True, "text": "无廉政问题,同意任用"})
    assert engine.fire(case, "appoint", actor=director, payload={}).state == "appointed"


def test_an_unfavourable_opinion_blocks_the_appointment() -> None:
    engine = make()
    director, wu, lin = (engine.actor(p) for p in ("housing.director", "housing.agency.wu", "jw.lin"))
    case = consultation(engine)
    engine.fire(case, "draft_opinion", actor=wu, payload={"text": "有信访举报在核"})
    engine.fire(case, "issue_opinion", actor=lin, payload={"favourable": False, "text": "暂缓任用"})
    with pytest.raises(GuardRejected, match="not favourable"):
        engine.fire(case, "appoint", actor=director, payload={})
    assert engine.fire(case, "withdraw", actor=director, payload={"text": "撤回拟任"}).state == "withdrawn"


def test_the_candidate_takes_no_part_and_only_the_host_proposes() -> None:
    engine = make()
    case = consultation(engine, candidate="housing.agency.wu")
    with pytest.raises(PermissionDenied, match="not-subject"):
        engine.fire(case, "draft_opinion", actor=engine.actor("housing.agency.wu"), payload={"text": "本人无问题"})
    with pytest.raises(GuardRejected, match="host's own leaders"):
        engine.start(CONSULTATION_WORKFLOW_NAME, actor=engine.actor("housing.director"), unit=AGENCY,
                     data={"host": "city.finance", "candidate": "x", "post": "处长"})  # fmt: skip


# -- generated ------------------------------------------------------------------------------------

_DIRECTORY = dual_line_directory("housing")
_PEOPLE = ["housing.director", "housing.agency.zhou", "housing.agency.wu", "jw.lin", "housing.cadre"]


def _actors() -> list[Any]:
    engine = make()
    return [engine.actor(p) for p in _PEOPLE]


CaseMachine = stateful_test(
    DISCIPLINE_CASE,
    start_at=at(2016, 9, 1),
    directory=_DIRECTORY,
    actors=_actors(),
    data=st.fixed_dictionaries(
        {
            "host": st.just(HOST),
            "subject": st.sampled_from(["housing.cadre", "housing.director", ""]),
            "allegation": st.just("违规收受礼金"),
            "leadership": st.booleans(),
        }
    ),
    payloads={
        "request_approval": st.fixed_dictionaries({"text": st.sampled_from(["拟初核", ""])}),
        "approve_verification": st.fixed_dictionaries({"text": st.sampled_from(["同意", ""])}),
        "start_verification": st.just({}),
        "close_unfounded": st.fixed_dictionaries({"text": st.sampled_from(["不属实", ""])}),
        "propose_filing": st.fixed_dictionaries({"text": st.sampled_from(["建议立案", ""])}),
        "approve_filing": st.fixed_dictionaries({"text": st.sampled_from(["同意立案", ""])}),
        "decide": st.fixed_dictionaries(
            {
                "outcome": st.sampled_from(["sanction", "no_sanction"]),
                "sanction": st.sampled_from(["警告", ""]),
                "reasons": st.just("查实"),
            }
        ),
        "appeal": st.fixed_dictionaries({"text": st.sampled_from(["不服", ""])}),
        "decide_appeal": st.fixed_dictionaries({"upheld": st.booleans(), "reasons": st.sampled_from(["维持", ""])}),
        "close": st.just({}),
    },
    require_every_transition=False,  # `close` is the sweep's only; the scenarios above fire the rest
)


class TestDisciplineCaseGenerated(CaseMachine.TestCase):  # type: ignore[misc, name-defined]
    """The generated TestCase, in directory mode."""

    settings = hypothesis.settings(CaseMachine.TestCase.settings, derandomize=True)

    def test_state_machine(self) -> None:
        self.runTest()

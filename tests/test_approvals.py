"""Approval chains: routed from the case, signed step by step, returned, rejected, recorded."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from govflow import Actor, Engine, State, Transition, Workflow
from govflow.access import ResolveContext
from govflow.approvals import ApprovalChain, Step, routing
from govflow.clock import SHANGHAI, FakeClock
from govflow.directory import Delegation, Directory, Post, Unit
from govflow.errors import DefinitionError, InvalidData, PermissionDenied, UnresolvedRole
from govflow.storage import MemoryStorage

NOW = datetime(2026, 3, 2, 9, tzinfo=SHANGHAI)


@routing("test_approvals.route")
def route(ctx: ResolveContext) -> list[Step]:
    """A cut-down overseas-trip table: rank decides the chain (seed 003 L111-131)."""
    rank = ctx.data.get("rank")
    if rank == "bureau_head":  # row 1: 市委分管业务 → 分管外事副书记 → 书记
        return [
            Step("review", ["biz_leader"], "市委分管业务工作的领导"),
            Step("approve", ["deputy_sec"], "市委分管外事工作的副书记"),
            Step("final", ["secretary"], "书记"),
        ]
    if rank == "deputy":  # row 4: the deputy secretary only
        return [Step("approve", ["deputy_sec"], "市委分管外事工作的副书记")]
    if rank == "committee":
        return [
            Step("cosign", ["a", "b"], "会签"),
            Step("file", ["archive_office"], "备案"),
            Step("quorum", ["x", "y", "z"], "领导小组", need=2),
        ]
    if rank == "mixed":
        return [
            Step("approve", ["deputy_sec"], "市委分管外事工作的副书记", track="party"),
            Step("final", ["secretary"], "书记", track="party"),
            Step("approve", ["vice_mayor"], "分管外事工作的副市长", track="government"),
        ]
    return [Step("approve", [], "nobody in charge")]


def workflow(*, sequential: bool = True) -> Workflow:
    chain = ApprovalChain(
        "leaders",
        state="leader_approval",
        policy="test_approvals.route",
        approved="approved",
        returned="drafting",
        rejected="rejected",
        sequential=sequential,
        label="领导审批",
    )
    return Workflow(
        name=f"trip_{'seq' if sequential else 'any'}",
        version=1,
        states=[
            State("drafting", "拟报", initial=True),
            State("leader_approval", "领导审批"),
            State("approved", "已批准", final=True),
            State("rejected", "不予批准", final=True),
        ],
        transitions=[
            Transition("submit", source="drafting", dest="leader_approval", roles={"clerk"}),
            *chain.transitions(),
        ],
        chains=[chain],
    )


CLERK = Actor("clerk", roles={"clerk"})


def engine(wf: Workflow | None = None, **kw: Any) -> Engine:
    return Engine(storage=MemoryStorage(), workflows=[wf or workflow()], clock=FakeClock(NOW), **kw)


def submitted(e: Engine, rank: str) -> str:
    wf = e.workflows()[0].name
    inst = e.start(wf, actor=CLERK, data={"rank": rank})
    return e.fire(inst.id, "submit", actor=CLERK).id


def test_chain_is_routed_from_the_case_and_recorded() -> None:
    e = engine()
    iid = submitted(e, "bureau_head")
    entry = e.history(iid)[-1]
    steps = entry.detail["chain"]["leaders"]["steps"]
    assert [(s["kind_label"], s["label"], s["people"]) for s in steps] == [
        ("审核", "市委分管业务工作的领导", ["biz_leader"]),
        ("审批", "市委分管外事工作的副书记", ["deputy_sec"]),
        ("审定", "书记", ["secretary"]),
    ]
    short = submitted(e, "deputy")
    assert [s["people"] for s in e.get(short).marks["chains"]["leaders"]["steps"]] == [["deputy_sec"]]


def test_sequential_signing() -> None:
    e = engine()
    iid = submitted(e, "bureau_head")
    assert e.available(iid, Actor("secretary")) == []
    with pytest.raises(PermissionDenied, match="signer of the open step"):
        e.fire(iid, "approve", actor=Actor("secretary"))
    assert e.available(iid, Actor("biz_leader")) == ["approve", "return", "reject"]
    assert e.fire(iid, "approve", actor=Actor("biz_leader")).state == "leader_approval"
    assert e.fire(iid, "approve", actor=Actor("deputy_sec")).state == "leader_approval"
    inst = e.fire(iid, "approve", actor=Actor("secretary"))
    assert inst.state == "approved"
    signed = [
        (ev.actor, ev.detail["signed"]["kind"], ev.detail["signed"]["step"])
        for ev in e.history(iid)
        if "signed" in ev.detail
    ]
    assert signed == [("biz_leader", "review", 1), ("deputy_sec", "approve", 2), ("secretary", "final", 3)]
    e.verify(iid)


def test_any_order_when_not_sequential() -> None:
    e = engine(workflow(sequential=False))
    iid = submitted(e, "bureau_head")
    assert e.fire(iid, "approve", actor=Actor("secretary")).state == "leader_approval"
    assert e.fire(iid, "approve", actor=Actor("biz_leader")).state == "leader_approval"
    assert e.fire(iid, "approve", actor=Actor("deputy_sec")).state == "approved"


def test_cosign_filing_and_quorum() -> None:
    e = engine()
    iid = submitted(e, "committee")
    steps = e.get(iid).marks["chains"]["leaders"]["steps"]
    assert steps[1]["status"] == "notified"  # 备案 notifies and does not block
    with pytest.raises(PermissionDenied):
        e.fire(iid, "approve", actor=Actor("x"))  # the quorum waits for the co-signature
    e.fire(iid, "approve", actor=Actor("b"))
    with pytest.raises(PermissionDenied):
        e.fire(iid, "approve", actor=Actor("b"))  # no second signature by the same person
    e.fire(iid, "approve", actor=Actor("a"))
    assert e.fire(iid, "approve", actor=Actor("z")).state == "leader_approval"
    assert e.fire(iid, "approve", actor=Actor("x")).state == "approved"  # 2 of 3


def test_parallel_tracks_all_must_finish() -> None:
    e = engine()
    iid = submitted(e, "mixed")
    assert sorted(e.available(iid, Actor("vice_mayor"))) == ["approve", "reject", "return"]
    assert e.fire(iid, "approve", actor=Actor("deputy_sec")).state == "leader_approval"
    assert e.fire(iid, "approve", actor=Actor("vice_mayor")).state == "leader_approval"
    assert e.fire(iid, "approve", actor=Actor("secretary")).state == "approved"


def test_return_for_amendment_and_resubmission() -> None:
    e = engine()
    iid = submitted(e, "bureau_head")
    e.fire(iid, "approve", actor=Actor("biz_leader"))
    with pytest.raises(InvalidData, match="comments"):
        e.fire(iid, "return", actor=Actor("deputy_sec"), payload={"comments": " "})
    inst = e.fire(iid, "return", actor=Actor("deputy_sec"), payload={"comments": "日程过长，请压缩"})
    assert inst.state == "drafting"
    assert e.history(iid)[-1].payload == {"comments": "日程过长，请压缩"}
    e.fire(iid, "submit", actor=CLERK)
    steps = e.get(iid).marks["chains"]["leaders"]["steps"]
    assert [s["signed"] for s in steps] == [[], [], []]  # a fresh chain on resubmission


def test_reject() -> None:
    e = engine()
    iid = submitted(e, "deputy")
    assert e.fire(iid, "reject", actor=Actor("deputy_sec"), payload={"comments": "计划外团组"}).state == "rejected"


def test_a_step_with_nobody_is_an_error_not_an_empty_approval() -> None:
    e = engine()
    inst = e.start("trip_seq", actor=CLERK, data={"rank": "unknown"})
    with pytest.raises(UnresolvedRole, match="nobody in charge"):
        e.fire(inst.id, "submit", actor=CLERK)
    assert e.get(inst.id).state == "drafting" and e.get(inst.id).revision == 1


def test_a_delegate_signs_for_the_approver() -> None:
    d = Directory(
        units=[Unit("city")],
        posts=[
            Post("deputy_sec", "deputy_secretary", "city", "2020-01-01"),
            Post("aide", "secretary_general", "city", "2020-01-01"),
        ],
        delegations=[Delegation("deputy_sec", "aide", "2026-03-01", "2026-03-05")],
    )
    e = engine(directory=d)
    iid = submitted(e, "deputy")
    inst = e.fire(iid, "approve", actor=Actor("aide"))
    assert inst.state == "approved"
    last = e.history(iid)[-1]
    assert (last.actor, last.on_behalf_of, last.detail["signed"]["as"], last.detail["via"]) == (
        "aide",
        "deputy_sec",
        "deputy_sec",
        "delegation",
    )


def test_chain_definition_faults() -> None:
    chain = ApprovalChain("c", state="nowhere", policy="no.policy", approved="done", returned="a", rejected="a")
    with pytest.raises(DefinitionError) as err:
        Workflow(
            name="bad",
            version=1,
            states=[State("a", initial=True), State("done", final=True)],
            transitions=[Transition("go", source="a", dest="done", roles={"r"})],
            chains=[chain],
        )
    text = "; ".join(err.value.problems)
    assert "state 'nowhere' is not a state" in text
    assert "unregistered routing policy 'no.policy'" in text
    assert "add its transitions()" in text


def test_definitions_with_access_rules_and_chains_round_trip_through_json() -> None:
    import json

    from govflow.access import NotActorOf, NotInitiator, Relative, Scoped, resolver

    @resolver("test_approvals.anyone")
    def anyone(ctx: ResolveContext) -> list[str]:
        return ["x"]

    base = workflow()
    wf = Workflow(
        name="rt", version=1, states=base.states, chains=base.chains,
        transitions=[
            Transition("submit", source="drafting", dest="leader_approval",
                       roles={"clerk", Scoped("clerk", "ancestors"), Relative("test_approvals.anyone", "某领导")},
                       separation=[NotInitiator(), NotActorOf(["submit"])]),
            *base.chains[0].transitions(),
        ],
    )  # fmt: skip
    again = Workflow.from_json(json.loads(json.dumps(wf.to_json(), ensure_ascii=False)))
    assert again == wf


def test_a_leader_replaced_mid_chain_hands_the_step_to_the_successor() -> None:
    """换届: the chain names people from posts; when a post changes hands, the successor signs."""

    @routing("test_approvals.by_post")
    def by_post(ctx: ResolveContext) -> list[Step]:
        assert ctx.directory is not None
        return [Step("approve", ctx.directory.holders("principal", "city", ctx.on), "书记")]

    chain = ApprovalChain("c", state="leader_approval", policy="test_approvals.by_post", approved="approved",
                          returned="drafting", rejected="rejected")  # fmt: skip
    wf = Workflow(
        name="handover", version=1, states=workflow().states, chains=[chain],
        transitions=[
            Transition("submit", source="drafting", dest="leader_approval", roles={"clerk"}),
            *chain.transitions(),
        ],
    )  # fmt: skip
    d = Directory(
        units=[Unit("city")],
        posts=[
            Post("old", "principal", "city", "2020-01-01", end="2026-03-03"),
            Post("new", "principal", "city", "2026-03-04"),
        ],
    )
    e = engine(wf, directory=d)
    iid = e.fire(e.start("handover", actor=CLERK).id, "submit", actor=CLERK).id
    assert e.get(iid).marks["chains"]["c"]["steps"][0]["people"] == ["old"]
    e.clock.set(datetime(2026, 3, 5, 9, tzinfo=SHANGHAI))  # type: ignore[attr-defined]
    with pytest.raises(PermissionDenied):
        e.fire(iid, "approve", actor=Actor("old"))
    inst = e.fire(iid, "approve", actor=Actor("new"))
    assert inst.state == "approved"
    assert e.get(iid).marks["chains"]["c"]["steps"][0]["signed"] == ["new"]

"""The overseas-trip routing policy (审批权限, seed 003 L111–L131): each row of the table, mixed
groups, dated tenures, vacancies, and a chain signed through the engine."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import attrs
import pytest

from govflow import Actor, Engine, State, Transition, Workflow
from govflow.approvals import ApprovalChain
from govflow.clock import SHANGHAI, FakeClock
from govflow.data import converter
from govflow.directory import Absence, Delegation, Directory
from govflow.errors import InvalidData, PermissionDenied, UnresolvedRole
from govflow.storage import MemoryStorage
from govflow_workflows._trip_routing import (
    POLICY,
    ROUTING_TABLE,
    SIGN_IN_SEQUENCE,
    Traveller,
    TripGroup,
    dual_cross_cleared,
    group_from_data,
    route_group,
    sample_directory,
    sample_travellers,
    separately_approved,
)

NOW = datetime(2026, 3, 2, 9, tzinfo=SHANGHAI)  # a Monday; tang is still the 外事 deputy secretary
DAY = NOW.date()
T = sample_travellers()
CLERK = Actor("clerk", roles={"clerk"})

BUSINESS = "市委分管业务工作的领导"
FA_DEPUTY = "分管外事工作的副书记"
SECRETARY = "书记"
LIAISON = "市委联系该区县的领导"
GOV_BUSINESS = "市政府分管业务工作的领导"
FA_VICE_MAYOR = "分管外事工作的副市长"
MAYOR = "市长"


def steps(group: TripGroup, on: date = DAY, directory: Directory | None = None, **kw: Any) -> list[Any]:
    """(track, label, people) of each step, in order."""
    found = route_group(group, directory or sample_directory(), on, **kw)
    assert all(step.kind == "approve" for step in found)
    return [(step.track, step.label, step.people) for step in found]


def alone(person: str, request_to: str | None = None) -> TripGroup:
    traveller = T[person]
    return TripGroup(request_to or traveller.side, [traveller])  # type: ignore[arg-type]


# -- one test per row ---------------------------------------------------------------------------

ROWS = [
    ("1", "seed 003 L113", "xu", [(BUSINESS, ("li",)), (FA_DEPUTY, ("tang",)), (SECRETARY, ("huang",))]),
    ("2", "seed 003 L115", "kong", [(FA_DEPUTY, ("tang",)), (SECRETARY, ("huang",))]),
    ("3", "seed 003 L117", "lin", [(LIAISON, ("li",)), (FA_DEPUTY, ("tang",)), (SECRETARY, ("huang",))]),
    ("4", "seed 003 L119", "he", [(FA_DEPUTY, ("tang",))]),
    ("5", "seed 003 L121", "feng", [(GOV_BUSINESS, ("qian",)), (FA_VICE_MAYOR, ("zhou",)), (MAYOR, ("hu",))]),
    ("6", "seed 003 L123", "guo", [(FA_VICE_MAYOR, ("zhou",)), (LIAISON, ("li",)), (MAYOR, ("hu",))]),
    ("7", "seed 003 L125", "deng", [(FA_VICE_MAYOR, ("zhou",))]),
    ("8a", "seed 003 L127", "du", [(GOV_BUSINESS, ("sun",)), (FA_VICE_MAYOR, ("zhou",))]),
    ("8b", "seed 003 L127", "fan", [("市政府分管业务工作的副市长", ("sun",))]),
]


@pytest.mark.parametrize(("row", "source", "person", "expected"), ROWS, ids=[f"row-{r[0]}" for r in ROWS])
def test_each_row_routes_to_its_leaders_in_the_listed_order(
    row: str, source: str, person: str, expected: list[tuple[str, tuple[str, ...]]]
) -> None:
    traveller = T[person]
    assert (traveller.row.row, traveller.row.source) == (row, source)
    assert steps(alone(person)) == [("main", label, people) for label, people in expected]


def test_the_table_covers_rows_1_to_8b_in_order_each_cited() -> None:
    assert [row.row for row in ROUTING_TABLE] == ["1", "2", "3", "4", "5", "6", "7", "8a", "8b"]
    assert [(row.row, row.source) for row in ROUTING_TABLE] == [(r[0], r[1]) for r in ROWS]


def test_row_4_covers_the_district_posts_it_names() -> None:
    for rank in ("deputy", "standing_committee"):  # 党委副书记, 常委
        assert Traveller("x", "district_party", rank, district="cq.yubei").row.row == "4"
    assert Traveller("x", "district_discipline_judicial", "principal", district="cq.yubei").row.row == "4"
    assert Traveller("x", "branch_judicial", "principal").row.row == "4"  # 厅级领导 of a 中院
    assert steps(alone("pan")) == [("main", FA_DEPUTY, ("tang",))]


def test_row_8_follows_the_units_side() -> None:
    assert steps(alone("cao")) == [("main", BUSINESS, ("li",)), ("main", FA_DEPUTY, ("tang",))]
    # 8b read literally: the business leader must be a 副书记 — propaganda is a 常委's line.
    assert steps(alone("peng")) == [("main", "市委分管业务工作的副书记", ())]


# -- groups: the main track and row 9 -----------------------------------------------------------


def test_row_9_a_party_cadre_in_a_government_group_gets_its_own_track() -> None:
    group = TripGroup("government", [T["feng"], T["lin"]])
    assert separately_approved(group) == [T["lin"]]
    assert steps(group) == [
        ("main", GOV_BUSINESS, ("qian",)),
        ("main", FA_VICE_MAYOR, ("zhou",)),
        ("main", MAYOR, ("hu",)),
        ("party:lin", LIAISON, ("li",)),
        ("party:lin", FA_DEPUTY, ("tang",)),
        ("party:lin", SECRETARY, ("huang",)),
    ]


def test_row_9_government_cadres_in_a_party_group_one_track_each() -> None:
    group = TripGroup("party", [T["guo"], T["xu"], T["feng"]])
    assert steps(group) == [
        ("main", BUSINESS, ("li",)),
        ("main", FA_DEPUTY, ("tang",)),
        ("main", SECRETARY, ("huang",)),
        ("government:feng", GOV_BUSINESS, ("qian",)),  # table order: row 5 before row 6
        ("government:feng", FA_VICE_MAYOR, ("zhou",)),
        ("government:feng", MAYOR, ("hu",)),
        ("government:guo", FA_VICE_MAYOR, ("zhou",)),
        ("government:guo", LIAISON, ("li",)),
        ("government:guo", MAYOR, ("hu",)),
    ]


def test_main_track_is_the_union_of_the_members_chains_in_table_order() -> None:
    group = TripGroup("party", [T["he"], T["luo"], T["xu"]])  # rows 4, 3, 1
    assert steps(group) == [
        ("main", BUSINESS, ("li",)),  # row 1's business leader
        ("main", LIAISON, ("chen",)),  # row 3's liaison for 万州
        ("main", FA_DEPUTY, ("tang",)),  # once, for all three
        ("main", SECRETARY, ("huang",)),
    ]
    assert steps(group, main_track="highest") == [
        ("main", BUSINESS, ("li",)),
        ("main", FA_DEPUTY, ("tang",)),
        ("main", SECRETARY, ("huang",)),
    ]
    mixed_orders = TripGroup("government", [T["guo"], T["feng"]])  # rows 6 and 5 list 外事 in different places
    assert [(label, people) for _, label, people in steps(mixed_orders)] == [
        (GOV_BUSINESS, ("qian",)),
        (FA_VICE_MAYOR, ("zhou",)),
        (LIAISON, ("li",)),
        (MAYOR, ("hu",)),
    ]


# -- the data the policy reads, and row 10 ------------------------------------------------------


def test_group_data_is_checked() -> None:
    # Other fields of the instance data are the workflow's business, not the policy's.
    assert group_from_data({**trip_data("party", "xu"), "title": "赴欧考察"}) == TripGroup("party", [T["xu"]])
    not_city_managed = {"person": "a", "organ": "city_discipline_judicial", "rank": "principal"}
    with pytest.raises(InvalidData, match="rank 'principal' is not routed by the table"):
        group_from_data({"request_to": "party", "travellers": [not_city_managed]})
    no_district = {"person": "a", "organ": "district_gov", "rank": "principal"}
    with pytest.raises(InvalidData, match="a district cadre needs the district"):
        group_from_data({"request_to": "party", "travellers": [no_district]})
    with pytest.raises(InvalidData, match="travellers listed twice: xu"):
        group_from_data(trip_data("party", "xu", "xu"))
    with pytest.raises(ValueError, match="say which side the unit is under"):
        Traveller("a", "university", "deputy", business_line="education")


def test_row_10_dual_cross_groups_need_both_sides_opinions() -> None:
    assert dual_cross_cleared(dual_cross=False, opinions_from=[])
    assert not dual_cross_cleared(dual_cross=True, opinions_from=["party"])
    assert dual_cross_cleared(dual_cross=True, opinions_from=["government", "party"])


# -- through the engine -------------------------------------------------------------------------


def trip_workflow() -> Workflow:
    chain = ApprovalChain(
        "leaders",
        state="leader_approval",
        policy=POLICY,
        approved="approved",
        returned="drafting",
        rejected="rejected",
        sequential=SIGN_IN_SEQUENCE,
        label="市领导审批",
    )
    return Workflow(
        name="trip_routing_test",
        version=1,
        states=[
            State("drafting", "拟报", initial=True),
            State("leader_approval", "市领导审批"),
            State("approved", "已批准", final=True),
            State("rejected", "不予批准", final=True),
        ],
        transitions=[
            Transition("submit", source="drafting", dest="leader_approval", roles={"clerk"}),
            *chain.transitions(),
        ],
        chains=[chain],
    )


def engine(directory: Directory | None = None) -> Engine:
    return Engine(
        storage=MemoryStorage(),
        workflows=[trip_workflow()],
        clock=FakeClock(NOW),
        directory=directory or sample_directory(),
    )


def trip_data(request_to: str, *people: str) -> dict[str, Any]:
    return {"request_to": request_to, "travellers": [converter.unstructure(T[p]) for p in people]}


def submitted(e: Engine, request_to: str, *people: str) -> str:
    inst = e.start("trip_routing_test", actor=CLERK, data=trip_data(request_to, *people))
    return e.fire(inst.id, "submit", actor=CLERK).id


def chain_people(e: Engine, iid: str) -> list[list[str]]:
    return [step["people"] for step in e.get(iid).marks["chains"]["leaders"]["steps"]]


def test_a_leader_replaced_on_a_date_is_replaced_in_chains_routed_from_then() -> None:
    e = engine()
    assert chain_people(e, submitted(e, "party", "he")) == [["tang"]]
    e.clock.set(datetime(2026, 3, 31, 17, tzinfo=SHANGHAI))  # type: ignore[attr-defined]
    assert chain_people(e, submitted(e, "party", "he")) == [["tang"]]  # tang's last day
    e.clock.set(datetime(2026, 4, 1, 9, tzinfo=SHANGHAI))  # type: ignore[attr-defined]
    assert chain_people(e, submitted(e, "party", "he")) == [["zhao"]]


def test_an_unheld_position_is_unresolved_when_the_chain_is_entered() -> None:
    d = sample_directory()
    vacant = attrs.evolve(d, posts=[p for p in d.posts if p.person != "zhou"])  # no 外事 vice mayor
    e = engine(vacant)
    inst = e.start("trip_routing_test", actor=CLERK, data=trip_data("government", "deng"))
    with pytest.raises(UnresolvedRole, match=r"no one can act as 分管外事工作的副市长 \(step 1 of chain 'leaders'\)"):
        e.fire(inst.id, "submit", actor=CLERK)
    assert (e.get(inst.id).state, e.get(inst.id).revision) == ("drafting", 1)  # nothing written
    with pytest.raises(UnresolvedRole, match="市委分管业务工作的副书记"):  # row 8b, read literally
        submitted(engine(), "party", "peng")


def test_row_1_chain_is_signed_by_three_leaders_in_order() -> None:
    e = engine()
    iid = submitted(e, "party", "xu")
    assert chain_people(e, iid) == [["li"], ["tang"], ["huang"]]
    with pytest.raises(PermissionDenied, match="signer of the open step"):
        e.fire(iid, "approve", actor=Actor("huang"))  # the secretary signs last
    assert e.fire(iid, "approve", actor=Actor("li")).state == "leader_approval"
    assert e.fire(iid, "approve", actor=Actor("tang")).state == "leader_approval"
    assert e.fire(iid, "approve", actor=Actor("huang")).state == "approved"
    signed = [(ev.actor, ev.detail["signed"]["label"]) for ev in e.history(iid) if "signed" in ev.detail]
    assert signed == [("li", BUSINESS), ("tang", FA_DEPUTY), ("huang", SECRETARY)]
    e.verify(iid)


def test_row_9_group_is_approved_only_when_every_track_is() -> None:
    e = engine()
    iid = submitted(e, "government", "feng", "lin")
    # The tracks run in parallel: the party track's first signer need not wait for the mayor.
    assert e.fire(iid, "approve", actor=Actor("li")).state == "leader_approval"
    for leader in ("qian", "zhou", "hu", "tang"):
        assert e.fire(iid, "approve", actor=Actor(leader)).state == "leader_approval"
    assert e.fire(iid, "approve", actor=Actor("huang")).state == "approved"


def test_a_delegate_signs_for_an_absent_leader() -> None:
    away = attrs.evolve(
        sample_directory(),
        absences=[Absence("huang", "2026-03-01", "2026-03-08", reason="出差")],
        delegations=[Delegation("huang", "ma", "2026-03-01", "2026-03-08", reason="书记出差期间委托秘书长签批")],
    )
    e = engine(away)
    iid = submitted(e, "party", "xu")
    with pytest.raises(PermissionDenied):
        e.fire(iid, "approve", actor=Actor("ma"))  # huang's step is not open yet
    e.fire(iid, "approve", actor=Actor("li"))
    e.fire(iid, "approve", actor=Actor("tang"))
    assert e.fire(iid, "approve", actor=Actor("ma")).state == "approved"
    last = e.history(iid)[-1]
    assert (last.actor, last.on_behalf_of, last.detail["via"], last.detail["signed"]["as"]) == (
        "ma",
        "huang",
        "delegation",
        "huang",
    )
    e.verify(iid)


def test_without_a_directory_the_policy_says_so() -> None:
    e = Engine(storage=MemoryStorage(), workflows=[trip_workflow()], clock=FakeClock(NOW))
    inst = e.start("trip_routing_test", actor=CLERK, data=trip_data("party", "xu"))
    with pytest.raises(UnresolvedRole, match="no organisation directory"):
        e.fire(inst.id, "submit", actor=CLERK)

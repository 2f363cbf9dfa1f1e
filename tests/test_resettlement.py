"""安置帮教 (govflow_workflows.resettlement): hand-over, classified assistance, referrals, KPIs, the 2007 campaign."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import hypothesis
import pytest
from hypothesis import strategies as st

import govflow_workflows.resettlement as rs
from govflow import Actor, Engine, Workflow, check
from govflow.calendar import china_calendar
from govflow.clock import SHANGHAI, FakeClock
from govflow.correlation import deliver, external_actor
from govflow.diagram import mermaid
from govflow.errors import GuardRejected, NoCorrelatedInstance, PermissionDenied
from govflow.storage import MemoryStorage, Storage
from govflow.testing import stateful_test
from govflow_workflows.resettlement import (
    CAMPAIGN_NAME,
    REFERRAL_NAME,
    RESETTLEMENT,
    SCREENING_CAMPAIGN,
    UNIT_NAME,
    WORKFLOW_NAME,
    campaign_data,
    in_cohort,
    in_scope,
    notice_data,
    year_end_kpis,
)

TOWN = "district.town.justice"
OFFICE = Actor("office-1", roles={"resettlement_office"}, unit="district.office", name="区安教办")
JUSTICE = Actor("justice-1", roles={"justice_office"}, unit=TOWN, name="司法所陈")
STATION = Actor("station-1", roles={"police_station"}, unit="district.town.station", name="派出所民警")
CADRE = Actor("cadre-1", roles={"township_cadre"}, unit="district.town", name="镇干部")
HELPER = Actor("helper-1", roles={"village_helper"}, unit="district.town.village", name="村帮教员")
LABOUR = Actor("labour-1", roles={"labour_bureau"}, unit="district.labour", name="劳动保障局")
CIVIL = Actor("civil-1", roles={"civil_affairs"}, unit="district.civil", name="民政局")
DISTRICT = Actor("district-1", roles={"district_office"}, unit="district.office", name="区安教办")
TOWNSHIP = Actor("township-1", roles={"township_office"}, unit="district.town", name="镇安教办")
POLICE = "district.police"
HELP = {"helper": "helper-1", "agreement_signed": True}


def at(y: int, m: int, d: int, h: int = 9, minute: int = 0) -> datetime:
    return datetime(y, m, d, h, minute, tzinfo=SHANGHAI)


def make(clock: FakeClock, storage: Storage | None = None) -> Engine:
    return Engine(storage=storage or MemoryStorage(), workflows=rs.WORKFLOWS, clock=clock)


def sweep(engine: Engine) -> list[Any]:
    done: list[Any] = []
    while outcomes := engine.tick():
        done.extend(outcomes)
    return done


def person(engine: Engine, pid: str, released_on: date, kind: str = "prison", **extra: Any) -> str:
    data = notice_data(person_id=pid, name="某", kind=kind, released_on=released_on, source="省监狱", **extra)
    return engine.start(WORKFLOW_NAME, actor=OFFICE, unit=TOWN, data=data).id


def due(engine: Engine, case_id: str) -> dict[str, str]:
    return {t.name: t.params["due_date"] for t in engine.timers(case_id) if t.action != "remind"}


def assisted(engine: Engine, pid: str, released_on: date, category: str = "general", **extra: Any) -> str:
    c = person(engine, pid, released_on, **extra)
    engine.fire(c, "register", actor=JUSTICE, payload={"card_no": f"K-{pid}"})
    engine.fire(c, "assign_helper", actor=JUSTICE, payload={**HELP, "category": category})
    return c


# -- the definitions ---------------------------------------------------------------------------------


def test_definitions_are_clean_round_trip_and_diagrams_are_generated() -> None:
    assert rs.__doc__ is not None
    block = re.search(r"```mermaid\n(.*?)```", rs.__doc__, re.S)
    assert block is not None and block.group(1) == mermaid(RESETTLEMENT)
    page = (Path(__file__).resolve().parent.parent / "docs" / "workflows" / "resettlement.md").read_text("utf-8")
    for workflow in rs.WORKFLOWS:
        assert check(workflow, others=rs.WORKFLOWS) == []
        assert Workflow.from_json(workflow.to_json()) == workflow
        assert f"```mermaid\n{mermaid(workflow)}```" in page, workflow.name
        for state in workflow.nodes:
            assert state.label, state.name


# -- hand-over and the search -------------------------------------------------------------------------


def test_a_person_not_reporting_is_searched_for_across_national_day(storage: Storage) -> None:
    """Released Sat 2007-09-29; not registered within 7 days (to 10-06) → 去向不明 at 00:00 10-07 (L154)."""
    clock = FakeClock(at(2007, 9, 25))  # the notice arrives before the release (衔接)
    engine = make(clock, storage)
    c = person(engine, "P1", date(2007, 9, 29))
    assert due(engine, c) == {"report_in": "2007-10-06"}
    clock.set(at(2007, 10, 6, 23, 59))
    assert sweep(engine) == []
    clock.set(at(2007, 10, 7, 0, 0))
    [outcome] = sweep(engine)
    assert (outcome.timer.name, outcome.result) == ("report_in", "done")
    inst = engine.get(c)
    assert (inst.state, inst.data["searched"]) == ("searching", True)
    assert engine.history(c)[-1].actor == "system"
    assert due(engine, c) == {"search": "2007-11-06"}
    clock.set(at(2007, 10, 20))
    with pytest.raises(GuardRejected, match="登记卡"):
        engine.fire(c, "found", actor=STATION, payload={"reason": "在外地务工,已联系"})
    inst = engine.fire(c, "found", actor=STATION, payload={"reason": "在外地务工,已联系", "card_no": "K-1"})
    assert (inst.state, inst.data["registered_on"]) == ("registered", "2007-10-20")
    assert due(engine, c) == {"helper": "2007-10-26"}  # 5 working days


def test_registration_in_time_cancels_the_search(storage: Storage) -> None:
    clock = FakeClock(at(2007, 9, 25))
    engine = make(clock, storage)
    c = person(engine, "P2", date(2007, 9, 29))
    clock.set(at(2007, 10, 6, 16))
    assert engine.fire(c, "register", actor=JUSTICE, payload={"card_no": "K-2"}).state == "registered"
    clock.set(at(2007, 10, 8))
    assert sweep(engine) == []
    with pytest.raises(GuardRejected, match="帮教协议书"):
        engine.fire(c, "assign_helper", actor=JUSTICE, payload={"helper": "helper-1", "category": "key"})
    inst = engine.fire(c, "assign_helper", actor=JUSTICE, payload={**HELP, "category": "key"})
    assert (inst.state, inst.data["helped"]) == ("assisting.key", True)


# -- classified assistance ----------------------------------------------------------------------------


def test_three_categories_their_visitors_and_cadences() -> None:
    """重点: 派出所+司法所, monthly; 一般: 乡镇干部, quarterly; 稳定: 村帮教员, ad hoc (L149)."""
    clock = FakeClock(at(2007, 4, 10))
    engine = make(clock)
    c = assisted(engine, "P3", date(2007, 4, 2), category="key")
    assert due(engine, c) == {"key_visit": "2007-05-05"}
    with pytest.raises(PermissionDenied):
        engine.fire(c, "visit", actor=HELPER, payload={})
    engine.fire(c, "visit", actor=STATION, payload={})
    assert due(engine, c) == {"key_visit": "2007-06-05"}
    with pytest.raises(GuardRejected, match="reason"):
        engine.fire(c, "to_general", actor=JUSTICE, payload={"reason": ""})
    inst = engine.fire(c, "to_general", actor=JUSTICE, payload={"reason": "表现一般,无违法苗头"})
    assert (inst.state, inst.data["category"]) == ("assisting.general", "general")
    assert due(engine, c) == {"general_visit": "2007-07-05"}
    engine.fire(c, "visit", actor=CADRE, payload={})
    engine.fire(c, "to_stable", actor=JUSTICE, payload={"reason": "家庭和睦,思想稳定"})
    assert due(engine, c) == {}  # 不定期: no recurring duty
    engine.fire(c, "visit", actor=HELPER, payload={})
    with pytest.raises(PermissionDenied):
        engine.fire(c, "to_key", actor=HELPER, payload={"reason": "苗头"})
    inst = engine.fire(c, "to_key", actor=STATION, payload={"reason": "结交不良人员,有重新违法犯罪倾向"})
    assert inst.state == "assisting.key"
    assert [h["category"] for h in inst.data["history"]] == ["key", "general", "stable", "key"]


def test_downgrades_go_one_step_at_a_time() -> None:
    engine = make(FakeClock(at(2007, 4, 10)))
    c = assisted(engine, "P4", date(2007, 4, 2), category="key")
    assert "to_stable" not in engine.available(c, JUSTICE)
    assert {"to_general", "visit", "refer"} <= set(engine.available(c, JUSTICE))


# -- employment and social security as child tasks ------------------------------------------------------


def test_referrals_are_child_tasks_and_count_as_resettlement(storage: Storage) -> None:
    engine = make(FakeClock(at(2007, 4, 10)), storage)
    c = assisted(engine, "P5", date(2007, 4, 2), dibao_eligible=True)
    with pytest.raises(GuardRejected, match="unknown paths"):
        engine.fire(c, "refer", actor=JUSTICE, payload={"referrals": [{"path": "lottery"}]})
    engine.fire(
        c,
        "refer",
        actor=JUSTICE,
        payload={
            "referrals": [
                {"path": "employment", "unit": "district.labour"},
                {"path": "dibao", "unit": "district.civil"},
            ]
        },
    )
    children = {child.data["path"]: child.id for child in engine.find(REFERRAL_NAME, parent_id=c)}
    assert set(children) == {"employment", "dibao"}
    with pytest.raises(GuardRejected, match="settled by labour_bureau"):
        engine.fire(children["employment"], "place", actor=CIVIL, payload={})
    engine.fire(children["employment"], "place", actor=LABOUR, payload={})
    inst = engine.get(c)
    assert (inst.data["resettled"], inst.data["on_dibao"]) == (True, False)
    engine.fire(children["dibao"], "place", actor=CIVIL, payload={})
    inst = engine.get(c)
    assert inst.data["on_dibao"] is True and inst.data["placements"] == ["employment", "dibao"]
    assert engine.count(WORKFLOW_NAME, where={"resettled": True}) == 1


# -- a new offence and the end ---------------------------------------------------------------------------


def test_a_new_offence_ends_the_case_by_correlation(storage: Storage) -> None:
    clock = FakeClock(at(2007, 4, 10))
    engine = make(clock, storage)
    c = assisted(engine, "P6", date(2007, 4, 2))
    clock.set(at(2007, 8, 3))
    [ended] = deliver(engine, WORKFLOW_NAME, "detained", correlate={"person_id": "P6"}, source=POLICE,
                      payload={"detained_on": "2007-08-01"})  # fmt: skip
    assert (ended.id, ended.state, ended.data["ended_on"]) == (c, "reoffended", "2007-08-01")
    assert engine.timers(c) == []
    with pytest.raises(NoCorrelatedInstance):
        deliver(engine, WORKFLOW_NAME, "detained", correlate={"person_id": "P6"}, source=POLICE,
                payload={"detained_on": "2007-08-01"})  # fmt: skip


def test_the_case_closes_after_the_look_back() -> None:
    """五年内刑释, 三年内解教 (L153): the day exactly 5 (3) years back is still inside."""
    prc = china_calendar()
    assert in_scope("prison", date(2002, 4, 1), date(2007, 4, 1), prc)
    assert not in_scope("prison", date(2002, 3, 31), date(2007, 4, 1), prc)
    assert in_scope("labour", date(2004, 4, 1), date(2007, 4, 1), prc)
    assert not in_scope("labour", date(2004, 3, 31), date(2007, 4, 1), prc)
    assert in_cohort(date(2006, 1, 1)) and in_cohort(date(2007, 3, 31)) and not in_cohort(date(2007, 4, 1))
    clock = FakeClock(at(2007, 4, 10))
    engine = make(clock)
    c = assisted(engine, "P7", date(2007, 4, 2), kind="labour", category="stable")
    with pytest.raises(GuardRejected, match="3-year look-back"):
        engine.fire(c, "close", actor=JUSTICE, payload={})
    clock.set(at(2010, 4, 1))
    with pytest.raises(GuardRejected, match="3-year look-back"):
        engine.fire(c, "close", actor=JUSTICE, payload={})  # 2007-04-02 is exactly 3 years back from 2010-04-02
    clock.set(at(2010, 4, 3))
    assert engine.fire(c, "close", actor=JUSTICE, payload={}).data["outcome"] == "closed"


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"kind": "parole"}, "kind must be"),
        ({"person_id": ""}, "person_id"),
        ({"released_on": "soon"}, "released_on"),
        ({"release_year": 2006}, "release_year"),
    ],
)
def test_bad_notices_are_refused(changes: dict[str, Any], words: str) -> None:
    engine = make(FakeClock(at(2007, 4, 10)))
    data = notice_data(person_id="P", name="某", kind="prison", released_on=date(2007, 4, 2), source="省监狱")
    with pytest.raises(GuardRejected, match=words):
        engine.start(WORKFLOW_NAME, actor=OFFICE, unit=TOWN, data={**data, **changes})
    assert engine.count(WORKFLOW_NAME) == 0


# -- the year-end KPIs --------------------------------------------------------------------------------------


def test_year_end_kpis_at_their_bounds() -> None:
    """安置率 95%以上 (L164) and 重新犯罪率 2%以下 (L146), both inclusive: 50 released in 2007."""
    clock = FakeClock(at(2007, 4, 10))
    engine = make(clock)
    cases = [assisted(engine, f"Q{n}", date(2007, 4, 2), dibao_eligible=n < 2) for n in range(50)]
    for n, c in enumerate(cases[:48]):  # 48 of 50 placed = 96%
        engine.fire(c, "refer", actor=JUSTICE, payload={"referrals": [{"path": "dibao" if n < 2 else "employment"}]})
        [child] = engine.find(REFERRAL_NAME, parent_id=c)
        engine.fire(child.id, "place", actor=CIVIL if n < 2 else LABOUR, payload={})
    clock.set(at(2007, 12, 28))
    deliver(engine, WORKFLOW_NAME, "detained", correlate={"person_id": "Q49"}, source=POLICE,
            payload={"detained_on": "2007-11-01"})  # fmt: skip
    kpis = year_end_kpis(engine, 2007)
    assert (kpis["persons"], kpis["helped"], kpis["resettled"], kpis["reoffended"]) == (50, 50, 48, 1)
    assert (kpis["resettlement_rate"], kpis["reoffence_rate"], kpis["dibao_coverage"]) == (
        Decimal("0.96"),
        Decimal("0.02"),  # exactly 2%: 以下 includes it
        Decimal("1"),
    )
    assert kpis["meets"] == {"resettlement_rate": True, "reoffence_rate": True, "dibao_coverage": True}
    deliver(engine, WORKFLOW_NAME, "detained", correlate={"person_id": "Q48"}, source=POLICE,
            payload={"detained_on": "2007-11-02"})  # fmt: skip
    assert year_end_kpis(engine, 2007)["meets"]["reoffence_rate"] is False  # 4%
    assert (
        year_end_kpis(engine, 2006)["persons"] == 0 and year_end_kpis(engine, 2006)["meets"]["reoffence_rate"] is None
    )


# -- the 2007 screening campaign ------------------------------------------------------------------------------


COUNTS = {"checked": 40, "registered": 38, "revisited": 35, "missing": 2, "new": 1, "key_upgrades": 3}


def test_screening_campaign_phases_children_and_milestone(storage: Storage) -> None:
    """准备 by 3-31, 排查清理 in April, 分析总结 by mid-May, submitted by 5-20 (L153)."""
    clock = FakeClock(at(2007, 3, 1))
    engine = make(clock, storage)
    towns = ["district.t1", "district.t2"]
    campaign = engine.start(CAMPAIGN_NAME, actor=DISTRICT, data=campaign_data(towns)).id
    clock.set(at(2007, 4, 2))
    engine.fire(campaign, "deploy", actor=DISTRICT, payload={})
    units = {u.unit: u.id for u in engine.find(UNIT_NAME, parent_id=campaign)}
    assert set(units) == set(towns)
    t1 = Actor("t1", roles={"township_office"}, unit="district.t1")
    t2 = Actor("t2", roles={"township_office"}, unit="district.t2")
    with pytest.raises(GuardRejected, match="revisited cannot exceed"):
        engine.fire(units["district.t1"], "screened", actor=t1, payload={**COUNTS, "revisited": 41})
    clock.set(at(2007, 4, 27))
    for unit, actor in ((units["district.t1"], t1), (units["district.t2"], t2)):
        engine.fire(unit, "screened", actor=actor, payload=COUNTS)
        engine.fire(unit, "summarise", actor=actor, payload={"summary": "现状稳定,重点对象3人"})
    engine.fire(campaign, "begin_summary", actor=DISTRICT, payload={})
    with pytest.raises(GuardRejected, match="0 of 2 children submitted"):
        engine.fire(campaign, "conclude", actor=DISTRICT, payload={})
    clock.set(at(2007, 5, 18))
    engine.fire(units["district.t1"], "submit", actor=t1, payload={})
    clock.set(at(2007, 5, 20, 17))
    engine.fire(units["district.t2"], "submit", actor=t2, payload={})  # on the last day
    clock.set(at(2007, 5, 21, 0, 0))
    sweep(engine)
    inst = engine.get(campaign)
    assert inst.marks["milestones"]["all_submitted"]["met"] is True
    assert inst.data["totals"]["key_upgrades"] == 6
    assert engine.fire(campaign, "conclude", actor=DISTRICT, payload={}).state == "concluded"


def test_a_township_late_with_its_materials_misses_the_milestone() -> None:
    clock = FakeClock(at(2007, 3, 1))
    engine = make(clock)
    campaign = engine.start(CAMPAIGN_NAME, actor=DISTRICT, data=campaign_data(["district.t1"])).id
    clock.set(at(2007, 4, 2))
    engine.fire(campaign, "deploy", actor=DISTRICT, payload={})
    [unit] = engine.find(UNIT_NAME, parent_id=campaign)
    t1 = Actor("t1", roles={"township_office"}, unit="district.t1")
    engine.fire(unit.id, "screened", actor=t1, payload=COUNTS)
    engine.fire(unit.id, "summarise", actor=t1, payload={"summary": "…"})
    clock.set(at(2007, 5, 21, 0, 0))
    sweep(engine)
    assert engine.get(campaign).marks["milestones"]["all_submitted"]["met"] is False
    assert engine.get(unit.id).marks["overdue"] == {"submit": "2007-05-20"}


# -- generated stateful tests -----------------------------------------------------------------------------------

_ACTORS = [OFFICE, JUSTICE, STATION, CADRE, HELPER, LABOUR, CIVIL, external_actor(POLICE),
           Actor("outsider", roles=set(), unit="unit.elsewhere")]  # fmt: skip

Resettlement = stateful_test(
    RESETTLEMENT,
    workflows=[rs.REFERRAL],
    data=st.builds(
        lambda pid, kind, released, eligible: notice_data(
            person_id=pid, name="某", kind=kind, released_on=released, source="省监狱", dibao_eligible=eligible
        ),
        st.sampled_from(["G1", "G2"]),
        st.sampled_from(rs.KINDS),
        st.sampled_from([date(2025, 9, 20), date(2025, 9, 29)]),
        st.booleans(),
    ),
    payloads={
        "register": st.sampled_from([{"card_no": "K-1"}, {}]),
        "lose_contact": st.just({}),
        "found": st.sampled_from([{"reason": "已联系", "card_no": "K-2"}, {"reason": ""}]),
        "assign_helper": st.builds(lambda c: {**HELP, "category": c}, st.sampled_from(rs.CATEGORIES)),
        "to_key": st.just({"reason": "有重新违法犯罪倾向"}),
        "to_general": st.just({"reason": "表现一般"}),
        "to_stable": st.just({"reason": "思想稳定"}),
        "visit": st.just({}),
        "refer": st.sampled_from([{"referrals": [{"path": "employment"}]}, {"referrals": [{"path": "dibao"}]}]),
        "close": st.just({}),
        "detained": st.just({"detained_on": "2025-09-30"}),
    },
    actors=_ACTORS,
    require_every_transition=False,
)


@Resettlement.add_invariant
def flags_match_the_record(engine: Engine, instance: Any) -> None:
    """helped iff a helper was assigned; resettled iff a placement was reported; outcome fits the state."""
    events = [e.event for e in engine.history(instance.id) if e.kind == "transition"]
    assert instance.data["helped"] == ("assign_helper" in events)
    assert instance.data["resettled"] == bool(instance.data.get("placements"))
    expected = {"reoffended": "reoffended", "closed": "closed"}.get(instance.state, "open")
    assert instance.data["outcome"] == expected


class TestResettlementGenerated(Resettlement.TestCase):  # type: ignore[misc, name-defined]
    """The generated TestCase, derandomized; not every transition is required (see the scenarios)."""

    settings = hypothesis.settings(Resettlement.TestCase.settings, derandomize=True)

    def test_state_machine(self) -> None:
        self.runTest()


Campaign = stateful_test(
    SCREENING_CAMPAIGN,
    workflows=[rs.SCREENING_UNIT],
    data=st.just(campaign_data(["unit.a", "unit.b"])),
    payloads={
        "deploy": st.just({}),
        "begin_summary": st.just({}),
        "conclude": st.just({}),
    },
    actors=[DISTRICT, Actor("outsider", roles=set(), unit="unit.elsewhere")],
    start_at=at(2007, 3, 20),
    require_every_transition=False,
)


class TestScreeningCampaignGenerated(Campaign.TestCase):  # type: ignore[misc, name-defined]
    """The campaign's own moves against the clock across its phases (the townships' are scenario-tested)."""

    settings = hypothesis.settings(Campaign.TestCase.settings, derandomize=True)

    def test_state_machine(self) -> None:
        self.runTest()


Referral = stateful_test(
    rs.REFERRAL,
    data=st.sampled_from([{"path": p} for p in (*rs.PATHS, "lottery")]),
    payloads={"place": st.just({}), "decline": st.sampled_from([{"reason": "不符合低保条件"}, {"reason": ""}])},
    actors=[
        JUSTICE,
        LABOUR,
        CIVIL,
        Actor("commerce-1", roles={"commerce"}, unit="district.commerce"),
        Actor("education-1", roles={"education"}, unit="district.education"),
        Actor("outsider", roles=set(), unit="unit.elsewhere"),
    ],
)


@Referral.add_invariant
def settled_by_the_paths_agency(engine: Engine, instance: Any) -> None:
    """Whoever placed or declined a referral holds its path's agency role."""
    for event in engine.history(instance.id):
        if event.event in {"place", "decline"}:
            assert rs.PATH_AGENCY[instance.data["path"]] in event.roles


class TestReferralGenerated(Referral.TestCase):  # type: ignore[misc, name-defined]
    """Every transition of the referral is reachable by random walks, so coverage is required."""

    settings = hypothesis.settings(Referral.TestCase.settings, derandomize=True)

    def test_state_machine(self) -> None:
        self.runTest()


ScreeningUnit = stateful_test(
    rs.SCREENING_UNIT,
    data=st.just({}),
    payloads={
        "screened": st.sampled_from([COUNTS, {**COUNTS, "revisited": 99}, {**COUNTS, "missing": -1}]),
        "summarise": st.just({"summary": "现状稳定"}),
        "submit": st.just({}),
    },
    actors=[DISTRICT, TOWNSHIP, Actor("outsider", roles=set(), unit="unit.elsewhere")],
    start_at=at(2007, 4, 2),
)


class TestScreeningUnitGenerated(ScreeningUnit.TestCase):  # type: ignore[misc, name-defined]
    """A township's screening against the clock (windows, the 5月20日 deadline); coverage required."""

    settings = hypothesis.settings(ScreeningUnit.TestCase.settings, derandomize=True)

    def test_state_machine(self) -> None:
        self.runTest()

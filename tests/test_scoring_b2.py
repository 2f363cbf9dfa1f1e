"""B2 (泗洪县 transport bureau rewards and penalties) scenarios with the document's numbers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from govflow.errors import AllocationRefused
from govflow.scoring import (
    Claim,
    Evidence,
    Facts,
    Finding,
    IndicatorValue,
    Occurrence,
    Period,
    Share,
    Subject,
    Submission,
    check_allocation,
    evaluate,
)
from govflow.testing.scoring import fuzz_test, scheme_property_test
from govflow_workflows.schemes.b2_sihong_transport import CITY_RESULTS_EVIDENCE, SCHEME

YEAR = Period("2013", "2013-01-01", "2013-12-31")


def marks(sid: str, group: int | str, peers: int | str, leaders: int | str) -> list[IndicatorValue]:
    return [
        IndicatorValue(sid, "group", group, period="final"),
        IndicatorValue(sid, "peers", peers, period="final"),
        IndicatorValue(sid, "leaders", leaders, period="final"),
    ]


def tier(totals: dict[str, int], cohort: str = "tier1") -> tuple[list[Subject], list[IndicatorValue]]:
    """Units whose three rater groups all give `total` (so the base is exactly the total)."""
    subjects = [Subject(s, cohort, leader=f"{s}.一把手") for s in totals]
    values = [v for s, t in totals.items() for v in marks(s, t, t, t)]
    return subjects, values


def test_weighted_base_seventy_five_ten_fifteen() -> None:
    # seed004:109: 0.75 × 90 + 0.10 × 80 + 0.15 × 70 = 67.5 + 8 + 10.5 = 86
    r = evaluate(SCHEME, Facts(YEAR, [Subject("公路站", "tier1")], marks("公路站", 90, 80, 70))).get("公路站")
    assert r.total == 86
    assert [(c.label, c.points) for c in r.explanation.find("base").children] == [
        ("考评组评分", Decimal("67.5")),
        ("单位互评和局机关评分", 8),
        ("局领导评分", Decimal("10.5")),
    ]


def test_violations_deducted_per_occurrence_by_finding_authority_cumulatively() -> None:
    # seed004:103: 市 −2, 县 −1, 局 −0.5 per 违纪现象, 按次累计, no cap
    occ = [
        Occurrence("o1", "公路站", "violations", "市", "2013-04-01"),
        Occurrence("o2", "公路站", "violations", "县", "2013-05-01", count=2),
        Occurrence("o3", "公路站", "violations", "局", "2013-06-01"),
        Occurrence("o4", "公路站", "city_last", "市", "2013-12-20"),
    ]
    facts = Facts(YEAR, [Subject("公路站", "tier1")], marks("公路站", 90, 90, 90), occurrences=occ)
    r = evaluate(SCHEME, facts).get("公路站")
    assert r.explanation.find("violations").points == Decimal("-4.5")
    assert r.explanation.find("city_last").points == -2
    assert r.total == Decimal("83.5")


def test_prizes_per_tier_and_their_money() -> None:
    # seed004:123: per tier 综合先进奖 ×1 10000元, 二等奖 ×2 6000元; tiers ranked apart
    s1, v1 = tier({"A": 95, "B": 92, "C": 90, "D": 80, "E": 78})
    s2, v2 = tier({"F": 88, "G": 70, "H": 60}, "tier2")
    result = evaluate(SCHEME, Facts(YEAR, s1 + s2, v1 + v2))
    paid = {r.subject: [(p.title, p.amount) for p in r.payouts] for r in result.results if r.payouts}
    assert paid == {
        "A": [("综合先进奖", 10000)],
        "B": [("二等奖", 6000)],
        "C": [("二等奖", 6000)],
        "F": [("综合先进奖", 10000)],
        "G": [("二等奖", 6000)],
        "H": [("二等奖", 6000)],
    }
    assert sum(p.amount for r in result.cohort("tier1") for p in r.payouts) == 22000  # the tier's budget


def test_tie_broken_by_the_group_score_and_a_full_tie_awards_neither() -> None:
    subjects = [Subject(s, "tier1") for s in "ABCD"]
    # B and C both total 86; C's 考评组 score is higher (0.75 × 90 = 67.5 vs 0.75 × 88 = 66)
    values = marks("A", 99, 99, 99) + marks("B", 88, 80, 80) + marks("C", 90, 80, 70) + marks("D", 50, 50, 50)
    result = evaluate(SCHEME, Facts(YEAR, subjects, values))
    assert result.get("B").total == result.get("C").total == 86
    assert (result.get("C").rank, result.get("B").rank) == (2, 3)
    # now C and D tie exactly for the last 二等奖 place: it goes to neither (never exceeded)
    values = marks("A", 99, 99, 99) + marks("B", 95, 95, 95) + marks("C", 80, 80, 80) + marks("D", 80, 80, 80)
    result = evaluate(SCHEME, Facts(YEAR, subjects, values))
    assert [r.subject for r in result.results if "二等奖" in r.awards] == ["B"]


def test_last_place_below_75_fined_by_role_and_below_65_resigns() -> None:
    # seed004:133: last in the tier AND under 75 → 通报批评, 诫勉谈话, 一把手 2000元, 班子成员 1000元
    subjects, values = tier({"A": 90, "B": 80, "C": 74})
    r = evaluate(SCHEME, Facts(YEAR, subjects, values)).get("C")
    assert [c.rule for c in r.consequences] == ["last_below_75"]
    fines = {a.role: a.amount for c in r.consequences for a in c.actions if a.what == "罚款"}
    assert fines == {"党政一把手": 2000, "班子成员": 1000}
    subjects, values = tier({"A": 90, "B": 80, "C": 64})
    r = evaluate(SCHEME, Facts(YEAR, subjects, values)).get("C")
    assert [c.rule for c in r.consequences] == ["last_below_75", "last_below_65"]  # PENALTIES_CUMULATIVE
    subjects, values = tier({"A": 90, "B": 74, "C": 60})
    assert not evaluate(SCHEME, Facts(YEAR, subjects, values)).get("B").consequences  # under 75, not last
    subjects, values = tier({"A": 90, "B": 80, "C": 75})
    assert not evaluate(SCHEME, Facts(YEAR, subjects, values)).get("C").consequences  # 75 is not 「未满75分」


def test_veto_excludes_the_unit_and_its_main_leader_from_every_prize() -> None:
    # seed004:137: 「不达标的单位及其主要负责人不参加年度任何评优创先」
    subjects, values = tier({"A": 95, "B": 92, "C": 90, "D": 80})
    facts = Facts(YEAR, subjects, values, findings=[Finding("f1", "A", "安全生产不达标", "2013-11-01")])
    result = evaluate(SCHEME, facts)
    assert result.get("A").awards == () and result.get("A").rank == 1
    assert result.get("B").awards == ("综合先进奖",)
    assert [r.subject for r in result.results if "二等奖" in r.awards] == ["C", "D"]
    (leader,) = result.person_flags
    assert (leader.holder, leader.via, leader.effects) == ("A.一把手", "A → leader", ("no_honours",))


def test_prize_allocation_heads_at_least_thirty_percent() -> None:
    # seed004:129: 「奖给获奖单位领导班子成员,其中党政正职奖金不低于奖金总额的30%」
    reward = next(r for r in SCHEME.cohort("tier1").rewards if r.title == "综合先进奖")
    check_allocation(reward, Decimal(10000), [Share("局长", "党政正职", 3000), Share("副局长", "班子成员", 7000)])
    with pytest.raises(AllocationRefused, match="first_prize:heads-min-share") as err:
        check_allocation(reward, Decimal(10000), [Share("局长", "党政正职", 2500), Share("副局长", "班子成员", 7500)])
    assert err.value.source == "seed004:123" and "below 30% (3000)" in str(err.value)
    with pytest.raises(AllocationRefused, match="adds-up"):
        check_allocation(reward, Decimal(10000), [Share("局长", "党政正职", 3000)])


def city_claim(cid: str, sid: str) -> Claim:
    return Claim(cid, sid, "city_results", "市", Evidence(f"宿交[2013]{cid}号", "2013-12-25", "市交通运输局"))


def test_one_missing_city_result_defers_the_whole_tiers_city_bonuses() -> None:
    # seed004:105: 「否则缺一家,对已有加分依据的单位均转入下一年度加分」
    s1, v1 = tier({"A": 90, "B": 85, "C": 80})
    s2, v2 = tier({"F": 90}, "tier2")
    claims = [city_claim("c1", "A"), city_claim("c2", "B"), city_claim("c3", "F")]
    subs = [
        Submission("A", CITY_RESULTS_EVIDENCE),
        Submission("B", CITY_RESULTS_EVIDENCE),
        Submission("F", CITY_RESULTS_EVIDENCE),
    ]
    result = evaluate(SCHEME, Facts(YEAR, s1 + s2, v1 + v2, claims=claims, submissions=subs))
    (deferral,) = result.deferrals
    assert (deferral.cohort, deferral.missing, deferral.claims) == ("tier1", ("C",), ("c1", "c2"))
    assert (
        result.get("A").total == 90 and result.get("A").explanation.find("city_results").children[0].step == "deferred"
    )
    assert result.get("F").total == 91  # tier 2 complete: counted this year
    late = [*subs, Submission("C", CITY_RESULTS_EVIDENCE, on_time=False)]
    assert evaluate(SCHEME, Facts(YEAR, s1 + s2, v1 + v2, claims=claims, submissions=late)).deferrals[0].missing == (
        "C",
    )
    done = [*subs, Submission("C", CITY_RESULTS_EVIDENCE)]
    result = evaluate(SCHEME, Facts(YEAR, s1 + s2, v1 + v2, claims=claims, submissions=done))
    assert result.deferrals == () and result.get("A").total == 91


test_b2_invariants = scheme_property_test(SCHEME)
test_b2_fuzz = fuzz_test(SCHEME)

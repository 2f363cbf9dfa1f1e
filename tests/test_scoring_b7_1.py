"""B7.1 (正定县-type performance management) scenarios with the document's own numbers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from govflow.errors import InvalidFacts
from govflow.scoring import Claim, Evidence, Facts, Finding, IndicatorValue, Occurrence, Period, Subject, evaluate
from govflow.scoring.explain import leaf_sum
from govflow.testing.scoring import fuzz_test, scheme_property_test
from govflow_workflows.schemes.b7_1_zhengding import QUOTA_ROUNDING, SCHEME

YEAR = Period("2015", "2015-01-01", "2015-12-31")


def town_values(
    sid: str, econ: tuple[int, int], social: tuple[int, int], leaders: tuple[str, str]
) -> list[IndicatorValue]:
    """Completion (of a 标准值 of 100) mid-term and year-end, and the leaders' marks."""
    out = []
    for period, e, s in (("mid", econ[0], social[0]), ("final", econ[1], social[1])):
        out.append(IndicatorValue(sid, "经济发展", e, target=100, period=period))
        out.append(IndicatorValue(sid, "社会民生", s, target=100, period=period))
    out.append(IndicatorValue(sid, "领导评估", leaders[0], period="mid"))
    out.append(IndicatorValue(sid, "领导评估", leaders[1], period="final"))
    return out


def claim(cid: str, sid: str, authority: str, matter: str = "", day: str = "2015-06-01") -> Claim:
    return Claim(cid, sid, "bonus", authority, Evidence(f"正发[2015]{cid}号", day, authority), matter=matter)


def test_weighted_base_mid_term_and_year_end_fifty_fifty() -> None:
    # seed004:520 (proportional, capped at full marks), :524 (mid 50 % / year-end 50 %)
    facts = Facts(YEAR, [Subject("南牛乡", "town")], town_values("南牛乡", (95, 110), (80, 100), ("8", "9")))
    r = evaluate(SCHEME, facts).get("南牛乡")
    # mid: 45 × 0.95 + 45 × 0.80 = 78.75; year-end: 45 (110 ≥ 100: full) + 45 = 90
    assert r.explanation.find("indicators").points == Decimal("84.375")  # 0.5 × 78.75 + 0.5 × 90
    assert r.explanation.find("leaders").points == Decimal("8.5")
    assert r.total == Decimal("92.875")
    assert leaf_sum(r.explanation) == r.total
    econ_final = r.explanation.find("经济发展_final")
    assert econ_final.points == Decimal("22.5") and econ_final.source == "seed004:520"
    assert econ_final.facts == ("value:南牛乡:经济发展:final",)


def test_bonus_cap_of_four_reached_exactly_and_exceeded() -> None:
    # seed004:550: 省委省政府 +3, 市部门 +1 = 4 = 「累计加分不超过4分」, no cap line needed
    base = town_values("新安镇", (100, 100), (100, 100), ("10", "10"))
    exact = Facts(
        YEAR,
        [Subject("新安镇", "town")],
        base,
        claims=[claim("c1", "新安镇", "省委省政府", "a"), claim("c2", "新安镇", "市部门", "b")],
    )
    line = evaluate(SCHEME, exact).get("新安镇").explanation.find("bonus")
    assert line.points == 4 and all(c.step != "cap" for c in line.children)
    over = Facts(YEAR, exact.subjects, base, claims=[*exact.claims, claim("c3", "新安镇", "市委市政府", "c")])
    line = evaluate(SCHEME, over).get("新安镇").explanation.find("bonus")
    assert line.points == 4
    assert [c.points for c in line.children if c.step == "cap"] == [Decimal(-2)]
    assert evaluate(SCHEME, over).get("新安镇").total == 104


def test_same_matter_counts_once_at_its_highest_level() -> None:
    base = town_values("新安镇", (100, 100), (100, 100), ("10", "10"))
    facts = Facts(
        YEAR,
        [Subject("新安镇", "town")],
        base,
        claims=[claim("c1", "新安镇", "市委市政府", "safety"), claim("c2", "新安镇", "党中央国务院", "safety")],
    )
    line = evaluate(SCHEME, facts).get("新安镇").explanation.find("bonus")
    assert line.points == 4
    assert [(c.step, c.facts) for c in line.children] == [("bonus", ("c2",)), ("not_counted", ("c1",))]


def test_deduction_cap_of_four() -> None:
    # seed004:552: 省通报批评 −2 each; three of them = −6, 「累计扣分不超过4分」
    base = town_values("南楼乡", (100, 100), (100, 100), ("10", "10"))
    occ = [
        Occurrence(f"o{i}", "南楼乡", "deduction", "省", "2015-03-0" + str(i), severity="通报批评") for i in (1, 2, 3)
    ]
    r = evaluate(SCHEME, Facts(YEAR, [Subject("南楼乡", "town")], base, occurrences=occ)).get("南楼乡")
    assert r.explanation.find("deduction").points == -4
    assert r.total == 96


def seven_towns(totals: dict[str, int]) -> Facts:
    """Seven towns whose totals are exactly the given whole numbers (indicators give 90 × t/100
    in both periods; leaders 10 × t/100)."""
    values = []
    for sid, t in totals.items():
        values += town_values(sid, (t, t), (t, t), (str(Decimal(t) / 10), str(Decimal(t) / 10)))
    return Facts(YEAR, [Subject(s, "town") for s in totals], values)


TOWNS = ["南牛乡", "新城铺镇", "西平乐乡", "新安镇", "南楼乡", "曲阳桥乡", "北早现乡"]  # seed004:494


def test_quota_seven_towns_give_two_advanced_thirty_two_departments_give_eight() -> None:
    # seed004:568: 「7个乡、镇中评出2个…32个…部门和单位中评出8个」
    quota = SCHEME.cohort("town").quotas[0]
    assert QUOTA_ROUNDING == "half_up"
    assert quota.count(7) == 2 and quota.count(32) == 8
    result = evaluate(SCHEME, seven_towns(dict(zip(TOWNS, [99, 97, 95, 93, 80, 70, 50], strict=True))))
    assert [r.subject for r in result.cohort("town") if r.grade == "先进"] == ["南牛乡", "新城铺镇"]
    assert result.get("西平乐乡").grade == "合格"  # 95 ≥ 90 but the 25 % quota is full


def test_quota_needs_ninety_inclusive() -> None:
    result = evaluate(SCHEME, seven_towns(dict(zip(TOWNS, [90, 89, 80, 75, 70, 65, 61], strict=True))))
    assert [r.subject for r in result.results if r.grade == "先进"] == ["南牛乡"]  # 90 (含90) only


def test_tie_broken_by_indicator_evaluation() -> None:
    # Both total 95: 新城铺镇 has more from indicators (90 + 5) than 南牛乡 (85.5 + 10 − 0.5).
    facts = Facts(
        YEAR,
        [Subject("南牛乡", "town"), Subject("新城铺镇", "town"), Subject("新安镇", "town"), Subject("南楼乡", "town")],
        [
            *town_values("南牛乡", (80, 100), (100, 100), ("10", "10")),  # 0.5 × 81 + 0.5 × 90 = 85.5
            *town_values("新城铺镇", (100, 100), (100, 100), ("5", "5")),  # 90 + 5
            *town_values("新安镇", (50, 50), (50, 50), ("5", "5")),
            *town_values("南楼乡", (50, 50), (50, 50), ("5", "5")),
        ],
        occurrences=[Occurrence("o1", "南牛乡", "deduction", "县", "2015-05-05", severity="通报批评")],
    )
    result = evaluate(SCHEME, facts)
    a, b = result.get("南牛乡"), result.get("新城铺镇")
    assert a.total == b.total == 95
    assert (b.rank, a.rank) == (1, 2)  # equal totals, 新城铺镇's 指标评估 90 > 85.5
    assert b.grade == "先进" and a.grade == "合格"  # 4 towns × 25 % = 1 place


def test_full_tie_at_the_quota_boundary_leaves_both_out() -> None:
    values = [
        *town_values("A", (100, 100), (100, 100), ("9", "9")),
        *town_values("B", (100, 100), (100, 100), ("9", "9")),
        *town_values("C", (50, 50), (50, 50), ("5", "5")),
        *town_values("D", (50, 50), (50, 50), ("5", "5")),
    ]
    facts = Facts(YEAR, [Subject(s, "town") for s in ("A", "B", "C", "D")], values)
    result = evaluate(SCHEME, facts)
    assert result.get("A").rank == result.get("B").rank == 1
    assert all(result.get(s).grade != "先进" for s in "AB")  # one place, two tied: never exceeded


def test_disqualified_unit_loses_advanced_and_the_next_one_takes_it() -> None:
    # seed004:570: 「社会治安综合治理出现黄牌警告…取消评先资格」
    facts = seven_towns(dict(zip(TOWNS, [99, 97, 95, 93, 80, 70, 50], strict=True)))
    facts = Facts(
        facts.period, facts.subjects, facts.values, findings=[Finding("f1", "南牛乡", "综治黄牌警告", "2015-09-01")]
    )
    result = evaluate(SCHEME, facts)
    top = result.get("南牛乡")
    assert top.rank == 1 and top.grade == "合格" and top.flags[0].category == "社会治安综合治理"
    assert [r.subject for r in result.results if r.grade == "先进"] == ["新城铺镇", "西平乐乡"]


def test_dereliction_determination_fails_whatever_the_score() -> None:
    facts = seven_towns(dict(zip(TOWNS, [99, 97, 95, 93, 80, 70, 50], strict=True)))
    facts = Facts(
        facts.period,
        facts.subjects,
        facts.values,
        findings=[Finding("f1", "新城铺镇", "失职渎职认定不合格", "2015-11-01")],
    )
    assert evaluate(SCHEME, facts).get("新城铺镇").grade == "不合格"  # seed004:574 (2)


def test_below_sixty_and_bottom_three_forwarded_to_cadre_management() -> None:
    # seed004:584: 「综合得分在60分(不含60分)以下且后三名的…抄送有关部门」 — both conditions
    result = evaluate(SCHEME, seven_towns(dict(zip(TOWNS, [59, 58, 95, 93, 80, 70, 50], strict=True))))
    forwarded = sorted(
        r.subject for r in result.results if any(c.rule == "forward_to_cadre_management" for c in r.consequences)
    )
    assert forwarded == ["北早现乡", "南牛乡", "新城铺镇"]
    result = evaluate(SCHEME, seven_towns(dict(zip(TOWNS, [60, 61, 95, 93, 80, 70, 50], strict=True))))
    forwarded = [
        r.subject for r in result.results if any(c.rule == "forward_to_cadre_management" for c in r.consequences)
    ]
    assert forwarded == ["北早现乡"]  # 60 is not below 60; 61 is in the bottom three but not below


def test_old_town_takes_three_to_five_at_ninety_five() -> None:
    units = ["规划分局", "国土分局", "住建局", "发改局", "文管局", "城管局", "交通局", "正定镇", "城区街道办事处"]
    scores = [100, 99, 98, 97, 96, 95, 94, 80, 60]
    values = []
    for sid, t in zip(units, scores, strict=True):
        values.append(IndicatorValue(sid, "古城风貌恢复工作", t, target=100, period="final"))
        values.append(IndicatorValue(sid, "领导评估", str(Decimal(t) * Decimal("0.3")), period="final"))
    result = evaluate(SCHEME, Facts(YEAR, [Subject(u, "old_town") for u in units], values))
    assert [r.subject for r in result.results if r.grade == "先进"] == units[:5]  # at most 5, all ≥ 95
    low = [IndicatorValue(v.subject, v.indicator, v.value * Decimal("0.9"), v.target, period="final") for v in values]
    result = evaluate(SCHEME, Facts(YEAR, [Subject(u, "old_town") for u in units], low))
    assert [r.subject for r in result.results if r.grade == "先进"] == []  # nobody reaches 95


def test_old_town_has_no_bonus_or_deduction() -> None:
    # seed004:554: 「评估加减分适用于承担日常工作的乡镇、部门和单位」
    facts = Facts(YEAR, [Subject("住建局", "old_town")], claims=[claim("c1", "住建局", "省委省政府")])
    with pytest.raises(InvalidFacts, match="unknown bonus item 'bonus' for cohort old_town"):
        evaluate(SCHEME, facts)


def test_bad_facts_are_named_and_nothing_is_scored() -> None:
    facts = Facts(
        YEAR,
        [Subject("南牛乡", "town")],
        [
            IndicatorValue("南牛乡", "GDP", 1),
            IndicatorValue("南牛乡", "领导评估", 11, period="mid"),
            IndicatorValue("x", "经济发展", 1),
        ],
        occurrences=[Occurrence("o1", "南牛乡", "deduction", "省", "2016-01-02", severity="通报批评", count=-1)],
        claims=[claim("c1", "南牛乡", "省委省政府", day="2014-12-31")],
    )
    with pytest.raises(InvalidFacts) as err:
        evaluate(SCHEME, facts)
    text = str(err.value)
    for expected in (
        "unknown indicator 'GDP'",
        "11 outside 0…10",
        "unknown subject 'x'",
        "negative occurrence count",
        "outside period 2015",
        "counts in another period",
    ):
        assert expected in text, expected


test_b7_1_invariants = scheme_property_test(SCHEME)
test_b7_1_fuzz = fuzz_test(SCHEME)

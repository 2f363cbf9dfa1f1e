"""Seed 003 篇三 (深圳市信访工作目标管理考核办法) as data: categories, two-year averages, floors,
the 先进 bar, and B/C published on 100."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from govflow.errors import InvalidFacts
from govflow.scoring import Facts, Finding, IndicatorValue, Occurrence, Period, Scheme, Subject, evaluate
from govflow.testing.scoring import fuzz_test, scheme_property_test
from govflow_workflows.schemes import shenzhen_petitions as sz

PERIOD = Period("2004—2005", "2004-01-01", "2005-12-31")
Y1, Y2 = sz.YEARS


def category_of(unit: str) -> str:
    return next(c for c, units in sz.CATEGORIES.items() if unit in units)


def panel(unit: str, **given: int | str) -> list[IndicatorValue]:
    """Full panel marks on every sub-item of the unit's category, except those `given`."""
    cat = category_of(unit)
    return [
        IndicatorValue(unit, key, given.get(key, points))
        for _, key, _, points, cats, _ in sz.PANEL_ITEMS
        if cat in cats
    ]


def occ(oid: str, unit: str, item: str, row: str, severity: str = "", count: int = 1, **kw: Any) -> Occurrence:
    year = Y1 if item.endswith(Y1) else Y2
    day = date(2004, 5, 1) if year == Y1 else date(2005, 5, 1)
    return Occurrence(oid, unit, item, row, day, count=count, severity=severity, period=kw.pop("period", year), **kw)


def run(
    units: list[str], values: list[IndicatorValue], *occurrences: Occurrence, findings: tuple[Finding, ...] = ()
) -> Any:
    facts = Facts(
        period=PERIOD,
        subjects=[Subject(u, category_of(u)) for u in units],
        values=values,
        occurrences=occurrences,
        findings=findings,
    )
    return evaluate(sz.SCHEME, facts)


def test_category_sizes_and_maxima() -> None:
    assert [len(sz.CATEGORIES[c]) for c in "ABC"] == [6, 18, 23]  # L171–L175
    raw = {c.name: c.root.subrules()[0] if c.name != "A" else c.root for c in sz.SCHEME.cohorts}
    assert {c: r.bounds()[1] for c, r in raw.items()} == {"A": 100, "B": 95, "C": 82}
    assert sz.DECLARED_MAXIMUM["C"] == 80 != sz.C_SCALE_BASE  # the source's own discrepancy


def test_district_two_year_average() -> None:
    # 福田区: year 1 a collective petition to the province (−2, L259) and the official did not come
    # (−2, L261) → 16; year 2 one to the national organs (−3) → 17; (四) = (16 + 17) / 2 = 16.5.
    # (五): year 1 a case not handled (−1) reminded twice (−0.5 × 2, L269) → 13; year 2 → 15; 14.
    result = run(
        ["福田区"],
        panel("福田区"),
        occ("p1", "福田区", f"集体上访_{Y1}", "省", "集体上访"),
        occ("p2", "福田区", f"集体上访_{Y1}", "省", "未及时到场"),
        occ("p3", "福田区", f"集体上访_{Y2}", "国家", "集体上访"),
        occ("c1", "福田区", f"立案件_{Y1}", "未按要求办理"),
        occ("c2", "福田区", f"立案件_{Y1}", "催办", count=2),
    ).get("福田区")
    assert result.total == Decimal("95.5")
    four = result.explanation.find("项目四")
    assert four is not None and four.points == Decimal("16.5") and four.source == "seed003:283"
    first = four.find(f"集体上访_{Y1}")
    assert first is not None and first.source == "seed003:251"
    assert {leaf.facts for leaf in first.leaves() if leaf.step == "deduction"} == {("p1",), ("p2",)}


def test_deductions_stop_at_the_item_value() -> None:
    # 扣分量累计达到该项满分值时…不再扣分 (L283): 8 national collective petitions (24) take 20.
    result = run(["罗湖区"], panel("罗湖区"), occ("p1", "罗湖区", f"集体上访_{Y1}", "国家", "集体上访", count=8))
    line = result.get("罗湖区")
    assert line.total == Decimal(90)  # 65 panel + (0 + 20) / 2 + 15
    year = line.explanation.find(f"集体上访_{Y1}")
    assert year is not None and year.points == 0
    (floor,) = [leaf for leaf in year.leaves() if leaf.step == "floor"]
    assert floor.points == Decimal(2)  # 4 points of the 24 put back, × the year's weight 0.5


def test_major_incident_forfeits_the_item_and_bars_the_award() -> None:
    result = run(
        ["南山区", "盐田区"],
        panel("南山区") + panel("盐田区"),
        occ("m1", "南山区", f"集体上访_{Y2}", sz.MAJOR_INCIDENT, reason="市委对事件原因作出结论"),
    )
    nanshan = result.get("南山区")
    assert nanshan.total == Decimal(90)  # (20 + 0) / 2 = 10 for (四)
    (flag,) = nanshan.flags
    assert flag.category == sz.MAJOR_INCIDENT and "no_honours" in flag.effects and flag.source == "seed003:255"
    assert flag.facts == ("m1",)  # the same record that took the 20 points
    assert not result.get("盐田区").flags
    assert [r.subject for r in result.cohort("A")] == ["盐田区", "南山区"]


def test_b_unit_published_on_a_hundred() -> None:
    # B: full marks are 95 (L293); 76 raw publishes as 80.00 (76 × 100 / 95).
    result = run(
        ["市公安局", "市交通局"],
        panel("市公安局") + panel("市交通局", 改革创新=0, 调研=1),
        occ("c1", "市交通局", f"立案件_{Y1}", "未按要求办理", count=10),
    )
    assert result.get("市公安局").total == Decimal("100.00")
    traffic = result.get("市交通局")
    assert traffic.total == Decimal("80.00")
    assert traffic.rank == 2
    scaled = traffic.explanation.find("百分制折算")
    assert scaled is not None and scaled.source == "seed003:293"


def test_c_unit_published_against_its_tagged_items() -> None:
    # C_SCALE_BASE: a perfect C unit has 82 raw and publishes 100.00, not 102.5; 41 raw → 50.00.
    half = {key: 0 for _, key, _, _, cats, _ in sz.PANEL_ITEMS if "C" in cats}  # 47 panel points gone
    result = run(
        ["市卫生局", "市科技局"],
        panel("市卫生局") + panel("市科技局", **half),
        occ("p1", "市科技局", f"集体上访_{Y1}", "市", "集体上访", count=6),  # −6 × 0.5 = −3
        occ("p2", "市科技局", f"集体上访_{Y2}", "市", "集体上访", count=6),  # −3
    )
    assert result.get("市卫生局").total == Decimal("100.00")
    assert result.get("市科技局").total == Decimal("35.37")  # (82 − 47 − 6) = 29 × 100 / 82 = 35.365…


def test_occurrence_filed_under_the_wrong_year_is_refused() -> None:
    with pytest.raises(InvalidFacts) as caught:
        run(["福田区"], panel("福田区"), occ("p1", "福田区", f"集体上访_{Y1}", "市", "集体上访", period=Y2))
    assert any("p1" in p for p in caught.value.problems)


def test_ties_share_a_place() -> None:
    result = run(["宝安区", "龙岗区"], panel("宝安区") + panel("龙岗区"))
    assert [r.rank for r in result.cohort("A")] == [1, 1]


def test_sub_item_not_tagged_for_the_category_is_refused() -> None:
    # 健全信访工作领导小组 is 考核A类 only (L203): a B unit cannot be scored on it.
    with pytest.raises(InvalidFacts) as caught:
        run(["市教育局"], [IndicatorValue("市教育局", "领导小组", 2)])
    assert any("领导小组" in p for p in caught.value.problems)


def test_panel_score_above_the_sub_item_is_refused() -> None:
    with pytest.raises(InvalidFacts) as caught:
        run(["福田区"], panel("福田区", 领导接待=7))
    assert any("领导接待" in p and "0…6" in p for p in caught.value.problems)


def test_json_round_trip() -> None:
    assert Scheme.from_json(sz.SCHEME.to_json()) == sz.SCHEME


test_invariants = scheme_property_test(sz.SCHEME)
test_fuzz = fuzz_test(sz.SCHEME)

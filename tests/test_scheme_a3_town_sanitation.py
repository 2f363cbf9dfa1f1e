"""Seed 000 篇3 (镇城乡环境卫生整洁行动考评) as data: photographed deduction points, the first three
commended, the last three docked 3/2/1 in 绩效考核, ties, and the year's combined ranking."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from govflow.errors import InvalidFacts
from govflow.scoring import Evidence, Facts, Occurrence, Period, Scheme, Subject, SubjectResult, evaluate
from govflow.testing.scoring import fuzz_test, scheme_property_test
from govflow_workflows.schemes import a3_town_sanitation as a3

PERIOD = Period("2013", "2013-01-01", "2013-12-31")
DAY = date(2013, 6, 18)


def point(oid: str, subject: str, points: str, item: str = "扣分点", photo: str | None = None) -> Occurrence:
    evidence = Evidence(photo or f"照片{oid}", DAY, "镇行动领导小组")
    return Occurrence(oid, subject, item, "扣分点", DAY, points=points, reason="积存暴露垃圾", evidence=evidence)


def run(scheme: Scheme, kinds: dict[str, str], *occurrences: Occurrence) -> Any:
    return evaluate(
        scheme, Facts(period=PERIOD, subjects=[Subject(s, k) for s, k in kinds.items()], occurrences=occurrences)
    )


def docked(result: SubjectResult) -> int:
    return sum(1 for c in result.consequences for a in c.actions if a.what == "扣减绩效考核分值1分")


def test_first_three_commended_last_three_docked() -> None:
    villages = {f"村{i}": a3.VILLAGES for i in range(1, 7)}
    cuts = {"村2": "2", "村3": "3", "村4": "5", "村5": "8", "村6": "10.5"}
    result = run(a3.ROUND, villages, *(point(f"o{v}", v, p) for v, p in cuts.items()))
    assert [r.subject for r in result.results if r.awards] == ["村1", "村2", "村3"]
    assert {v: docked(result.get(v)) for v in villages} == {"村1": 0, "村2": 0, "村3": 0, "村4": 1, "村5": 2, "村6": 3}
    last = result.get("村6")
    assert last.total == Decimal("89.5")
    assert {c.source for c in last.consequences} == {"seed000:137"}
    assert any(a.what == "通报批评" for c in last.consequences for a in c.actions)
    line = last.explanation.find("扣分点")
    assert line is not None and line.source == "seed000:131"
    (leaf,) = [x for x in line.leaves() if x.step == "deduction"]
    assert leaf.facts == ("o村6",)


def test_ties_at_the_bottom_and_across_third_place() -> None:
    villages = {f"村{i}": a3.VILLAGES for i in range(1, 7)}
    cuts = {"村2": "1", "村3": "4", "村4": "4", "村5": "9", "村6": "9"}
    result = run(a3.ROUND, villages, *(point(f"o{v}", v, p) for v, p in cuts.items()))
    assert [r.subject for r in result.results if r.awards] == ["村1", "村2"]  # 村3 and 村4 tied for third: both out
    assert docked(result.get("村5")) == docked(result.get("村6")) == 3  # tied for last: both last
    assert docked(result.get("村4")) == docked(result.get("村3")) == 1


def test_five_work_areas_third_is_both() -> None:
    areas = {f"片{i}": a3.AREAS for i in range(1, 6)}
    result = run(a3.ROUND, areas, *(point(f"o{i}", f"片{i}", str(i)) for i in range(1, 6)))
    third = result.get("片3")
    assert third.awards == ("通报表彰并奖现金",) and docked(third) == 1  # SMALL_POOL_OVERLAP


def test_roads_are_ranked_but_not_rewarded() -> None:
    roads = {"S219沿线": a3.ROADS, "桃花路": a3.ROADS}
    result = run(a3.ROUND, roads, point("o1", "桃花路", "6"))
    assert [r.rank for r in result.cohort(a3.ROADS)] == [1, 2]
    assert not any(r.awards or r.consequences for r in result.results)


def test_deduction_point_without_its_photo_is_refused() -> None:
    bare = Occurrence("o1", "村1", "扣分点", "扣分点", DAY, points="2", reason="乱堆乱放")
    with pytest.raises(InvalidFacts) as caught:
        run(a3.ROUND, {"村1": a3.VILLAGES}, bare)
    assert any("o1" in p and "evidence" in p for p in caught.value.problems)


def test_year_combines_both_checks() -> None:
    villages = {"村1": a3.VILLAGES, "村2": a3.VILLAGES}
    result = run(
        a3.ANNUAL,
        villages,
        point("h1", "村1", "10", item="半年检查"),
        point("y1", "村1", "20", item="年终检查"),
        point("y2", "村2", "31", item="年终检查"),
    )
    assert result.get("村1").total == Decimal(85)  # (90 + 80) / 2
    assert result.get("村2").total == Decimal("84.5")  # (100 + 69) / 2
    assert [r.subject for r in result.cohort(a3.VILLAGES)] == ["村1", "村2"]
    combined = result.get("村1").explanation.find("综合得分")
    assert combined is not None and combined.source == "seed000:133"


def test_json_round_trip() -> None:
    for scheme in a3.SCHEMES:
        assert Scheme.from_json(scheme.to_json()) == scheme


test_invariants_round = scheme_property_test(a3.ROUND)
test_invariants_annual = scheme_property_test(a3.ANNUAL)
test_fuzz = fuzz_test(a3.ROUND)

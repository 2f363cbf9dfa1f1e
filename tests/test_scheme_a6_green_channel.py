"""Seed 000 篇6 (重大产业项目绿色通道考评) as data: the document's own deductions, floors and refusals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from govflow.errors import InvalidFacts
from govflow.scoring import Facts, Occurrence, Period, Scheme, Subject, evaluate
from govflow.testing.scoring import fuzz_test, scheme_property_test
from govflow_workflows.schemes import a6_green_channel as gc

PERIOD = Period("2016年度", "2016-01-01", "2016-12-31")


def occ(oid: str, dept: str, item: str, row: str, count: int = 1, **kw: Any) -> Occurrence:
    return Occurrence(oid, dept, item, row, date(2016, 6, 1), count=count, **kw)


def facts(*occurrences: Occurrence, depts: tuple[str, ...] = gc.DEPARTMENTS) -> Facts:
    return Facts(period=PERIOD, subjects=[Subject(d, gc.COHORT) for d in depts], occurrences=occurrences)


def test_thirteen_departments_one_hundred_points() -> None:
    assert len(gc.DEPARTMENTS) == 13  # L287
    assert gc.SCHEME.cohorts[0].root.bounds() == (Decimal(0), Decimal(100))
    result = evaluate(gc.SCHEME, facts())
    assert {r.total for r in result.results} == {Decimal(100)}
    assert {r.rank for r in result.results} == {1}  # nobody deducted: all share first place


def test_deductions_add_up_item_by_item() -> None:
    # 县发改委: no leading group (−4, L297), rules incomplete (−3, L307), no year-end summary
    # (−1.5, L309), two late approvals (−20, L315), one unmet condition (−5, L319).
    result = evaluate(
        gc.SCHEME,
        facts(
            occ("o1", "县发改委", "领导小组", "未成立领导小组"),
            occ("o2", "县发改委", "审批制度", "制度不健全"),
            occ("o3", "县发改委", "考评方案总结", "缺项"),
            occ("o4", "县发改委", "按时审批", "未按时限完成", 2),
            occ("o5", "县发改委", "符合条件", "不符合条件"),
        ),
    ).get("县发改委")
    assert result.total == Decimal("66.5")
    late = result.explanation.find("按时审批")
    assert late is not None and late.points == Decimal(20) and late.source == "seed000:315"
    (leaf,) = [x for x in late.leaves() if x.step == "deduction"]
    assert leaf.points == Decimal(-20) and leaf.facts == ("o4",)
    assert result.rank == 13  # everyone else has 100


def test_late_approvals_stop_at_zero() -> None:
    # 至直扣完 (L315): five late approvals cost 40, not 50.
    line = evaluate(gc.SCHEME, facts(occ("o1", "县国土局", "按时审批", "未按时限完成", 5))).get("县国土局")
    assert line.total == Decimal(60)
    item = line.explanation.find("按时审批")
    assert item is not None and item.points == 0
    (floor,) = [x for x in item.leaves() if x.step == "floor"]
    assert floor.points == Decimal(10) and floor.source == "seed000:315"


def test_three_unmet_conditions_take_the_item_exactly() -> None:
    # 每不符合1项扣5分 (L319): 3 × 5 = 15 reaches the item's value exactly — no floor step.
    result = evaluate(gc.SCHEME, facts(occ("o1", "县环保局", "符合条件", "不符合条件", 3))).get("县环保局")
    assert result.total == Decimal(85)
    item = result.explanation.find("符合条件")
    assert item is not None and item.points == 0
    assert not [x for x in item.leaves() if x.step == "floor"]


def test_overlapping_rows_cost_the_worse_one() -> None:
    # OVERLAPPING_ROWS_FLOORED: 未建立制度 (−5) and 制度不健全 (−3) both recorded → the item is 0.
    result = evaluate(
        gc.SCHEME,
        facts(occ("o1", "县水务局", "审批制度", "未建立制度"), occ("o2", "县水务局", "审批制度", "制度不健全")),
    ).get("县水务局")
    assert result.total == Decimal(95)


def test_discretionary_deduction_within_its_range() -> None:
    result = evaluate(
        gc.SCHEME,
        facts(occ("o1", "县林业局", "清理未达要求", "未达到规定要求", points="2.5", reason="清理清单未公布")),
    ).get("县林业局")
    assert result.total == Decimal("97.5")
    line = result.explanation.find("清理未达要求")
    assert line is not None and line.source == "seed000:303"


def test_discretionary_deduction_without_a_reason_is_refused() -> None:
    with pytest.raises(InvalidFacts) as caught:
        evaluate(gc.SCHEME, facts(occ("o1", "县林业局", "清理未达要求", "未达到规定要求", points="1")))
    assert any("o1" in p and "reason" in p for p in caught.value.problems)


def test_discretionary_deduction_as_large_as_not_clearing_is_refused() -> None:
    with pytest.raises(InvalidFacts) as caught:
        evaluate(
            gc.SCHEME,
            facts(occ("o1", "县林业局", "清理未达要求", "未达到规定要求", points="3", reason="未达到规定要求")),
        )
    assert any("o1" in p and "2.5" in p for p in caught.value.problems)


def test_unknown_department_is_refused() -> None:
    with pytest.raises(InvalidFacts) as caught:
        evaluate(gc.SCHEME, facts(occ("o1", "县教育局", "按时审批", "未按时限完成")))
    assert any("县教育局" in p for p in caught.value.problems)


def test_json_round_trip() -> None:
    assert Scheme.from_json(gc.SCHEME.to_json()) == gc.SCHEME


test_invariants = scheme_property_test(gc.SCHEME)
test_fuzz = fuzz_test(gc.SCHEME)

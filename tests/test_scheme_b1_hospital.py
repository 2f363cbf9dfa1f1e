"""Seed 004 第一篇 (***医院2016年综合目标管理及考核方案) as data: 100-point 减分制 sheets weighted
85/10/5 (clinical) and 90/10 (functional), sheets floored at zero, assessors weighted at aggregation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from govflow.errors import DefinitionError, InvalidFacts
from govflow.scoring import Facts, IndicatorValue, Occurrence, Period, Scheme, Subject, evaluate
from govflow.testing.scoring import fuzz_test, scheme_property_test
from govflow_workflows.schemes import b1_hospital as b1

MONTH = Period("2016-09", "2016-09-01", "2016-09-30")
DAY = date(2016, 9, 12)


def problem(oid: str, dept: str, sheet: str, points: str, reason: str = "病历书写不规范") -> Occurrence:
    return Occurrence(oid, dept, sheet, "考核标准", DAY, points=points, reason=reason)


def run(subjects: dict[str, str], scheme: Scheme = b1.SCHEME, **kw: Any) -> Any:
    return evaluate(scheme, Facts(period=MONTH, subjects=[Subject(s, c) for s, c in subjects.items()], **kw))


def test_clinical_and_functional_weights() -> None:
    result = run(
        {"心内科": b1.CLINICAL, "医务科": b1.FUNCTIONAL},
        occurrences=[
            problem("o1", "心内科", "质量与安全", "2"),
            problem("o2", "心内科", "质量与安全", "3", "手卫生依从性不达标"),
            problem("o3", "心内科", "关键指标", "10", "平均住院日超标"),
        ],
        values=[IndicatorValue("心内科", "满意度", 92), IndicatorValue("医务科", "临床满意度", 85)],
    )
    # 0.85 × 95 + 0.10 × 90 + 0.05 × 92 = 80.75 + 9 + 4.6
    cardiology = result.get("心内科")
    assert cardiology.total == Decimal("94.35")
    quality = cardiology.explanation.find("质量与安全")
    assert quality is not None and quality.points == Decimal("80.75") and quality.source == "seed004:50"
    assert {leaf.facts for leaf in quality.leaves() if leaf.step == "deduction"} == {("o1",), ("o2",)}
    assert result.get("医务科").total == Decimal("98.5")  # 0.90 × 100 + 0.10 × 85


def test_sheet_stops_at_zero() -> None:
    result = run(
        {"骨科": b1.CLINICAL},
        occurrences=[
            problem("o1", "骨科", "关键指标", "60", "指标未达标"),
            problem("o2", "骨科", "关键指标", "50", "指标未达标"),
        ],
        values=[IndicatorValue("骨科", "满意度", 100)],
    ).get("骨科")
    assert result.total == Decimal(90)  # 85 + 0 + 5
    key = result.explanation.find("关键指标")
    assert key is not None and key.points == 0
    (floor,) = [leaf for leaf in key.leaves() if leaf.step == "floor"]
    assert floor.points == Decimal("1.0")  # 10 points put back × the sheet's weight 0.10


def test_satisfaction_above_the_full_rate_is_capped() -> None:
    result = run({"药剂科": b1.FUNCTIONAL}, values=[IndicatorValue("药剂科", "临床满意度", 100)]).get("药剂科")
    assert result.total == Decimal(100)


def test_assessors_weighted_at_aggregation() -> None:
    scheme = b1.build({"医务科": Decimal("0.6"), "院感科": Decimal("0.4")})
    result = run(
        {"普外科": b1.CLINICAL},
        scheme=scheme,
        occurrences=[problem("o1", "普外科", "医务科", "10", "术前讨论记录缺失")],
        values=[IndicatorValue("普外科", "满意度", 100)],
    ).get("普外科")
    assert result.total == Decimal("94.9")  # 0.85 × (0.6 × 90 + 0.4 × 100) + 10 + 5
    sheet = result.explanation.find("医务科")
    assert sheet is not None and sheet.source == "seed004:50"


def test_assessor_weights_must_add_up() -> None:
    with pytest.raises(DefinitionError):
        b1.build({"医务科": Decimal("0.6"), "院感科": Decimal("0.3")})


def test_deduction_without_its_problem_is_refused() -> None:
    with pytest.raises(InvalidFacts) as caught:
        run({"心内科": b1.CLINICAL}, occurrences=[problem("o1", "心内科", "质量与安全", "2", reason=" ")])
    assert any("o1" in p for p in caught.value.problems)


def test_functional_department_has_no_key_indicator_sheet() -> None:
    with pytest.raises(InvalidFacts) as caught:
        run({"医务科": b1.FUNCTIONAL}, occurrences=[problem("o1", "医务科", "关键指标", "2")])
    assert any("关键指标" in p for p in caught.value.problems)


def test_json_round_trip() -> None:
    assert Scheme.from_json(b1.SCHEME.to_json()) == b1.SCHEME


test_invariants = scheme_property_test(b1.SCHEME)
test_fuzz = fuzz_test(b1.SCHEME)

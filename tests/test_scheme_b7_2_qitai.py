"""Seed 004 第七篇 第2篇 (奇台县政府绩效管理) as data: the two rounds 1 : 2, the special grade mapped
into the unit's 10 %, channel caps of 2, the 89–90 and 79–80 gaps, vetoes reaching the main leader,
rewards by grade and 「连续两年被评为差」."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from govflow.errors import InvalidFacts
from govflow.scoring import (
    Facts,
    Finding,
    IndicatorValue,
    Occurrence,
    PastResult,
    Period,
    Scheme,
    SubGrade,
    Subject,
    evaluate,
)
from govflow.testing.scoring import fuzz_test, scheme_property_test
from govflow_workflows.schemes import b7_2_qitai as qt

PERIOD = Period("2015", "2015-01-01", "2015-12-31")
DAY = date(2015, 10, 8)


def rounds(unit: str, cohort: str, half: tuple[int, ...], final: tuple[int, ...]) -> list[IndicatorValue]:
    track = qt.DEPARTMENTS if cohort == qt.STATIONED else cohort
    keys = [k for k, _, _, _ in qt.WEIGHTS[track]]
    return [IndicatorValue(unit, k, v, period="半年初评") for k, v in zip(keys, half, strict=True)] + [
        IndicatorValue(unit, k, v, period="年终总评") for k, v in zip(keys, final, strict=True)
    ]


def case(oid: str, unit: str, channel: str, points: str, reason: str = "群众投诉办事拖延属实") -> Occurrence:
    return Occurrence(oid, unit, channel, channel, DAY, points=points, reason=reason)


def run(
    units: dict[str, str], scheme: Scheme = qt.UNITS, history: tuple[PastResult, ...] | list[PastResult] = (), **kw: Any
) -> Any:
    subjects = [Subject(u, c, leader=f"{u}.局长") for u, c in units.items()]
    return evaluate(scheme, Facts(period=PERIOD, subjects=subjects, **kw), history=history)


def test_department_weighted_rounds_special_share_and_deduction() -> None:
    # Half-year 27 + 24 + 18 = 69, year-end 30 + 27 + 19 = 76 of 80: (69 + 2 × 76) / 3 = 73.667;
    # special 良好 → 8 of 10 (SPECIAL_GRADE_SHARES); 满意率 92 % → 9.2; 查访核验 −0.5.
    result = run(
        {"县发改委": qt.DEPARTMENTS},
        values=[
            *rounds("县发改委", qt.DEPARTMENTS, (27, 24, 18), (30, 27, 19)),
            IndicatorValue("县发改委", "满意率", 92),
        ],
        sub_grades=[SubGrade("县发改委", "专项绩效考核", "良好")],
        occurrences=[case("o1", "县发改委", "查访核验", "0.5", "窗口人员脱岗")],
    ).get("县发改委")
    assert result.total == Decimal("90.37") and result.grade == "优秀"
    rounds_line = result.explanation.find("两次集中考核")
    assert rounds_line is not None and rounds_line.source == "seed004:656"
    special = result.explanation.find("专项绩效")
    assert special is not None and special.points == 8 and special.source == "seed004:676"
    (reward,) = result.consequences
    assert reward.rule == "优秀奖励" and reward.source == "seed004:684"
    assert reward.actions[1].what.startswith("1个月基础工资绩效奖")


def test_channel_caps_of_two() -> None:
    result = run(
        {"县交通局": qt.DEPARTMENTS, "县水利局": qt.DEPARTMENTS},
        values=rounds("县交通局", qt.DEPARTMENTS, (30, 30, 20), (30, 30, 20))
        + rounds("县水利局", qt.DEPARTMENTS, (30, 30, 20), (30, 30, 20)),
        occurrences=[
            case("o1", "县交通局", "投诉查处", "1"),
            case("o2", "县交通局", "投诉查处", "1.5"),
            case("o3", "县交通局", "投诉查处", "0.5"),  # 3 → 2 (倒扣分不超过2分, L660)
            case("o4", "县水利局", "查访核验", "1.5"),
            case("o5", "县水利局", "查访核验", "0.5"),  # exactly 2: no cap step
        ],
    )
    traffic = result.get("县交通局").explanation.find("投诉查处")
    assert traffic is not None and traffic.points == -2 and traffic.source == "seed004:660"
    assert [leaf.points for leaf in traffic.leaves() if leaf.step == "cap"] == [Decimal(1)]
    water = result.get("县水利局").explanation.find("查访核验")
    assert water is not None and water.points == -2
    assert not [leaf for leaf in water.leaves() if leaf.step == "cap"]
    # no 专项 grade recorded and no 满意率: 80 − 2
    assert result.get("县交通局").total == result.get("县水利局").total == Decimal("78.00")


def test_gaps_go_to_the_lower_grade() -> None:
    units = {"办公室": qt.SECTIONS, "业务股": qt.SECTIONS}
    result = run(
        units,
        values=rounds("办公室", qt.SECTIONS, (35, 35, 20), (35, 35, 20))
        + rounds("业务股", qt.SECTIONS, (35, 30, 15), (35, 30, 15)),
        occurrences=[case("o1", "办公室", "查访核验", "0.5"), case("o2", "业务股", "查访核验", "0.5")],
    )
    assert (result.get("办公室").total, result.get("办公室").grade) == (Decimal("89.50"), "良好")
    assert (result.get("业务股").total, result.get("业务股").grade) == (Decimal("79.50"), "合格")


def test_special_project_grades_and_overlap_at_ninety() -> None:
    full = {key: points for key, _, points, _ in qt.SPECIAL_SHARES}
    owners = {"县住建局": "项目牵头单位", "县发改委": "项目牵头单位", "县教育局": "项目牵头单位"}
    values = [
        IndicatorValue("县住建局", k, v) for k, v in {**full, "工程进度": 6, "公众评议": 9, "审计监督": 8}.items()
    ]
    values += [IndicatorValue("县发改委", k, v) for k, v in {**full, "审计监督": 0}.items()]  # exactly 90
    values += [IndicatorValue("县教育局", k, v) for k, v in {**full, "审计监督": 0, "廉政建设": 1}.items()]  # 81
    result = run(owners, scheme=qt.SPECIAL, values=values)
    assert (result.get("县住建局").total, result.get("县住建局").grade) == (Decimal("93.00"), "先进")
    assert (result.get("县发改委").total, result.get("县发改委").grade) == (Decimal("90.00"), "先进")
    assert (result.get("县教育局").total, result.get("县教育局").grade) == (Decimal("81.00"), "良好")
    audit = result.get("县住建局").explanation.find("绩效审计得分")
    assert audit is not None and audit.points == 8 and audit.source == "seed004:670"


def test_special_grade_read_from_the_special_evaluation() -> None:
    # 县住建局 leads two projects, 93 and 81: their average 87 is 良好 → 8 of the unit's 10 (L676).
    full = {key: points for key, _, points, _ in qt.SPECIAL_SHARES}
    projects = [
        Subject("援疆安居房", "项目牵头单位", parent="县住建局"),
        Subject("老城区管网", "项目牵头单位", parent="县住建局"),
    ]
    values = [
        IndicatorValue("援疆安居房", k, v) for k, v in {**full, "工程进度": 6, "公众评议": 9, "审计监督": 8}.items()
    ]
    values += [IndicatorValue("老城区管网", k, v) for k, v in {**full, "审计监督": 0, "廉政建设": 1}.items()]
    special_facts = Facts(period=PERIOD, subjects=projects, values=values)
    special = evaluate(qt.SPECIAL, special_facts)
    (grade,) = qt.special_sub_grades(special_facts, special)
    assert (grade.subject, grade.assessment, grade.grade) == ("县住建局", "专项绩效考核", "良好")
    unit = run(
        {"县住建局": qt.DEPARTMENTS},
        values=rounds("县住建局", qt.DEPARTMENTS, (30, 30, 20), (30, 30, 20)),
        sub_grades=[grade],
    ).get("县住建局")
    line = unit.explanation.find("专项绩效")
    assert line is not None and line.points == 8 and line.facts == (grade.ref,)
    assert unit.total == Decimal("88.00")


def test_special_grade_named_outside_the_mapping_is_refused() -> None:
    # The mapping's 「优秀」 is the special scale's 先进 (SPECIAL_GRADE_SHARES): 优秀 is not a special grade.
    with pytest.raises(InvalidFacts) as caught:
        run({"县发改委": qt.DEPARTMENTS}, sub_grades=[SubGrade("县发改委", "专项绩效考核", "优秀")])
    assert any("优秀" in p and "专项绩效" in p for p in caught.value.problems)


def test_veto_fails_the_unit_and_reaches_its_leader() -> None:
    result = run(
        {"县住建局": qt.DEPARTMENTS},
        values=[
            *rounds("县住建局", qt.DEPARTMENTS, (30, 30, 20), (30, 30, 20)),
            IndicatorValue("县住建局", "满意率", 100),
        ],
        sub_grades=[SubGrade("县住建局", "专项绩效考核", "先进")],
        findings=[Finding("f1", "县住建局", "工程质量安全责任事故", DAY)],
    )
    unit = result.get("县住建局")
    assert unit.total == Decimal("100.00") and unit.band_grade == "优秀" and unit.grade == "不合格"
    (person,) = result.person_flags
    assert (person.holder, person.effects, person.source) == ("县住建局.局长", ("no_honours",), "seed004:690")
    assert [c.rule for c in unit.consequences] == ["不合格处罚"]


def test_two_years_poor_brings_an_organisational_opinion() -> None:
    last_year = [
        PastResult(u, "不合格", date(2014, 1, 1), date(2014, 12, 31)) for u in ("县林业局", "县农村信用社", "县畜牧局")
    ]
    result = run(
        {"县林业局": qt.DEPARTMENTS, "县农村信用社": qt.STATIONED, "县畜牧局": qt.DEPARTMENTS},
        values=rounds("县林业局", qt.DEPARTMENTS, (20, 20, 10), (20, 20, 10))
        + rounds("县农村信用社", qt.STATIONED, (20, 20, 10), (20, 20, 10))
        + rounds("县畜牧局", qt.DEPARTMENTS, (30, 30, 20), (30, 30, 20)),
        history=last_year,
    )
    forestry = {c.rule: c for c in result.get("县林业局").consequences}
    assert result.get("县林业局").total == Decimal("50.00")
    assert set(forestry) == {"不合格处罚", "连续两年差"}
    assert forestry["连续两年差"].actions[0].what == "提出组织处理意见,报县委研究"
    bank = {c.rule: c for c in result.get("县农村信用社").consequences}
    assert bank["连续两年差"].actions[0].what == "向其上一级提出组织处理意见"
    assert result.get("县畜牧局").grade == "良好"  # 80.00: one year 不合格 is not two
    assert [c.rule for c in result.get("县畜牧局").consequences] == ["良好奖励"]


def test_satisfaction_below_sixty_reaches_the_leader_only() -> None:
    # 满意率达不到60% (L688), read from the 公众评议 value: 58 flags the leader, 60 does not.
    result = run(
        {"县卫生局": qt.DEPARTMENTS, "县文体局": qt.DEPARTMENTS},
        values=[IndicatorValue("县卫生局", "满意率", 58), IndicatorValue("县文体局", "满意率", 60)],
    )
    unit = result.get("县卫生局")
    assert unit.total == Decimal("5.80") and unit.grade == "不合格"  # graded by its score, not the flag
    (flag,) = unit.flags
    assert flag.category == qt.SATISFACTION_FLAG and flag.effects == () and flag.facts == ("value:县卫生局:满意率",)
    (person,) = result.person_flags
    assert person.holder == "县卫生局.局长" and person.source == "seed004:688"
    assert not result.get("县文体局").flags


def test_case_without_a_reason_is_refused() -> None:
    with pytest.raises(InvalidFacts) as caught:
        run({"县民政局": qt.DEPARTMENTS}, occurrences=[case("o1", "县民政局", "查访核验", "1", reason="")])
    assert any("o1" in p for p in caught.value.problems)


def test_json_round_trip() -> None:
    for scheme in qt.SCHEMES:
        assert Scheme.from_json(scheme.to_json()) == scheme


test_invariants_units = scheme_property_test(qt.UNITS)
test_invariants_special = scheme_property_test(qt.SPECIAL)
test_fuzz = fuzz_test(qt.UNITS)

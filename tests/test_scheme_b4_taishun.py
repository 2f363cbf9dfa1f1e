"""Seed 004 第四篇 (泰顺县交通局直属单位工作目标管理考核办法) as data: targets floored at zero with
reasons, over-achievement +2 capped at 30 % of the target, highest-only commendations, 差分 with
the leader's 60 %, rounding to one decimal before banding, and the three 优秀 gates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from govflow.errors import DefinitionError, InvalidFacts
from govflow.scoring import (
    Claim,
    Evidence,
    Facts,
    Finding,
    IndicatorValue,
    Occurrence,
    Period,
    Scheme,
    SubGrade,
    Subject,
    evaluate,
)
from govflow.testing.scoring import fuzz_test, scheme_property_test
from govflow_workflows.schemes import b4_taishun as b4

PERIOD = Period("2016", "2016-01-01", "2016-12-31")
DAY = date(2016, 11, 20)
ROAD = "县公路管理段"
KANGZHUANG = "县康庄办"
SAFE = SubGrade(ROAD, b4.SAFETY_ASSESSMENT, "合格")


def cut(oid: str, unit: str, item: str, points: str, reason: str = "未达评分标准", **kw: Any) -> Occurrence:
    row = "县委县政府扣分" if item == "差分" else "评分标准"
    return Occurrence(oid, unit, item, row, DAY, points=points, reason=reason, **kw)


def run(*subjects: str, scheme: Scheme = b4.SCHEME, **kw: Any) -> Any:
    people = [Subject(s, s, leader=f"{s}.段长") for s in subjects]
    return evaluate(scheme, Facts(period=PERIOD, subjects=people, **kw))


def test_formula_with_bonuses_demerits_and_rounding() -> None:
    result = run(
        ROAD,
        occurrences=[
            cut("o1", ROAD, "公路养护", "2.45", "桥梁经常检查记录不全"),
            cut("o2", ROAD, "路政管理", "1.2", "超限治理未达标"),
            cut("o3", ROAD, "差分", "2", "路政投诉致局被县里扣分"),
        ],
        values=[
            IndicatorValue(ROAD, "优良路率", 90, target=80),  # +12.5 %
            IndicatorValue(ROAD, "养护里程", 130, target=100),  # also over: the target still earns 2 once
            IndicatorValue(ROAD, "完成投资", 11, target=10),  # exactly +10 %: 达10%及以上, inclusive
        ],
        claims=[
            Claim(
                "c1",
                ROAD,
                "争先创优",
                "省委省政府",
                Evidence("浙政发〔2016〕3号", date(2016, 3, 1), "省政府"),
                matter="养护",
            ),
            Claim(
                "c2",
                ROAD,
                "争先创优",
                "市委市政府或市局",
                Evidence("温交〔2016〕8号", date(2016, 4, 1), "市局"),
                matter="养护",
            ),
        ],
        sub_grades=[SAFE],
    ).get(ROAD)
    # 100 − 2.45 − 1.2 + 2 + 2 + 3 − 2 = 101.35 → 101.4 (精确到小数点后1位, half up)
    assert result.total == Decimal("101.4")
    rounding = [leaf for leaf in result.explanation.leaves() if leaf.step == "rounding"]
    assert [(r.points, r.source) for r in rounding] == [(Decimal("0.05"), "seed004:241")]
    over = result.explanation.find("公路养护_超额")
    assert over is not None and over.points == 2 and over.source == "seed004:229"
    best = result.explanation.find("争先创优")
    assert best is not None and best.points == 3
    assert result.grade == "优秀"
    (entry,) = result.ledger
    assert (entry.person, entry.points, entry.source) == (f"{ROAD}.段长", Decimal("1.2"), "seed004:239")


def test_target_floored_at_its_value() -> None:
    # 扣分只限于该考核项目分值,扣完为止 (L229): 6 + 7 against a 10-point target take 10.
    result = run(
        KANGZHUANG,
        occurrences=[cut("o1", KANGZHUANG, "资金管理", "6"), cut("o2", KANGZHUANG, "资金管理", "7")],
        sub_grades=[SubGrade(KANGZHUANG, b4.SAFETY_ASSESSMENT, "良好")],
    ).get(KANGZHUANG)
    assert result.total == Decimal("90.0")
    item = result.explanation.find("资金管理")
    assert item is not None and item.points == 0


def test_over_achievement_capped_at_thirty_percent_of_a_small_target() -> None:
    targets = {
        "县交通建设管理所": (
            b4.Target("质监抽检", "质监抽检", Decimal(5), indicators=("抽检组数",)),
            b4.Target("建设管理", "建设管理", Decimal(95)),
        )
    }
    scheme = b4.build(targets)
    result = run(
        "县交通建设管理所",
        scheme=scheme,
        values=[IndicatorValue("县交通建设管理所", "抽检组数", 30, target=20)],
        occurrences=[cut("o1", "县交通建设管理所", "建设管理", "20")],
    ).get("县交通建设管理所")
    over = result.explanation.find("质监抽检_超额")
    assert over is not None and over.points == Decimal("1.5")  # 30 % × 5, not 2
    assert result.total == Decimal("81.5")


def test_rounding_decides_the_band() -> None:
    # 79.95 rounds to 80.0, which is 优秀 (80分及以上, L245); 59.94 rounds to 59.9: 不合格.
    result = run(
        ROAD,
        KANGZHUANG,
        occurrences=[
            cut("o1", ROAD, "公路养护", "20.05"),
            cut("o2", KANGZHUANG, "康庄工程", "40.06"),
        ],
        sub_grades=[SAFE, SubGrade(KANGZHUANG, b4.SAFETY_ASSESSMENT, "合格")],
    )
    assert (result.get(ROAD).total, result.get(ROAD).grade) == (Decimal("80.0"), "优秀")
    assert (result.get(KANGZHUANG).total, result.get(KANGZHUANG).grade) == (Decimal("59.9"), "不合格")


@pytest.mark.parametrize(
    ("grade", "findings", "expected"),
    [
        ("合格", (), "优秀"),
        ("不合格", (), "良好"),  # 安全管理单项考核为合格及以上 fails
        ("合格", (b4.DISCIPLINE_CASE,), "良好"),
        ("合格", (b4.BUREAU_VETO_CAUSED,), "良好"),
        (None, (), "良好"),  # no safety grade recorded: the gate cannot hold
    ],
)
def test_excellent_needs_all_three_conditions(grade: str | None, findings: tuple[str, ...], expected: str) -> None:
    result = run(
        KANGZHUANG,
        sub_grades=[SubGrade(KANGZHUANG, b4.SAFETY_ASSESSMENT, grade)] if grade else [],
        findings=[Finding(f"f{i}", KANGZHUANG, c, DAY) for i, c in enumerate(findings)],
    ).get(KANGZHUANG)
    assert result.total == Decimal("100.0") and result.band_grade == "优秀"
    assert result.grade == expected
    if expected != "优秀":
        (gate,) = result.gates
        assert gate.source == "seed004:249"


def test_a_unit_that_caused_the_bureaus_veto_cannot_be_excellent() -> None:
    # L249 三是不因本单位工作导致局里被上级"一票否决": the superior's veto is recorded against the
    # bureau, naming 县康庄办 as its cause; the engine propagates it — 100.0 (优秀 band, 80分及以上
    # L245) with a passing safety grade falls to 良好; 县公路管理段, also 100.0, stays 优秀.
    units = [Subject(u, u, leader=f"{u}.段长", parent=b4.BUREAU) for u in (ROAD, KANGZHUANG)]
    veto = Finding("v1", b4.BUREAU, b4.BUREAU_VETOED, DAY, authority="县委县政府", caused_by=[KANGZHUANG])
    facts = Facts(
        period=PERIOD,
        subjects=units,
        sub_grades=[SAFE, SubGrade(KANGZHUANG, b4.SAFETY_ASSESSMENT, "合格")],
        findings=[veto],
    )
    result = evaluate(b4.SCHEME, facts)
    cause, other = result.get(KANGZHUANG), result.get(ROAD)
    assert (cause.total, cause.band_grade, cause.grade) == (Decimal("100.0"), "优秀", "良好")
    (flag,) = cause.flags
    assert (flag.holder, flag.forbid, flag.facts, flag.via) == (KANGZHUANG, ("优秀",), ("v1",), "县交通局 → cause")
    assert flag.source == "seed004:249" and cause.gates[0].rule == "veto:优秀"
    assert (other.grade, other.flags) == ("优秀", ())
    assert Facts.from_json(facts.to_json()) == facts and evaluate(b4.SCHEME, facts) == result


def test_a_veto_cause_must_be_a_unit_under_the_vetoed_body() -> None:
    units = [Subject(ROAD, ROAD, parent=b4.BUREAU), Subject(KANGZHUANG, KANGZHUANG)]
    veto = Finding("v1", b4.BUREAU, b4.BUREAU_VETOED, DAY, caused_by=[KANGZHUANG])
    with pytest.raises(InvalidFacts) as caught:
        evaluate(b4.SCHEME, Facts(period=PERIOD, subjects=units, findings=[veto]))
    assert "finding v1: caused_by '县康庄办' is not an assessed unit under '县交通局'" in str(caught.value)


def test_total_floored_at_zero() -> None:
    # TOTAL_FLOOR: every target taken and two cases of 差分 (−10) still leave 0, not −10.
    cuts = [cut(f"o{k}", KANGZHUANG, k, v) for k, v in {"康庄工程": "60", "质量安全": "30", "资金管理": "10"}.items()]
    cuts += [cut("d1", KANGZHUANG, "差分", "5", "县里扣分"), cut("d2", KANGZHUANG, "差分", "5", "县里扣分")]
    result = run(KANGZHUANG, occurrences=cuts).get(KANGZHUANG)
    assert (result.total, result.grade) == (Decimal("0.0"), "不合格")
    assert [x.source for x in result.explanation.leaves() if x.step == "floor"][-1] == "seed004:243"
    (entry,) = result.ledger
    assert entry.points == Decimal("6.0")  # the leader's 60 % of the 10 deducted, floor or not


def test_deduction_without_a_reason_is_refused() -> None:
    # 凡涉及扣分事项,均需说明理由 (L217)
    with pytest.raises(InvalidFacts) as caught:
        run(ROAD, occurrences=[cut("o1", ROAD, "路政管理", "3", reason="")])
    assert any("o1" in p and "理由" in p for p in caught.value.problems)


def test_demerit_outside_one_to_five_is_refused() -> None:
    with pytest.raises(InvalidFacts) as caught:
        run(ROAD, occurrences=[cut("o1", ROAD, "差分", "6", "县里扣分")])
    assert any("o1" in p and "1…5" in p for p in caught.value.problems)


def test_targets_must_add_up_and_follow_the_class() -> None:
    with pytest.raises(DefinitionError) as caught:
        b4.build(
            {
                ROAD: (b4.Target("公路养护", "国省道养护", Decimal(90)),),
                KANGZHUANG: (
                    b4.Target("康庄工程", "康庄工程", Decimal(80)),
                    b4.Target("党风廉政", "党风廉政", Decimal(20), common=True),
                ),
            }
        )
    text = str(caught.value)
    assert "县公路管理段: targets add up to 90" in text and "县康庄办: 二类" in text


def test_json_round_trip() -> None:
    assert Scheme.from_json(b4.SCHEME.to_json()) == b4.SCHEME


test_invariants = scheme_property_test(b4.SCHEME)
test_fuzz = fuzz_test(b4.SCHEME)

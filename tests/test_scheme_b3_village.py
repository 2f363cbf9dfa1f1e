"""Seed 004 第三篇 (2016村级目标管理考核方案) as data: weighted base, ballots with minimum raters,
tiered bonuses (highest only), growth steps, doubling read from the rectification workflow,
the 94–95 gap, vetoes, and the top-5 / top-1 commendation."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

import govflow_workflows.rectification as rect
from govflow import Actor, Engine
from govflow.clock import SHANGHAI, FakeClock
from govflow.errors import InvalidFacts
from govflow.scoring import (
    Ballots,
    Claim,
    Evidence,
    Facts,
    Finding,
    IndicatorValue,
    Occurrence,
    Period,
    Scheme,
    Subject,
    evaluate,
)
from govflow.storage import MemoryStorage
from govflow.testing.scoring import fuzz_test, scheme_property_test
from govflow_workflows.schemes import b3_village as b3

PERIOD = Period("2016", "2016-01-01", "2016-12-31")
DAY = date(2016, 6, 30)


def full_marks(v: str, **scores: int | str) -> list[IndicatorValue]:
    """Quantitative scores (专班 and 平时) of 100 unless given."""
    keys = ("共性部分_专班", "共性部分_平时", "阶段性中心工作_专班", "阶段性中心工作_平时")
    return [IndicatorValue(v, k, scores.get(k, 100)) for k in keys]


def top_ballots(v: str) -> list[Ballots]:
    return [
        Ballots(v, "班子评价", {"好": 9}),
        Ballots(v, "社会评议", {"满意": 40}),
        Ballots(v, "代表评价", {"满意": 30}),
    ]


def crit(oid: str, v: str, level: str, count: int = 1, item: str = "通报批评", **kw: Any) -> Occurrence:
    return Occurrence(oid, v, item, level, DAY, count=count, **kw)


def claim(cid: str, v: str, item: str, authority: str, matter: str = "") -> Claim:
    return Claim(cid, v, item, authority, Evidence(f"文{cid}", date(2016, 5, 4), authority), matter=matter)


def run(subjects: list[Subject], **kw: Any) -> Any:
    return evaluate(b3.SCHEME, Facts(period=PERIOD, subjects=subjects, **kw))


def village(vid: str) -> Subject:
    return Subject(vid, b3.VILLAGES)


def test_weighted_base_with_bonuses_and_deductions() -> None:
    v = "城东村"
    result = run(
        [village(v)],
        values=[
            *full_marks(v, 共性部分_专班=90, 共性部分_平时=95, 阶段性中心工作_平时=80),
            IndicatorValue(v, "集体经济纯收入", "10.4", previous="8"),  # +30 %: 3 steps → +1.5
        ],
        ballots=[
            Ballots(v, "班子评价", {"好": 8, "中": 2}),  # 96 %
            Ballots(v, "社会评议", {"满意": 30, "基本满意": 10}),  # 95 %
            Ballots(v, "代表评价", {"满意": 24, "基本满意": 3, "不满意": 3}),  # 94 %
        ],
        claims=[
            claim("c1", v, "表彰加分", "市级党委政府", matter="农村环境整治"),  # 0.2 — counts
            claim("c2", v, "表彰加分", "省级部门", matter="农村环境整治"),  # 0.15 — same work, lower
            claim("c3", v, "表彰加分", "县级部门", matter="计生服务"),  # 0.05
            claim("c4", v, "现场会加分", "市", matter="垃圾分类现场会"),  # 0.04
            claim("c5", v, "现场会加分", "县", matter="垃圾分类现场会"),  # same project, lower
        ],
        occurrences=[
            crit("o1", v, "县"),  # −0.2
            crit("o2", v, "市", item="明察暗访", rectified=False, rectified_source="rectification:42"),  # −0.3
            crit("o3", v, "镇", item="明察暗访", rectified=True, rectified_source="rectification:43"),  # −0.05
        ],
    ).get(v)
    # 0.8 × (0.6 × 90 + 0.4 × 95) + 0.05 × (60 + 32) + 0.05 × (96 + 95 + 94) = 73.6 + 4.6 + 14.25
    base = result.explanation.find("定量定性")
    assert base is not None and base.points == Decimal("92.45") and base.source == "seed004:156"
    assert result.total == Decimal("92.45") + Decimal("0.25") + Decimal("0.04") + Decimal("1.5") - Decimal("0.55")
    assert result.total == Decimal("93.69") and result.grade == "合格"
    doubled = result.explanation.find("明察暗访")
    assert doubled is not None and doubled.source == "seed004:176"
    (leaf,) = [x for x in doubled.leaves() if x.facts and "o2" in x.facts]
    assert leaf.points == Decimal("-0.30") and leaf.facts == ("o2", "rectification:42")
    bonus = result.explanation.find("表彰加分")
    assert bonus is not None and bonus.points == Decimal("0.25")


def test_between_94_and_95_is_pass() -> None:
    # GAP_RESOLUTION: 100 − 11 × 0.5 (national criticism) = 94.5 → 合格, 95 → 优秀.
    facts: dict[str, Any] = {
        "values": full_marks("甲村") + full_marks("乙村"),
        "ballots": top_ballots("甲村") + top_ballots("乙村"),
        "occurrences": [crit("o1", "甲村", "国家", 11), crit("o2", "乙村", "国家", 10)],
    }
    result = run([village("甲村"), village("乙村")], **facts)
    assert (result.get("甲村").total, result.get("甲村").grade) == (Decimal("94.5"), "合格")
    assert (result.get("乙村").total, result.get("乙村").grade) == (Decimal("95.0"), "优秀")


def test_eighty_is_pass_just_below_is_fail() -> None:
    facts: dict[str, Any] = {
        "values": full_marks("甲村") + full_marks("乙村"),
        "ballots": top_ballots("甲村") + top_ballots("乙村"),
        "occurrences": [
            crit("o1", "甲村", "国家", 40),
            crit("o2", "乙村", "国家", 40),
            crit("o3", "乙村", "镇", item="明察暗访", rectified=True, rectified_source="r:1"),
        ],
    }
    result = run([village("甲村"), village("乙村")], **facts)
    assert (result.get("甲村").total, result.get("甲村").grade) == (Decimal("80.0"), "合格")
    assert (result.get("乙村").total, result.get("乙村").grade) == (Decimal("79.95"), "不合格")


def test_growth_needs_five_wan_and_full_steps() -> None:
    result = run(
        [village("甲村"), village("乙村"), village("丙村")],
        values=[
            IndicatorValue("甲村", "集体经济纯收入", "4.8", previous="3.2"),  # +50 % but below 5万: 0
            IndicatorValue("乙村", "集体经济纯收入", "3", previous="4"),  # −25 %: two steps → −1
            IndicatorValue("丙村", "集体经济纯收入", "5", previous="4.6"),  # +8.7 %: no full step
        ],
    )
    points = {v: result.get(v).explanation.find("集体经济") for v in ("甲村", "乙村", "丙村")}
    assert {v: line.points for v, line in points.items() if line is not None} == {
        "甲村": 0,
        "乙村": Decimal("-1.0"),
        "丙村": 0,
    }
    assert points["乙村"] is not None and points["乙村"].source == "seed004:170"


def test_social_appraisal_below_forty_raters_is_refused() -> None:
    with pytest.raises(InvalidFacts) as caught:
        run([village("甲村")], ballots=[Ballots("甲村", "社会评议", {"满意": 39})])
    assert any("社会评议" in p and "40" in p for p in caught.value.problems)


def test_rating_outside_the_scale_is_refused() -> None:
    with pytest.raises(InvalidFacts) as caught:
        run([village("甲村")], ballots=[Ballots("甲村", "班子评价", {"满意": 3})])
    assert any("班子评价" in p and "满意" in p for p in caught.value.problems)


def test_commendation_from_another_year_is_refused() -> None:
    # 当年表彰当年计算…以文件、证书的发文时间计算 (L170): a 2015 document counts in 2015.
    late = Claim("c1", "甲村", "表彰加分", "县级部门", Evidence("县发〔2015〕9号", date(2015, 12, 28), "县"))
    with pytest.raises(InvalidFacts) as caught:
        run([village("甲村")], claims=[late])
    assert any("c1" in p and "2015-12-28" in p for p in caught.value.problems)


def test_top_five_villages_and_first_community() -> None:
    villages = [village(f"村{i}") for i in range(1, 8)]
    communities = [Subject(f"社区{i}", b3.COMMUNITIES) for i in range(1, 4)]
    occurrences = [crit(f"o{i}", f"村{i}", "县", i) for i in range(1, 8)]  # 村1 best … 村7 worst
    occurrences += [crit("s2", "社区2", "镇", 1), crit("s3", "社区3", "镇", 2)]
    everyone = [s.id for s in villages + communities]
    result = run(
        villages + communities,
        values=[x for sid in everyone for x in full_marks(sid)],
        ballots=[b for sid in everyone for b in top_ballots(sid)],
        occurrences=occurrences,
        findings=[Finding("f1", "村2", "安全生产", DAY)],  # vetoed: 不合格 and not commended
    )
    commended = [r.subject for r in result.results if r.awards]
    assert commended == ["村1", "村3", "村4", "村5", "村6", "社区1"]
    vetoed = result.get("村2")
    assert vetoed.grade == "不合格" and vetoed.band_grade == "优秀" and vetoed.total == Decimal("99.6")
    (flag,) = vetoed.flags
    assert flag.category == "安全生产" and flag.source == "seed004:180"


def test_tie_broken_by_the_common_part() -> None:
    # 甲村 and 乙村 both total 96: 甲村 has more of 共性部分, so it ranks first.
    result = run(
        [village("甲村"), village("乙村")],
        values=full_marks("甲村", 阶段性中心工作_专班=0, 阶段性中心工作_平时=50)
        + full_marks("乙村", 共性部分_专班=95, 共性部分_平时=95),
        ballots=top_ballots("甲村") + top_ballots("乙村"),
    )
    assert result.get("甲村").total == result.get("乙村").total == Decimal(96)
    assert [(r.subject, r.rank) for r in result.cohort(b3.VILLAGES)] == [("甲村", 1), ("乙村", 2)]


def test_ties_at_the_fifth_place_leave_both_out() -> None:
    villages = [village(f"村{i}") for i in range(1, 7)]
    counts = {"村1": 1, "村2": 2, "村3": 3, "村4": 4, "村5": 5, "村6": 5}
    result = run(
        villages,
        values=[x for v in villages for x in full_marks(v.id)],
        ballots=[b for v in villages for b in top_ballots(v.id)],
        occurrences=[crit(f"o{v}", v, "镇", n) for v, n in counts.items()],
    )
    assert [r.subject for r in result.results if r.awards] == ["村1", "村2", "村3", "村4"]
    assert result.get("村5").rank == result.get("村6").rank == 5


TOWN = "county.town"
INSPECTOR = Actor("zhang", roles={"inspector"}, unit="county.safety")
OFFICE = Actor("liu", roles={"office"}, unit="county.office")


def test_doubling_is_read_from_the_rectification_records() -> None:
    clock = FakeClock(datetime(2016, 9, 5, 9, tzinfo=SHANGHAI))
    engine = Engine(storage=MemoryStorage(), workflows=[rect.RECTIFICATION], clock=clock)
    cases = {}
    for level in ("city", "town"):
        case = engine.start(
            rect.WORKFLOW_NAME, actor=INSPECTOR, unit=TOWN, data={"item": f"{level} 垃圾", "level": level}
        )
        engine.fire(
            case.id, "issue_notice", actor=INSPECTOR, payload=rect.notice_payload(engine, "AJ-1", working_days=10)
        )
        engine.fire(case.id, "register", actor=OFFICE, payload={})
        cases[level] = case.id
    clerk = rect.rectifier(TOWN)
    engine.fire(cases["town"], "report_done", actor=clerk, payload={"summary": "已清理"})
    engine.fire(cases["town"], "close", actor=INSPECTOR, payload={"effective": True, "surveyed": 40, "dissatisfied": 0})
    clock.set(datetime(2016, 10, 20, 9, tzinfo=SHANGHAI))  # the city finding is past its limit
    rect.sweep(engine)
    found = b3.inspection_occurrences(engine, TOWN, 2016, subject="城东村")
    assert {(o.authority, o.rectified) for o in found} == {("市", False), ("镇", True)}
    result = run([village("城东村")], occurrences=found).get("城东村")
    line = result.explanation.find("明察暗访")
    assert line is not None and line.points == Decimal("-0.35")  # 0.15 × 2 + 0.05
    assert f"rectification:{cases['city']}" in line.all_facts()


def test_json_round_trip() -> None:
    assert Scheme.from_json(b3.SCHEME.to_json()) == b3.SCHEME


test_invariants = scheme_property_test(b3.SCHEME)
test_fuzz = fuzz_test(b3.SCHEME)

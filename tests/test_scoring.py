"""The scorecard engine's rule types, grading, vetoes, quotas and consequences, one by one."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from govflow.errors import DefinitionError, GovflowError, InvalidFacts
from govflow.scoring import (
    Ballots,
    Band,
    Bands,
    ChannelCap,
    Cohort,
    ConsecutiveGrade,
    Consequence,
    Deductions,
    Direct,
    Evaluation,
    Facts,
    Finding,
    FindingOf,
    Gate,
    GradeMap,
    GradeShare,
    GrowthSteps,
    IndicatorValue,
    Ledger,
    Level,
    NoFinding,
    Occurrence,
    OverAchievement,
    Part,
    PastResult,
    Period,
    Proportional,
    Quota,
    Rated,
    Rounding,
    Scheme,
    SubGrade,
    SubGradeIn,
    Subject,
    Sum,
    Tier,
    Veto,
    Weighted,
    evaluate,
    render,
)
from govflow.scoring.explain import leaf_sum
from govflow.scoring.loading import SchemeRegistry, load_schemes

YEAR = Period("2016", "2016-01-01", "2016-12-31")
PASS_FAIL = Bands([Band("合格", lower=60), Band("不合格", upper=60)])


def one(root, **cohort) -> Scheme:  # type: ignore[no-untyped-def]
    return Scheme(
        "t", 1, "test", cohorts=[Cohort("c", "类", root=root, bands=cohort.pop("bands", PASS_FAIL), **cohort)]
    )


def score(scheme: Scheme, **facts) -> Evaluation:  # type: ignore[no-untyped-def]
    subjects = facts.pop("subjects", [Subject("u", "c", leader="u.head")])
    return evaluate(scheme, Facts(YEAR, subjects, **facts))


# -- definitions --------------------------------------------------------------------------------


def test_weights_that_do_not_add_up_are_named() -> None:
    with pytest.raises(DefinitionError) as err:
        one(
            Weighted("base", "基准分", parts=[Part("0.75", Direct("a", "a", 100)), Part("0.15", Direct("b", "b", 100))])
        )
    assert "base: weights 0.75 + 0.15 = 0.9, not 1" in str(err.value)
    assert err.value.problems == ("cohort c: base: weights 0.75 + 0.15 = 0.9, not 1",)


def test_band_gap_is_named_unless_resolved_or_unreachable_after_rounding() -> None:
    # B3: 「95分以上」 优秀, 「80分至94分」 合格 — 94.5 has no grade (§C.4)
    b3 = [Band("优秀", lower=95), Band("合格", lower=80, upper=94, upper_inclusive=True), Band("不合格", upper=80)]
    with pytest.raises(
        DefinitionError, match=r"gap between 合格 \[80, 94\] and 优秀 \[95, \+∞\): a total in \(94, 95\)"
    ):
        one(Direct("a", "a", 100), bands=Bands(b3), grades=("优秀", "合格", "不合格"))
    resolved = one(Direct("a", "a", 100), bands=Bands(b3, resolution="lower"), grades=("优秀", "合格", "不合格"))
    assert score(resolved, values=[IndicatorValue("u", "a", "94.5")]).get("u").grade == "合格"
    rounded = one(Direct("a", "a", 100), bands=Bands(b3), rounding=Rounding(0), grades=("优秀", "合格", "不合格"))
    assert score(rounded, values=[IndicatorValue("u", "a", "94.5")]).get("u").grade == "优秀"  # 94.5 → 95 (half-up)


def test_band_overlap_is_named() -> None:
    overlap = Bands(
        [Band("良好", lower=80, upper=90, upper_inclusive=True), Band("合格", lower=70, upper=80, upper_inclusive=True)]
    )
    with pytest.raises(DefinitionError, match=r"overlap between 合格 \[70, 80\] and 良好 \[80, 90\]"):
        one(Direct("a", "a", 100), bands=overlap)


def test_every_problem_is_listed_at_once() -> None:
    with pytest.raises(DefinitionError) as err:
        Scheme(
            "t",
            0,
            "x",
            cohorts=[
                Cohort(
                    "c",
                    "c",
                    root=Sum("s", "s", parts=[Direct("a", "a", 0), Rated("r", "r", 10, scale=[Level("好", 2)])]),
                    bands=PASS_FAIL,
                    quotas=[Quota("q", grade="优秀", share=2)],
                )
            ],
        )
    text = str(err.value)
    for part in ("version 0", "full marks 0", "share 2 outside 0…1", "share 2 outside (0, 1]", "unknown grade '优秀'"):
        assert part in text, part


def test_scheme_json_round_trip_is_exact_with_every_rule_type() -> None:
    root = Sum(
        "total",
        "总分",
        parts=[
            Weighted(
                "w",
                "w",
                parts=[Part("0.85", Proportional("p", "p", 80, target=100)), Part("0.15", Direct("d", "d", 20))],
            ),
            Rated(
                "r", "r", 5, scale=[Level("满意", 1), Level("基本满意", "0.8"), Level("不满意", "0.6")], min_raters=40
            ),
            Deductions(
                "x", "x", tiers=[Tier("镇", "0.05")], base=10, floor=0, double_unrectified=True, requires_reason=True
            ),
            GrowthSteps(
                "g", "g", "income", step=10, points_per_step="0.5", min_value=50000, decline_points_per_step="0.5"
            ),
            OverAchievement("o", "o", ["km", "t"], item_value=10, threshold="0.1", points=2, cap_share="0.3"),
            GradeMap("m", "m", 10, "专项", shares=[GradeShare("优秀", 1), GradeShare("良好", "0.85")]),
        ],
        cap=110,
    )
    scheme = one(root, rounding=Rounding(1, "half_up"), gates=[Gate("合格", [NoFinding("case")])])
    doc = json.loads(json.dumps(scheme.to_json(), ensure_ascii=False))
    assert Scheme.from_json(doc) == scheme
    assert doc["cohorts"][0]["root"]["parts"][2]["tiers"][0]["points"] == "0.05"  # a string, never a float


# -- rules --------------------------------------------------------------------------------------


def test_proportional_is_capped_at_full_marks() -> None:
    s = one(Proportional("p", "p", 60, target=200))
    assert score(s, values=[IndicatorValue("u", "p", 150)]).get("u").total == 45
    assert score(s, values=[IndicatorValue("u", "p", 500)]).get("u").total == 60


def deduction_scheme(**kw) -> Scheme:  # type: ignore[no-untyped-def]
    tiers = [Tier("镇", "0.05"), Tier("县", "0.1"), Tier("市", "0.15"), Tier("省", "0.2"), Tier("国家", "0.25")]
    return one(Sum("s", "s", parts=[Deductions("x", "明察暗访", tiers=tiers, **kw)]), bands=Bands([Band("合格")]))


def test_deduction_doubles_when_the_rectification_record_says_not_rectified() -> None:
    # B3 「整改不到位的,每起加倍扣分」: read from the rectification workflow's record
    s = deduction_scheme(double_unrectified=True)
    occ = [
        Occurrence("o1", "u", "x", "县", "2016-03-01", rectified=True, rectified_source="rect-0001"),
        Occurrence("o2", "u", "x", "县", "2016-04-01", rectified=False, rectified_source="rect-0002"),
    ]
    line = score(s, occurrences=occ).get("u").explanation.find("x")
    assert [(c.points, c.facts) for c in line.children] == [
        (Decimal("-0.1"), ("o1",)),
        (Decimal("-0.2"), ("o2", "rect-0002")),
    ]
    with pytest.raises(InvalidFacts, match="no rectified_source"):
        score(s, occurrences=[Occurrence("o3", "u", "x", "县", "2016-04-01", rectified=False)])


def test_deductions_stop_at_the_items_value() -> None:
    # 「扣完为止」: a 0.3-point item loses at most 0.3
    s = deduction_scheme(base="0.3", floor=0)
    occ = [Occurrence("o1", "u", "x", "国家", "2016-03-01", count=2)]
    line = score(s, occurrences=occ).get("u").explanation.find("x")
    assert line.points == 0
    assert [c.step for c in line.children] == ["base", "deduction", "floor"]
    assert leaf_sum(line) == 0


def test_channel_cap_and_total_cap() -> None:
    s = deduction_scheme(cap=1, channel_caps=[ChannelCap("上级", ["省", "国家"], "0.3")])
    occ = [Occurrence(f"o{i}", "u", "x", "国家", "2016-03-01") for i in range(3)]  # 0.75 → 0.3
    occ += [Occurrence(f"p{i}", "u", "x", "县", "2016-03-01", count=4) for i in range(2)]  # 0.8
    line = score(s, occurrences=occ).get("u").explanation.find("x")
    assert line.points == -1  # 0.3 + 0.8 = 1.1, total cap 1
    assert [c.points for c in line.children if c.step in ("channel_cap", "cap")] == [Decimal("0.45"), Decimal("0.1")]


def test_a_deduction_without_a_reason_is_refused() -> None:
    # B4 「凡涉及扣分事项,均需说明理由」
    s = deduction_scheme(requires_reason=True)
    with pytest.raises(InvalidFacts, match=r"occurrence o1: a deduction needs its reason"):
        score(s, occurrences=[Occurrence("o1", "u", "x", "县", "2016-03-01")])


def survey(min_raters: int = 40, insufficient: str = "refuse") -> Scheme:
    scale = [Level("满意", 1), Level("基本满意", "0.8"), Level("不满意", "0.6")]
    return one(Rated("r", "社会评议", 100, scale=scale, min_raters=min_raters, insufficient=insufficient))


def test_rating_mean_of_an_anonymous_tally() -> None:
    r = score(survey(), ballots=[Ballots("u", "r", {"满意": 30, "基本满意": 8, "不满意": 2})]).get("u")
    assert r.total == 94  # (30 × 1 + 8 × 0.8 + 2 × 0.6) / 40 × 100
    assert "40 raters (不满意 2, 基本满意 8, 满意 30)" in r.explanation.find("r").detail


def test_too_few_raters_refused_or_zero_by_policy() -> None:
    tally = [Ballots("u", "r", {"满意": 39})]
    with pytest.raises(InvalidFacts, match="39 raters, fewer than the 40 required"):
        score(survey(), ballots=tally)
    assert score(survey(insufficient="zero"), ballots=tally).get("u").total == 0


def test_rating_outside_the_scale_is_refused() -> None:
    with pytest.raises(InvalidFacts, match="rating '很好' outside the scale 满意/基本满意/不满意"):
        score(survey(), ballots=[Ballots("u", "r", {"满意": 40, "很好": 1})])


def test_growth_steps_with_eligibility_floor() -> None:
    # B3: 「集体经济纯收入5万元以上,比上年有所增长,每增长十个百分点奖0.5分」; 「每减少十个百分点扣0.5分」
    s = one(
        GrowthSteps("g", "g", "income", step=10, points_per_step="0.5", min_value=50000, decline_points_per_step="0.5"),
        bands=Bands([Band("合格")]),
    )
    assert score(s, values=[IndicatorValue("u", "income", 78000, previous=60000)]).get("u").total == Decimal(
        "1.5"
    )  # +30 %
    assert score(s, values=[IndicatorValue("u", "income", 45000, previous=30000)]).get("u").total == 0  # below 5万
    assert score(s, values=[IndicatorValue("u", "income", 48000, previous=60000)]).get("u").total == -1  # −20 %


def test_over_achievement_once_per_item_capped_at_a_share() -> None:
    # B4: 「超额完成任务达10%及以上的,每超额一项加2分(…只取其中1项),最多可加该项工作分值的30%」
    s = one(
        OverAchievement("o", "o", ["km", "t"], item_value=5, threshold="0.1", points=2, cap_share="0.3"),
        bands=Bands([Band("合格")]),
    )
    both = [IndicatorValue("u", "km", 110, target=100), IndicatorValue("u", "t", 200, target=100)]
    assert score(s, values=both).get("u").total == Decimal("1.5")  # 2 capped at 30 % of 5, once
    assert score(s, values=[IndicatorValue("u", "km", 109, target=100)]).get("u").total == 0


def test_sub_assessment_grade_maps_to_points() -> None:
    # B7.2: 优秀 → 10 %, 良好 → 8–9 % (the scheme picks), 差 → 0
    s = one(
        GradeMap(
            "m", "专项", 10, "专项绩效", shares=[GradeShare("优秀", 1), GradeShare("良好", "0.85"), GradeShare("差", 0)]
        ),
        bands=Bands([Band("合格")]),
    )
    assert score(s, sub_grades=[SubGrade("u", "专项绩效", "良好")]).get("u").total == Decimal("8.5")


# -- grading, vetoes, quotas, consequences -------------------------------------------------------

B4_BANDS = Bands(
    [
        Band("优秀", lower=80),
        Band("良好", lower=70, upper=80),
        Band("合格", lower=60, upper=70),
        Band("不合格", upper=60),
    ]
)


def test_gate_falls_through_to_the_next_band_down() -> None:
    # B4 第十条: 优秀 needs 安全管理 ≥ 合格 and no discipline case
    gate = Gate("优秀", [SubGradeIn("安全管理", ["优秀", "合格"]), NoFinding("违纪违法案件")])
    s = one(Direct("a", "a", 100), bands=B4_BANDS, gates=[gate], rounding=Rounding(1))
    ok = score(s, values=[IndicatorValue("u", "a", "85.25")], sub_grades=[SubGrade("u", "安全管理", "合格")]).get("u")
    assert (ok.total, ok.grade) == (Decimal("85.3"), "优秀")
    failed = score(
        s,
        values=[IndicatorValue("u", "a", 85)],
        sub_grades=[SubGrade("u", "安全管理", "合格")],
        findings=[Finding("f1", "u", "违纪违法案件", "2016-05-01")],
    ).get("u")
    assert failed.grade == "良好" and failed.band_grade == "优秀"
    assert failed.gates[0].reasons == ("安全管理 合格", "has finding 违纪违法案件")


def test_veto_effects_and_propagation_to_the_leader() -> None:
    veto = Veto(
        "v",
        "计划生育",
        "计划生育不达标",
        triggers=[FindingOf("计划生育不达标")],
        effects=["unranked", "no_honours"],
        propagate=["leader"],
    )
    s = Scheme(
        "t",
        1,
        "t",
        cohorts=[
            Cohort(
                "c",
                "c",
                root=Direct("a", "a", 100),
                bands=PASS_FAIL,
                quotas=[Quota("先进", count_max=1)],
                grades=("合格", "不合格"),
            )
        ],
        vetoes=[veto],
    )
    subjects = [Subject("u", "c", leader="u.head"), Subject("w", "c")]
    result = score(
        s,
        subjects=subjects,
        values=[IndicatorValue("u", "a", 99), IndicatorValue("w", "a", 50)],
        findings=[Finding("f1", "u", "计划生育不达标", "2016-02-01")],
    )
    assert result.get("u").rank is None and result.get("u").awards == ()
    assert result.get("w").rank == 1 and result.get("w").awards == ("先进",)
    assert [f.holder for f in result.person_flags] == ["u.head"]


def test_quota_shortfall_policy_and_count_rounding() -> None:
    q = Quota("先进", count_min=3, count_max=5, min_score=95, shortfall="award_none")
    s = one(Direct("a", "a", 100), quotas=[q])
    subjects = [Subject(x, "c") for x in "abcdef"]
    values = [IndicatorValue(x, "a", v) for x, v in zip("abcdef", [99, 96, 90, 80, 70, 60], strict=True)]
    assert all(not r.awards for r in score(s, subjects=subjects, values=values).results)  # 2 < 3 qualify
    assert Quota("x", share="0.25", rounding="floor").count(7) == 1
    assert Quota("x", share="0.25", rounding="ceil").count(5) == 2
    assert Quota("x", share="0.25", rounding="half_up").count(6) == 2  # 1.5 → 2


def test_consecutive_periods_read_from_past_results() -> None:
    # B7.2 「连续两年被评为差的单位,对行政"一把手"提出组织处理意见」
    rule = Consequence("two_years", "连续两年差", when=[ConsecutiveGrade("不合格", 2)], actions=[])
    s = one(Direct("a", "a", 100), consequences=[rule])
    facts = {"values": [IndicatorValue("u", "a", 50)]}
    last_year = PastResult("u", "不合格", "2015-01-01", "2015-12-31")
    assert score(s, **facts).get("u").consequences == ()
    two = evaluate(s, Facts(YEAR, [Subject("u", "c")], **facts), history=[last_year])
    assert [c.rule for c in two.get("u").consequences] == ["two_years"]
    gap = PastResult("u", "不合格", "2014-01-01", "2014-12-31")  # not the period just before
    assert evaluate(s, Facts(YEAR, [Subject("u", "c")], **facts), history=[gap]).get("u").consequences == ()


def test_leader_ledger_is_sixty_percent_of_the_unit_deduction() -> None:
    # B4 「该单位主要负责人按所扣分值的60%记差分」
    s = one(
        Sum("s", "s", parts=[Direct("a", "a", 100), Deductions("bad", "差分", tiers=[Tier("县", 1, max_points=5)])]),
        ledgers=[Ledger("leader", "主要负责人记差分", "bad", "0.6")],
    )
    occ = [Occurrence("o1", "u", "bad", "县", "2016-06-01", points=3)]
    (entry,) = score(s, values=[IndicatorValue("u", "a", 90)], occurrences=occ).get("u").ledger
    assert (entry.person, entry.points) == ("u.head", Decimal("1.8"))
    with pytest.raises(InvalidFacts, match=r"6 outside 1…5"):
        score(s, occurrences=[Occurrence("o1", "u", "bad", "县", "2016-06-01", points=6)])


def test_render_fits_80_columns_and_never_shows_a_ballot() -> None:
    result = score(survey(), ballots=[Ballots("u", "r", {"满意": 40})])
    text = render(result.get("u").explanation, width=80)
    assert all(len(line) <= 80 for line in text.splitlines())
    assert "满意 40" in text


def test_results_round_trip_exactly() -> None:
    s = deduction_scheme(double_unrectified=True)
    result = score(
        s, occurrences=[Occurrence("o1", "u", "x", "镇", "2016-03-01", rectified=False, rectified_source="r1")]
    )
    assert result.get("u").total == Decimal("-0.1")
    assert Evaluation.from_json(json.loads(json.dumps(result.to_json()))) == result


def test_registry_latest_version_and_unknown_scheme() -> None:
    registry = load_schemes(reference=True)
    assert {"a1_district_safety", "b2_sihong_transport", "b7_1_zhengding"} <= {s.name for s in registry.all()}
    with pytest.raises(GovflowError, match="unknown scheme 'nope'"):
        registry.get("nope")
    two = Scheme.from_json({**registry.get("b7_1_zhengding").to_json(), "version": 2})
    assert SchemeRegistry([registry.get("b7_1_zhengding"), two]).get("b7_1_zhengding").version == 2


def test_facts_document_mistakes_are_invalid_facts() -> None:
    with pytest.raises(InvalidFacts, match="malformed facts document"):
        Facts.from_json({"period": {"label": "x", "start": "2016-02-30", "end": "2016-12-31"}, "subjects": []})


# -- additions the reference schemes asked for: value triggers, occurrence triggers, sub-periods, lowest-of


def test_value_below_vetoes_from_the_value_already_recorded() -> None:
    # B7.2 seed004:688: 「满意率达不到60%的单位,取消各级主要负责人的年度评优资格」 — read, not re-entered
    from govflow.scoring import ValueBelow

    veto = Veto(
        "satisfaction",
        "满意率",
        "满意率达不到60%",
        triggers=[ValueBelow("满意率", 60)],
        effects=[],
        propagate=["leader"],
    )
    s = Scheme(
        "t",
        1,
        "t",
        cohorts=[Cohort("c", "c", root=Proportional("满意率", "满意率", 10, target=100), bands=PASS_FAIL)],
        vetoes=[veto],
    )
    low = score(s, values=[IndicatorValue("u", "满意率", 59)])
    assert [f.holder for f in low.person_flags] == ["u.head"] and low.get("u").flags[0].facts == ("value:u:满意率",)
    assert score(s, values=[IndicatorValue("u", "满意率", 60)]).person_flags == ()  # 达到60% is enough
    cond = Consequence("rectify", "责令整改", when=[ValueBelow("满意率", 60)], actions=[])
    s2 = one(Proportional("满意率", "满意率", 10, target=100), consequences=[cond])
    assert [c.rule for c in score(s2, values=[IndicatorValue("u", "满意率", 50)]).get("u").consequences] == ["rectify"]


def test_one_occurrence_both_deducts_and_vetoes() -> None:
    from govflow.scoring import OccurrenceOf

    veto = Veto(
        "grave",
        "重大恶性事件",
        "重大恶性事件 → 不得评先",
        triggers=[OccurrenceOf("events", severity="重大恶性")],
        effects=["no_honours"],
    )
    root = Sum(
        "s",
        "s",
        parts=[
            Direct("a", "a", 80),
            Deductions("events", "事件", tiers=[Tier("市", 20, severity="重大恶性"), Tier("市", 5)], base=20, floor=0),
        ],
    )
    s = Scheme(
        "t",
        1,
        "t",
        cohorts=[
            Cohort("c", "c", root=root, bands=PASS_FAIL, quotas=[Quota("先进", count_max=1)], grades=("合格", "不合格"))
        ],
        vetoes=[veto],
    )
    r = score(
        s,
        values=[IndicatorValue("u", "a", 80)],
        occurrences=[Occurrence("o1", "u", "events", "市", "2016-05-01", severity="重大恶性")],
    ).get("u")
    assert r.total == 80 and r.awards == () and r.flags[0].facts == ("o1",)
    r = score(
        s, values=[IndicatorValue("u", "a", 80)], occurrences=[Occurrence("o1", "u", "events", "市", "2016-05-01")]
    ).get("u")
    assert r.total == 95 and r.awards == ("先进",)


def test_occurrence_filed_under_the_wrong_sub_period_is_refused() -> None:
    root = Sum(
        "s",
        "s",
        parts=[
            Deductions("y1", "第一年", tiers=[Tier("市", 1)], period="y1"),
            Deductions("y2", "第二年", tiers=[Tier("市", 1)], period="y2"),
        ],
    )
    s = one(root, bands=Bands([Band("合格")]))
    ok = score(s, occurrences=[Occurrence("o1", "u", "y1", "市", "2016-03-01", period="y1")])
    assert ok.get("u").total == -1
    with pytest.raises(InvalidFacts, match="o2: filed under period 'y2' but y1 covers 'y1'"):
        score(s, occurrences=[Occurrence("o2", "u", "y1", "市", "2016-03-01", period="y2")])


def test_lowest_part_decides_and_leaves_still_sum() -> None:
    # Loudi seed003:523: 「各项指标得分均在60分以上的为合格单位」 — a band on the lowest indicator
    from govflow.scoring import Lowest

    s = one(Lowest("low", "各项指标最低", parts=[Direct("a", "a", 100), Direct("b", "b", 100)]))
    r = score(s, values=[IndicatorValue("u", "a", 90), IndicatorValue("u", "b", 59)]).get("u")
    assert (r.total, r.grade) == (59, "不合格") and leaf_sum(r.explanation) == 59
    assert r.explanation.find("low").children[-1].label == "取最低 b"
    assert Scheme.from_json(json.loads(json.dumps(s.to_json()))) == s

"""B2 — 泗洪县交通运输局2013年度目标管理考评奖惩办法 (第二篇): base score from three raters, bonus
and penalty points, two tiers ranked apart, cash rewards, last-place penalties, a veto.

Source: ``../shared/seeds/004_5235ae230ec6f4e0.txt`` (cited as ``seed004:LINE``), digest §B2.
The source is truncated (§C.2): the scoring section resumes mid-sentence at seed004:103 and
the bonus values are lost. Every reading chosen where the text is silent or missing is a
named constant below.
"""

from __future__ import annotations

from decimal import Decimal

from govflow.scoring import (
    Action,
    Band,
    Bands,
    Bonuses,
    Budget,
    Cohort,
    Consequence,
    Deductions,
    Direct,
    FindingOf,
    Part,
    Quota,
    RankFromBottom,
    Reward,
    Scheme,
    ScoreBelow,
    Sum,
    TieBreak,
    Tier,
    Veto,
    Weighted,
)

S = "seed004"

RATER_WEIGHTS = (
    ("group", "考评组评分", Decimal("0.75")),
    ("peers", "单位互评和局机关评分", Decimal("0.10")),
    ("leaders", "局领导评分", Decimal("0.15")),
)
"""「考评组按责任书各条款考核,评分占考核基准分的75%;单位互评和局机关评分占…10%;局领导评分占…15%」
(seed004:109). Each rater group marks out of 100 (「百分制」 is not stated for B2; reading: the
责任书 clauses are marked out of 100, like the compilation's other schemes)."""

ROUND = "final"
"""「分两次考评,半年度和年终各一次」 (seed004:115) without weights; reading: the annual ranking,
rewards and penalties follow the year-end round (「年终综合考评」, seed004:133); the half-year
round is the same scheme evaluated on its own facts."""

VIOLATION_TIERS = (Tier("市", 2), Tier("县", 1), Tier("局", "0.5"))
"""「市、县软环境行风检查和局明查暗访,每查到一次违纪现象分别在总分中扣2分、1分和0.5分,按次累计扣分」
(seed004:103) — cumulative, no cap."""

CITY_LAST_PLACE_POINTS = Decimal(2)
"""「…终综合目标考评列全市倒数第一的,在总分中扣2分」 (seed004:103; the sentence's start is lost)."""

TRUNCATED_BONUS_POINTS = Decimal(1)
"""The bonus values are in the truncated part of the source (§C.2). Placeholder: 1 point per
evidenced commendation at any level, highest only per matter — to be replaced by the
county's table; only the evidence and deferral rules (seed004:105) are the document's."""

BONUS_AUTHORITIES = ("市", "省", "国家")
"""Levels a commendation may come from (表彰文件、获奖证书、奖状, seed004:105)."""

CITY_RESULTS_EVIDENCE = "全市系统年终评比结果"
"""「同档单位在全市系统内年终评比结果必须统一在局年终总结大会前提供加分依据,否则缺一家,对已有加分依据的
单位均转入下一年度加分」 (seed004:105): reading — the rule covers bonuses claimed on the city
system's year-end results; if any unit of the tier has not handed its result in on time, every
unit's such bonus moves to next year. Commendation bonuses are not affected."""

TIE_BREAK = TieBreak(by=("group",), last="shared", source=f"{S}:109")
"""Silent on ties; reading: equal totals are ordered by the 考评组 score (the 75 % part), then
share the place (a shared place at a prize boundary gives the prize to neither)."""

PENALTIES_CUMULATIVE = True
"""A last-placed unit under 65 is also under 75: reading — it gets both sets of penalties
(criticism, 诫勉谈话, fines, and the head's resignation)."""

TOTAL_FLOOR = Decimal(0)
"""「按次累计扣分」 (seed004:103) has no cap and the document states no floor for the total;
reading: a 考核分值 never goes below 0 (it only matters for a unit already last)."""

NO_GRADES = Bands([Band("参评", source=f"{S}:107")], source=f"{S}:107")
"""B2 grades nobody (优秀/合格 are not used); one band covers every total, the prizes are rank-based."""

SINGLE_ITEM_AWARDS_NOT_SCORED = ("行风建设", "信访", "安全管理", "工程建设")
"""单项先进奖, 3000元 each (seed004:125): decided per field, not from the composite score; not
encoded as quotas here."""


def _base() -> Weighted:
    return Weighted(
        "base",
        "考核基准分",
        parts=[
            Part(w, Direct(key, label, 100, indicator=key, period=ROUND, source=f"{S}:109"))
            for key, label, w in RATER_WEIGHTS
        ],
        source=f"{S}:109",
    )


def _tier(name: str, label: str) -> Cohort:
    return Cohort(
        name,
        label,
        root=Sum(
            "total",
            "考核分值",
            parts=[
                _base(),
                Bonuses(
                    "commendations",
                    "奖励加分 (表彰文件、获奖证书、奖状)",
                    tiers=[Tier(a, TRUNCATED_BONUS_POINTS) for a in BONUS_AUTHORITIES],
                    source=f"{S}:105",
                ),
                Bonuses(
                    "city_results",
                    "奖励加分 (全市系统年终评比结果)",
                    tiers=[Tier(a, TRUNCATED_BONUS_POINTS) for a in BONUS_AUTHORITIES],
                    defer_unless=CITY_RESULTS_EVIDENCE,
                    source=f"{S}:105",
                ),
                Deductions("violations", "罚责扣分 (违纪现象)", tiers=VIOLATION_TIERS, source=f"{S}:103"),
                Deductions("city_last", "全市倒数第一", tiers=[Tier("市", CITY_LAST_PLACE_POINTS)], source=f"{S}:103"),
            ],
            floor=TOTAL_FLOOR,
            source=f"{S}:107",
        ),
        bands=NO_GRADES,
        quotas=[
            Quota("综合先进奖", count_max=1, source=f"{S}:123"),
            Quota("二等奖", count_max=2, source=f"{S}:123"),
        ],
        tie_break=TIE_BREAK,
        rewards=[
            Reward("first_prize", "综合先进奖", 10000, heads_min_share="0.3", heads_role="党政正职", source=f"{S}:123"),
            Reward("second_prize", "二等奖", 6000, heads_min_share="0.3", heads_role="党政正职", source=f"{S}:123"),
        ],
        budget=Budget(22000, source=f"{S}:123"),
        consequences=[
            Consequence(
                "last_below_75",
                "最后一名且分值未满75分",
                when=[RankFromBottom(1), ScoreBelow(75)],
                actions=[
                    Action("通报批评"),
                    Action("诫勉谈话"),
                    Action("罚款", role="党政一把手", amount=2000),
                    Action("罚款", role="班子成员", amount=1000),
                ],
                source=f"{S}:133",
            ),
            Consequence(
                "last_below_65",
                "最后一名且分值未满65分",
                when=[RankFromBottom(1), ScoreBelow(65)],
                actions=[Action("引咎辞职", role="党政一把手")],
                source=f"{S}:133",
            ),
        ],
        source=f"{S}:117",
    )


VETO_CATEGORIES = ("社会治安", "计划生育", "社会稳定", "安全生产")
"""「社会治安、计划生育、社会稳定和安全生产工作在综合考评中实行一票否决。凡该四项工作不达标的单位及其
主要负责人不参加年度任何评优创先」 (seed004:137). 不达标 is decided 「按县相关规定」 — recorded as a
finding ``<category>不达标``; the effect is exclusion from every prize, for the unit and,
propagated, its main leader."""

SCHEME = Scheme(
    "b2_sihong_transport",
    1,
    "县交通运输局2013年度目标管理考评奖惩 (泗洪县)",
    cohorts=[_tier("tier1", "一档单位"), _tier("tier2", "二档单位")],
    vetoes=[
        Veto(
            f"veto_{n}",
            category,
            f"{category}不达标 → 一票否决",
            triggers=[FindingOf(f"{category}不达标")],
            effects=["no_honours"],
            propagate=["leader"],
            person_effects=["no_honours"],
            source=f"{S}:137",
        )
        for n, category in enumerate(VETO_CATEGORIES, 1)
    ],
    source="../shared/seeds/004_5235ae230ec6f4e0.txt (第二篇)",
    notes=(
        "RATER_WEIGHTS 75/10/15, each rater out of 100",
        "ROUND: the year-end round decides the annual result",
        "TRUNCATED_BONUS_POINTS: placeholder 1 point (values lost in the source)",
        "CITY_RESULTS_EVIDENCE: deferral applies to bonuses on city-wide results",
        "TIE_BREAK: by 考评组 score, then shared",
        "PENALTIES_CUMULATIVE: under 65 gets both penalty sets",
        "TOTAL_FLOOR = 0: a total never goes below 0",
    ),
)

"""B7.1 — 正定县-type government performance management, 2015 (政府绩效管理实施方案, 第七篇第1篇).

Source: ``../shared/seeds/004_5235ae230ec6f4e0.txt`` (cited as ``seed004:LINE``), digest §B7.1.
48 units in two tracks (seed004:490): the daily-work track (日常工作) with 7 towns and 32
departments (seed004:494, 496), ranked separately (「7个乡、镇中评出2个…32个…中评出8个」,
seed004:568); and the old-town restoration track (古城风貌恢复, 9 units, seed004:500).

Every reading chosen where the document is silent is a named constant below.
"""

from __future__ import annotations

from decimal import Decimal

from govflow.scoring import (
    Action,
    Band,
    Bands,
    Bonuses,
    Cohort,
    Consequence,
    Deductions,
    Direct,
    FindingOf,
    GradeIs,
    Level,
    Part,
    Proportional,
    Quota,
    RankFromBottom,
    Rated,
    Rule,
    Scheme,
    ScoreBelow,
    Sum,
    TieBreak,
    Tier,
    Veto,
    Weighted,
)

S = "seed004"

TOWN_LEVEL1 = (("经济发展", Decimal(45)), ("社会民生", Decimal(45)))
"""Towns' 一级指标 and their share of the 90-point indicator evaluation (seed004:506, 520). The
二、三级指标 are in 附件1, which the seed does not contain; reading: the two 一级指标 share the
90 points equally, each scored proportionally against its 标准值."""

DEPARTMENT_LEVEL1 = (("经济发展", Decimal(20)), ("业务工作", Decimal(20)), ("优化发展环境", Decimal(20)))
"""Departments' 一级指标 and their share of the 60 points (seed004:508, 530); 附件2 is absent;
reading: equal shares."""

OLD_TOWN_LEVEL1 = (("古城风貌恢复工作", Decimal(70)),)
"""The 古城 track's single 一级指标 (seed004:512, 542)."""

PERIOD_WEIGHTS = (("mid", Decimal("0.5")), ("final", Decimal("0.5")))
"""「指标评估和领导评估分为中期评估(7月)和年终评估(次年1月)。权重均为50%」 (seed004:524, 536)."""

QUARTER_WEIGHTS = tuple((f"q{n}", Decimal("0.25")) for n in (1, 2, 3, 4))
"""Public evaluation 「每个季度一评估…权重均为25%」 (seed004:532)."""

PUBLIC_SCALE = (Level("满意", 1), Level("基本满意", "0.8"), Level("不满意", "0.6"))
"""「对不同满意度的调查结果划分档次,每个档次对应不同分值」 (seed004:532) gives no values; reading:
the 满意/基本满意/不满意 = 100 %/80 %/60 % scale of the same compilation's B3 (seed004:160)."""

PUBLIC_MIN_RATERS = 1
"""B7.1 sets no minimum number of respondents; reading: any non-empty survey counts."""

OLD_TOWN_PERIOD = "final"
"""「指标评估和领导评估每月评估一次」 (seed004:546) without saying how months combine; reading:
the year's score is the last monthly evaluation, whose completion values are cumulative."""

HIGHEST_ONLY_PER_MATTER = True
"""B7.1 does not say whether one piece of work commended at several levels counts more than
once; reading: once, at the highest level, as B3 (seed004:170) and B4 (seed004:235) say."""

QUOTA_ROUNDING = "half_up"
"""「先进等次名额按被评估单位数的25%确定」 (seed004:568) with 7 → 2 and 32 → 8: both ceil and
half-up give these; reading: 四舍五入 (half-up), the usual reading of 按比例确定名额."""

TIE_BREAK = TieBreak(by=("indicators",), last="shared", source=f"{S}:568")
"""The document orders 「根据综合得分从高到低」 and never says how ties break; reading: equal
totals are ordered by the indicator evaluation (指标评估, the objective component); still
tied, they share the place, and a quota boundary between them leaves them all out."""

OLD_TOWN_COUNT = (3, 5)
"""「先进等次取3-5名…必须在95分以上(含95分)」 (seed004:568): up to 5 of those with ≥ 95."""

OLD_TOWN_SHORTFALL = "award_qualifiers"
"""Fewer than 3 units at 95 or more: the threshold is a must (「必须」), so only those who reach
it are 先进 — fewer than 3 rather than lowering the bar."""

COUNTY_DECISION_BONUS = None
"""「其它工作有突出贡献…经县委、县政府研究决定给予加分的」 (seed004:550) names no points; not
encoded — such a bonus has to be decided into a tier of its own before it can be claimed."""

BONUS_TIERS = (
    Tier("市委市政府", 2),
    Tier("省委省政府", 3),
    Tier("党中央国务院", 4),
    Tier("市部门", 1),
    Tier("省部门", 2),
    Tier("国务院部委", 3),
)
"""「受到市委、市政府,省委、省政府,或党中央、国务院表彰…分别加2、3、4分;受到我市部门,我省部门
或国务院部委表彰的,分别加1、2、3分」 (seed004:550)."""

DEDUCTION_TIERS = (
    Tier("省", 2, severity="通报批评"),
    Tier("市", 1, severity="通报批评"),
    Tier("县", "0.5", severity="通报批评"),
    Tier("查实", "0.5", severity="损害发展环境投诉"),
    Tier("纪检监察", 1, severity="党政纪处分"),
    Tier("问责", "0.5", severity="行政问责"),
)
"""「受到省、市、县通报批评的,分别扣2、1、0.5分;因损害发展环境问题受到投诉举报并查实的扣0.5分;
班子成员受到党政纪处分的,扣1分,受到行政问责的扣0.5分」 (seed004:552)."""


def _indicators(level1: tuple[tuple[str, Decimal], ...], periods: tuple[tuple[str, Decimal], ...], line: int) -> Rule:
    per_period = [
        Part(
            weight,
            Sum(
                f"indicators_{period}",
                f"指标评估 {period}",
                parts=[
                    Proportional(f"{name}_{period}", name, full, indicator=name, period=period, source=f"{S}:{line}")
                    for name, full in level1
                ],
                source=f"{S}:{line}",
            ),
        )
        for period, weight in periods
    ]
    if len(per_period) == 1:
        return Weighted("indicators", "指标评估", parts=per_period, source=f"{S}:{line}")
    return Weighted("indicators", "指标评估", parts=per_period, source=f"{S}:524")


def _leaders(full: int, periods: tuple[tuple[str, Decimal], ...], line: int) -> Rule:
    return Weighted(
        "leaders",
        "领导评估",
        parts=[
            Part(
                weight,
                Direct(
                    f"leaders_{period}",
                    f"领导评估 {period}",
                    full,
                    indicator="领导评估",
                    period=period,
                    source=f"{S}:{line}",
                ),
            )
            for period, weight in periods
        ],
        source=f"{S}:{line}",
    )


def _bonus() -> Bonuses:
    return Bonuses(
        "bonus",
        "加分",
        tiers=BONUS_TIERS,
        cap=4,
        highest_only=HIGHEST_ONLY_PER_MATTER,
        source=f"{S}:550",
    )


def _deduction() -> Deductions:
    return Deductions("deduction", "减分", tiers=DEDUCTION_TIERS, cap=4, source=f"{S}:552")


GRADES = ("先进", "合格", "不合格")
"""先进 / 合格 / 不合格 (seed004:568)."""

BANDS = Bands(
    [Band("合格", lower=60, source=f"{S}:572"), Band("不合格", upper=60, source=f"{S}:574")],
    source=f"{S}:572",
)
"""「综合得分在60分(含60分)以上的为合格单位」; 不合格 「综合得分在60分以下的」 (seed004:572, 574)."""


def _daily_quota() -> Quota:
    return Quota(
        "绩效管理先进单位",
        grade="先进",
        share="0.25",
        rounding=QUOTA_ROUNDING,
        min_score=90,
        min_inclusive=True,
        eligible_grades=("合格",),
        source=f"{S}:568",
    )


def _daily_consequences() -> list[Consequence]:
    return [
        Consequence(
            "forward_to_cadre_management",
            "抄送有关部门 (干部管理权限)",
            when=[ScoreBelow(60, inclusive=False), RankFromBottom(3)],
            actions=[Action("按照干部管理权限抄送有关部门", role="主要负责人")],
            source=f"{S}:584",
        ),
        *_common_consequences(),
    ]


def _common_consequences() -> list[Consequence]:
    return [
        Consequence(
            "advanced_reward",
            "先进: 表彰 + 一个月工资",
            when=[GradeIs("先进")],
            actions=[Action("县委、县政府表彰"), Action("奖励在编人员一个月工资 (本单位自筹)", role="在编人员")],
            source=f"{S}:582",
        ),
        Consequence(
            "failed_criticism",
            "不合格: 批评",
            when=[GradeIs("不合格")],
            actions=[Action("县委、县政府给予批评")],
            source=f"{S}:582",
        ),
    ]


def _daily(name: str, label: str, level1: tuple[tuple[str, Decimal], ...], line: int, public: bool) -> Cohort:
    parts: list[Rule] = [_indicators(level1, PERIOD_WEIGHTS, line)]
    if public:
        parts.append(
            Weighted(
                "public",
                "公众评估",
                parts=[
                    Part(
                        w,
                        Rated(
                            f"public_{q}",
                            f"公众评估 {q}",
                            30,
                            scale=PUBLIC_SCALE,
                            min_raters=PUBLIC_MIN_RATERS,
                            period=q,
                            source=f"{S}:532",
                        ),
                    )
                    for q, w in QUARTER_WEIGHTS
                ],
                source=f"{S}:532",
            )
        )
    parts += [_leaders(10, PERIOD_WEIGHTS, 534 if public else 522), _bonus(), _deduction()]
    return Cohort(
        name,
        label,
        root=Sum("total", "综合得分", parts=parts, source=f"{S}:{562 if public else 560}"),
        bands=BANDS,
        grades=GRADES,
        quotas=[_daily_quota()],
        tie_break=TIE_BREAK,
        consequences=_daily_consequences(),
        source=f"{S}:{562 if public else 560}",
    )


OLD_TOWN = Cohort(
    "old_town",
    "古城风貌恢复",
    root=Sum(
        "total",
        "综合得分",
        parts=[
            _indicators(OLD_TOWN_LEVEL1, ((OLD_TOWN_PERIOD, Decimal(1)),), 542),
            _leaders(30, ((OLD_TOWN_PERIOD, Decimal(1)),), 544),
        ],
        source=f"{S}:564",
    ),
    bands=BANDS,
    grades=GRADES,
    quotas=[
        Quota(
            "古城风貌恢复先进单位",
            grade="先进",
            count_min=OLD_TOWN_COUNT[0],
            count_max=OLD_TOWN_COUNT[1],
            min_score=95,
            min_inclusive=True,
            shortfall=OLD_TOWN_SHORTFALL,
            eligible_grades=("合格",),
            source=f"{S}:568",
        )
    ],
    tie_break=TIE_BREAK,
    consequences=_common_consequences(),
    source=f"{S}:564",
)

DISQUALIFIERS = [
    Veto(
        "major_accident",
        "特大生产安全事故",
        "发生特大生产安全事故 → 取消评先资格",
        triggers=[FindingOf("特大生产安全事故")],
        effects=["no_honours"],
        source=f"{S}:570",
    ),
    Veto(
        "public_order",
        "社会治安综合治理",
        "综治黄牌警告或一票否决 → 取消评先资格",
        triggers=[FindingOf("综治黄牌警告"), FindingOf("综治一票否决")],
        effects=["no_honours"],
        source=f"{S}:570",
    ),
    Veto(
        "corruption",
        "班子成员腐败案件",
        "班子成员发生腐败案件 → 取消评先资格",
        triggers=[FindingOf("班子成员腐败案件")],
        effects=["no_honours"],
        source=f"{S}:570",
    ),
    Veto(
        "dereliction",
        "失职渎职",
        "因工作失职渎职造成重大损失和恶劣影响,经审定认定为不合格",
        triggers=[FindingOf("失职渎职认定不合格")],
        effects=["fail"],
        source=f"{S}:574",
    ),
]
"""「取消评先资格」 (seed004:570) — loses 先进 only — and the 不合格 determination (seed004:574).
「特大生产安全事故」 is read as the competent authority's classification of the accident,
recorded as a finding, not recomputed from casualty counts here."""

SCHEME = Scheme(
    "b7_1_zhengding",
    1,
    "正定县政府绩效管理 (2015)",
    cohorts=[
        _daily("town", "日常工作·乡镇", TOWN_LEVEL1, 520, public=False),
        _daily("department", "日常工作·部门和单位", DEPARTMENT_LEVEL1, 530, public=True),
        OLD_TOWN,
    ],
    vetoes=DISQUALIFIERS,
    source="../shared/seeds/004_5235ae230ec6f4e0.txt (第七篇 第1篇)",
    notes=(
        "TOWN_LEVEL1 / DEPARTMENT_LEVEL1: 附件 absent, equal shares of the indicator evaluation",
        "PUBLIC_SCALE: B3's 100/80/60 % scale; PUBLIC_MIN_RATERS = 1",
        "OLD_TOWN_PERIOD: the last monthly evaluation (cumulative) is the year's",
        "HIGHEST_ONLY_PER_MATTER: one matter counts once, at its highest level",
        "QUOTA_ROUNDING = half_up (7 → 2, 32 → 8)",
        "TIE_BREAK: by 指标评估, then shared",
        "OLD_TOWN_COUNT 3-5, OLD_TOWN_SHORTFALL = award_qualifiers",
        "COUNTY_DECISION_BONUS: not encoded (no points named)",
    ),
)

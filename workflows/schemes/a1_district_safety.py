"""A1 — 区安全生产目标管理考核及评比 (seed 000 篇1): four categories on 100 points each,
rank-based awards, an incident grade cap, a one-vote veto, and a cascade to named managers.

Source: ``../shared/seeds/000_c5fa12dd6912df59.txt`` (cited as ``seed000:LINE``), digest §A1.
The attached 评分细则 (seed000:35, 43) are not in the seed, and the unit award amounts are
masked (「5**元」, 「3**元」, seed000:25); both are parameters here, never invented.
"""

from __future__ import annotations

from decimal import Decimal

from govflow.scoring import (
    Action,
    Band,
    Bands,
    Cohort,
    Consequence,
    Direct,
    HasFlag,
    IncidentAtLeast,
    Quota,
    Reward,
    Scheme,
    Sum,
    TieBreak,
    Veto,
)

S = "seed000"

RULEBOOK_SCORE = "细则得分"
"""「采取百分制计算考核得分。具体评分(评比)标准详见《…评分细则》」 (seed000:35): the 细则 are
absent; reading: each category's score is one 0–100 mark given by the 年度考核小组 under its
own 细则, recorded as the value ``细则得分``."""

EXCELLENT_IS_TOP_AWARD = True
"""「不予评定优秀等次」 (seed000:29) names a grade A1 never defines by score; reading: for
乡镇(街道) and 区直部门 the 优秀 of the target-management assessment is the 目标管理先进单位
award (top 3, seed000:17), so a unit capped below 优秀 cannot take it."""

INCIDENT = "生产安全责任事故"
"""The incident category A1's thresholds count (「一般生产责任事故」, 「安全生产责任事故」)."""

TIE_BREAK = TieBreak(last="shared", source=f"{S}:17")
"""A1 is silent on ties; reading: tied units share the place, and a tie across the last
awarded place gives the award to none of them (the number of awards is never exceeded)."""

GRADES = ("优秀", "合格", "不合格")
"""Reading: 优秀 (the top award, `EXCELLENT_IS_TOP_AWARD`), 合格 (every other result), 不合格
(the grade a 一票否决 gives)."""

BANDS = Bands([Band("合格", source=f"{S}:35")], source=f"{S}:35")
"""No score bands: every total is 合格 until an award or a veto decides otherwise."""

INDIVIDUAL_REWARD = Decimal(500)
"""「安全生产先进个人给予奖励500元」 (seed000:25)."""


def _cohort(name: str, label: str, award: str, places: int, line: int, reward: Decimal | None, grade: str) -> Cohort:
    return Cohort(
        name,
        label,
        root=Sum(
            "total",
            "综合考核得分",
            parts=[Direct("rulebook", "评分细则得分", 100, indicator=RULEBOOK_SCORE, source=f"{S}:35")],
            source=f"{S}:35",
        ),
        bands=BANDS,
        grades=GRADES,
        quotas=[Quota(award, grade=grade, count_max=places, source=f"{S}:{line}")],
        tie_break=TIE_BREAK,
        rewards=[Reward(f"{name}_award", award, reward, source=f"{S}:25")] if reward is not None else [],
        consequences=[
            Consequence(
                "accountability",
                "一票否决: 责任追究",
                when=[HasFlag("一票否决")],
                actions=[Action("对有关责任人员依法实行责任追究", role="有关责任人员")],
                source=f"{S}:29",
            )
        ],
        source=f"{S}:35",
    )


def scheme(target_unit_reward: Decimal | None = None, safety_unit_reward: Decimal | None = None) -> Scheme:
    """A1 with the masked award amounts (「5**元」, 「3**元」, seed000:25) given, or left out."""
    return Scheme(
        "a1_district_safety",
        1,
        "区安全生产目标管理考核及评比",
        cohorts=[
            _cohort("township", "乡镇(街道)", "安全生产目标管理先进单位", 3, 17, target_unit_reward, "优秀"),
            _cohort("department", "区直部门", "安全生产目标管理先进单位", 3, 17, target_unit_reward, "优秀"),
            _cohort("enterprise", "企(事)业单位", "安全生产先进单位", 6, 19, safety_unit_reward, ""),
            _cohort("individual", "个人", "安全生产先进个人", 10, 21, INDIVIDUAL_REWARD, ""),
        ],
        vetoes=[
            Veto(
                "one_death_no_excellent",
                "死亡1人以上",
                "辖区或监管行业发生1起1人以上(含1人)死亡的一般生产责任事故 → 不予评定优秀等次",
                triggers=[IncidentAtLeast(INCIDENT, deaths=1)],
                effects=["forbid_grades"],
                forbid=["优秀"],
                cohorts=["township", "department"],
                source=f"{S}:29",
            ),
            Veto(
                "three_deaths_veto",
                "一票否决",
                "考核年度内发生1起死亡3人以上安全生产责任事故 → 一票否决",
                triggers=[IncidentAtLeast(INCIDENT, deaths=3)],
                effects=["fail", "no_honours"],
                cohorts=["township", "department"],
                source=f"{S}:29",
            ),
            Veto(
                "enterprise_incident",
                "企业事故",
                "重点企(事)业单位发生1起1人以上(含1人)死亡或3人以上(含3人)10人以下重伤的一般生产责任事故 → "
                "不予评定安全生产先进单位;其主管和直接负责安全生产的管理人员不予评定先进个人",
                triggers=[
                    IncidentAtLeast(INCIDENT, deaths=1),
                    IncidentAtLeast(INCIDENT, serious_injuries=3, serious_injuries_max=10),
                ],
                effects=["no_honours"],
                cohorts=["enterprise"],
                propagate=["managers"],
                person_effects=["no_honours"],
                source=f"{S}:31",
            ),
        ],
        source="../shared/seeds/000_c5fa12dd6912df59.txt (篇1)",
        notes=(
            "RULEBOOK_SCORE: the 评分细则 are absent; one 0-100 mark per subject",
            "EXCELLENT_IS_TOP_AWARD: 优秀 = the top-3 目标管理先进单位 award",
            "TIE_BREAK: shared places; a tie across the last place awards none of the tied",
            "masked amounts 5**元 / 3**元 are parameters of scheme()",
        ),
    )


SCHEME = scheme()
"""A1 without the masked unit award amounts (the 500元 individual award is encoded)."""

"""2016村级目标管理考核方案 — a town's 2016 assessment of its 18 villages and 3 communities (seed
004 第三篇, ``seeds/004_5235ae230ec6f4e0.txt`` L142–L194; digest
``assessment-schemes_seeds-000-004.md`` §B3).

A 100-point scale (百分制, L156) in two cohorts — 村 and 社区 — ranked apart (L186):

- 定量考核 85 % (L156, L158): the common part (共性部分, 附1/附2) 100 points × 80 %, the stage
  work (阶段性中心工作) 100 points × 5 %; each scored by the year-end team (考核专班, 60 %) and
  by the departments during the year (平时分散考核, 40 %) (L156);
- 定性考核 15 % (L160): the town leadership's rating (好/中/差 = 100/80/60 %), the social
  appraisal (满意/基本满意/不满意 = 100/80/60 %, anonymous, at least 40 raters) and the party
  members' and residents' representatives' appraisal (same scale, anonymous, at least 30 raters),
  each 100 points × 5 %;
- bonuses on the total (L166–L170): commendations by 县/市/省/国家级 党委、政府 +0.1/0.2/0.3/0.4
  and by their 部门 +0.05/0.1/0.15/0.2, the highest level only for one piece of work; 现场会
  and promoted experience +0.02/0.04/0.06/0.08 per item, highest level only; collective net
  income of 5万元 or more that grew: +0.5 per 10 percentage points; evidence is a formal document
  or certificate, counted in the year of its date (L170);
- deductions (L174–L178): written criticism or accountability by 镇/县/市/省/国家 −0.1 … −0.5 per
  time; problems found in 明察暗访 by 镇 … 国家 −0.05 … −0.25 per case, doubled when not
  rectified (整改不到位的,每起加倍扣分 — read from the rectification workflow's records via
  `from_rectification`); collective income −0.5 per 10 percentage points of decline; a village
  criticized in a 《情况》 bulletin loses points (L192);
- 一票否决 for 人口和计划生育, 社会综合治理, 党风廉政建设, 安全生产 (L180–L182);
- grades (L186): 95 and above 优秀, 80 to 94 合格, below 80 不合格; the top 5 villages and the
  first community are commended at next year's economic work conference (L186).

Left out: the content of 附1/附2 (not in the file) — the common part is one 100-point indicator
whose value the facts give; the pay linkage (「考核结果按得分比例与村级干部待遇挂钩」, L186: the
cadres' pay follows the score in proportion, but the pay it is a proportion of is not stated —
the payer applies total / 100 to it); the approval (报镇委、镇政府审定, L194) and the payment by 镇财政所
(L194) are workflow steps, not points.
"""

from __future__ import annotations

from decimal import Decimal

from govflow import Engine
from govflow.scoring import (
    Band,
    Bands,
    Bonuses,
    Cohort,
    Deductions,
    Direct,
    FindingOf,
    GrowthSteps,
    Level,
    Occurrence,
    Part,
    Quota,
    Rated,
    Rule,
    Scheme,
    Sum,
    TieBreak,
    Tier,
    Veto,
    Weighted,
)

from .. import rectification as rect

SEED = "seed004"
"""The source file, ``seeds/004_5235ae230ec6f4e0.txt``; ``seed004:176`` cites its line 176."""

VILLAGES = "村"
COMMUNITIES = "社区"
"""The two cohorts (全镇18个村、3个社区, L150): ranked apart — 「前5名的村和排名第1的社区」 (L186)."""

LEVELS = ("镇", "县", "市", "省", "国家")
"""Finding and criticism levels, lowest first (L174, L176)."""

YEAR_END_WEIGHT = Decimal("0.6")
DAILY_WEIGHT = Decimal("0.4")
"""「考核专班年底集中考核(60%)与部门或分管领导平时分散考核(40%)相结合」 (L156). The reading: the
split applies inside each *quantitative* item (共性部分, 阶段性中心工作) — those are the work the
departments follow during the year; the three qualitative ratings are year-end ballots by their
own raters (L160) and have no 平时 half."""

COMMON_WEIGHT = Decimal("0.80")
STAGE_WEIGHT = Decimal("0.05")
RATING_WEIGHT = Decimal("0.05")
"""定量 85 % = 共性部分 80 % + 阶段性中心工作 5 % (L158); 定性 15 % = three ratings × 5 % (L160)."""

LEADERSHIP_MIN_RATERS = 1
"""The town leadership's rating (镇领导班子评价, L160) names no minimum number of raters (the
social and representatives' appraisals do: 40 and 30). The reading: one ballot suffices."""

SOCIAL_MIN_RATERS = 40
REPRESENTATIVES_MIN_RATERS = 30
"""「社会评议参评人数不少于40人」, 「党员、村(居)民代表评议参评人数不少于30人」 (L160): fewer ballots
are refused (`Rated.insufficient="refuse"`), naming the item — a survey that small is not one."""

INCOME_UNIT = "万元"
"""Collective net income (集体经济纯收入) is recorded in 万元: the eligibility floor is 5
(「5万元以上」, inclusive, L170)."""

GROWTH_FULL_STEPS_ONLY = True
"""「每增长十个百分点奖0.5分」, 「每减少十个百分点扣0.5分」 (L170, L178): only full steps of 10
percentage points count — 25 % growth is two steps (+1), 9 % none. The 5万元 floor applies to the
bonus only; the decline deduction applies at any income (the text puts no floor on L178)."""

PROMOTION_SEPARATE = True
"""现场会 and promoted experience (L168) is its own table with its own 「同一项目以最高层次加分」;
「同一项工作受到多头表彰,只记一次最高加分」 (L170) is read across the 党委政府 and 部门 rows of the
commendation table (L166), not across the two tables: a 现场会 is not a 表彰."""

BULLETIN_IS_TOWN_CRITICISM = True
"""A village criticized in a 《情况》 supervision bulletin loses points (L192) without an amount.
The reading: the bulletin is the town's written criticism (镇…书面通报批评), −0.1 per time (L174);
record it as a 通报批评 occurrence at level 镇."""

TOTAL_FLOOR = Decimal(0)
"""「各考核内容扣分以扣完该项分值为止」 (L186): every item stops at zero. The rated and scored items
cannot go below zero by construction; the bonus and deduction factors apply to the total
(「在考核总分中」, L166), which is floored at zero."""

GAP_RESOLUTION = "lower"
"""「95分以上为优秀…80分至94分为合格…80分以下列为不合格」 (L186): a total above 94 and below 95
has no grade. The reading: 合格 — only 95 and above is 优秀 (95 is written as the threshold).
The bound at 80 is read as 合格 (「80分至94分」 names 80 as 合格), so 不合格 is below 80, exclusive."""

VETO_EFFECTS = ("fail", "no_honours")
"""「分别按照政策规定实行"一票否决"」 (L180–L182) leaves the effect to policy. The reading: the
village is 不合格 and out of the commendation (前5名); its cadres are not named, so the veto stays
with the unit."""

VETO_CATEGORIES = ("人口和计划生育", "社会综合治理", "党风廉政建设", "安全生产")
"""The four veto categories (L180–L182), each raised by a finding of that category."""

COMMENDED_VILLAGES = 5
COMMENDED_COMMUNITIES = 1
"""「考核总分前5名的村和排名第1的社区纳入下一年度全镇经济工作会议表彰奖励范围」 (L186): places
only, no score threshold; vetoed villages are out. Villages tied across 5th place are all left
out (the engine's `BOUNDARY_TIE`): the quota is never exceeded."""

TIE_BREAK = TieBreak(by=("共性部分",), last="shared")
"""The document never says how ties are broken. The reading: the common part (共性部分, 80 % of the
score — the village's everyday work) decides; still equal, the places are shared."""


def _src(line: int) -> str:
    return f"{SEED}:{line}"


HUNDRED = Decimal(100)


def _rows(names: list[str] | tuple[str, ...], points: tuple[str, ...]) -> list[Tier]:
    """Table rows: one `Tier` per level name with its points."""
    return [Tier(name, Decimal(p)) for name, p in zip(names, points, strict=True)]


def _split(key: str, label: str, line: int) -> Weighted:
    """A quantitative item scored by the year-end team (60 %) and during the year (40 %)."""
    return Weighted(
        key=key,
        label=label,
        parts=[
            Part(
                YEAR_END_WEIGHT,
                Direct(key=f"{key}_专班", label="考核专班年底集中考核", full=Decimal(100), source=_src(156)),
            ),
            Part(
                DAILY_WEIGHT,
                Direct(key=f"{key}_平时", label="部门或分管领导平时分散考核", full=Decimal(100), source=_src(156)),
            ),
        ],
        source=_src(line),
    )


GOOD_FAIR_POOR = [Level("好", Decimal(1)), Level("中", Decimal("0.8")), Level("差", Decimal("0.6"))]
SATISFACTION = [Level("满意", Decimal(1)), Level("基本满意", Decimal("0.8")), Level("不满意", Decimal("0.6"))]
"""The two Likert scales of L160: 好/中/差 and 满意/基本满意/不满意 = 100 / 80 / 60 %."""


def _root() -> Rule:
    weighted = Weighted(
        key="定量定性",
        label="定量考核(85%) + 定性考核(15%)",
        parts=[
            Part(COMMON_WEIGHT, _split("共性部分", "共性部分 (附1、附2) 100分 × 80%", 158)),
            Part(STAGE_WEIGHT, _split("阶段性中心工作", "阶段性中心工作 100分 × 5%", 158)),
            Part(
                RATING_WEIGHT,
                Rated(
                    key="班子评价",
                    label="镇领导班子评价 100分 × 5%",
                    full=Decimal(100),
                    scale=GOOD_FAIR_POOR,
                    min_raters=LEADERSHIP_MIN_RATERS,
                    source=_src(160),
                ),
            ),
            Part(
                RATING_WEIGHT,
                Rated(
                    key="社会评议",
                    label="社会评议 (无记名, ≥40人) 100分 × 5%",
                    full=Decimal(100),
                    scale=SATISFACTION,
                    min_raters=SOCIAL_MIN_RATERS,
                    source=_src(160),
                ),
            ),
            Part(
                RATING_WEIGHT,
                Rated(
                    key="代表评价",
                    label="党员、村(居)民代表评价 (无记名, ≥30人) 100分 × 5%",
                    full=Decimal(100),
                    scale=SATISFACTION,
                    min_raters=REPRESENTATIVES_MIN_RATERS,
                    source=_src(160),
                ),
            ),
        ],
        source=_src(156),
    )
    commendations = Bonuses(
        key="表彰加分",
        label="获奖表彰加分 (同一工作以最高层次)",
        tiers=[
            *(
                Tier(f"{lv}级党委政府", Decimal(p))
                for lv, p in zip(LEVELS[1:], ("0.1", "0.2", "0.3", "0.4"), strict=True)
            ),
            *(
                Tier(f"{lv}级部门", Decimal(p))
                for lv, p in zip(LEVELS[1:], ("0.05", "0.1", "0.15", "0.2"), strict=True)
            ),
        ],
        highest_only=True,
        source=_src(166),
    )
    promotions = Bonuses(
        key="现场会加分",
        label="承担现场会及推广交流经验加分 (同一项目以最高层次)",
        tiers=_rows(LEVELS[1:], ("0.02", "0.04", "0.06", "0.08")),
        highest_only=True,
        source=_src(168),
    )
    income = GrowthSteps(
        key="集体经济",
        label="集体经济纯收入 每增减十个百分点 ±0.5",
        indicator="集体经济纯收入",
        step=Decimal(10),
        points_per_step=Decimal("0.5"),
        min_value=Decimal(5),
        decline_points_per_step=Decimal("0.5"),
        source=_src(170),
    )
    criticism = Deductions(
        key="通报批评",
        label="书面通报批评或责任追究 (每次)",
        tiers=_rows(LEVELS, ("0.1", "0.2", "0.3", "0.4", "0.5")),
        source=_src(174),
    )
    inspections = Deductions(
        key="明察暗访",
        label="明察暗访发现问题 (每起; 整改不到位的加倍)",
        tiers=_rows(LEVELS, ("0.05", "0.1", "0.15", "0.2", "0.25")),
        double_unrectified=True,
        source=_src(176),
    )
    return Sum(
        key="综合得分",
        label="全年考核得分",
        parts=[weighted, commendations, promotions, income, criticism, inspections],
        floor=TOTAL_FLOOR,
        source=_src(156),
    )


BANDS = Bands(
    [
        Band("优秀", lower=Decimal(95), source=_src(186)),
        Band("合格", lower=Decimal(80), upper=Decimal(94), upper_inclusive=True, source=_src(186)),
        Band("不合格", upper=Decimal(80), source=_src(186)),
    ],
    resolution=GAP_RESOLUTION,
    source=_src(186),
)


def _cohort(name: str, label: str, places: int) -> Cohort:
    return Cohort(
        name=name,
        label=label,
        root=_root(),
        bands=BANDS,
        quotas=[Quota(title="全镇经济工作会议表彰", count_max=places, source=_src(186))],
        tie_break=TIE_BREAK,
        source=_src(150),
    )


SCHEME = Scheme(
    name="b3_village",
    version=1,
    title="2016村级目标管理考核方案 (seed 004 第三篇)",
    source=SEED,
    notes=(
        "YEAR_END_WEIGHT/DAILY_WEIGHT: the 60/40 split applies inside the quantitative items",
        "GAP_RESOLUTION: (94, 95) is 合格; 80 is 合格",
        "VETO_EFFECTS: 不合格 and no commendation",
        "TIE_BREAK: by 共性部分, then shared",
        "PROMOTION_SEPARATE, BULLETIN_IS_TOWN_CRITICISM, GROWTH_FULL_STEPS_ONLY, TOTAL_FLOOR",
    ),
    cohorts=[
        _cohort(VILLAGES, "村 (18个)", COMMENDED_VILLAGES),
        _cohort(COMMUNITIES, "社区 (3个)", COMMENDED_COMMUNITIES),
    ],
    vetoes=[
        Veto(
            key=f"否决_{category}",
            category=category,
            label=f"{category}一票否决",
            triggers=[FindingOf(category)],
            effects=VETO_EFFECTS,
            source=_src(180),
        )
        for category in VETO_CATEGORIES
    ],
)
"""The scheme: villages and communities under the same rules, ranked apart."""

SCHEMES = [SCHEME]

INSPECTION_ITEM = "明察暗访"
"""The deduction item the rectification workflow's findings feed (L176)."""


def inspection_occurrences(engine: Engine, unit: str, year: int, *, subject: str | None = None) -> list[Occurrence]:
    """The 明察暗访 findings of `unit` recorded in `year` by the 整改闭环 workflow
    (``govflow_workflows.rectification``), one `Occurrence` each, read from its records — the
    level that found it, and whether it is 整改不到位 by that workflow's own reading
    (`rectification.UNRECTIFIED`: it reached 考核扣分, or is open past its limit) — so doubling
    is read, not re-entered. ``rectified_source`` cites the rectification instance.
    """
    start, end = rect.year_window(year)
    late = {i.instance_id for i in rect.overdue_items(engine, unit=unit, year=year)}
    out = []
    for inst in engine.find(rect.WORKFLOW_NAME, unit=unit, created_from=start, created_to=end):
        level = rect.LEVEL_LABELS[str(inst.data["level"])]
        unrectified = inst.data.get("escalation") == "deducted" or inst.id in late
        out.append(
            Occurrence(
                id=f"rectification:{inst.id}",
                subject=subject or unit,
                item=INSPECTION_ITEM,
                authority=level,
                date=inst.created_at.astimezone(rect.TZ).date(),
                rectified=not unrectified,
                rectified_source=f"rectification:{inst.id}",
                reason=str(inst.data.get("item", "")),
            )
        )
    return out

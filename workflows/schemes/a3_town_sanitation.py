"""城乡环境卫生整洁行动考评 — a town's inspection-and-ranking of its villages, work areas and
departments in the 2013 sanitation campaign (seed 000 篇3, ``seeds/000_c5fa12dd6912df59.txt``
L99–L139; digest ``assessment-schemes_seeds-000-004.md`` §A3).

Two schemes:

`ROUND` — one inspection round (考评). The town's 行动领导小组 inspects unannounced (暗访) at least
twice a year and photographs and numbers every deduction point (对扣分点进行拍照编号记录, L131); each
round's result is published (每次评选结果予以通报, L131). In each round the first three villages
(村(居)委员会), work areas (工作片) and town departments (镇属各有关单位) are commended with cash,
and the last three criticized and docked 3, 2, 1 points of their performance assessment
(绩效考核, L137) — a deduction in *another* scheme, reported here as a consequence.

`ANNUAL` — the half-year and year-end checks combined into one ranking (「年终将两次检查的结果进行
综合排名,将排名结果及时公布」, L133), published with no further reward.

Subjects (L105): 五个工作片、55个村(居)、镇属各部门单位; 重点路段 are inspected too (L131, L133) and
ranked, but L137 rewards and penalizes only the other three kinds.

Left out: the criteria (L109–L127: streets, markets, eateries, traffic, rivers, refuse; village
and household hygiene) carry no point values in the file — each deduction point carries its own
amount from the county's inspection method (按县检查方法, L133, not in the file); the cash amount
(分别奖现金, L137) is not stated, so no `Reward` is encoded; the half-year 通报批评 of 「行动慢、
效果差、排名靠后的单位」 (L133) names no count and is covered by the round's last three.
"""

from __future__ import annotations

from decimal import Decimal

from govflow.scoring import (
    Action,
    Band,
    Bands,
    Cohort,
    Consequence,
    Deductions,
    Part,
    Quota,
    RankFromBottom,
    Rule,
    Scheme,
    TieBreak,
    Tier,
    Weighted,
)

SEED = "seed000"
"""The source file, ``seeds/000_c5fa12dd6912df59.txt``; ``seed000:137`` cites its line 137."""

VILLAGES = "村居"
AREAS = "工作片"
DEPARTMENTS = "镇属单位"
ROADS = "重点路段"
"""The cohorts, each its own ranking pool (`RANKED_BY_KIND`)."""

RANKED_BY_KIND = True
"""「在全镇排名前三名的村(居)委员会、工作片、镇属各有关单位」 (L137): read as the first three *of
each kind* — a work area contains villages and a department is inspected on other criteria
(镇机关, L109–L121, against 村组、农户, L123–L127), so they are not ranked against one another."""

ROUND_BASE = Decimal(100)
"""Each round scores a subject from 100 down by its deduction points (the text names 扣分点 but
no scale): 100, floored at zero."""

DEDUCTION_RANGE = (Decimal("0.1"), Decimal(100))
"""A deduction point's amount comes from the county's inspection method (L133) — each fact
carries it, within 0.1 … 100."""

PHOTO_EVIDENCE = True
"""「对扣分点进行拍照编号记录」 (L131): a deduction point without its numbered photo (the
`Evidence.number`) and its description (the reason) is refused."""

COMMENDED = 3
"""前三名 (L137) of each kind are commended (通报表彰) with cash. Subjects tied across third place
are all left out (the engine's `BOUNDARY_TIE`)."""

BOTTOM_POINTS_ORDER = "last 3, second-last 2, third-last 1"
"""「对排名后三名…扣减绩效考核分值3、2、1分」 (L137) does not say which place loses which. The
reading: the last loses 3, the second-last 2, the third-last 1 — the worse, the more. Encoded as
three cumulative 1-point deductions (within the last three, the last two, the last one), so a
subject tied for last takes all three. The clause also says 「不符合城乡环境卫生整洁行动要求的」
(and 乡镇, copied from the county's text): with no stated standard, every one of the last three
is read as not meeting it."""

SMALL_POOL_OVERLAP = True
"""There are five 工作片 (L105): the third of five is among both the first three and the last three.
The text gives both consequences and neither excludes the other, so both apply — commended, and
docked 1 point (third from last)."""

COMBINATION_WEIGHTS = (Decimal("0.5"), Decimal("0.5"))
"""「将两次检查的结果进行综合排名」 (L133) does not say sum or average; they rank alike. The reading:
the average of the half-year and year-end checks, so the combined score stays on 100."""

ROUNDS = ("半年", "年终")
"""The two formal checks of the year (半年、年终两次检查评比, L133)."""

TIE_BREAK = TieBreak(last="shared")
"""Ties share a place; the text never says otherwise."""


def _src(line: int) -> str:
    return f"{SEED}:{line}"


def _sheet(key: str, label: str) -> Deductions:
    return Deductions(
        key=key,
        label=label,
        tiers=[Tier("扣分点", DEDUCTION_RANGE[0], max_points=DEDUCTION_RANGE[1])],
        base=ROUND_BASE,
        floor=Decimal(0),
        requires_reason=PHOTO_EVIDENCE,
        requires_evidence=PHOTO_EVIDENCE,
        source=_src(131),
    )


def _bottom() -> list[Consequence]:
    return [
        Consequence(
            f"后三名扣分_{n}",
            f"后三名: 通报批评, 扣减绩效考核分值 (第{n}档)",
            when=[RankFromBottom(n)],
            actions=[Action("扣减绩效考核分值1分"), *([Action("通报批评")] if n == 3 else [])],
            source=_src(137),
        )
        for n in (3, 2, 1)
    ]


def _cohort(name: str, label: str, root: Rule, *, rewarded: bool, line: int) -> Cohort:
    return Cohort(
        name=name,
        label=label,
        root=root,
        bands=Bands([Band("已考评")], source=_src(131)),
        quotas=[Quota(title="通报表彰并奖现金", count_max=COMMENDED, source=_src(137))] if rewarded else [],
        consequences=_bottom() if rewarded else [],
        tie_break=TIE_BREAK,
        source=_src(line),
    )


KINDS = ((VILLAGES, "村(居)委员会 (55个)", True), (AREAS, "工作片 (5个)", True), (DEPARTMENTS, "镇属各部门单位", True))

ROUND = Scheme(
    name="a3_town_sanitation_round",
    version=1,
    title="镇城乡环境卫生整洁行动 每次考评 (seed 000 篇3)",
    source=SEED,
    notes=(
        "RANKED_BY_KIND: 村居, 工作片 and 镇属单位 ranked apart",
        "BOTTOM_POINTS_ORDER: last −3, second-last −2, third-last −1 (绩效考核)",
        "ROUND_BASE: 100 down by photographed deduction points",
    ),
    cohorts=[
        *(_cohort(n, lbl, _sheet("扣分点", "暗访考评扣分 (100)"), rewarded=r, line=105) for n, lbl, r in KINDS),
        _cohort(ROADS, "重点路段", _sheet("扣分点", "暗访考评扣分 (100)"), rewarded=False, line=131),
    ],
)
"""One round: rank each kind, commend the first three, dock the last three."""


def _annual_root() -> Rule:
    return Weighted(
        key="综合得分",
        label="半年、年终两次检查综合 (平均)",
        parts=[
            Part(w, _sheet(f"{r}检查", f"{r}检查评比 (100)")) for w, r in zip(COMBINATION_WEIGHTS, ROUNDS, strict=True)
        ],
        source=_src(133),
    )


ANNUAL = Scheme(
    name="a3_town_sanitation_annual",
    version=1,
    title="镇城乡环境卫生整洁行动 年终综合排名 (seed 000 篇3)",
    source=SEED,
    notes=("COMBINATION_WEIGHTS: the average of the two checks",),
    cohorts=[
        *(_cohort(n, lbl, _annual_root(), rewarded=False, line=105) for n, lbl, _ in KINDS),
        _cohort(ROADS, "重点路段", _annual_root(), rewarded=False, line=131),
    ],
)
"""The year: the two checks combined and ranked; published only."""

SCHEMES = [ROUND, ANNUAL]

"""政府绩效管理试点 (奇台县) — the county's performance management of its towns, departments and
their special projects (seed 004 第七篇 第2篇, ``seeds/004_5235ae230ec6f4e0.txt`` L602–L738;
digest ``assessment-schemes_seeds-000-004.md`` §B7.2).

Two schemes:

`SPECIAL` (专项绩效考核, L632, L646, L662–L670, L676): a project owner's score is 跟踪督查 × 80 %
+ 公众评议 × 10 % + 绩效审计 × 10 % (L662); the eleven indicators of L646 fall into those three
shares (`SPECIAL_SHARES`); grades 先进 / 良好 / 一般 / 差 by 90 / 80 / 70 (L676).

`UNITS` (二级/三级 绩效考核, L630, L638–L644, L650–L660, L674–L690): a unit's score is
重点考核得分 × 90 % + 公众评议得分 × 10 % − (查访核验扣分 + 投诉查处扣分) (L650), each
deduction channel at most 2 (L654, L660). The 90 % (集中考核, L656) is the weighted indicators of
the unit's track — 二级 departments (L638): 全局性重点工作 30, 年度目标任务 30, 机关作风效能 20,
专项绩效 10; 二级 towns (L640): 重点工作 15, 经济发展 20, 社会发展 15, 公共管理服务 20, 作风效能
10, 专项 10; 三级 sections (L642): 重点工作 35, 目标任务 35, 作风效能 20 — each scored in the
half-year first evaluation and the year-end evaluation (半年初评 30 / 年终总评 60, L656). The 专项
share takes the special grade's points (优秀 10, 良好 8–9, 一般 5–6, 差 0, L676), read from a
`SPECIAL` evaluation by `special_sub_grades`. Grades 优秀 /
良好 / 合格 / 不合格 by 90 / 80 / 70 (L674); 一票否决 for 计划生育, 社会治安综合治理, 重大安全
责任事故, 工程质量安全责任事故 (L690). Consequences (L684–L688): 优秀 one month's base pay for
serving civil servants, 良好 half a month, self-funded; 不合格 (差) — criticism, a written
self-criticism and the main leader's loss of 评优; 差 two years running — an organisational
handling opinion on the main leader; a satisfaction rate below 60 % — the main leaders lose 评优.

Left out: the 一级 assessment of vice county heads (L630, L682: their eligibility follows their
portfolio's grades — a second assessment over these results, not a score); 四级 cadre grades
(优秀/称职/基本称职/不称职, L674: no bands are stated for cadres, only the weights of L644, which
`CADRE_WEIGHTS` keeps); the self-check dates (7月10日, 12月15日, 11月15日: L652, L658) are
workflow deadlines.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from govflow.scoring import (
    Action,
    Band,
    Bands,
    Cohort,
    ConsecutiveGrade,
    Consequence,
    Deductions,
    Direct,
    Evaluation,
    Facts,
    FindingOf,
    GradeIs,
    GradeMap,
    GradeShare,
    Part,
    Proportional,
    Rounding,
    Rule,
    Scheme,
    SubGrade,
    Sum,
    TieBreak,
    Tier,
    ValueBelow,
    Veto,
    Weighted,
)

SEED = "seed004"
"""The source file, ``seeds/004_5235ae230ec6f4e0.txt``; ``seed004:650`` cites its line 650."""

DEPARTMENTS = "部门"
STATIONED = "驻县金融"
TOWNS = "乡镇"
SECTIONS = "三级"
"""The cohorts of `UNITS`: 二级 county departments (县政府所属部门单位), 二级 区州驻县单位 and 金融机构
(the same indicators, L638, but an organisational opinion on them goes to their superior, L686),
二级 towns (L640), and 三级 sections and sub-units (L642)."""

WEIGHTS: dict[str, tuple[tuple[str, str, int, int], ...]] = {
    DEPARTMENTS: (
        ("全局性重点工作", "年度全局性重点工作指标 (1-3项)", 30, 638),
        ("目标任务", "年度目标任务指标 (1-6项)", 30, 638),
        ("作风效能", "机关作风效能建设指标", 20, 638),
    ),
    TOWNS: (
        ("全局性重点工作", "年度全局性重点工作", 15, 640),
        ("经济发展", "经济发展指标", 20, 640),
        ("社会发展", "社会发展指标", 15, 640),
        ("公共管理服务", "公共管理服务指标", 20, 640),
        ("作风效能", "机关作风效能建设指标", 10, 640),
    ),
    SECTIONS: (
        ("全局性重点工作", "年度全局性重点工作指标", 35, 642),
        ("目标任务", "年度目标任务指标 (1-6项)", 35, 642),
        ("作风效能", "机关作风效能建设指标", 20, 642),
    ),
}
"""The indicators each cohort's 集中考核 scores, with their points of 100 (L638, L640, L642); 二级
cohorts add 专项绩效考核 10 (L638, L640, L676) and every cohort 公众评议 10 (L658) — 90 + 10."""

CADRE_WEIGHTS = {"综合性指标": 20, "岗位目标任务指标": 40, "作风效能建设指标": 30, "公众评议": 10}
"""四级 cadre weights (L644), kept for reference: no cadre bands are stated (L674), so 四级 is not a
cohort here."""

HALF_YEAR_SHARE = Decimal("0.333333333333")
YEAR_END_SHARE = Decimal(1) - HALF_YEAR_SHARE
"""「集中考核分值占考评总分90%,其中,半年初评占集中考核分值的30%,年终总评占集中考核分值的60%」
(L656): 30 % + 60 % of 集中考核 is 90 %, not the whole. Read as shares of the total (30 + 60 +
公众评议 10 = 100) or of 集中考核, the two rounds stand 1 : 2 — the reading encoded: each indicator's
points come one third from the half-year first evaluation and two thirds from the year-end one.
One third has no finite decimal: 12 places, the year-end share taking the rest, so full marks in
both rounds are exactly the indicator's points."""

PUBLIC_SHARE_FROM_RATE = True
"""公众评议 (10, L658) is scored from the survey's satisfaction rate (满意率, in %, the figure L688
uses): 10 × rate / 100 (`Proportional` against 100 %). The survey design is 县统计局's and not in
the file."""

CASE_POINTS_MIN = Decimal("0.1")
CHANNEL_CAP = Decimal(2)
"""查访核验 and 投诉查处 each 「倒扣分不超过2分」 (L654, L660); their per-case amounts are in
扣分办法 the 绩效办 sets (L660, not in the file), so each case carries its amount (0.1 … 2) and its
reason."""

TOTAL_PLACES = 2
"""The document states no rounding; the one-third shares need one. Totals are rounded half up to
two decimals before banding (a total of 89.995 is 90.00)."""

GAP_RESOLUTION = "lower"
"""「90%(含90)以上…优秀,…80—89%…良好,…70—79%…合格,…70%(不含70)以下…不合格」 (L674) leaves
89 < x < 90 and 79 < x < 80 without a grade. The reading: the lower grade — a unit 达到 90 % (or
80 %) only at 90 (or 80). The special grades (L676) are read the same way, and their overlap at 90
(良好 「80—90%」 beside 先进 「90%(含90)以上」) goes to 先进, which names 90 as included: 良好 is
[80, 90)."""

SPECIAL_ASSESSMENT = "专项绩效考核"
"""The assessment name `UNITS` reads the special grade under (its `GradeMap`)."""

SPECIAL_GRADE_SHARES: tuple[tuple[str, str], ...] = (
    ("先进", "1"),
    ("良好", "0.8"),
    ("一般", "0.5"),
    ("差", "0"),
    ("无专项项目", "1"),
)
"""The special grade's part of the unit's 10 % (L676): 「"优秀"的,按10%…"良好"的,按8-9%…"一般"的,
按5-6%…"差"的,不计分」. Readings: the mapping's 优秀 is the special scale's 先进 (the same paragraph
names the grades 先进/良好/一般/差); for the ranges 8–9 % and 5–6 % the lower end (8, 5) — the
least the document promises, the higher end needing a reason it does not give; a unit that owns
no project on the 专项 ledger records 「无专项项目」 and keeps the full 10 (not marked down for work
it was not given)."""

VETO_CATEGORIES = ("计划生育", "社会治安综合治理", "重大安全责任事故", "工程质量安全责任事故")
"""「计划生育、社会治安综合治理、重大安全责任事故、工程质量安全责任事故均实行"一票否决"」 (L690)."""

VETO_EFFECTS = ("fail",)
"""The document names the vetoes but not their effect. The reading: the unit is 不合格, and — as
L684 says of every 不合格 二级 unit — its main leader loses the year's 评优评先 (the veto propagates
to the leader)."""

POOR_IS_FAIL = True
"""「被评为差的单位」 (L686) uses the special scale's lowest name for units, whose lowest grade is
不合格 (L674): the penalties of L686 — criticism, the written self-criticism, the 一把手's 评优 —
and 「连续两年被评为差」 are read on 不合格."""

SATISFACTION_FLAG = "满意率达不到60%"
SATISFACTION_FLOOR = Decimal(60)
"""「满意率达不到60%的单位,取消各级主要负责人的年度评优资格,并责令整改」 (L688): a 满意率 below 60,
exclusive (达不到: 60 itself is reached), read from the same value 公众评议 scores; the flag has no
effect on the unit's grade and reaches its main leader (no 评优)."""

TIE_BREAK = TieBreak(last="shared")
"""B7.2 grades by bands and ranks nobody; ties share a place."""


def _src(line: int) -> str:
    return f"{SEED}:{line}"


def _bands(top: str, good: Band, ok: str, low: str, line: int) -> Bands:
    return Bands(
        [
            Band(top, lower=Decimal(90), source=_src(line)),
            good,
            Band(ok, lower=Decimal(70), upper=Decimal(79), upper_inclusive=True, source=_src(line)),
            Band(low, upper=Decimal(70), source=_src(line)),
        ],
        resolution=GAP_RESOLUTION,
        source=_src(line),
    )


def _round(cohort: str, period: str, label: str) -> Sum:
    return Sum(
        key=f"{period}",
        label=label,
        parts=[
            Direct(
                key=f"{key}_{period}",
                label=f"{text} ({points})",
                full=Decimal(points),
                indicator=key,
                period=period,
                source=_src(line),
            )
            for key, text, points, line in WEIGHTS[cohort]
        ],
        source=_src(656),
    )


def _unit_root(cohort: str) -> Rule:
    track = SECTIONS if cohort == SECTIONS else (TOWNS if cohort == TOWNS else DEPARTMENTS)
    central: list[Rule] = [
        Weighted(
            key="两次集中考核",
            label="半年初评 (1/3) + 年终总评 (2/3)",
            parts=[
                Part(HALF_YEAR_SHARE, _round(track, "半年初评", "半年初评")),
                Part(YEAR_END_SHARE, _round(track, "年终总评", "年终总评")),
            ],
            source=_src(656),
        )
    ]
    if track != SECTIONS:
        central.append(
            GradeMap(
                key="专项绩效",
                label="专项绩效考核 (10): 等次计分",
                full=Decimal(10),
                assessment=SPECIAL_ASSESSMENT,
                shares=[GradeShare(g, Decimal(s)) for g, s in SPECIAL_GRADE_SHARES],
                source=_src(676),
            )
        )
    channel = {"查访核验": 654, "投诉查处": 660}
    return Sum(
        key="绩效考核得分",
        label="重点考核得分×90% + 公众评议得分×10% − (查访核验扣分 + 投诉查处扣分)",
        parts=[
            Sum(key="集中考核", label="集中考核 (90)", parts=central, source=_src(656)),
            Proportional(
                key="公众评议",
                label="公众评议 (10): 满意率",
                full=Decimal(10),
                indicator="满意率",
                target=Decimal(100),
                source=_src(658),
            ),
            *(
                Deductions(
                    key=name,
                    label=f"{name}倒扣分 (不超过2分)",
                    tiers=[Tier(name, CASE_POINTS_MIN, max_points=CHANNEL_CAP)],
                    cap=CHANNEL_CAP,
                    requires_reason=True,
                    source=_src(line),
                )
                for name, line in channel.items()
            ),
        ],
        source=_src(650),
    )


def _consequences(cohort: str) -> list[Consequence]:
    if cohort == SECTIONS:  # 「"二级"单位可参照制定"三级"、"四级"奖励办法」 (L684): not fixed here
        return []
    superior = "向其上一级提出组织处理意见" if cohort == STATIONED else "提出组织处理意见,报县委研究"
    return [
        Consequence(
            "优秀奖励",
            "优秀: 表彰奖励, 1个月基础工资绩效奖",
            when=[GradeIs(("优秀",))],
            actions=[Action("县人民政府表彰奖励"), Action("1个月基础工资绩效奖 (单位自筹)", role="在职公务员")],
            source=_src(684),
        ),
        Consequence(
            "良好奖励",
            "良好: 表彰奖励, 半个月基础工资绩效奖",
            when=[GradeIs(("良好",))],
            actions=[Action("县人民政府表彰奖励"), Action("半个月基础工资绩效奖 (单位自筹)", role="在职公务员")],
            source=_src(684),
        ),
        Consequence(
            "不合格处罚",
            "不合格 (差): 通报批评, 书面检查, 取消评优",
            when=[GradeIs(("不合格",))],
            actions=[
                Action("全县通报批评"),
                Action("在政府全体会议上做出书面检查", role="主要领导"),
                Action("取消年度评优评先资格", role="行政一把手"),
            ],
            source=_src(686),
        ),
        Consequence(
            "连续两年差",
            "连续两年被评为差: 组织处理意见",
            when=[ConsecutiveGrade("不合格", 2)],
            actions=[Action(superior, role="行政一把手")],
            source=_src(686),
        ),
    ]


def _unit_cohort(name: str, label: str, line: int) -> Cohort:
    return Cohort(
        name=name,
        label=label,
        root=_unit_root(name),
        bands=_bands(
            "优秀",
            Band("良好", lower=Decimal(80), upper=Decimal(89), upper_inclusive=True, source=_src(674)),
            "合格",
            "不合格",
            674,
        ),
        rounding=Rounding(TOTAL_PLACES, "half_up"),
        consequences=_consequences(name),
        tie_break=TIE_BREAK,
        source=_src(line),
    )


UNITS = Scheme(
    name="b7_2_qitai_units",
    version=1,
    title="奇台县政府绩效管理 二级/三级单位 (seed 004 第七篇 第2篇)",
    source=SEED,
    notes=(
        "HALF_YEAR_SHARE/YEAR_END_SHARE: the two rounds stand 1:2 (L656)",
        "GAP_RESOLUTION: 89–90 is 良好, 79–80 合格; totals rounded to 2 decimals",
        "SPECIAL_GRADE_SHARES: 先进 10, 良好 8, 一般 5, 差 0, no project 10",
        "VETO_EFFECTS: 不合格, the main leader loses 评优; POOR_IS_FAIL",
        "SATISFACTION_FLOOR: 满意率 below 60 (exclusive) flags the main leader",
    ),
    cohorts=[
        _unit_cohort(DEPARTMENTS, "县政府所属部门单位 (二级)", 638),
        _unit_cohort(STATIONED, "区州驻县单位、金融机构 (二级)", 638),
        _unit_cohort(TOWNS, "乡镇人民政府 (二级)", 640),
        _unit_cohort(SECTIONS, "科室、站所 (三级)", 642),
    ],
    vetoes=[
        *(
            Veto(
                key=f"否决_{category}",
                category=category,
                label=f"{category}一票否决",
                triggers=[FindingOf(category)],
                effects=VETO_EFFECTS,
                propagate=("leader",),
                source=_src(690),
            )
            for category in VETO_CATEGORIES
        ),
        Veto(
            key="满意率",
            category=SATISFACTION_FLAG,
            label="满意率达不到60%: 取消主要负责人年度评优资格",
            triggers=[ValueBelow("满意率", SATISFACTION_FLOOR)],
            effects=(),
            propagate=("leader",),
            source=_src(688),
        ),
    ],
)
"""二级 and 三级 units: four cohorts."""

SPECIAL_SHARES: tuple[tuple[str, str, int, str], ...] = (
    ("项目决策", "项目决策指标", 5, "跟踪督查"),
    ("审批许可", "项目审批许可指标", 5, "跟踪督查"),
    ("招投标", "招投标指标", 10, "跟踪督查"),
    ("施工管理", "工程施工管理指标", 10, "跟踪督查"),
    ("质量监管", "工程质量监管指标", 10, "跟踪督查"),
    ("安全生产监管", "安全生产监管指标", 10, "跟踪督查"),
    ("资金监管", "项目资金监管指标", 10, "跟踪督查"),
    ("廉政建设", "廉政建设指标", 10, "跟踪督查"),
    ("工程进度", "工程进度指标", 10, "跟踪督查"),
    ("审计监督", "项目审计监督指标", 10, "绩效审计"),
    ("公众评议", "公众评议", 10, "公众评议"),
)
"""The eleven special indicators of L646 (100 in all) and the share of the formula of L662 each
falls in: 跟踪督查 80 % (L666) is the nine indicators the monthly 跟踪督查 follows (5 + 5 + 7 × 10 =
80); 项目审计监督 10 % is the 绩效审计 by 审计局 (L670); 公众评议 10 % (L668). Each is scored in
points (0 … its weight), so ×80 % / ×10 % are already in the points."""

SPECIAL = Scheme(
    name="b7_2_qitai_special",
    version=1,
    title="奇台县专项绩效考核 (重大项目、民生工程、对口援疆项目; seed 004 第七篇 第2篇)",
    source=SEED,
    notes=("SPECIAL_SHARES: 9 indicators = 跟踪督查 80, 审计监督 = 绩效审计 10, 公众评议 10",),
    cohorts=[
        Cohort(
            name="项目牵头单位",
            label="项目牵头单位",
            root=Sum(
                key="专项得分",
                label="跟踪督查得分×80% + 公众评议得分×10% + 绩效审计得分×10%",
                parts=[
                    Sum(
                        key=f"{share}得分",
                        label=f"{share}得分",
                        parts=[
                            Direct(key=key, label=f"{text} ({points})", full=Decimal(points), source=_src(646))
                            for key, text, points, part in SPECIAL_SHARES
                            if part == share
                        ],
                        source=_src({"跟踪督查": 666, "公众评议": 668, "绩效审计": 670}[share]),
                    )
                    for share in ("跟踪督查", "公众评议", "绩效审计")
                ],
                source=_src(662),
            ),
            bands=_bands(
                "先进",
                Band("良好", lower=Decimal(80), upper=Decimal(90), source=_src(676)),
                "一般",
                "差",
                676,
            ),
            rounding=Rounding(TOTAL_PLACES, "half_up"),
            tie_break=TIE_BREAK,
            source=_src(632),
        )
    ],
)
"""Special projects: one cohort of project owners."""

SCHEMES = [UNITS, SPECIAL]

MULTI_PROJECT = "average"
"""A unit may lead several listed projects; the document grades 「项目牵头单位」 (L662–L666) but maps
one 专项 grade into the unit (L676). The reading: the unit's special score is the average of its
projects' totals (rounded like a total, to `TOTAL_PLACES`), graded on the special bands."""


def special_sub_grades(facts: Facts, evaluation: Evaluation) -> list[SubGrade]:
    """The `SubGrade` facts `UNITS` needs, read from a `SPECIAL` evaluation — not re-entered. Each
    SPECIAL subject is a project whose ``parent`` is its lead unit (the project itself when no
    parent is given); a unit with several projects gets the grade of their average
    (`MULTI_PROJECT`)."""
    lead = {s.id: s.parent or s.id for s in facts.subjects}
    totals: dict[str, list[Decimal]] = defaultdict(list)
    for result in evaluation.results:
        totals[lead[result.subject]].append(result.total)
    cohort = SPECIAL.cohorts[0]
    out = []
    for unit, values in sorted(totals.items()):
        mean = Rounding(TOTAL_PLACES, "half_up").apply(sum(values, Decimal(0)) / len(values))
        grade = cohort.bands.grade_for(mean)
        ids = "+".join(r.subject for r in evaluation.results if lead[r.subject] == unit)
        out.append(SubGrade(unit, SPECIAL_ASSESSMENT, grade, id=f"{SPECIAL.name}:{ids}"))
    return out

"""泰顺县交通局直属单位工作目标管理考核办法 — the 泰顺 county transport bureau's assessment of its
six directly affiliated units (seed 004 第四篇, ``seeds/004_5235ae230ec6f4e0.txt`` L197–L257;
digest ``assessment-schemes_seeds-000-004.md`` §B4).

Two classes (第二条, L203; 第四条, L207): 一类 (县公路管理段, 县公路运管稽征所, 县长途汽车运输
公司) are assessed on 重要工作目标 and 共性工作目标, 二类 (县康庄办, 县交通建设管理所, 58省道至
雪溪公路工程建设指挥部) on 重要工作目标 only. Each unit's targets and their values are set each
year (第五条, L209–L215; frozen once issued), so the scheme is built from a list of `Target`s.

- each target is scored against its standard by deduction, 扣分只限于该考核项目分值,扣完为止
  (L229); every deduction needs its reason (凡涉及扣分事项,均需说明理由, L217);
- over-achievement (超额完成任务达10%及以上): +2 per target, one quantified indicator per target,
  at most 30 % of the target's value (L229);
- 争先创优: a commendation, citation or promoted experience by 党中央国务院 / 省委省政府 / 交通运输部
  或省厅 / 市委市政府或市局 / 县委县政府或局党委 → +4 / 3 / 2 / 1 / 0.5, the highest only for one
  piece of work, counted in the year of the document's date (以发文时间为准) (L233–L235);
- 记差分: each case in which the unit's poor work made the county deduct points from the bureau
  costs the unit 1 to 5 (视具体情况), and the unit's main leader is charged 60 % of it (L239);
- 年度考核总得分=年度考核实得分+加分—差分, to one decimal (精确到小数点后1位) (L241–L243);
- grades (第十条, L245): below 60 不合格, 60 合格, 70 良好, 80 优秀 (each 及以上); 优秀 also needs
  (L249) the safety-management item 合格 or better, no cadre or worker investigated by the
  discipline or judicial organs, and no superior's 一票否决 of the bureau caused by the unit.

Left out: the consequences (第十一条, L251: the results are the party committee's main basis for
judging leaders; units that fall behind 视具体情况 have their leaders held to account — no
threshold is stated, so nothing is computed); 公示 with objections (L225) and 局长办公会议 for
unforeseen cases (L253–L255) are workflow steps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

import attrs

from govflow.errors import DefinitionError
from govflow.scoring import (
    Band,
    Bands,
    Bonuses,
    Cohort,
    Deductions,
    FindingOf,
    Gate,
    Ledger,
    NoFinding,
    OverAchievement,
    Rounding,
    Rule,
    Scheme,
    SubGradeIn,
    Sum,
    TieBreak,
    Tier,
    Veto,
)

SEED = "seed004"
"""The source file, ``seeds/004_5235ae230ec6f4e0.txt``; ``seed004:229`` cites its line 229."""

CLASS_ONE: tuple[str, ...] = ("县公路管理段", "县公路运管稽征所", "县长途汽车运输公司")
CLASS_TWO: tuple[str, ...] = ("县康庄办", "县交通建设管理所", "58省道至雪溪公路工程建设指挥部")
"""一类 and 二类 考核单位 (第二条, L203)."""

ONE_COHORT_PER_UNIT = True
"""Each unit proposes its own 重要工作目标 (第五条, L211) and is graded against fixed bands, never
ranked (第十条, L245): so each unit is its own cohort with its own targets. The class decides
whether 共性工作目标 are among them (第四条, L207): a 二类 unit with a common target is a
`DefinitionError`."""

FULL_MARKS = Decimal(100)
"""「按以下公式计算出百分制得分」 (L241): a unit's targets are worth 100 in all — a target list that
does not add up to 100 is a `DefinitionError` naming the unit."""

MIN_DEDUCTION = Decimal("0.1")
"""A deduction against a target's standard is decided by the joint team within the target's
value (扣分只限于该考核项目分值, L229); the smallest is 0.1, the finest step the published total
keeps (精确到小数点后1位, L241)."""

OVER_THRESHOLD = Decimal("0.10")
OVER_POINTS = Decimal(2)
OVER_CAP_SHARE = Decimal("0.30")
"""「超额完成任务达10%及以上的,每超额一项加2分…最多可加该项工作分值的30%」 (L229): 10 % inclusive;
+2 per target, once however many of its quantified indicators exceed (只取其中1项); at most 30 % of
that target's value (a 5-point target gets 1.5). Only 重要工作目标 earn it (L229 names them)."""

COMMENDATION_ROWS: tuple[tuple[str, str], ...] = (
    ("党中央国务院", "4"),
    ("省委省政府", "3"),
    ("交通运输部或省厅", "2"),
    ("市委市政府或市局", "1"),
    ("县委县政府或局党委", "0.5"),
)
"""「党中央、国务院或省委省政府、交通运输部或省厅、市委市政府或市局、县委县政府或局党委…分别加4分、
3分、2分、1分、0.5分」 (L233–L235): five values for a list whose 或 pairs a government with its line
department. The reading: 党中央、国务院 4 (the national level), 省委省政府 3, 交通运输部 or the
provincial department 2, the city or city bureau 1, the county or the bureau's party committee
0.5 — the 或 after 国务院 starts the provincial row, as each later 或 pairs a level's government
with its transport department."""

DEMERIT_MIN = Decimal(1)
DEMERIT_MAX = Decimal(5)
LEADER_SHARE = Decimal("0.6")
"""「视具体情况每例扣1至5分,该单位主要负责人按所扣分值的60%记差分」 (L239): 1 … 5 per case, decided
case by case with its reason; the main leader's ledger gets 60 % of the unit's 差分."""

ROUNDING_MODE = "half_up"
"""「精确到小数点后1位」 (L241) with 四舍五入 — the usual reading; the total is rounded before banding."""

SAFETY_ASSESSMENT = "安全管理单项考核"
SAFETY_PASSING = ("优秀", "良好", "合格")
"""「安全管理单项考核为合格及以上」 (L249): the single-item safety assessment uses the same grade
names as this scheme; 合格 or better passes the 优秀 gate."""

DISCIPLINE_CASE = "违纪违法案件"
BUREAU_VETO_CAUSED = "导致局里被一票否决"
"""Findings the 优秀 gate reads (L249): a cadre or worker investigated by the discipline or judicial
organs; the unit's work causing a superior's 一票否决 of the bureau."""

BUREAU = "县交通局"
"""The parent body of every 直属单位 (``Subject.parent``); not itself assessed under this scheme."""

BUREAU_VETOED = "局里被上级一票否决"
"""A superior's 一票否决 of the bureau, recorded against the bureau with the unit(s) whose work
caused it (``Finding.caused_by``). CAUSE_PROPAGATION: the engine propagates it to those units as
``forbid_grades`` 优秀 (「三是不因本单位工作导致局里被上级"一票否决"」, L249) — the same reading
as the gate's fall-through to the next band down; recording a ``BUREAU_VETO_CAUSED`` finding
against the unit itself still works through the gate."""

TOTAL_FLOOR = Decimal(0)
"""差分 has no cap (每例扣1至5分, L239, as many cases as there are): the total is floored at zero,
the bottom of the 百分制 scale (L241) — a unit's score is never negative."""

TIE_BREAK = TieBreak(last="shared")
"""B4 does not rank; a unit alone in its cohort has rank 1."""


@attrs.frozen
class Target:
    """One work target of a unit (工作目标): its value (分值), whether it is a 共性工作目标, and the
    quantified indicators (量化指标) its over-achievement is read from."""

    key: str
    label: str
    value: Decimal = attrs.field(converter=Decimal)
    common: bool = False
    indicators: tuple[str, ...] = ()


def _src(line: int) -> str:
    return f"{SEED}:{line}"


def _target(t: Target) -> Deductions:
    return Deductions(
        key=t.key,
        label=f"{'共性' if t.common else '重要'}工作目标 {t.label} ({t.value})",
        tiers=[Tier("评分标准", MIN_DEDUCTION, max_points=t.value)],
        base=t.value,
        floor=Decimal(0),
        requires_reason=True,  # 凡涉及扣分事项,均需说明理由 (L217)
        source=_src(229),
    )


def _bonuses(targets: Sequence[Target]) -> Sum:
    parts: list[Rule] = [
        OverAchievement(
            key=f"{t.key}_超额",
            label=f"{t.label} 超额完成10%及以上 +2 (≤30%)",
            indicators=t.indicators,
            item_value=t.value,
            threshold=OVER_THRESHOLD,
            points=OVER_POINTS,
            cap_share=OVER_CAP_SHARE,
            source=_src(229),
        )
        for t in targets
        if t.indicators and not t.common
    ]
    parts.append(
        Bonuses(
            key="争先创优",
            label="争先创优加分 (同一项工作取最高)",
            tiers=[Tier(name, Decimal(points)) for name, points in COMMENDATION_ROWS],
            highest_only=True,
            source=_src(233),
        )
    )
    return Sum(key="加分", label="加分", parts=parts, source=_src(243))


def _cohort(unit: str, targets: Sequence[Target]) -> Cohort:
    klass = "一类" if unit in CLASS_ONE else "二类"
    root = Sum(
        key="年度考核总得分",
        label="年度考核总得分=年度考核实得分+加分—差分",
        floor=TOTAL_FLOOR,
        source=_src(243),
        parts=[
            Sum(key="实得分", label="年度考核实得分", parts=[_target(t) for t in targets], source=_src(229)),
            _bonuses(targets),
            Deductions(
                key="差分",
                label="记差分 (每例1至5分)",
                tiers=[Tier("县委县政府扣分", DEMERIT_MIN, max_points=DEMERIT_MAX)],
                requires_reason=True,
                source=_src(239),
            ),
        ],
    )
    return Cohort(
        name=unit,
        label=f"{unit} ({klass}考核单位)",
        root=root,
        rounding=Rounding(1, ROUNDING_MODE, source=_src(241)),
        bands=Bands(
            [
                Band("优秀", lower=Decimal(80), source=_src(245)),
                Band("良好", lower=Decimal(70), upper=Decimal(80), source=_src(245)),
                Band("合格", lower=Decimal(60), upper=Decimal(70), source=_src(245)),
                Band("不合格", upper=Decimal(60), source=_src(245)),
            ],
            source=_src(245),
        ),
        gates=[
            Gate(
                "优秀",
                requires=[
                    SubGradeIn(SAFETY_ASSESSMENT, SAFETY_PASSING),
                    NoFinding(DISCIPLINE_CASE),
                    NoFinding(BUREAU_VETO_CAUSED),
                ],
                source=_src(249),
            )
        ],
        ledgers=[
            Ledger(
                "主要负责人差分", "主要负责人按所扣分值的60%记差分", rule="差分", share=LEADER_SHARE, source=_src(239)
            )
        ],
        tie_break=TIE_BREAK,
        source=_src(203),
    )


def build(targets: Mapping[str, Sequence[Target]], *, version: int = 1) -> Scheme:
    """The year's scheme from each unit's issued targets (第五条: 审议通过后予以印发; frozen
    except for force majeure — a change is a new version). Refuses (`DefinitionError`) a unit
    outside 第二条, a 二类 unit with a 共性 target, or targets not adding up to 100."""
    problems = []
    for unit, items in sorted(targets.items()):
        if unit not in CLASS_ONE + CLASS_TWO:
            problems.append(f"{unit}: not a unit of 第二条 (L203)")
        if unit in CLASS_TWO and any(t.common for t in items):
            problems.append(f"{unit}: 二类 units have 重要工作目标 only (第四条, L207)")
        worth = sum((t.value for t in items), Decimal(0))
        if worth != FULL_MARKS:
            problems.append(f"{unit}: targets add up to {worth}, not {FULL_MARKS} (百分制, L241)")
    if problems:
        raise DefinitionError("b4_taishun", problems, kind="scheme")
    return Scheme(
        name="b4_taishun",
        version=version,
        title="泰顺县交通局直属单位工作目标管理考核办法 (seed 004 第四篇)",
        source=SEED,
        notes=(
            "ONE_COHORT_PER_UNIT: each unit is graded on its own issued targets",
            "COMMENDATION_ROWS: 党中央国务院 4, 省委省政府 3, 部或省厅 2, 市 1, 县或局党委 0.5",
            "MIN_DEDUCTION 0.1; ROUNDING half up to 1 decimal before banding",
        ),
        cohorts=[_cohort(unit, items) for unit, items in sorted(targets.items())],
        vetoes=[
            Veto(
                "bureau_vetoed",
                BUREAU_VETOED,
                "不因本单位工作导致局里被上级一票否决",
                triggers=[FindingOf(BUREAU_VETOED)],
                effects=(),
                propagate=("cause",),
                cause_effects=("forbid_grades",),
                cause_forbid=("优秀",),
                source=_src(249),
            )
        ],
    )


def _t(key: str, label: str, value: int, *indicators: str, common: bool = False) -> Target:
    return Target(key, label, Decimal(value), common=common, indicators=indicators)


ILLUSTRATIVE_TARGETS: dict[str, tuple[Target, ...]] = {
    "县公路管理段": (
        _t("公路养护", "国省道养护", 40, "优良路率", "养护里程"),
        _t("路政管理", "路政管理", 20),
        _t("大中修工程", "大中修工程", 10, "完成投资"),
        _t("党风廉政", "党风廉政建设", 15, common=True),
        _t("综合治理", "社会治安综合治理", 15, common=True),
    ),
    "县康庄办": (
        _t("康庄工程", "康庄工程建设", 60, "建成里程"),
        _t("质量安全", "工程质量安全", 30),
        _t("资金管理", "建设资金管理", 10),
    ),
}
"""NOT from the document: the file holds no unit's targets (they are proposed and issued each
year, 第五条). These two illustrate the shape — a 一类 unit with common targets and a 二类 unit
without — so the reference scheme loads; a real year is `build(that year's targets)`."""

SCHEME = build(ILLUSTRATIVE_TARGETS)
"""The reference scheme on the illustrative targets."""

SCHEMES = [SCHEME]

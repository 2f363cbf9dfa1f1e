"""重大产业项目绿色通道考评 — the county's evaluation of the departments that run the green channel
for major industrial projects (seed 000 篇6, ``seeds/000_c5fa12dd6912df59.txt`` L279–L325; digest
``assessment-schemes_seeds-000-004.md`` §A6).

Thirteen departments (县发改委 … 县林业局, L287) are scored out of 100 in four blocks, every item
by deduction (扣分) from its full value:

- 组织领导落实情况 (10, L295): the leading group with its office and people (6, L297: 未成立领导小组
  −4, 没有专人负责 −2); the work in the annual plan and target assessment (4, L299: 未纳入 −4);
- 规章制度落实情况 (20, L301): approval items cleared (3, L303: 未清理 −3, 已清理但未达到规定要求
  酌情扣分); a work plan (4, L305: −4); the approval rules published (5, L307: 未建立 −5, 不健全
  −3); an annual evaluation plan and a year-end summary (3, L309: 每缺一项 −1.5); the
  accountability rules (5, L311: −5);
- 按时完成项目审批情况 (40, L313–L315): −10 for each approval not finished in its time limit,
  至直扣完 (sic: 直至扣完 — down to zero);
- 项目审批符合规定条件和程序情况 (30, L317–L321): −5 for each unmet condition (15, L319) and −5
  for each procedural breach (15, L321), each down to zero.

Left out: the 「三结合」 and 「听、看、议、评」 method (L291) names how the facts are gathered
(上级考评, 单位自评, 互查互评; 座谈会, 民意测试), not how they weigh — the score is the 考核组's
(「最后由考核组综合评价」), so the scheme scores the group's findings only. The document has no
grades, ranks or consequences (L323–L325 only names the organiser, 县机关效能建设领导小组).
"""

from __future__ import annotations

from decimal import Decimal

from govflow.scoring import Band, Bands, Cohort, Deductions, Scheme, Sum, TieBreak, Tier

SEED = "seed000"
"""The source file, ``seeds/000_c5fa12dd6912df59.txt``; ``seed000:297`` cites its line 297."""

DEPARTMENTS: tuple[str, ...] = (
    "县发改委",
    "县经贸委",
    "县建设局",
    "县国土局",
    "县环保局",
    "县行政服务中心",
    "县安监局",
    "县人防办",
    "县消防大队",
    "县交通局",
    "县水务局",
    "县农业局",
    "县林业局",
)
"""The thirteen departments assessed (考评对象, seed 000 L287), all in one cohort."""

COHORT = "部门"
"""The one cohort: the document assesses departments only, under one set of rules (L287)."""

ASSESSED = "已考评"
"""The document grades nothing (no 等次 in L293–L325); the one band, 已考评 (assessed), holds
every total, so the result is the score and its explanation. Ranks are shared on ties."""

DISCRETIONARY_MIN = Decimal("0.5")
DISCRETIONARY_MAX = Decimal("2.5")
"""「已清理但未达到规定要求的酌情扣分」 (L303) leaves the amount to the 考核组. The reading: at
least half a point (the finest step the document uses, L309's 1.5 is three of them) and less
than the 3 points of not clearing at all — so at most 2.5: clearing, however poorly, costs less
than not clearing. Each such deduction must state its reason (`DISCRETIONARY_NEEDS_REASON`)."""

DISCRETIONARY_NEEDS_REASON = True
"""A discretionary deduction (酌情扣分) without a reason is refused: the amount is a judgement,
and a judgement nobody can read cannot be checked. The document does not say so in words; it is
the reading that keeps 「公开、公平、公正」 (L291) for the one deduction with no fixed amount."""

OVERLAPPING_ROWS_FLOORED = True
"""Rows of one item that describe the same failure more or less severely — 未建立制度 −5 and
制度不健全 −3 (L307); 未成立领导小组 −4 and 没有专人负责 −2 (L297) — are both recorded when both are
found, and the item's floor (0) keeps the total where the worse reading alone would put it
(5 − 5 − 3 → 0 = 5 − 5). No item can lose more than its value: every item is floored at 0
(「至直扣完」 is written for L315–L321; the same floor is read into the others, whose rows add
up to at most their value anyway except where two rows overlap)."""

FLOOR = Decimal(0)
"""至直扣完 (sic, = 直至扣完, L315, L319, L321): down to zero and no further."""


def _src(line: int) -> str:
    return f"{SEED}:{line}"


def _item(key: str, label: str, value: int, rows: list[Tier], line: int, *, reason: bool = False) -> Deductions:
    return Deductions(
        key=key,
        label=label,
        tiers=rows,
        base=Decimal(value),
        floor=FLOOR,
        requires_reason=reason,
        source=_src(line),
    )


ORGANISATION = Sum(
    key="组织领导",
    label="组织领导落实情况 organisation and leadership (10)",
    source=_src(295),
    parts=[
        _item(
            "领导小组",
            "领导小组、承办部门和责任人员 leading group, office and people (6)",
            6,
            [Tier("未成立领导小组", Decimal(4)), Tier("没有专人负责", Decimal(2))],
            297,
        ),
        _item(
            "纳入计划",
            "纳入全年工作计划和年度综合目标考核 in the annual plan and target assessment (4)",
            4,
            [Tier("未纳入", Decimal(4))],
            299,
        ),
    ],
)

RULES = Sum(
    key="规章制度",
    label="规章制度落实情况 rules and systems (20)",
    source=_src(301),
    parts=[
        Sum(
            key="清理审批事项",
            label="清理涉及重大产业的审批事项 approval items cleared (3)",
            floor=FLOOR,
            source=_src(303),
            parts=[
                _item("未清理审批事项", "未清理的扣3分 not cleared", 3, [Tier("未清理", Decimal(3))], 303),
                Deductions(
                    key="清理未达要求",
                    label="已清理但未达到规定要求的酌情扣分 cleared below the standard (discretionary)",
                    tiers=[Tier("未达到规定要求", DISCRETIONARY_MIN, max_points=DISCRETIONARY_MAX)],
                    requires_reason=DISCRETIONARY_NEEDS_REASON,
                    source=_src(303),
                ),
            ],
        ),
        _item("工作方案", "落实《实施方案》的具体工作方案 work plan (4)", 4, [Tier("未制定", Decimal(4))], 305),
        _item(
            "审批制度",
            "审批制度及依据、条件、程序、监督电话向社会公开 approval rules published (5)",
            5,
            [Tier("未建立制度", Decimal(5)), Tier("制度不健全", Decimal(3))],
            307,
        ),
        _item(
            "考评方案总结",
            "年度考评方案和年终总结 annual evaluation plan and year-end summary (3)",
            3,
            [Tier("缺项", Decimal("1.5"))],
            309,
        ),
        _item(
            "责任追究",
            "审批责任追究制度 accountability rules (5)",
            5,
            [Tier("未建立责任追究制度", Decimal(5))],
            311,
        ),
    ],
)

ON_TIME = _item(
    "按时审批",
    "在规定的时限内完成项目审批 approvals within their time limits (40)",
    40,
    [Tier("未按时限完成", Decimal(10))],
    315,
)
"""「未按时限完成每次扣10分,至直扣完」 (L313–L315): four late approvals take all 40."""

COMPLIANCE = Sum(
    key="条件程序",
    label="项目审批符合规定条件和程序 conditions and procedure (30)",
    source=_src(317),
    parts=[
        _item("符合条件", "符合规定条件 conditions met (15)", 15, [Tier("不符合条件", Decimal(5))], 319),
        _item("符合程序", "符合程序规定 procedure followed (15)", 15, [Tier("不符合程序", Decimal(5))], 321),
    ],
)

SCHEME = Scheme(
    name="a6_green_channel",
    version=1,
    title="重大产业项目绿色通道考评 (seed 000 篇6)",
    source=SEED,
    notes=(
        "DISCRETIONARY_MIN/MAX: 酌情扣分 is 0.5 … 2.5 with a reason (L303)",
        "OVERLAPPING_ROWS_FLOORED: overlapping rows of one item are both recorded; the item floor keeps the worse",
        "ASSESSED: no grades in the document; one band holds every total",
    ),
    cohorts=[
        Cohort(
            name=COHORT,
            label="绿色通道相关工作部门",
            root=Sum(
                key="绿色通道考评",
                label="重大产业项目绿色通道考评 (100)",
                parts=[ORGANISATION, RULES, ON_TIME, COMPLIANCE],
                source=_src(293),
            ),
            bands=Bands([Band(ASSESSED)], source=_src(293)),
            tie_break=TieBreak(last="shared"),
            source=_src(287),
        )
    ],
)
"""The scheme: 4 blocks, 10 items, 100 points."""

SCHEMES = [SCHEME]

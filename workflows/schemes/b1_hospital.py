"""***医院2016年综合目标管理及考核方案 — a hospital's monthly quality-control assessment of its
clinical and functional departments (seed 004 第一篇, ``seeds/004_5235ae230ec6f4e0.txt`` L8–L76;
digest ``assessment-schemes_seeds-000-004.md`` §B1).

Every assessing department scores out of 100 by deduction (各考核科室的考核总分值都调整为100分,
…实行减分制考核, L36), and the hospital weights the scores when it sums them (医院汇总时再加权赋分,
L36). Two cohorts (L46–L60):

- 临床科室 (L40, L48–L54): 质量与安全 85, 关键指标 10 (the indicator is masked as ``****`` in the
  file, L40), 重点工作单项 5 — mainly the 满意度调查 (L40);
- 职能科室 (L56–L60): 质量与安全 90, 临床对职能科室的满意度评价 10.

The month's total goes to the 经济管理办公室 and the hospital's leaders as a management
performance indicator (L74).

Left out: the nursing weights — L42 heads 「(2)职能科室和临床科室护理」 and says nothing more;
the masked day windows of the monthly cycle (每月*日前, L70–L74) and the 10-working-day
verification of rectification (L76) are the rectification workflow's; the standards' own
deduction values are each assessing department's (科主任签订责任书, L44), so a deduction fact
carries its amount and reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from govflow.errors import DefinitionError
from govflow.scoring import (
    Band,
    Bands,
    Cohort,
    Deductions,
    Part,
    Proportional,
    Rule,
    Scheme,
    TieBreak,
    Tier,
    Weighted,
)

SEED = "seed004"
"""The source file, ``seeds/004_5235ae230ec6f4e0.txt``; ``seed004:40`` cites its line 40."""

CLINICAL = "临床科室"
FUNCTIONAL = "职能科室"
"""The two cohorts (考核项目分类, L46–L60)."""

SHEET = Decimal(100)
"""Every assessing department's sheet is worth 100 (考核总分值都调整为100分, L36)."""

SHEET_FLOOR = Decimal(0)
"""减分制 (L36): a sheet loses points per problem found and stops at zero — a department cannot
owe points on a sheet (the text gives no floor; zero is the only one a 100-point sheet has)."""

MIN_DEDUCTION = Decimal("0.1")
"""Each problem's deduction comes from the assessing department's own standard (考核标准, L44 —
not in the file), so the fact carries it: 0.1 … 100, with the problem named (`NEEDS_REASON`)."""

NEEDS_REASON = True
"""Every deduction names its problem: the problems go out on 整改通知单 to the department (L70,
L74) and the high-risk, high-frequency ones are followed one by one (L76) — a deduction nobody
can name cannot be rectified."""

SATISFACTION_FROM_RATE = True
"""满意度调查 (the clinical 重点单项 5, L40) and 临床对职能科室的满意度评价 (10, L60) are scored from
the survey's satisfaction rate in %: 100 % is the full sheet (the survey's scale is not given)."""

DEFAULT_ASSESSORS: Mapping[str, Decimal] = {"质量与安全": Decimal(1)}
"""「医院汇总时再加权赋分」 (L36) weights the assessing departments' sheets, but names neither the
departments nor the weights. By default the 质量与安全 item is one sheet (all assessing
departments' deductions on it); `build(assessors)` weights several sheets, e.g. 医务科 0.6 and
院感科 0.4, the weights adding up to 1."""

TIE_BREAK = TieBreak(last="shared")
"""The month's totals are a performance indicator (L74), not a ranking; equal totals share a place."""

ASSESSED = "已考核"
"""No grades are stated: one band holds every total."""


def _src(line: int) -> str:
    return f"{SEED}:{line}"


def _sheet(key: str, label: str, line: int) -> Deductions:
    return Deductions(
        key=key,
        label=f"{label} (100, 减分制)",
        tiers=[Tier("考核标准", MIN_DEDUCTION, max_points=SHEET)],
        base=SHEET,
        floor=SHEET_FLOOR,
        requires_reason=NEEDS_REASON,
        source=_src(line),
    )


def _quality(assessors: Mapping[str, Decimal], line: int) -> Rule:
    if len(assessors) == 1:
        (only,) = assessors
        return _sheet(only, "质量与安全考核", line)
    return Weighted(
        key="质量与安全",
        label="质量与安全考核 (各考核科室加权)",
        parts=[Part(w, _sheet(name, f"{name} 质量与安全", line)) for name, w in sorted(assessors.items())],
        source=_src(36),
    )


def _rate(key: str, label: str, indicator: str, line: int) -> Proportional:
    return Proportional(
        key=key, label=f"{label} (满意率)", full=SHEET, indicator=indicator, target=SHEET, source=_src(line)
    )


def build(assessors: Mapping[str, Decimal] = DEFAULT_ASSESSORS, *, version: int = 1) -> Scheme:
    """The scheme with the 质量与安全 item weighted over `assessors` (each a 100-point sheet)."""
    if sum(assessors.values(), Decimal(0)) != 1:
        raise DefinitionError("b1_hospital", [f"assessor weights {dict(assessors)} do not add up to 1"], kind="scheme")
    clinical = Weighted(
        key="临床综合目标",
        label="临床科室医疗: 质量与安全85 + 关键指标10 + 重点单项5",
        parts=[
            Part(Decimal("0.85"), _quality(assessors, 50)),
            Part(Decimal("0.10"), _sheet("关键指标", "关键指标考核 (****)", 52)),
            Part(Decimal("0.05"), _rate("重点单项", "重点工作单项考核: 满意度调查", "满意度", 54)),
        ],
        source=_src(40),
    )
    functional = Weighted(
        key="职能综合目标",
        label="职能科室: 质量与安全90 + 临床满意度10",
        parts=[
            Part(Decimal("0.90"), _quality(assessors, 58)),
            Part(Decimal("0.10"), _rate("临床满意度", "临床对职能科室的满意度评价", "临床满意度", 60)),
        ],
        source=_src(56),
    )
    return Scheme(
        name="b1_hospital",
        version=version,
        title="***医院2016年综合目标管理及考核方案 (seed 004 第一篇)",
        source=SEED,
        notes=(
            "SHEET_FLOOR: a 100-point 减分制 sheet stops at 0",
            "DEFAULT_ASSESSORS: one 质量与安全 sheet unless the hospital weights several",
            "SATISFACTION_FROM_RATE: satisfaction items score the rate in %",
        ),
        cohorts=[
            Cohort(
                name=name,
                label=name,
                root=root,
                bands=Bands([Band(ASSESSED)], source=_src(74)),
                tie_break=TIE_BREAK,
                source=_src(line),
            )
            for name, root, line in ((CLINICAL, clinical, 48), (FUNCTIONAL, functional, 56))
        ],
    )


SCHEME = build()
"""The reference scheme: one 质量与安全 sheet per department."""

SCHEMES = [SCHEME]

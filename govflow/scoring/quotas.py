"""Ranking, tie-breaking and quotas (名额): who is 先进, who gets the top-3 award.

Why the policies are named: the documents fix quotas as a share of the cohort with a score
threshold (「先进等次名额按被评估单位数的25%确定…必须在90分以上(含90分)」: 7 units → 2, so the
share is rounded up or to nearest), as a count band (「先进等次取3-5名」), or as places
(「前三名」), but never say how a share is rounded, what happens when fewer than the minimum
qualify, or how ties are broken. Each of those is a parameter with a name, so a scheme states
its reading and a test can check it. A quota is never exceeded: subjects tied across the
quota's boundary are all left out (`BOUNDARY_TIE`), never all let in.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import attrs

from govflow.scoring.codec import kind
from govflow.scoring.numbers import opt_decimal, quantize, to_decimal

COUNT_ROUNDING = {"ceil": "ceiling", "half_up": "half_up", "floor": "floor"}
"""How a share of the cohort becomes a count: ceil (进一), half_up (四舍五入), floor (去尾)."""

SHORTFALL = ("award_qualifiers", "award_none")
"""When fewer than ``count_min`` subjects qualify: award those who qualify, or award none."""

LAST_RESORT = ("shared", "subject_id")
"""Ties left after the tie-break rules: ``shared`` — tied subjects share a rank (and a quota
boundary between them leaves them all out); ``subject_id`` — ordered by subject id (an
arbitrary but stable order; a scheme choosing it says so)."""

BOUNDARY_TIE = "exclude_tied"
"""Subjects tied exactly at a quota's boundary are all left out, so the quota is never exceeded."""


def _strs(value: str | Iterable[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


@kind("tie_break")
@attrs.frozen
class TieBreak:
    """How equal totals are ordered: by the points of each rule in ``by`` (higher first; rule
    keys or paths, e.g. the indicator evaluation), then by `LAST_RESORT` ``last``."""

    by: tuple[str, ...] = attrs.field(default=(), converter=_strs)
    last: str = "shared"
    source: str = ""


@kind("quota")
@attrs.frozen
class Quota:
    """A quota of a cohort (名额): ``title`` (the award, e.g. 绩效管理先进单位) and optionally a
    ``grade`` it confers (先进).

    The count is ``share`` × the cohort's size rounded by ``rounding`` (`COUNT_ROUNDING`), kept
    within ``count_min`` … ``count_max``; with no share it is ``count_max``. Only subjects with
    ``min_score`` or more (``min_inclusive``) whose band grade is in ``eligible_grades`` (empty:
    any) qualify; vetoed (no_honours) subjects never do. Quotas apply in order; a subject holds
    at most one quota of a cohort (B2: 综合先进奖 first, 二等奖 from the rest).
    """

    title: str
    grade: str = ""
    share: Decimal | None = attrs.field(default=None, converter=opt_decimal)
    rounding: str = "ceil"
    count_min: int | None = None
    count_max: int | None = None
    min_score: Decimal | None = attrs.field(default=None, converter=opt_decimal)
    min_inclusive: bool = True
    shortfall: str = "award_qualifiers"
    eligible_grades: tuple[str, ...] = attrs.field(default=(), converter=_strs)
    source: str = ""

    def count(self, cohort_size: int) -> int:
        """How many the quota may award in a cohort of `cohort_size`."""
        if self.share is not None:
            n = int(quantize(self.share * cohort_size, 0, COUNT_ROUNDING[self.rounding]))
            if self.count_max is not None:
                n = min(n, self.count_max)
            if self.count_min is not None:
                n = max(n, min(self.count_min, cohort_size))
            return max(n, 0)
        return self.count_max if self.count_max is not None else cohort_size

    def qualifies(self, total: Decimal) -> bool:
        """Whether a total reaches the threshold."""
        if self.min_score is None:
            return True
        return total >= self.min_score if self.min_inclusive else total > self.min_score

    def problems(self, where: str) -> list[str]:
        """Unknown policies, a share outside (0, 1], a count band upside down."""
        here = f"{where}: quota {self.title}"
        found: list[str] = []
        if self.rounding not in COUNT_ROUNDING:
            found.append(f"{here}: rounding {self.rounding!r} is not one of {', '.join(COUNT_ROUNDING)}")
        if self.shortfall not in SHORTFALL:
            found.append(f"{here}: shortfall {self.shortfall!r} is not one of {', '.join(SHORTFALL)}")
        if self.share is not None and not 0 < self.share <= 1:
            found.append(f"{here}: share {self.share} outside (0, 1]")
        if self.share is None and self.count_max is None:
            found.append(f"{here}: needs a share or a count_max")
        if self.count_min is not None and self.count_max is not None and self.count_min > self.count_max:
            found.append(f"{here}: count_min {self.count_min} > count_max {self.count_max}")
        return found


def to_decimal_or_zero(value: object) -> Decimal:
    """Helper for sort keys built from optional points."""
    return to_decimal(value) if value is not None else Decimal(0)

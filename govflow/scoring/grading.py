"""Grading (评定等次): rounding before banding, bands with explicit bounds, gates on grades.

Why bounds are explicit: the documents write 「95分以上」, 「80分至94分」, 「80分以下」 and leave
94.5 without a grade and 80 in two (B3); B7.2 has 「80—89%」 next to 「90%(含90)以上」. A
`Band` therefore states each bound and whether it is inclusive, `Bands` refuses a gap or an
overlap by naming it — unless the scheme names how it is resolved (``resolution``), or the
scheme's rounding makes the gap unreachable (no value with that many decimals falls in it).
Rounding (「精确到小数点后1位」) happens before banding, with a named mode.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import attrs

from govflow.scoring.codec import kind
from govflow.scoring.conditions import Condition, to_conditions
from govflow.scoring.numbers import ROUNDING_MODES, opt_decimal, quantize, text


@kind("rounding")
@attrs.frozen
class Rounding:
    """Round the total to ``places`` decimals with ``mode`` (see `ROUNDING_MODES`) before banding."""

    places: int
    mode: str = "half_up"
    source: str = ""

    def apply(self, value: Decimal) -> Decimal:
        """The rounded value."""
        return quantize(value, self.places, self.mode)

    def problems(self, where: str) -> list[str]:
        """An unknown mode or negative places."""
        found = [f"{where}: rounding places must not be negative"] if self.places < 0 else []
        if self.mode not in ROUNDING_MODES:
            found.append(f"{where}: rounding mode {self.mode!r} is not one of {', '.join(ROUNDING_MODES)}")
        return found


@kind("band")
@attrs.frozen
class Band:
    """A grade and its score range: ``lower``/``upper`` (None: unbounded) and whether each is
    inclusive. 「60分(含60分)以上」 is lower=60 inclusive; 「60分以下」 is upper=60 exclusive."""

    grade: str
    lower: Decimal | None = attrs.field(default=None, converter=opt_decimal)
    upper: Decimal | None = attrs.field(default=None, converter=opt_decimal)
    lower_inclusive: bool = True
    upper_inclusive: bool = False
    source: str = ""

    def contains(self, value: Decimal) -> bool:
        """Whether `value` lies in the band."""
        if self.lower is not None and (value < self.lower or (value == self.lower and not self.lower_inclusive)):
            return False
        return not (
            self.upper is not None and (value > self.upper or (value == self.upper and not self.upper_inclusive))
        )

    def describe(self) -> str:
        """E.g. ``[80, 95)``."""
        lo = "-∞" if self.lower is None else text(self.lower)
        hi = "+∞" if self.upper is None else text(self.upper)
        left = "[" if self.lower_inclusive and self.lower is not None else "("
        right = "]" if self.upper_inclusive and self.upper is not None else ")"
        return f"{left}{lo}, {hi}{right}"


RESOLUTIONS = ("", "lower", "upper")
"""How a value in a gap or an overlap between two bands is graded: ``""`` — not allowed (a
`DefinitionError` names the gap); ``lower`` — the lower band; ``upper`` — the higher band."""


def _bands(value: Iterable[Any]) -> tuple[Band, ...]:
    return tuple(Band(**{k: v for k, v in b.items() if k != "kind"}) if isinstance(b, Mapping) else b for b in value)


def _has_grid_point(lo: Decimal, hi: Decimal, lo_in: bool, hi_in: bool, places: int | None) -> bool:
    """Whether some value (with `places` decimals, or any value) lies in the interval."""
    if places is None:
        return lo < hi or (lo == hi and lo_in and hi_in)
    step = Decimal(1).scaleb(-places)
    first = (lo / step).to_integral_value(rounding="ROUND_CEILING") * step
    if first == lo and not lo_in:
        first += step
    return first < hi or (first == hi and hi_in)


@kind("bands")
@attrs.frozen
class Bands:
    """The grade bands of a cohort, listed best first (优秀, 良好, 合格, 不合格)."""

    bands: tuple[Band, ...] = attrs.field(converter=_bands)
    resolution: str = ""
    source: str = ""

    def problems(self, where: str, places: int | None = None) -> list[str]:
        """Every gap and overlap between neighbouring bands not covered by `resolution`, bands
        out of order, empty bands, repeated grades. `places`: decimals the total is rounded to
        before banding (a gap no such value falls in is no gap)."""
        found: list[str] = []
        if self.resolution not in RESOLUTIONS:
            found.append(f"{where}: band resolution {self.resolution!r} is not one of lower, upper")
        grades = [b.grade for b in self.bands]
        found += [f"{where}: grade {g!r} has two bands" for g in sorted({g for g in grades if grades.count(g) > 1})]
        for high, low in zip(self.bands, self.bands[1:], strict=False):
            if high.lower is None or low.upper is None:
                found.append(
                    f"{where}: bands {high.grade} {high.describe()} and {low.grade} {low.describe()} are out of order"
                )
                continue
            gap_in = (not low.upper_inclusive, not high.lower_inclusive)
            if low.upper < high.lower or (low.upper == high.lower and all(gap_in)):
                if not self.resolution and _has_grid_point(low.upper, high.lower, *gap_in, places):
                    found.append(
                        f"{where}: gap between {low.grade} {low.describe()} and {high.grade} {high.describe()}: "
                        f"a total in {'[' if gap_in[0] else '('}{text(low.upper)}, {text(high.lower)}"
                        f"{']' if gap_in[1] else ')'} has no grade (name a resolution: lower or upper)"
                    )
            elif (low.upper > high.lower or (low.upper_inclusive and high.lower_inclusive)) and not self.resolution:
                found.append(
                    f"{where}: overlap between {low.grade} {low.describe()} and {high.grade} {high.describe()} "
                    "(name a resolution: lower or upper)"
                )
            if low.lower is not None and high.lower is not None and low.lower > high.lower:
                found.append(f"{where}: bands {high.grade} and {low.grade} are out of order (list the best first)")
        return found

    def grade_for(self, value: Decimal) -> str:
        """The grade of a (rounded) total; gaps and overlaps go by `resolution`; a value below
        every band gets the lowest grade, above every band the highest."""
        hits = [b for b in self.bands if b.contains(value)]
        if hits:
            return (hits[-1] if self.resolution == "lower" else hits[0]).grade
        above = [b for b in self.bands if b.lower is not None and b.lower >= value]
        below = [b for b in self.bands if b.upper is not None and b.upper <= value]
        if not above:
            return self.bands[0].grade
        if not below:
            return self.bands[-1].grade
        return (below[0] if self.resolution == "lower" else above[-1]).grade

    @property
    def grades(self) -> tuple[str, ...]:
        """Grades best first."""
        return tuple(b.grade for b in self.bands)


FALL_THROUGH = ("next_band_down",)
"""What a gated grade becomes when its conditions fail: ``next_band_down`` — the next grade
in the cohort's order (优秀 → 良好); or name a grade explicitly."""


@kind("gate")
@attrs.frozen
class Gate:
    """Conditions a grade requires (「优秀等次须同时符合以下条件」); failing any, the subject gets
    ``fall_through`` instead (`FALL_THROUGH`, or a grade's name)."""

    grade: str
    requires: tuple[Condition, ...] = attrs.field(converter=to_conditions)
    fall_through: str = "next_band_down"
    source: str = ""

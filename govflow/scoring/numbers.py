"""Points as `Decimal` (分值): exact sums, named rounding, converters for JSON and Python input.

Why Decimal: a 0.05-point deduction must add up exactly, totals must compare exactly against
band bounds such as 90 (含90), and a result written to JSON must read back equal. Floats offer
none of that. Every division (a completion ratio, a Likert mean) is the only place a value
is rounded, to `INTERNAL_PLACES` decimals with `ROUND_HALF_UP`, so results do not depend on the
platform or the order of facts.
"""

from __future__ import annotations

import decimal
import functools
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

INTERNAL_PLACES = 6
"""Decimals kept after a division inside a rule (completion ratios, Likert means)."""

PRECISION = 60
"""Significant digits of the arithmetic context: enough that sums and products never round."""

ROUNDING_MODES: dict[str, str] = {
    "half_up": decimal.ROUND_HALF_UP,  # 四舍五入 — the usual reading of 「精确到小数点后1位」
    "half_even": decimal.ROUND_HALF_EVEN,  # banker's rounding
    "down": decimal.ROUND_DOWN,  # truncate toward zero (去尾)
    "up": decimal.ROUND_UP,  # away from zero (进一)
    "floor": decimal.ROUND_FLOOR,
    "ceiling": decimal.ROUND_CEILING,
}
"""The named rounding modes a scheme may choose (`Rounding.mode`, `Quota.rounding`)."""

ZERO = Decimal(0)
ONE = Decimal(1)


_CONTEXT = decimal.Context(prec=PRECISION, rounding=decimal.ROUND_HALF_UP)


def context() -> decimal.Context:
    """The arithmetic context evaluation runs in (wide precision, exact sums and products).

    One shared object: nothing reads its flags, and `decimal.localcontext` copies it."""
    return _CONTEXT


def to_decimal(value: Any) -> Decimal:
    """A Decimal from a Decimal, int, str or float (a float through its shortest repr, so 0.05
    stays 0.05). Raises `ValueError`/`TypeError` for anything else, e.g. NaN or a bool."""
    if type(value) is Decimal:  # the common case, first
        if not value.is_finite():
            raise ValueError(f"{value!r} is not a finite number")
        return value
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number of points")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except decimal.InvalidOperation:
            raise ValueError(f"{value!r} is not a number") from None
    else:
        raise TypeError(f"{type(value).__name__} is not a number")
    if not result.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return result


def opt_decimal(value: Any) -> Decimal | None:
    """`to_decimal`, passing None through (for optional caps and bounds)."""
    return None if value is None else to_decimal(value)


def to_date(value: Any) -> date:
    """A date from a date or an ISO string (``2016-12-31``)."""
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value)
    raise TypeError(f"{type(value).__name__} is not a date")


def opt_date(value: Any) -> date | None:
    """`to_date`, passing None through."""
    return None if value is None else to_date(value)


def quantize(value: Decimal, places: int, mode: str = "half_up") -> Decimal:
    """`value` rounded to `places` decimals with the named `mode` (see `ROUNDING_MODES`)."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUNDING_MODES[mode], context=context())


def divide(numerator: Decimal, denominator: Decimal) -> Decimal:
    """Numerator / denominator rounded to `INTERNAL_PLACES` (half-up): the one rounding step
    inside rules; the explanation shows the rounded value, so leaves still sum exactly."""
    return quantize(context().divide(numerator, denominator), INTERNAL_PLACES).normalize(context())


def total(values: Iterable[Decimal]) -> Decimal:
    """The exact sum (Decimal addition in the wide context never rounds at these sizes)."""
    return functools.reduce(_CONTEXT.add, values, ZERO)


@functools.lru_cache(maxsize=4096)
def text(value: Decimal) -> str:
    """A Decimal as people write points: no exponent, no trailing zeros (``4``, ``0.5``).

    Cached: equal values always read the same (trailing zeros are stripped), and explanations
    write the same few constants (full marks, targets, weights) for every subject."""
    if value.is_zero():
        return "0"
    out = format(value, "f")
    if "." in out:
        out = out.rstrip("0").rstrip(".")
    return out

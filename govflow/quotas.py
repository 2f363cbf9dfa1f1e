"""Minimum quotas per period (每月不少于…): shortfalls recorded as facts, not refusals.

A `Recurring` duty says *that* something is reported every period; many duties also say *how
much*: community service 「每月累计不少于2个工作日」 (at least 2 working days a month, seed 001
L285, seed 000 L591), group study 「每月不少于1次,每次不少于2小时」 (at least once a month, each
session at least 2 hours, seed 001 L286, seed 000 L593). A period's report that falls short is
still a report — the person did serve, just not enough — so the report is accepted and the
shortfall is **recorded in the case's data as a fact** that the quarterly and yearly assessments
(考核) read, instead of the report being refused.

A `Minimum` names one quota: the payload field holding the period's tally, the bound (以上 /
不少于: the bound itself satisfies it, as everywhere in govflow) and, for a list of sessions,
the size each entry must reach to count (每次不少于2小时). `applies_if` names a data field that
must be true for the quota to apply (公益劳动 binds only those 有劳动能力的). `shortfalls`
compares a tally with the quotas; `record_shortfalls` builds an `Effect` that appends them to a
data list on the report's transition, with the period they belong to.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

from govflow.effects import Effect, EffectContext, effect
from govflow.errors import DefinitionError, InvalidData


def _number(value: Any, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise InvalidData(f"{what} must be a number, not {value!r}")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise InvalidData(f"{what} must be a number, not {value!r}") from None
    if not number.is_finite() or number < 0:
        raise InvalidData(f"{what} must be a number ≥ 0, not {value!r}")
    return number


def _text(number: Decimal) -> str:
    """A number as plain text without trailing zeros: 1.0 → "1", 1.50 → "1.5", 10 → "10"."""
    return f"{number.normalize():f}"


def _decimal(value: int | float | str | Decimal) -> Decimal:
    return Decimal(str(value))


def _optional_decimal(value: int | float | str | Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


@attrs.frozen
class Minimum:
    """One quota: `field` of the period's report must reach `at_least` (inclusive).

    With `each_at_least`, `field` is a list of sizes (hours per session) and the tally is the
    number of entries reaching that size: 每月不少于1次,每次不少于2小时 is
    ``Minimum("study", "study_hours", 1, each_at_least=2)``.
    """

    name: str
    field: str
    at_least: Decimal = attrs.field(converter=_decimal)
    each_at_least: Decimal | None = attrs.field(default=None, converter=_optional_decimal)
    applies_if: str | None = None
    unit: str = ""
    label: str = ""
    source: str = ""

    def __attrs_post_init__(self) -> None:
        problems = []
        if self.at_least <= 0:
            problems.append(f"at_least must be > 0, not {self.at_least}")
        if self.each_at_least is not None and self.each_at_least <= 0:
            problems.append(f"each_at_least must be > 0, not {self.each_at_least}")
        if not self.field:
            problems.append("field must name the payload field holding the tally")
        if problems:
            raise DefinitionError(self.name, problems, kind="quota")

    def tally(self, report: Mapping[str, Any]) -> Decimal:
        """What the report counts towards this quota (a missing field counts as nothing)."""
        value = report.get(self.field, [] if self.each_at_least is not None else 0)
        if self.each_at_least is None:
            return _number(value, f"{self.field!r}")
        if not isinstance(value, list | tuple):
            raise InvalidData(f"{self.field!r} must be a list of sizes (one per session), not {value!r}")
        sizes = [_number(v, f"an entry of {self.field!r}") for v in value]
        return Decimal(sum(1 for size in sizes if size >= self.each_at_least))


def shortfalls(
    minimums: Iterable[Minimum], report: Mapping[str, Any], data: Mapping[str, Any] | None = None
) -> list[dict[str, Any]]:
    """The quotas `report` falls short of, one JSON-ready fact each (empty when all are met).

    A quota whose `applies_if` field is not true in `data` does not apply and is skipped.
    """
    found: list[dict[str, Any]] = []
    for minimum in minimums:
        if minimum.applies_if is not None and not (data or {}).get(minimum.applies_if):
            continue
        reached = minimum.tally(report)
        if reached < minimum.at_least:  # 不少于: reaching the bound meets it
            found.append(
                {
                    "quota": minimum.name,
                    "label": minimum.label,
                    "required": _text(minimum.at_least),
                    "reported": _text(reached),
                    "missing": _text(minimum.at_least - reached),
                    "unit": minimum.unit,
                    "source": minimum.source,
                }
            )
    return found


def record_shortfalls(
    name: str, minimums: Sequence[Minimum], *, period_field: str = "period", into: str = "shortfalls"
) -> Effect:
    """An effect that appends the report's shortfalls, each with its period, to data list `into`.

    The report is the transition's payload; its `period_field` (e.g. ``"2024-10"``) says which
    period it covers. The audit event's detail gets the same facts, so the trail shows them.
    """
    quotas = tuple(minimums)

    def run(ctx: EffectContext) -> None:
        period = ctx.payload.get(period_field)
        if not isinstance(period, str) or not period:
            raise InvalidData(f"a quota report needs {period_field!r}, the period it covers (e.g. '2024-10')")
        facts = [{"period": period, **fact} for fact in shortfalls(quotas, ctx.payload, ctx.data)]
        ctx.data[into] = [*ctx.data.get(into, []), *facts]
        ctx.detail["shortfalls"] = facts

    return effect(name, "record the report's quota shortfalls as facts (不足部分记入档案)")(run)

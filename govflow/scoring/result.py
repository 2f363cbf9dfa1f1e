"""Results (考核结果): what `evaluate` returns — a result per subject, and the run's summary.

Every result carries the explanation tree, so any point of the total can be traced to the rule
that produced it, the facts it used and the line of the document that rule cites. Results
are immutable and round-trip through JSON exactly; the annual assessment workflow stores them
as published results and passes past ones back in (`PastResult`) for 「连续两年」 triggers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from govflow.scoring.codec import decode, encode, kind
from govflow.scoring.consequences import Action
from govflow.scoring.explain import Line
from govflow.scoring.facts import Period
from govflow.scoring.numbers import opt_decimal, to_date, to_decimal
from govflow.scoring.vetoes import Flag


def _seq(value: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(decode(v) if isinstance(v, Mapping) else v for v in value)


def _strs(value: str | Iterable[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _line(value: Any) -> Line:
    built = decode(value) if isinstance(value, Mapping) else value
    if not isinstance(built, Line):
        raise TypeError("explanation must be a line")
    return built


def _period(value: Any) -> Period:
    built = decode(value) if isinstance(value, Mapping) else value
    if not isinstance(built, Period):
        raise TypeError("period must be a period")
    return built


def _flags(value: Iterable[Any]) -> tuple[Flag, ...]:
    return _seq(value)


def _actions(value: Iterable[Any]) -> tuple[Action, ...]:
    return _seq(value)


@kind("outcome")
@attrs.frozen
class Outcome:
    """A consequence that applied (or a gate that failed): which rule, why, what it does."""

    rule: str
    label: str
    reasons: tuple[str, ...] = attrs.field(default=(), converter=_strs)
    actions: tuple[Action, ...] = attrs.field(default=(), converter=_actions)
    source: str = ""


def _outcomes(value: Iterable[Any]) -> tuple[Outcome, ...]:
    return _seq(value)


@kind("payout")
@attrs.frozen
class Payout:
    """A reward paid to a unit (奖金): the reward rule, the quota title, the amount in yuan."""

    reward: str
    title: str
    amount: Decimal = attrs.field(converter=to_decimal)
    source: str = ""


def _payouts(value: Iterable[Any]) -> tuple[Payout, ...]:
    return _seq(value)


@kind("ledger_entry")
@attrs.frozen
class LedgerEntry:
    """A personal ledger entry (记差分) derived from a unit's deduction."""

    person: str
    subject: str
    ledger: str
    points: Decimal = attrs.field(converter=to_decimal)
    source: str = ""


def _entries(value: Iterable[Any]) -> tuple[LedgerEntry, ...]:
    return _seq(value)


@kind("subject_result")
@attrs.frozen
class SubjectResult:
    """One subject's result: ``total`` (rounded, as banded), ``grade``, ``rank`` in its pool
    (None when removed from it), ``awards`` (quota titles held), ``flags`` (vetoes on it),
    ``gates`` (failed gates), ``consequences``, ``payouts``, ``ledger``, and ``explanation``
    — whose leaves sum exactly to ``total``."""

    subject: str
    cohort: str
    total: Decimal = attrs.field(converter=to_decimal)
    grade: str
    band_grade: str
    rank: int | None
    explanation: Line = attrs.field(converter=_line)
    awards: tuple[str, ...] = attrs.field(default=(), converter=_strs)
    flags: tuple[Flag, ...] = attrs.field(default=(), converter=_flags)
    gates: tuple[Outcome, ...] = attrs.field(default=(), converter=_outcomes)
    consequences: tuple[Outcome, ...] = attrs.field(default=(), converter=_outcomes)
    payouts: tuple[Payout, ...] = attrs.field(default=(), converter=_payouts)
    ledger: tuple[LedgerEntry, ...] = attrs.field(default=(), converter=_entries)

    @property
    def vetoed(self) -> bool:
        """Whether any veto flag is on the subject."""
        return bool(self.flags)


def _results(value: Iterable[Any]) -> tuple[SubjectResult, ...]:
    return _seq(value)


@kind("deferral")
@attrs.frozen
class Deferral:
    """A cohort's bonuses carried over to next year (转入下一年度加分): the rule, the subjects
    that missed the evidence deadline, and the claims carried over."""

    cohort: str
    rule: str
    missing: tuple[str, ...] = attrs.field(converter=_strs)
    claims: tuple[str, ...] = attrs.field(default=(), converter=_strs)
    source: str = ""


def _deferrals(value: Iterable[Any]) -> tuple[Deferral, ...]:
    return _seq(value)


@kind("evaluation")
@attrs.frozen
class Evaluation:
    """The result of one `evaluate` call: per-subject results (by cohort, then rank, then id),
    flags on people (a veto propagated to a main leader or manager), deferred bonuses."""

    scheme: str
    version: int
    period: Period = attrs.field(converter=_period)
    results: tuple[SubjectResult, ...] = attrs.field(converter=_results)
    person_flags: tuple[Flag, ...] = attrs.field(default=(), converter=_flags)
    deferrals: tuple[Deferral, ...] = attrs.field(default=(), converter=_deferrals)

    def get(self, subject: str) -> SubjectResult:
        """The result of `subject` (KeyError if it was not assessed)."""
        for result in self.results:
            if result.subject == subject:
                return result
        raise KeyError(subject)

    def cohort(self, name: str) -> tuple[SubjectResult, ...]:
        """The results of one cohort, in rank order."""
        return tuple(r for r in self.results if r.cohort == name)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict; `from_json` rebuilds an equal evaluation."""
        doc: dict[str, Any] = encode(self)
        return doc

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Evaluation:
        """Rebuild from `to_json` output."""
        built = decode(dict(doc), where="evaluation")
        if not isinstance(built, Evaluation):
            raise TypeError("not an evaluation document")
        return built


@kind("past_result")
@attrs.frozen
class PastResult:
    """A published result of an earlier period, passed to `evaluate` for consecutive-period
    triggers (「连续两年被评为差」): the period's dates, the subject, its grade and total."""

    subject: str
    grade: str
    start: date = attrs.field(converter=to_date)
    end: date = attrs.field(converter=to_date)
    total: Decimal | None = attrs.field(default=None, converter=opt_decimal)
    label: str = ""

"""Facts (考核事实): what happened in the assessed period, as immutable records.

Why facts are separate from the scheme: the scheme is the year's rulebook, fixed before the
year starts; facts are recorded during the year by the workflows (rectification records
whether a finding was 整改到位, the campaign records incidents, the office records ballots).
`evaluate` reads only these records — never storage, never the clock — so one (scheme, facts)
pair always gives the same result.

Every fact that can be cited has an ``id``; the explanation tree lists the ids a point used.
Ballots are tallies only (counts per scale level): an individual rater's ballot never enters
the facts, so no result can expose it (无记名测评).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from govflow.errors import DefinitionError, InvalidFacts
from govflow.scoring.codec import decode, encode, kind
from govflow.scoring.numbers import opt_date, opt_decimal, to_date, to_decimal


def _strs(value: str | Iterable[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _one(cls: type[Any], value: Any) -> Any:
    if isinstance(value, cls):
        return value
    if isinstance(value, dict):
        return cls(**{k: v for k, v in value.items() if k != "kind"})
    raise TypeError(f"expected {cls.__name__} or its JSON object, got {type(value).__name__}")


def _all(cls: type[Any], value: Iterable[Any]) -> tuple[Any, ...]:
    if not isinstance(value, list | tuple):
        raise TypeError(f"expected a list of {cls.__name__}, got {type(value).__name__}")
    return tuple(_one(cls, item) for item in value)


def _evidence(value: Any) -> Evidence:
    built: Evidence = _one(Evidence, value)
    return built


def _opt_evidence(value: Any) -> Evidence | None:
    return None if value is None else _evidence(value)


def _period(value: Any) -> Period:
    built: Period = _one(Period, value)
    return built


def _counts(value: Any) -> tuple[tuple[str, int], ...]:
    items = value.items() if isinstance(value, dict) else value
    return tuple(sorted((str(k), n) for k, n in items))


@kind("period")
@attrs.frozen
class Period:
    """The assessed period (考核期), both ends inclusive, e.g. 2016-01-01 … 2016-12-31."""

    label: str
    start: date = attrs.field(converter=to_date)
    end: date = attrs.field(converter=to_date)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


@kind("subject")
@attrs.frozen
class Subject:
    """An assessed unit or person (被考核对象) and where it sits in the directory.

    ``cohort`` picks the rules and the ranking pool (乡镇 / 部门 / 古城; 一档 / 二档).
    ``leader`` is its main leader (主要负责人 / 党政一把手), ``managers`` the people a veto of an
    enterprise reaches (主管和直接负责安全生产的管理人员), ``parent`` the body above it.
    """

    id: str
    cohort: str
    name: str = ""
    leader: str = ""
    managers: tuple[str, ...] = attrs.field(default=(), converter=_strs)
    parent: str = ""


@kind("evidence")
@attrs.frozen
class Evidence:
    """The document behind a bonus claim or a deduction (依据): 文号, date, issuing authority."""

    number: str
    date: date = attrs.field(converter=to_date)
    authority: str
    title: str = ""


@kind("value")
@attrs.frozen
class IndicatorValue:
    """A measured value of an indicator (指标完成值) for one subject and sub-period.

    ``target`` is the subject's own 标准值 (「以量化下达的指标为标准值」), when the rule does not
    fix one; ``previous`` is last year's value for growth rules; ``period`` names the
    sub-period (``mid``, ``final``, ``q1`` …) for period-weighted rules, ``""`` otherwise.
    A score given directly by raters (领导评估 10 分) is a value too.
    """

    subject: str
    indicator: str
    value: Decimal = attrs.field(converter=to_decimal)
    target: Decimal | None = attrs.field(default=None, converter=opt_decimal)
    previous: Decimal | None = attrs.field(default=None, converter=opt_decimal)
    period: str = ""
    id: str = ""
    source: str = ""

    @property
    def ref(self) -> str:
        """The id the explanation cites (given, or derived from subject, indicator and period)."""
        return self.id or f"value:{self.subject}:{self.indicator}" + (f":{self.period}" if self.period else "")


@kind("occurrence")
@attrs.frozen
class Occurrence:
    """Something found against a subject that a deduction rule counts (扣分事项): a 通报批评, a
    违纪现象 found in a 明查暗访, an accountability decision.

    ``authority`` is the finding level (镇/县/市/省/国家, 市/县/局); ``severity`` selects a row
    where a table distinguishes it. ``rectified`` is what the rectification workflow recorded
    (整改到位?) — ``None`` when no rectification applies — and ``rectified_source`` cites that
    record (e.g. the rectification instance id), so doubling is read, not re-entered.
    ``reason`` is mandatory where the rule says 「凡涉及扣分事项,均需说明理由」.
    """

    id: str
    subject: str
    item: str
    authority: str
    date: date = attrs.field(converter=to_date)
    count: int = 1
    severity: str = ""
    rectified: bool | None = None
    rectified_source: str = ""
    reason: str = ""
    evidence: Evidence | None = attrs.field(default=None, converter=_opt_evidence)
    points: Decimal | None = attrs.field(default=None, converter=opt_decimal)
    """Points decided case by case, where the table gives a range (「每例扣1至5分」)."""
    period: str = ""
    """The sub-period the occurrence is filed under (``y1``, ``h2`` …); it must be the period of
    the deduction rule it is filed with (`Deductions.period`)."""


@kind("claim")
@attrs.frozen
class Claim:
    """A bonus claim (加分申报): a commendation or promotion of experience, with its evidence.

    ``matter`` groups claims about one piece of work, for 「同一项工作…取最高分值」.
    """

    id: str
    subject: str
    item: str
    authority: str
    evidence: Evidence = attrs.field(converter=_evidence)
    matter: str = ""
    reason: str = ""
    confirmed: bool = True
    """Whether the office confirmed it (「经确认给予加分」); unconfirmed claims score nothing."""


@kind("ballots")
@attrs.frozen
class Ballots:
    """An anonymous ballot tally (测评票数) for one rated item: count per scale level."""

    subject: str
    item: str
    counts: tuple[tuple[str, int], ...] = attrs.field(converter=_counts)
    period: str = ""
    id: str = ""

    @property
    def ref(self) -> str:
        """The id the explanation cites."""
        return self.id or f"ballots:{self.subject}:{self.item}" + (f":{self.period}" if self.period else "")

    @property
    def raters(self) -> int:
        """How many ballots were cast."""
        return sum(n for _, n in self.counts)


@kind("sub_grade")
@attrs.frozen
class SubGrade:
    """A grade from another assessment (专项考核等次 / 安全管理单项考核) feeding this one."""

    subject: str
    assessment: str
    grade: str
    id: str = ""

    @property
    def ref(self) -> str:
        """The id the explanation cites."""
        return self.id or f"grade:{self.subject}:{self.assessment}"


@kind("incident")
@attrs.frozen
class Incident:
    """An incident in the subject's area of responsibility (事故): counts of deaths and serious
    injuries, for veto thresholds such as 「1起死亡3人以上」."""

    id: str
    subject: str
    category: str
    date: date = attrs.field(converter=to_date)
    deaths: int = 0
    serious_injuries: int = 0
    responsible: bool = True
    """Whether it is a 责任事故 (the documents' vetoes count responsibility accidents)."""
    source: str = ""


@kind("finding")
@attrs.frozen
class Finding:
    """A decision recorded against a subject that a veto or gate reads (认定): 「综治黄牌警告」,
    「计划生育不达标」, 「班子成员发生腐败案件」, a superior's 一票否决 of a parent body."""

    id: str
    subject: str
    category: str
    date: date = attrs.field(converter=to_date)
    authority: str = ""
    source: str = ""
    caused_by: tuple[str, ...] = attrs.field(default=(), converter=_strs)
    """Units under ``subject`` (their ``Subject.parent``) whose work the finding names as its
    cause — 「因本单位工作导致局里被上级一票否决」: a veto with ``propagate=("cause",)`` reaches
    them. ``subject`` may then be a parent body that is not itself assessed."""


@kind("submission")
@attrs.frozen
class Submission:
    """Evidence handed in for a deadline (加分依据提交): on time or not, by the office's record."""

    subject: str
    evidence: str
    on: date | None = attrs.field(default=None, converter=opt_date)
    on_time: bool = True
    id: str = ""


def _subjects(value: Iterable[Any]) -> tuple[Subject, ...]:
    return _all(Subject, value)


def _values(value: Iterable[Any]) -> tuple[IndicatorValue, ...]:
    return _all(IndicatorValue, value)


def _occurrences(value: Iterable[Any]) -> tuple[Occurrence, ...]:
    return _all(Occurrence, value)


def _claims(value: Iterable[Any]) -> tuple[Claim, ...]:
    return _all(Claim, value)


def _ballots(value: Iterable[Any]) -> tuple[Ballots, ...]:
    return _all(Ballots, value)


def _sub_grades(value: Iterable[Any]) -> tuple[SubGrade, ...]:
    return _all(SubGrade, value)


def _incidents(value: Iterable[Any]) -> tuple[Incident, ...]:
    return _all(Incident, value)


def _findings(value: Iterable[Any]) -> tuple[Finding, ...]:
    return _all(Finding, value)


def _submissions(value: Iterable[Any]) -> tuple[Submission, ...]:
    return _all(Submission, value)


@kind("facts")
@attrs.frozen
class Facts:
    """Everything `evaluate` reads for one period: the subjects and what happened to them."""

    period: Period = attrs.field(converter=_period)
    subjects: tuple[Subject, ...] = attrs.field(converter=_subjects)
    values: tuple[IndicatorValue, ...] = attrs.field(default=(), converter=_values)
    occurrences: tuple[Occurrence, ...] = attrs.field(default=(), converter=_occurrences)
    claims: tuple[Claim, ...] = attrs.field(default=(), converter=_claims)
    ballots: tuple[Ballots, ...] = attrs.field(default=(), converter=_ballots)
    sub_grades: tuple[SubGrade, ...] = attrs.field(default=(), converter=_sub_grades)
    incidents: tuple[Incident, ...] = attrs.field(default=(), converter=_incidents)
    findings: tuple[Finding, ...] = attrs.field(default=(), converter=_findings)
    submissions: tuple[Submission, ...] = attrs.field(default=(), converter=_submissions)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (points as decimal strings, dates as ISO strings)."""
        doc: dict[str, Any] = encode(self)
        return doc

    @classmethod
    def from_json(cls, doc: Any) -> Facts:
        """Facts from `to_json` output or a hand-written facts file (``kind`` tags optional).

        A malformed document (a missing field, a value that is not a number or a date) is an
        `InvalidFacts` naming what is wrong, like facts that do not fit the scheme.
        """
        if not isinstance(doc, dict):
            raise InvalidFacts("<facts>", ["facts must be a JSON object"])
        try:
            return cls(**decode({k: v for k, v in doc.items() if k != "kind"}, where="facts"))
        except (TypeError, ValueError, KeyError, AttributeError, ArithmeticError, DefinitionError) as exc:
            raise InvalidFacts("<facts>", [f"malformed facts document: {exc}"]) from None

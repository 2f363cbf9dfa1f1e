"""Conditions (条件): the yes/no tests gates and consequences are made of.

Why one small vocabulary: 「优秀等次须同时符合以下条件」 (a gate), 「最后一名且分值未满75分」 and
「60分以下且后三名」 (consequences), 「连续两年被评为差」 (a consecutive-period trigger) are all
conjunctions of the same few tests on a subject's situation after scoring. Each condition
answers with a reason, which goes into the result so a person can see why a gate held.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, ClassVar

import attrs

from govflow.scoring.codec import decode, kind
from govflow.scoring.numbers import text, to_decimal


@attrs.frozen
class Situation:
    """What conditions look at: one subject after scoring (built by `evaluate`)."""

    subject: str
    total: Decimal
    grade: str
    flags: frozenset[str]
    """Categories of the veto flags on the subject."""
    findings: frozenset[str]
    """Categories of the findings recorded against the subject."""
    sub_grades: Mapping[str, str]
    from_bottom: int | None
    """How many ranked subjects of its pool are strictly worse (0 = last); None if unranked."""
    past_grades: tuple[str, ...] = ()
    """Grades of the immediately preceding, consecutive periods, most recent first."""
    values: Mapping[tuple[str, str], Decimal] = attrs.field(factory=dict)
    """The subject's recorded indicator values by (indicator, period)."""


class Condition:
    """Base of every condition: `holds` answers (yes?, why)."""

    KIND: ClassVar[str]

    def holds(self, situation: Situation) -> tuple[bool, str]:
        """Whether the condition holds, and a short reason."""
        raise NotImplementedError


def _strs(value: str | Iterable[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


@kind("no_flag")
@attrs.frozen
class NoFlag(Condition):
    """No veto flag of ``category`` (「不因本单位工作导致局里被上级"一票否决"」)."""

    category: str

    def holds(self, situation: Situation) -> tuple[bool, str]:
        """True when no such flag."""
        ok = self.category not in situation.flags
        return ok, f"{'no' if ok else 'has'} flag {self.category}"


@kind("has_flag")
@attrs.frozen
class HasFlag(Condition):
    """A veto flag of ``category`` is on the subject (e.g. to attach 「责任追究」 to a veto)."""

    category: str

    def holds(self, situation: Situation) -> tuple[bool, str]:
        """True when such a flag is on the subject."""
        ok = self.category in situation.flags
        return ok, f"{'has' if ok else 'no'} flag {self.category}"


@kind("no_finding")
@attrs.frozen
class NoFinding(Condition):
    """No finding of ``category`` recorded (「未发生干部职工被…查处的违纪违法案件」)."""

    category: str

    def holds(self, situation: Situation) -> tuple[bool, str]:
        """True when no such finding."""
        ok = self.category not in situation.findings
        return ok, f"{'no' if ok else 'has'} finding {self.category}"


@kind("sub_grade_in")
@attrs.frozen
class SubGradeIn(Condition):
    """The grade in another assessment is one of ``grades`` (「安全管理单项考核为合格及以上」)."""

    assessment: str
    grades: tuple[str, ...] = attrs.field(converter=_strs)

    def holds(self, situation: Situation) -> tuple[bool, str]:
        """True when the recorded grade is allowed (a missing grade does not hold)."""
        got = situation.sub_grades.get(self.assessment)
        ok = got in self.grades
        return ok, f"{self.assessment} {got or 'not graded'}{'' if ok else ' not in ' + '/'.join(self.grades)}"


@kind("score_below")
@attrs.frozen
class ScoreBelow(Condition):
    """The total is below ``value`` — ``inclusive`` says whether the value itself counts
    (「未满75分」: exclusive; 「60分(不含60分)以下」: exclusive)."""

    value: Decimal = attrs.field(converter=to_decimal)
    inclusive: bool = False

    def holds(self, situation: Situation) -> tuple[bool, str]:
        """Total < value (or ≤ when inclusive)."""
        ok = situation.total <= self.value if self.inclusive else situation.total < self.value
        sign = "≤" if self.inclusive else "<"
        return ok, f"{text(situation.total)} {sign if ok else 'not ' + sign} {text(self.value)}"


@kind("rank_from_bottom")
@attrs.frozen
class RankFromBottom(Condition):
    """Among the last ``n`` of the ranking pool (1: 最后一名; 3: 后三名). Tied subjects share a
    place, so all those tied for last are last."""

    n: int

    def holds(self, situation: Situation) -> tuple[bool, str]:
        """True when fewer than `n` ranked subjects are strictly worse."""
        if situation.from_bottom is None:
            return False, "not ranked"
        ok = situation.from_bottom < self.n
        return ok, f"{situation.from_bottom} below it in the pool ({'within' if ok else 'outside'} last {self.n})"


@kind("grade_is")
@attrs.frozen
class GradeIs(Condition):
    """The grade is one of ``grades``."""

    grades: tuple[str, ...] = attrs.field(converter=_strs)

    def holds(self, situation: Situation) -> tuple[bool, str]:
        """True when graded so."""
        ok = situation.grade in self.grades
        return ok, f"grade {situation.grade}"


@kind("consecutive_grade")
@attrs.frozen
class ConsecutiveGrade(Condition):
    """Graded ``grade`` in this period and the ``periods`` − 1 consecutive periods before it
    (「连续两年被评为差」), read from the past results passed to `evaluate`."""

    grade: str
    periods: int = 2

    def holds(self, situation: Situation) -> tuple[bool, str]:
        """True when the current and the preceding consecutive grades all match."""
        run = [situation.grade, *situation.past_grades][: self.periods]
        ok = len(run) == self.periods and all(g == self.grade for g in run)
        return ok, f"grades {' ← '.join(run)} ({'meets' if ok else 'not'} {self.periods} × {self.grade})"


def to_condition(value: Any) -> Condition:
    """A condition from itself or its JSON."""
    built = decode(value) if isinstance(value, Mapping) else value
    if not isinstance(built, Condition):
        raise TypeError(f"expected a condition, got {type(built).__name__}")
    return built


def to_conditions(value: Iterable[Any]) -> tuple[Condition, ...]:
    """A tuple of conditions."""
    return tuple(to_condition(v) for v in value)


def all_hold(conditions: Iterable[Condition], situation: Situation) -> tuple[bool, tuple[str, ...]]:
    """(all hold?, the reasons), every condition asked so the reasons are complete."""
    answers = [c.holds(situation) for c in conditions]
    return all(ok for ok, _ in answers), tuple(why for _, why in answers)

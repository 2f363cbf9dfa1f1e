"""Vetoes (一票否决) and disqualifications (取消评先资格) as flags with a category, a scope, a
source and an effect policy, propagated along the directory.

Why flags and policies, not a boolean: the documents veto for different things (社会治安,
计划生育, 社会稳定, 安全生产; ≥3 deaths in one accident) with different effects — the whole
result fails, the grade is capped (「不予评定优秀等次」), the unit **and its main leader** are
excluded from every 评优创先, or the unit leaves a ranking pool — and the effect reaches
people: the unit's main leader (B2), an enterprise's 主管和直接负责安全生产的管理人员 (A1).
A parent body vetoed by its superiors because of one of its units (B4 「不因本单位工作导致局里被
上级一票否决」) is a `Finding` against the parent body naming the unit in ``caused_by``; a veto
with ``propagate=("cause",)`` flags that unit with ``cause_effects`` (e.g. ``forbid_grades``
优秀) — the parent body need not be assessed itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import attrs

from govflow.scoring.codec import decode, kind
from govflow.scoring.conditions import Condition, Situation
from govflow.scoring.facts import Finding, Incident, IndicatorValue, Occurrence
from govflow.scoring.numbers import to_decimal


class Trigger:
    """Base of veto triggers: `matches` returns the ids of the facts that trigger it."""

    def matches(
        self,
        incidents: Iterable[Incident],
        findings: Iterable[Finding],
        *,
        occurrences: Iterable[Occurrence] = (),
        values: Iterable[IndicatorValue] = (),
    ) -> tuple[str, ...]:
        """Fact ids that trigger, empty when none (all of one subject's facts are passed)."""
        raise NotImplementedError

    def reads(self) -> tuple[str, str]:
        """("incident" | "finding" | "occurrence" | "value", name) — what validation accepts."""
        raise NotImplementedError


@kind("incident_at_least")
@attrs.frozen
class IncidentAtLeast(Trigger):
    """One incident of ``category`` reaching every given threshold, each **inclusive** as the
    documents say (「1起1人以上(含1人)死亡」: deaths ≥ 1; 「3人以上(含3人)10人以下重伤」:
    3 ≤ serious injuries ≤ 10). Counts are per incident (「1起」), not summed over the year."""

    category: str
    deaths: int | None = None
    serious_injuries: int | None = None
    serious_injuries_max: int | None = None
    responsible_only: bool = True

    def matches(
        self,
        incidents: Iterable[Incident],
        findings: Iterable[Finding],
        *,
        occurrences: Iterable[Occurrence] = (),
        values: Iterable[IndicatorValue] = (),
    ) -> tuple[str, ...]:
        """Ids of the incidents that reach the thresholds."""
        hits = []
        for inc in incidents:
            if inc.category != self.category or (self.responsible_only and not inc.responsible):
                continue
            if self.deaths is not None and inc.deaths < self.deaths:
                continue
            if self.serious_injuries is not None and inc.serious_injuries < self.serious_injuries:
                continue
            if self.serious_injuries_max is not None and inc.serious_injuries > self.serious_injuries_max:
                continue
            hits.append(inc.id)
        return tuple(sorted(hits))

    def reads(self) -> tuple[str, str]:
        """Incidents of the category."""
        return "incident", self.category


@kind("finding_of")
@attrs.frozen
class FindingOf(Trigger):
    """A finding of ``category`` recorded against the subject (「社会治安…不达标」, 黄牌警告)."""

    category: str

    def matches(
        self,
        incidents: Iterable[Incident],
        findings: Iterable[Finding],
        *,
        occurrences: Iterable[Occurrence] = (),
        values: Iterable[IndicatorValue] = (),
    ) -> tuple[str, ...]:
        """Ids of the findings of the category."""
        return tuple(sorted(f.id for f in findings if f.category == self.category))

    def reads(self) -> tuple[str, str]:
        """Findings of the category."""
        return "finding", self.category


@kind("occurrence_of")
@attrs.frozen
class OccurrenceOf(Trigger):
    """An occurrence recorded under deduction item ``item`` (optionally only a given
    ``authority`` / ``severity`` row): one record both deducts and vetoes (e.g. a superior's
    conclusion on a 重大恶性事件 forfeits an item and bars 先进), entered once."""

    item: str
    authority: str = ""
    severity: str = ""

    def matches(
        self,
        incidents: Iterable[Incident],
        findings: Iterable[Finding],
        *,
        occurrences: Iterable[Occurrence] = (),
        values: Iterable[IndicatorValue] = (),
    ) -> tuple[str, ...]:
        """Ids of the matching occurrences (a count of 0 does not trigger)."""
        return tuple(
            sorted(
                o.id
                for o in occurrences
                if o.item == self.item
                and o.count > 0
                and (not self.authority or o.authority == self.authority)
                and (not self.severity or o.severity == self.severity)
            )
        )

    def reads(self) -> tuple[str, str]:
        """Occurrences of the item."""
        return "occurrence", self.item


@kind("value_below")
@attrs.frozen
class ValueBelow(Trigger, Condition):
    """An indicator's recorded value below ``value`` (``inclusive``: at or below), e.g.
    「满意率达不到60%」 — read from the value the scoring rule already uses, not re-entered.
    Both a veto trigger and a condition (for gates and consequences)."""

    indicator: str
    value: Decimal = attrs.field(converter=to_decimal)
    inclusive: bool = False
    period: str = ""

    def below(self, recorded: Decimal) -> bool:
        """Whether `recorded` is below the threshold."""
        return recorded <= self.value if self.inclusive else recorded < self.value

    def matches(
        self,
        incidents: Iterable[Incident],
        findings: Iterable[Finding],
        *,
        occurrences: Iterable[Occurrence] = (),
        values: Iterable[IndicatorValue] = (),
    ) -> tuple[str, ...]:
        """Ids of the values below the threshold (a missing value does not trigger)."""
        return tuple(
            sorted(
                v.ref
                for v in values
                if v.indicator == self.indicator and v.period == self.period and self.below(v.value)
            )
        )

    def reads(self) -> tuple[str, str]:
        """Values of the indicator."""
        return "value", self.indicator

    def holds(self, situation: Situation) -> tuple[bool, str]:
        """True when the subject's recorded value is below the threshold (missing: false)."""
        recorded = situation.values.get((self.indicator, self.period))
        if recorded is None:
            return False, f"{self.indicator} not recorded"
        ok = self.below(recorded)
        sign = "≤" if self.inclusive else "<"
        return ok, f"{self.indicator} {recorded} {sign if ok else 'not ' + sign} {self.value}"


EFFECTS = ("fail", "forbid_grades", "no_honours", "unranked")
"""What a veto does (per scheme): ``fail`` — the result fails (the cohort's lowest grade);
``forbid_grades`` — the listed grades are out of reach, the next one down is given
(「不予评定优秀等次」); ``no_honours`` — excluded from every quota and award (评优创先);
``unranked`` — removed from the ranking pool (no rank, no place-based consequence)."""

PROPAGATION = ("leader", "managers", "cause")
"""Whom a unit's veto also reaches: its main leader (主要负责人), its named managers, and —
for a veto of a parent body — the units under it that the triggering finding names as its cause
(``Finding.caused_by``), with the veto's ``cause_effects`` / ``cause_forbid``."""


def _triggers(value: Iterable[Any]) -> tuple[Trigger, ...]:
    out = []
    for item in value:
        built = decode(item) if isinstance(item, Mapping) else item
        if not isinstance(built, Trigger):
            raise TypeError(f"expected a veto trigger, got {type(built).__name__}")
        out.append(built)
    return tuple(out)


def _strs(value: str | Iterable[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


@kind("veto")
@attrs.frozen
class Veto:
    """A veto rule: any of ``triggers`` flags the subject with ``category`` and ``effects``.

    ``forbid`` lists the grades `forbid_grades` removes; ``cohorts`` limits the rule to some
    cohorts (empty: all). ``propagate`` names who else is flagged (`PROPAGATION`), with
    ``person_effects`` (normally ``no_honours``: 「单位及其主要负责人不参加年度任何评优创先」).
    """

    key: str
    category: str
    label: str
    triggers: tuple[Trigger, ...] = attrs.field(converter=_triggers)
    effects: tuple[str, ...] = attrs.field(converter=_strs)
    forbid: tuple[str, ...] = attrs.field(default=(), converter=_strs)
    cohorts: tuple[str, ...] = attrs.field(default=(), converter=_strs)
    propagate: tuple[str, ...] = attrs.field(default=(), converter=_strs)
    person_effects: tuple[str, ...] = attrs.field(default=("no_honours",), converter=_strs)
    source: str = ""
    cause_effects: tuple[str, ...] = attrs.field(default=(), converter=_strs)
    """With ``propagate`` "cause": the effects on a unit that caused its parent body's veto."""
    cause_forbid: tuple[str, ...] = attrs.field(default=(), converter=_strs)
    """The grades ``cause_effects``' ``forbid_grades`` removes from that unit (优秀)."""

    def problems(self, where: str) -> list[str]:
        """Unknown effects or propagation, forbid without grades, no triggers."""
        here = f"{where}: veto {self.key}"
        found = [f"{here}: needs at least one trigger"] if not self.triggers else []
        found += [
            f"{here}: unknown effect {e!r} (known: {', '.join(EFFECTS)})" for e in self.effects if e not in EFFECTS
        ]
        found += [
            f"{here}: unknown person effect {e!r}" for e in self.person_effects if e not in ("no_honours", "unranked")
        ]
        found += [
            f"{here}: unknown propagation {p!r} (known: {', '.join(PROPAGATION)})"
            for p in self.propagate
            if p not in PROPAGATION
        ]
        found += [
            f"{here}: unknown cause effect {e!r} (known: {', '.join(EFFECTS)})"
            for e in self.cause_effects
            if e not in EFFECTS
        ]
        if "cause" in self.propagate and not self.cause_effects:
            found.append(f"{here}: propagate 'cause' needs cause_effects")
        if self.cause_effects and "cause" not in self.propagate:
            found.append(f"{here}: cause_effects given but propagate lacks 'cause'")
        if ("forbid_grades" in self.cause_effects) != bool(self.cause_forbid):
            found.append(f"{here}: cause_effects forbid_grades and cause_forbid go together")
        if "forbid_grades" in self.effects and not self.forbid:
            found.append(f"{here}: forbid_grades needs the grades it forbids")
        if self.forbid and "forbid_grades" not in self.effects:
            found.append(f"{here}: forbid lists grades but effects lack forbid_grades")
        return found


@kind("flag")
@attrs.frozen
class Flag:
    """A veto or disqualification on one unit or person (否决标记), as the result reports it."""

    category: str
    veto: str
    holder: str
    scope: str
    effects: tuple[str, ...] = attrs.field(converter=_strs)
    forbid: tuple[str, ...] = attrs.field(default=(), converter=_strs)
    facts: tuple[str, ...] = attrs.field(default=(), converter=_strs)
    via: str = ""
    """For a propagated flag: the unit it came from and how (``unit:X → leader``)."""
    source: str = ""

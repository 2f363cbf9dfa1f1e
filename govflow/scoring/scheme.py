"""Schemes (考核方案): one year's assessment rulebook as immutable, versioned, validated data.

A `Scheme` holds its cohorts (乡镇 / 部门 / 古城; 一档 / 二档 — each with its own indicator tree,
bands, gates, quotas, consequences and ranking pool) and its vetoes. Building one checks it
and raises `DefinitionError` listing every problem (weights that do not add up, a band gap,
an unknown policy, a quota naming a grade the cohort lacks), so a broken scheme never scores
anyone. ``to_json`` / ``from_json`` round-trip exactly (points as decimal strings).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

from govflow.errors import DefinitionError
from govflow.scoring.codec import decode, encode, kind
from govflow.scoring.consequences import Budget, Consequence, Ledger, Reward, budget_total
from govflow.scoring.grading import FALL_THROUGH, Bands, Gate, Rounding
from govflow.scoring.numbers import text
from govflow.scoring.quotas import LAST_RESORT, Quota, TieBreak
from govflow.scoring.rules import Bonuses, Rule, _rule
from govflow.scoring.vetoes import Veto


def _build(cls: type[Any], value: Any) -> Any:
    if isinstance(value, Mapping):
        return cls(**{k: v for k, v in value.items() if k != "kind"})
    return value


def _bands(value: Any) -> Bands:
    built: Bands = _build(Bands, value)
    return built


def _rounding(value: Any) -> Rounding | None:
    return None if value is None else _build(Rounding, value)


def _tie(value: Any) -> TieBreak:
    built: TieBreak = _build(TieBreak, value)
    return built


def _budget(value: Any) -> Budget | None:
    return None if value is None else _build(Budget, value)


def _seq(value: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(decode(v) if isinstance(v, Mapping) else v for v in value)


def _gates(value: Iterable[Any]) -> tuple[Gate, ...]:
    return _seq(value)


def _quotas(value: Iterable[Any]) -> tuple[Quota, ...]:
    return _seq(value)


def _consequences(value: Iterable[Any]) -> tuple[Consequence, ...]:
    return _seq(value)


def _ledgers(value: Iterable[Any]) -> tuple[Ledger, ...]:
    return _seq(value)


def _rewards(value: Iterable[Any]) -> tuple[Reward, ...]:
    return _seq(value)


def _vetoes(value: Iterable[Any]) -> tuple[Veto, ...]:
    return _seq(value)


def _strs(value: str | Iterable[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


@kind("cohort")
@attrs.frozen
class Cohort:
    """One class of subjects with its own rules and ranking pool (考核类别 / 档 / 轨).

    ``grades`` lists every grade best first — the bands' grades plus any a quota confers
    (先进 above the 合格 band); gates fall through along it. ``root`` is the indicator tree;
    ``rounding`` applies to its total before banding.
    """

    name: str
    label: str
    root: Rule = attrs.field(converter=_rule)
    bands: Bands = attrs.field(converter=_bands)
    grades: tuple[str, ...] = attrs.field(default=(), converter=_strs)
    rounding: Rounding | None = attrs.field(default=None, converter=_rounding)
    gates: tuple[Gate, ...] = attrs.field(default=(), converter=_gates)
    quotas: tuple[Quota, ...] = attrs.field(default=(), converter=_quotas)
    tie_break: TieBreak = attrs.field(factory=TieBreak, converter=_tie)
    consequences: tuple[Consequence, ...] = attrs.field(default=(), converter=_consequences)
    ledgers: tuple[Ledger, ...] = attrs.field(default=(), converter=_ledgers)
    rewards: tuple[Reward, ...] = attrs.field(default=(), converter=_rewards)
    budget: Budget | None = attrs.field(default=None, converter=_budget)
    source: str = ""

    @property
    def order(self) -> tuple[str, ...]:
        """Grades best first (``grades`` or, when not given, the bands' grades)."""
        return self.grades or self.bands.grades

    @property
    def lowest(self) -> str:
        """The failing grade a ``fail`` veto gives (the last in `order`)."""
        return self.order[-1]

    def rules(self) -> Iterator[tuple[str, Rule]]:
        """(path, rule) for every rule of the tree."""
        return self.root.walk()

    def problems(self) -> list[str]:
        """Everything wrong with the cohort (see `Scheme`)."""
        where = f"cohort {self.name}"
        found = [f"{where}: {p}" for p in self.root.problems("")]
        places = self.rounding.places if self.rounding is not None else None
        if self.rounding is not None:
            found += self.rounding.problems(where)
        found += self.bands.problems(where, places)
        if not self.bands.bands:
            found.append(f"{where}: needs at least one band")
        order = self.order
        missing = [g for g in self.bands.grades if g not in order]
        if missing:
            found.append(f"{where}: band grades {', '.join(missing)} are missing from grades")
        paths = [p for p, _ in self.rules()]
        keys = [p.rsplit("/", 1)[-1] for p in paths]
        found += [f"{where}: rule key {k!r} used twice" for k in sorted({k for k in keys if keys.count(k) > 1})]
        for gate in self.gates:
            if gate.grade not in order:
                found.append(f"{where}: gate on unknown grade {gate.grade!r}")
            if gate.fall_through not in FALL_THROUGH and gate.fall_through not in order:
                found.append(f"{where}: gate {gate.grade} falls through to unknown {gate.fall_through!r}")
        for quota in self.quotas:
            found += quota.problems(where)
            if quota.grade and quota.grade not in order:
                found.append(f"{where}: quota {quota.title} confers unknown grade {quota.grade!r}")
            found += [
                f"{where}: quota {quota.title}: unknown eligible grade {g!r}"
                for g in quota.eligible_grades
                if g not in order
            ]
        titles = [q.title for q in self.quotas]
        found += [f"{where}: quota title {t!r} used twice" for t in sorted({t for t in titles if titles.count(t) > 1})]
        if self.tie_break.last not in LAST_RESORT:
            found.append(f"{where}: tie_break.last {self.tie_break.last!r} is not one of {', '.join(LAST_RESORT)}")
        found += [
            f"{where}: tie-break rule {r!r} is not in the tree" for r in self.tie_break.by if not self._has_rule(r)
        ]
        for ledger in self.ledgers:
            if not self._has_rule(ledger.rule):
                found.append(f"{where}: ledger {ledger.key} reads unknown rule {ledger.rule!r}")
        for reward in self.rewards:
            if reward.title not in titles:
                found.append(f"{where}: reward {reward.key} is for unknown quota {reward.title!r}")
        if self.budget is not None:
            counts = {q.title: q.count_max or 0 for q in self.quotas}
            paid = budget_total(self.rewards, counts)
            if paid != self.budget.total:
                parts = " + ".join(f"{text(r.amount)} × {counts.get(r.title, 0)}" for r in self.rewards)
                found.append(f"{where}: budget {text(self.budget.total)} ≠ rewards {parts} = {text(paid)}")
        return found

    def _has_rule(self, name: str) -> bool:
        return any(p == name or p.endswith("/" + name) for p, _ in self.rules())

    def rule(self, name: str) -> Rule | None:
        """The rule with key or path `name`."""
        for path, rule in self.rules():
            if path == name or path.endswith("/" + name):
                return rule
        return None

    def bonus_rules(self) -> Iterator[Bonuses]:
        """Every bonus rule of the tree."""
        for _, rule in self.rules():
            if isinstance(rule, Bonuses):
                yield rule


def _cohorts(value: Iterable[Any]) -> tuple[Cohort, ...]:
    return tuple(_build(Cohort, v) for v in value)


@kind("scheme")
@attrs.frozen
class Scheme:
    """An assessment scheme (考核方案) as data: name and version, the cohorts, the vetoes.

    ``source`` names the seed document; every rule carries its own line citation. ``notes``
    records the readings chosen where the document is silent (each also a named constant in
    the scheme's module).
    """

    name: str
    version: int
    title: str
    cohorts: tuple[Cohort, ...] = attrs.field(converter=_cohorts)
    vetoes: tuple[Veto, ...] = attrs.field(default=(), converter=_vetoes)
    source: str = ""
    notes: tuple[str, ...] = attrs.field(default=(), converter=_strs)

    def __attrs_post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise DefinitionError(f"{self.name} v{self.version}", problems, kind="scheme")

    def problems(self) -> list[str]:
        """Every structural problem (the constructor raises if there is any)."""
        found: list[str] = []
        if not self.name:
            found.append("a scheme needs a name")
        if self.version < 1:
            found.append(f"version {self.version} must be ≥ 1")
        if not self.cohorts:
            found.append("a scheme needs at least one cohort")
        names = [c.name for c in self.cohorts]
        found += [f"cohort {n!r} defined twice" for n in sorted({n for n in names if names.count(n) > 1})]
        for cohort in self.cohorts:
            found += cohort.problems()
        keys = [v.key for v in self.vetoes]
        found += [f"veto {k!r} defined twice" for k in sorted({k for k in keys if keys.count(k) > 1})]
        for veto in self.vetoes:
            found += veto.problems("scheme")
            found += [f"veto {veto.key}: unknown cohort {c!r}" for c in veto.cohorts if c not in names]
            for cohort in self.cohorts:
                if veto.cohorts and cohort.name not in veto.cohorts:
                    continue
                found += [
                    f"veto {veto.key}: forbids grade {g!r} unknown in cohort {cohort.name}"
                    for g in (*veto.forbid, *veto.cause_forbid)
                    if g not in cohort.order
                ]
        return found

    @property
    def key(self) -> tuple[str, int]:
        """(name, version)."""
        return self.name, self.version

    def cohort(self, name: str) -> Cohort | None:
        """The cohort called `name`, or None."""
        return next((c for c in self.cohorts if c.name == name), None)

    def vetoes_for(self, cohort: str) -> tuple[Veto, ...]:
        """The vetoes that apply to `cohort`."""
        return tuple(v for v in self.vetoes if not v.cohorts or cohort in v.cohorts)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict; `from_json` rebuilds an equal scheme."""
        doc: dict[str, Any] = encode(self)
        return doc

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Scheme:
        """Rebuild (and re-validate) a scheme from `to_json` output."""
        built = decode(dict(doc), where=str(doc.get("name", "scheme")))
        if not isinstance(built, Scheme):
            raise DefinitionError(str(doc.get("name", "<json>")), ["not a scheme document"], kind="scheme")
        return built

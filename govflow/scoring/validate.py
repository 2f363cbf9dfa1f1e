"""Checking facts against a scheme (事实校验) before anything is scored.

Why first and whole: a fact for an unknown subject or indicator, a rating outside the scale, a
negative count, evidence dated outside the period, or a deduction without its reason is a
mistake in the input; scoring around it would publish a wrong result. `problems` lists every
fault, naming the item; `evaluate` raises `InvalidFacts` with all of them and scores nothing.
"""

from __future__ import annotations

import weakref
from collections import Counter
from collections.abc import Iterable

import attrs

from govflow.scoring.conditions import NoFinding, SubGradeIn
from govflow.scoring.facts import Facts
from govflow.scoring.numbers import text
from govflow.scoring.rules import Bonuses, Deductions, Direct, GradeMap, Proportional, Rated, Rule
from govflow.scoring.scheme import Cohort, Scheme
from govflow.scoring.vetoes import ValueBelow


def _repeated(ids: Iterable[str]) -> list[str]:
    counts = Counter(ids)
    return sorted(i for i, n in counts.items() if n > 1)


def _rules_by_key(cohort: Cohort) -> dict[str, Rule]:
    return {path.rsplit("/", 1)[-1]: rule for path, rule in cohort.rules()}


@attrs.frozen
class _Plan:
    """What validation reads from a scheme, derived once per scheme object (a scheme is
    immutable, so the tables never go stale): rules by key, indicator readers, the values
    vetoes and conditions test, the incident and finding categories read, evidence kinds."""

    rules: dict[str, dict[str, Rule]]
    readers_of: dict[str, dict[tuple[str, str], list[Rule]]]
    value_tests: dict[str, set[tuple[str, str]]]
    incident_kinds: frozenset[str]
    finding_kinds: frozenset[str]
    evidence_kinds: frozenset[str]


_PLANS: dict[int, tuple[weakref.ref[Scheme], _Plan]] = {}


def _plan(scheme: Scheme) -> _Plan:
    """The cached `_Plan` of `scheme` (keyed by identity, dropped when the scheme is)."""
    held = _PLANS.get(id(scheme))
    if held is not None and held[0]() is scheme:
        return held[1]
    built = _compile(scheme)
    key = id(scheme)
    _PLANS[key] = (weakref.ref(scheme, lambda _ref: _PLANS.pop(key, None)), built)
    return built


def _compile(scheme: Scheme) -> _Plan:
    rules = {c.name: _rules_by_key(c) for c in scheme.cohorts}
    readers_of: dict[str, dict[tuple[str, str], list[Rule]]] = {}
    for c in scheme.cohorts:
        table: dict[tuple[str, str], list[Rule]] = {}
        for rule in rules[c.name].values():
            for pair in rule.reads_indicators():
                table.setdefault(pair, []).append(rule)
        readers_of[c.name] = table
    value_tests: dict[str, set[tuple[str, str]]] = {}
    for c in scheme.cohorts:
        tests = {
            (t.indicator, t.period) for v in scheme.vetoes_for(c.name) for t in v.triggers if isinstance(t, ValueBelow)
        }
        for cond in [*(x for g in c.gates for x in g.requires), *(x for q in c.consequences for x in q.when)]:
            if isinstance(cond, ValueBelow):
                tests.add((cond.indicator, cond.period))
        value_tests[c.name] = tests
    incident_kinds = {t.reads()[1] for v in scheme.vetoes for t in v.triggers if t.reads()[0] == "incident"}
    finding_kinds = {t.reads()[1] for v in scheme.vetoes for t in v.triggers if t.reads()[0] == "finding"}
    for cohort in scheme.cohorts:
        for gate in cohort.gates:
            finding_kinds |= {c.category for c in gate.requires if isinstance(c, NoFinding)}
    kinds = {r.defer_unless for c in scheme.cohorts for r in c.bonus_rules() if r.defer_unless}
    return _Plan(rules, readers_of, value_tests, frozenset(incident_kinds), frozenset(finding_kinds), frozenset(kinds))


def problems(scheme: Scheme, facts: Facts) -> list[str]:
    """Every way `facts` do not fit `scheme` (empty when they fit)."""
    found: list[str] = []
    period = facts.period
    if period.end < period.start:
        found.append(f"period {period.label}: ends {period.end} before it starts {period.start}")
    subjects = {s.id: s for s in facts.subjects}
    found += [f"subject {i!r} listed twice" for i in _repeated(s.id for s in facts.subjects)]
    cohorts: dict[str, Cohort] = {}
    for subject in facts.subjects:
        cohort = scheme.cohort(subject.cohort)
        if cohort is None:
            known = ", ".join(c.name for c in scheme.cohorts)
            found.append(f"subject {subject.id!r}: unknown cohort {subject.cohort!r} (cohorts: {known})")
        else:
            cohorts[subject.id] = cohort
    plan = _plan(scheme)
    rules, readers_of, value_tests = plan.rules, plan.readers_of, plan.value_tests

    def where(subject: str, what: str) -> tuple[Cohort | None, str]:
        if subject not in subjects:
            found.append(f"{what}: unknown subject {subject!r}")
            return None, ""
        cohort = cohorts.get(subject)
        return cohort, (cohort.name if cohort else "")

    # indicator values
    seen: list[str] = []
    for fact in facts.values:
        what = f"value {fact.ref}"
        cohort, name = where(fact.subject, what)
        if cohort is None:
            continue
        seen.append(f"{fact.subject}|{fact.indicator}|{fact.period}")
        readers = readers_of[name].get((fact.indicator, fact.period), [])
        if not readers and (fact.indicator, fact.period) in value_tests[name]:
            continue
        if not readers:
            listed = sorted(
                {f"{i}{'@' + p if p else ''}" for r in rules[name].values() for i, p in r.reads_indicators()}
            )
            at = f" in period {fact.period!r}" if fact.period else ""
            found.append(
                f"{what}: unknown indicator {fact.indicator!r}{at} for cohort {name} "
                f"(known: {', '.join(listed) or 'none'})"
            )
            continue
        for reader in readers:
            if isinstance(reader, Direct) and not 0 <= fact.value <= reader.full:
                found.append(f"{what}: {text(fact.value)} outside 0…{text(reader.full)} of {reader.key}")
            if isinstance(reader, Proportional):
                target = reader.target_of(fact)
                if target is None:
                    found.append(f"{what}: no 标准值 (target) for {reader.key}")
                elif target <= 0:
                    found.append(f"{what}: target {text(target)} must be positive")
                if fact.value < 0:
                    found.append(f"{what}: negative value {text(fact.value)}")
    found += [f"value for {k.replace('|', ' / ')} given twice" for k in _repeated(seen)]

    # occurrences (deductions)
    ids = [o.id for o in facts.occurrences] + [c.id for c in facts.claims]
    ids += [i.id for i in facts.incidents] + [f.id for f in facts.findings]
    found += [f"fact id {i!r} used twice" for i in _repeated(ids)]
    for occ in facts.occurrences:
        what = f"occurrence {occ.id}"
        cohort, name = where(occ.subject, what)
        if cohort is None:
            continue
        deductions = rules[name].get(occ.item)
        if not isinstance(deductions, Deductions):
            found.append(f"{what}: unknown deduction item {occ.item!r} for cohort {name}")
            continue
        tier = next((t for t in deductions.tiers if t.authority == occ.authority and t.severity == occ.severity), None)
        if tier is None:
            rows = ", ".join(f"{t.authority}{'/' + t.severity if t.severity else ''}" for t in deductions.tiers)
            found.append(
                f"{what}: authority {occ.authority!r}{'/' + occ.severity if occ.severity else ''} "
                f"not in the table of {deductions.key} ({rows})"
            )
        elif occ.points is not None:
            if tier.max_points is None:
                found.append(f"{what}: points given but {deductions.key} fixes {text(tier.points)} per occurrence")
            elif not tier.points <= occ.points <= tier.max_points:
                found.append(f"{what}: {text(occ.points)} outside {text(tier.points)}…{text(tier.max_points)}")
        if occ.period != deductions.period:
            found.append(f"{what}: filed under period {occ.period!r} but {deductions.key} covers {deductions.period!r}")
        if occ.count < 0:
            found.append(f"{what}: negative occurrence count {occ.count}")
        if deductions.requires_reason and not occ.reason.strip():
            found.append(f"{what}: a deduction needs its reason (凡涉及扣分事项,均需说明理由) [{deductions.source}]")
        if deductions.requires_evidence and occ.evidence is None:
            found.append(f"{what}: a deduction under {deductions.key} needs its evidence document")
        if occ.date not in period:
            found.append(f"{what}: dated {occ.date} outside period {period.label} ({period.start}…{period.end})")
        if occ.evidence is not None and occ.evidence.date not in period:
            found.append(
                f"{what}: evidence {occ.evidence.number} dated {occ.evidence.date} outside period {period.label}"
            )
        if deductions.double_unrectified and occ.rectified is False and not occ.rectified_source:
            found.append(f"{what}: not rectified but no rectified_source cites the rectification record")

    # claims (bonuses)
    for claim in facts.claims:
        what = f"claim {claim.id}"
        cohort, name = where(claim.subject, what)
        if cohort is None:
            continue
        bonuses = rules[name].get(claim.item)
        if not isinstance(bonuses, Bonuses):
            found.append(f"{what}: unknown bonus item {claim.item!r} for cohort {name}")
            continue
        if all(t.authority != claim.authority for t in bonuses.tiers):
            found.append(
                f"{what}: authority {claim.authority!r} not in the table of {bonuses.key} "
                f"({', '.join(t.authority for t in bonuses.tiers)})"
            )
        if not claim.evidence.number.strip():
            found.append(f"{what}: evidence needs a document number (文号)")
        if bonuses.counting == "document_date" and claim.evidence.date not in period:
            found.append(
                f"{what}: evidence {claim.evidence.number} dated {claim.evidence.date} counts in another period than "
                f"{period.label} (the year an item counts in is its document's date)"
            )

    # ballots
    found += [f"ballots for {r} given twice" for r in _repeated(b.ref for b in facts.ballots)]
    for tally in facts.ballots:
        what = f"ballots {tally.ref}"
        cohort, name = where(tally.subject, what)
        if cohort is None:
            continue
        rated = rules[name].get(tally.item)
        if not isinstance(rated, Rated) or rated.period != tally.period:
            found.append(f"{what}: unknown rated item {tally.item!r} for cohort {name}")
            continue
        scale = {lv.name for lv in rated.scale}
        for level, n in tally.counts:
            if level not in scale:
                found.append(f"{what}: rating {level!r} outside the scale {'/'.join(lv.name for lv in rated.scale)}")
            if n < 0:
                found.append(f"{what}: negative count {n} for {level!r}")
        if rated.insufficient == "refuse" and 0 < tally.raters < rated.min_raters:
            found.append(f"{what}: {tally.raters} raters, fewer than the {rated.min_raters} required [{rated.source}]")

    # sub-assessment grades
    for sub in facts.sub_grades:
        what = f"grade {sub.ref}"
        cohort, name = where(sub.subject, what)
        if cohort is None:
            continue
        maps = [r for r in rules[name].values() if isinstance(r, GradeMap) and r.assessment == sub.assessment]
        gated = any(
            isinstance(c, SubGradeIn) and c.assessment == sub.assessment for g in cohort.gates for c in g.requires
        )
        if not maps and not gated:
            found.append(f"{what}: unknown assessment {sub.assessment!r} for cohort {name}")
        for rule in maps:
            if all(s.name != sub.grade for s in rule.shares):
                found.append(
                    f"{what}: grade {sub.grade!r} not in {rule.key} ({', '.join(s.name for s in rule.shares)})"
                )

    # incidents and findings
    incident_kinds, finding_kinds = plan.incident_kinds, plan.finding_kinds
    for inc in facts.incidents:
        what = f"incident {inc.id}"
        where(inc.subject, what)
        if inc.category not in incident_kinds:
            found.append(f"{what}: no veto reads incidents of category {inc.category!r}")
        if inc.deaths < 0 or inc.serious_injuries < 0:
            found.append(f"{what}: negative casualty count")
        if inc.date not in period:
            found.append(f"{what}: dated {inc.date} outside period {period.label}")
    bodies = {s.parent for s in facts.subjects if s.parent and s.parent not in subjects}
    for fnd in facts.findings:
        what = f"finding {fnd.id}"
        if fnd.subject not in bodies:  # a finding may be against a parent body not assessed itself
            where(fnd.subject, what)
        for unit in fnd.caused_by:
            if unit not in subjects or subjects[unit].parent != fnd.subject:
                found.append(f"{what}: caused_by {unit!r} is not an assessed unit under {fnd.subject!r}")
        if fnd.category not in finding_kinds:
            found.append(f"{what}: nothing in the scheme reads findings of category {fnd.category!r}")
        if fnd.date not in period:
            found.append(f"{what}: dated {fnd.date} outside period {period.label}")

    # evidence submissions
    kinds = plan.evidence_kinds
    for given in facts.submissions:
        what = f"submission {given.subject}/{given.evidence}"
        where(given.subject, what)
        if given.evidence not in kinds:
            found.append(f"{what}: no bonus rule waits for evidence {given.evidence!r}")
    return found

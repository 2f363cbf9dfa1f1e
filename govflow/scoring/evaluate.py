"""`evaluate` (评分): scheme + facts (+ past results) → an `Evaluation`, as a pure function.

Why pure: the same scheme and facts must give the same result on every machine, in any order
of facts and subjects, today and in the audit five years later. Nothing here reads storage or
the clock; the annual assessment workflow records the facts and publishes the result.

The steps, in order (each cited in the explanation or the result):

1. validate every fact (`govflow.scoring.validate`); any fault → `InvalidFacts`, nothing scored;
2. per cohort, decide bonus deferrals (one subject missing the evidence deadline carries the
   whole cohort's claims over, B2);
3. score each subject's indicator tree, round the total (named mode) — the explanation's
   leaves sum to it exactly;
4. raise veto flags from incidents and findings and propagate them to leaders and managers;
5. rank each cohort's pool (vetoed ``unranked`` subjects leave it) with the named tie-break;
6. grade: the band of the rounded total, then ``fail`` / ``forbid_grades`` vetoes, then gates
   falling through; then quotas in order (threshold, share rounding, count band, shortfall,
   boundary ties left out);
7. consequences (conditions on rank, score, grade and past grades), payouts, ledgers.
"""

from __future__ import annotations

import bisect
import decimal
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal

import attrs

from govflow.errors import InvalidFacts
from govflow.scoring.conditions import Situation, all_hold
from govflow.scoring.explain import Line, adjustment, group, materialize
from govflow.scoring.facts import Ballots, Claim, Facts, IndicatorValue, Occurrence, SubGrade, Subject
from govflow.scoring.grading import Gate
from govflow.scoring.numbers import ZERO, context, text
from govflow.scoring.quotas import Quota
from govflow.scoring.result import Deferral, Evaluation, LedgerEntry, Outcome, PastResult, Payout, SubjectResult
from govflow.scoring.rules import Deductions, SubjectFacts
from govflow.scoring.scheme import Cohort, Scheme
from govflow.scoring.validate import problems as fact_problems
from govflow.scoring.vetoes import Flag


def evaluate(scheme: Scheme, facts: Facts, *, history: Iterable[PastResult] = ()) -> Evaluation:
    """Score every subject of `facts` under `scheme`; `history` holds published results of
    earlier periods (for 「连续两年」 triggers). Raises `InvalidFacts` listing every fault."""
    faults = fact_problems(scheme, facts)
    if faults:
        raise InvalidFacts(f"{scheme.name} v{scheme.version}", faults)
    with decimal.localcontext(context()):
        return _evaluate(scheme, facts, tuple(history))


def _index(facts: Facts) -> dict[str, SubjectFacts]:
    values: dict[str, dict[tuple[str, str], IndicatorValue]] = defaultdict(dict)
    for v in facts.values:
        values[v.subject][(v.indicator, v.period)] = v
    occurrences: dict[str, dict[str, list[Occurrence]]] = defaultdict(lambda: defaultdict(list))
    for o in sorted(facts.occurrences, key=lambda o: o.id):
        occurrences[o.subject][o.item].append(o)
    claims: dict[str, dict[str, list[Claim]]] = defaultdict(lambda: defaultdict(list))
    for c in sorted(facts.claims, key=lambda c: c.id):
        claims[c.subject][c.item].append(c)
    ballots: dict[str, dict[tuple[str, str], Ballots]] = defaultdict(dict)
    for b in facts.ballots:
        ballots[b.subject][(b.item, b.period)] = b
    grades: dict[str, dict[str, SubGrade]] = defaultdict(dict)
    for g in facts.sub_grades:
        grades[g.subject][g.assessment] = g
    return {
        s.id: SubjectFacts(
            subject=s,
            values=values[s.id],
            occurrences={k: tuple(v) for k, v in occurrences[s.id].items()},
            claims={k: tuple(v) for k, v in claims[s.id].items()},
            ballots=ballots[s.id],
            sub_grades=grades[s.id],
        )
        for s in facts.subjects
    }


def _deferrals(cohort: Cohort, members: Sequence[Subject], facts: Facts) -> list[Deferral]:
    out = []
    for rule in cohort.bonus_rules():
        if not rule.defer_unless:
            continue
        on_time = {s.subject for s in facts.submissions if s.evidence == rule.defer_unless and s.on_time}
        missing = sorted(m.id for m in members if m.id not in on_time)
        ids = {m.id for m in members}
        claims = sorted(c.id for c in facts.claims if c.subject in ids and c.item == rule.key)
        if missing and claims:
            out.append(Deferral(cohort.name, rule.key, missing, claims, source=rule.source))
    return out


def _score(cohort: Cohort, sf: SubjectFacts) -> Line:
    root = cohort.root.node(sf, "")
    lines = [root]
    if cohort.rounding is not None:
        rounded = cohort.rounding.apply(root.points)
        if rounded != root.points:
            lines.append(
                adjustment(
                    cohort.name,
                    "rounding",
                    f"精确到小数点后{cohort.rounding.places}位 ({cohort.rounding.mode})",
                    rounded - root.points,
                    source=cohort.rounding.source,
                )
            )
    return materialize(group(cohort.name, "total", f"{cohort.label} 综合得分", lines, source=cohort.source))


def _flags(scheme: Scheme, facts: Facts) -> tuple[dict[str, list[Flag]], list[Flag]]:
    """Flags per holder (unit or person id), and every person flag (for the evaluation)."""
    incidents = defaultdict(list)
    for inc in facts.incidents:
        incidents[inc.subject].append(inc)
    findings = defaultdict(list)
    for fnd in facts.findings:
        findings[fnd.subject].append(fnd)
    occurrences = defaultdict(list)
    for occ in facts.occurrences:
        occurrences[occ.subject].append(occ)
    values = defaultdict(list)
    for val in facts.values:
        values[val.subject].append(val)
    held: dict[str, list[Flag]] = defaultdict(list)
    people: list[Flag] = []
    assessed = {s.id for s in facts.subjects}
    cohorts_under: dict[str, set[str]] = defaultdict(set)
    for s in facts.subjects:
        if s.parent and s.parent not in assessed:
            cohorts_under[s.parent].add(s.cohort)
    bodies = [Subject(body, "") for body in sorted(cohorts_under) if findings[body]]
    for subject in sorted(facts.subjects, key=lambda s: s.id) + bodies:
        if subject.id in assessed:
            vetoes = scheme.vetoes_for(subject.cohort)
        else:  # a parent body that is not assessed: the vetoes of the cohorts under it
            vetoes = tuple(v for v in scheme.vetoes if not v.cohorts or cohorts_under[subject.id] & set(v.cohorts))
        for veto in vetoes:
            hits = sorted(
                {
                    i
                    for t in veto.triggers
                    for i in t.matches(
                        incidents[subject.id],
                        findings[subject.id],
                        occurrences=occurrences[subject.id],
                        values=values[subject.id],
                    )
                }
            )
            if not hits:
                continue
            flag = Flag(
                veto.category, veto.key, subject.id, "unit", veto.effects, veto.forbid, hits, source=veto.source
            )
            held[subject.id].append(flag)
            if "cause" in veto.propagate:
                named = {hit: f.caused_by for f in findings[subject.id] for hit in hits if f.id == hit}
                for unit in sorted({u for units in named.values() for u in units}):
                    why = tuple(sorted(h for h, units in named.items() if unit in units))
                    held[unit].append(
                        Flag(
                            veto.category,
                            veto.key,
                            unit,
                            "unit",
                            veto.cause_effects,
                            veto.cause_forbid,
                            why,
                            via=f"{subject.id} → cause",
                            source=veto.source,
                        )
                    )
            reach: list[tuple[str, str]] = []
            if "leader" in veto.propagate and subject.leader:
                reach.append((subject.leader, "leader"))
            if "managers" in veto.propagate:
                reach.extend((m, "managers") for m in subject.managers)
            for person, how in reach:
                pflag = Flag(
                    veto.category,
                    veto.key,
                    person,
                    "person",
                    veto.person_effects,
                    (),
                    hits,
                    via=f"{subject.id} → {how}",
                    source=veto.source,
                )
                held[person].append(pflag)
                people.append(pflag)
    return held, people


def _sort_key(cohort: Cohort, total: Decimal, line: Line, subject: str) -> tuple[object, ...]:
    key: list[object] = [-total]
    for rule in cohort.tie_break.by:
        found = line.find(rule)
        key.append(-(found.points if found is not None else ZERO))
    if cohort.tie_break.last == "subject_id":
        key.append(subject)
    return tuple(key)


def _down(cohort: Cohort, grade: str) -> str:
    order = cohort.order
    i = order.index(grade)
    return order[min(i + 1, len(order) - 1)]


def _gate_for(cohort: Cohort, grade: str) -> Gate | None:
    return next((g for g in cohort.gates if g.grade == grade), None)


def _past(mine_unsorted: Sequence[PastResult], start: date) -> tuple[str, ...]:
    """Grades of the consecutive periods right before `start`, most recent first."""
    mine = sorted(mine_unsorted, key=lambda p: p.end, reverse=True)
    grades: list[str] = []
    expect = start
    for past in mine:
        if past.end + timedelta(days=1) != expect:
            break
        grades.append(past.grade)
        expect = past.start
    return tuple(grades)


def _evaluate(scheme: Scheme, facts: Facts, history: tuple[PastResult, ...]) -> Evaluation:
    index = _index(facts)
    held, people = _flags(scheme, facts)
    findings: dict[str, set[str]] = defaultdict(set)
    for fnd in facts.findings:
        findings[fnd.subject].add(fnd.category)
    by_subject: dict[str, list[PastResult]] = defaultdict(list)
    for past_result in history:
        by_subject[past_result.subject].append(past_result)
    results: list[SubjectResult] = []
    deferrals: list[Deferral] = []
    for cohort in scheme.cohorts:
        members = sorted((s for s in facts.subjects if s.cohort == cohort.name), key=lambda s: s.id)
        if not members:
            continue
        deferred = _deferrals(cohort, members, facts)
        deferrals += deferred
        deferred_rules = frozenset(d.rule for d in deferred)
        lines: dict[str, Line] = {}
        for m in members:
            sf = index[m.id]
            if deferred_rules:
                sf = SubjectFacts(
                    m, sf.values, sf.occurrences, sf.claims, sf.ballots, sf.sub_grades, deferred=deferred_rules
                )
            lines[m.id] = _score(cohort, sf)
        totals = {m.id: lines[m.id].points for m in members}
        flags = {m.id: tuple(held.get(m.id, ())) for m in members}
        effects = {m.id: {e for f in flags[m.id] for e in f.effects} for m in members}

        # ranking pool
        pool = [m.id for m in members if "unranked" not in effects[m.id]]
        keys = {sid: _sort_key(cohort, totals[sid], lines[sid], sid) for sid in pool}
        ordered = sorted(keys.values())
        ranks = {sid: 1 + bisect.bisect_left(ordered, keys[sid]) for sid in pool}
        below = {sid: len(ordered) - bisect.bisect_right(ordered, keys[sid]) for sid in pool}

        # grades: band, vetoes, gates
        sub_grades = {m.id: {a: g.grade for a, g in index[m.id].sub_grades.items()} for m in members}

        past = {m.id: _past(by_subject.get(m.id, ()), facts.period.start) for m in members}
        recorded = {m.id: {k: v.value for k, v in index[m.id].values.items()} for m in members}
        situation = _Situations(totals, flags, findings, sub_grades, below, past, recorded)

        forbidden: dict[str, set[str]] = {}
        band: dict[str, str] = {}
        grade: dict[str, str] = {}
        gate_notes: dict[str, list[Outcome]] = defaultdict(list)
        for m in members:
            sid = m.id
            band[sid] = cohort.bands.grade_for(totals[sid])
            banned = {g for f in flags[sid] for g in f.forbid}
            if "fail" in effects[sid]:
                banned |= set(cohort.order[:-1])
            forbidden[sid] = banned
            grade[sid] = _settle(cohort, band[sid], banned, _asker(situation, sid), gate_notes[sid])

        # quotas
        awards: dict[str, list[str]] = defaultdict(list)
        taken: set[str] = set()
        for quota in cohort.quotas:
            winners = _fill(quota, cohort, members, totals, keys, effects, forbidden, grade, taken, situation)
            for sid in winners:
                awards[sid].append(quota.title)
                taken.add(sid)
                if quota.grade:
                    grade[sid] = quota.grade

        # consequences, payouts, ledgers
        for m in members:
            sid = m.id
            here = situation(sid, grade[sid])
            outcomes = []
            for cons in cohort.consequences:
                ok, reasons = all_hold(cons.when, here)
                if ok:
                    outcomes.append(Outcome(cons.key, cons.label, reasons, cons.actions, cons.source))
            payouts = [
                Payout(r.key, r.title, r.amount, r.source)
                for title in awards[sid]
                for r in cohort.rewards
                if r.title == title
            ]
            ledger = []
            for led in cohort.ledgers:
                line = lines[sid].find(led.rule)
                rule = cohort.rule(led.rule)
                if line is None or not m.leader:
                    continue
                base = rule.base if isinstance(rule, Deductions) else ZERO
                deducted = base - line.points
                if deducted > 0:
                    ledger.append(LedgerEntry(m.leader, sid, led.key, led.share * deducted, led.source))
            results.append(
                SubjectResult(
                    subject=sid,
                    cohort=cohort.name,
                    total=totals[sid],
                    grade=grade[sid],
                    band_grade=band[sid],
                    rank=ranks.get(sid),
                    explanation=lines[sid],
                    awards=tuple(awards[sid]),
                    flags=flags[sid],
                    gates=tuple(gate_notes[sid]),
                    consequences=tuple(outcomes),
                    payouts=tuple(payouts),
                    ledger=tuple(ledger),
                )
            )
    order = {c.name: i for i, c in enumerate(scheme.cohorts)}
    results.sort(key=lambda r: (order[r.cohort], r.rank is None, r.rank or 0, r.subject))
    people.sort(key=lambda f: (f.holder, f.veto, f.via))
    return Evaluation(scheme.name, scheme.version, facts.period, tuple(results), tuple(people), tuple(deferrals))


@attrs.frozen
class _Situations:
    """Builds the `Situation` of one subject of a cohort for a candidate grade."""

    totals: Mapping[str, Decimal]
    flags: Mapping[str, tuple[Flag, ...]]
    findings: Mapping[str, set[str]]
    sub_grades: Mapping[str, Mapping[str, str]]
    below: Mapping[str, int]
    past: Mapping[str, tuple[str, ...]]
    values: Mapping[str, Mapping[tuple[str, str], Decimal]]

    def __call__(self, sid: str, grade: str) -> Situation:
        return Situation(
            subject=sid,
            total=self.totals[sid],
            grade=grade,
            flags=frozenset(f.category for f in self.flags[sid]),
            findings=frozenset(self.findings.get(sid, ())),
            sub_grades=self.sub_grades[sid],
            from_bottom=self.below.get(sid),
            past_grades=self.past.get(sid, ()),
            values=self.values.get(sid, {}),
        )


Asker = Callable[[str], Situation]


def _asker(situation: Callable[[str, str], Situation], sid: str) -> Asker:
    return lambda grade: situation(sid, grade)


def _settle(cohort: Cohort, start: str, banned: set[str], ask: Asker, notes: list[Outcome]) -> str:
    """The grade after vetoes and gates: walk down from `start` until a grade is allowed and its
    gate (if any) holds; the lowest grade is always allowed."""
    current = start
    order = cohort.order
    while True:
        if current == order[-1]:
            return current
        if current in banned:
            notes.append(Outcome(f"veto:{current}", f"{current} forbidden by a veto", (f"{current} not allowed",)))
            current = _down(cohort, current)
            continue
        gate = _gate_for(cohort, current)
        if gate is None:
            return current
        ok, reasons = all_hold(gate.requires, ask(current))
        if ok:
            return current
        notes.append(Outcome(f"gate:{gate.grade}", f"{gate.grade} 条件不符 gate failed", reasons, source=gate.source))
        current = _down(cohort, current) if gate.fall_through == "next_band_down" else gate.fall_through


def _fill(
    quota: Quota,
    cohort: Cohort,
    members: Sequence[Subject],
    totals: dict[str, Decimal],
    keys: dict[str, tuple[object, ...]],
    effects: dict[str, set[str]],
    forbidden: dict[str, set[str]],
    grade: dict[str, str],
    taken: set[str],
    situation: Callable[[str, str], Situation],
) -> list[str]:
    """Who gets the quota: qualifiers in rank order, cut at the count, boundary ties left out."""
    n = quota.count(len(members))
    candidates = []
    for m in members:
        sid = m.id
        if sid in taken or sid not in keys or "no_honours" in effects[sid]:
            continue
        if quota.grade and quota.grade in forbidden[sid]:
            continue
        if quota.eligible_grades and grade[sid] not in quota.eligible_grades:
            continue
        if not quota.qualifies(totals[sid]):
            continue
        gate = _gate_for(cohort, quota.grade) if quota.grade else None
        if gate is not None and not all_hold(gate.requires, situation(sid, quota.grade))[0]:
            continue
        candidates.append(sid)
    candidates.sort(key=lambda sid: keys[sid])
    chosen = candidates[:n]
    if len(candidates) > n and n > 0 and keys[candidates[n - 1]] == keys[candidates[n]]:
        boundary = keys[candidates[n]]
        chosen = [sid for sid in chosen if keys[sid] != boundary]
    if quota.count_min is not None and len(chosen) < quota.count_min and quota.shortfall == "award_none":
        return []
    return chosen


__all__ = ["evaluate", "text"]

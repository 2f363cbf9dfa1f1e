"""Property tests for assessment schemes (考核方案性质测试): one line per scheme.

``test_my_scheme = scheme_property_test(MY_SCHEME)`` gives a hypothesis test that draws valid
facts for the scheme (`facts_for`) and checks every invariant of the engine (`check_invariants`):

- the explanation's leaves sum exactly to the total, and every inner line to its children;
- every total lies within the cohort's static bounds (after rounding), and every rule's
  contribution within its own bounds (so caps and floors hold);
- raising one value read by a monotone rule never lowers the total;
- a vetoed subject never gets a grade its veto forbids, nor any award when excluded from 评优;
- no quota awards more than its count;
- evaluation is deterministic and independent of the order of facts and subjects;
- schemes, facts and results round-trip through JSON exactly.

``fuzz_test(scheme)`` feeds arbitrary, mostly invalid facts: only `GovflowError`s may escape.
"""

from __future__ import annotations

import decimal
import json
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import attrs
from hypothesis import given
from hypothesis import strategies as st

from govflow.errors import GovflowError
from govflow.scoring import (
    Ballots,
    Bonuses,
    Claim,
    Deductions,
    Direct,
    Evaluation,
    Evidence,
    Facts,
    Finding,
    GradeMap,
    GrowthSteps,
    Incident,
    IndicatorValue,
    Line,
    Occurrence,
    OverAchievement,
    Period,
    Proportional,
    Rated,
    Scheme,
    SubGrade,
    SubGradeIn,
    Subject,
    Submission,
    evaluate,
)
from govflow.scoring.conditions import NoFinding
from govflow.scoring.numbers import context, total
from govflow.scoring.vetoes import FindingOf, IncidentAtLeast

PERIOD = Period("2016", date(2016, 1, 1), date(2016, 12, 31))
"""The period generated facts fall in."""

RULE_STEPS = frozenset(
    {
        "sum",
        "weighted",
        "deductions",
        "bonuses",
        "direct",
        "proportional",
        "rated",
        "growth",
        "over_achievement",
        "grade_map",
    }
)
"""Steps of the line that carries a rule's whole contribution (not its inner leaves)."""

_points = st.decimals(min_value=0, max_value=200, places=2, allow_nan=False, allow_infinity=False)
_days = st.integers(min_value=0, max_value=365).map(lambda n: PERIOD.start + timedelta(days=n))


@st.composite
def facts_for(draw: Callable[..., Any], scheme: Scheme, max_per_cohort: int = 6) -> Facts:
    """Valid facts for `scheme`: subjects in every cohort and, for each, values for the
    indicators its rules read, occurrences, claims, ballots, sub-grades, incidents, findings."""
    subjects: list[Subject] = []
    values: list[IndicatorValue] = []
    occurrences: list[Occurrence] = []
    claims: list[Claim] = []
    ballots: list[Ballots] = []
    grades: list[SubGrade] = []
    incidents: list[Incident] = []
    findings: list[Finding] = []
    submissions: list[Submission] = []
    serial = iter(range(1_000_000))
    for cohort in scheme.cohorts:
        n = draw(st.integers(min_value=1, max_value=max_per_cohort))
        for i in range(n):
            sid = f"{cohort.name}-{i}"
            leader = f"{sid}.leader"
            subjects.append(Subject(sid, cohort.name, leader=leader, managers=(f"{sid}.manager",)))
            seen: set[tuple[str, str]] = set()
            gated = {c.assessment for g in cohort.gates for c in g.requires if isinstance(c, SubGradeIn)}
            for _, rule in cohort.rules():
                if isinstance(rule, Direct | Proportional | GrowthSteps | OverAchievement):
                    for indicator, period in rule.reads_indicators():
                        if (indicator, period) in seen or (not draw(st.booleans()) and draw(st.booleans())):
                            continue
                        seen.add((indicator, period))
                        if isinstance(rule, Direct):
                            value = draw(st.decimals(min_value=0, max_value=rule.full, places=2))
                            values.append(IndicatorValue(sid, indicator, value, period=period))
                        else:
                            target = draw(st.decimals(min_value=1, max_value=200, places=1))
                            previous = draw(st.decimals(min_value=1, max_value=200, places=1))
                            value = draw(_points)
                            values.append(IndicatorValue(sid, indicator, value, target, previous, period=period))
                elif isinstance(rule, Deductions):
                    for _ in range(draw(st.integers(min_value=0, max_value=4))):
                        tier = draw(st.sampled_from(rule.tiers))
                        rectified = draw(st.sampled_from([None, True, False]))
                        pts = None
                        if tier.max_points is not None:
                            pts = draw(st.decimals(min_value=tier.points, max_value=tier.max_points, places=1))
                        occurrences.append(
                            Occurrence(
                                f"o{next(serial)}",
                                sid,
                                rule.key,
                                tier.authority,
                                draw(_days),
                                count=draw(st.integers(min_value=0, max_value=3)),
                                severity=tier.severity,
                                rectified=rectified,
                                rectified_source="rectification:1" if rectified is False else "",
                                reason="理由",
                                evidence=Evidence("文号", draw(_days), tier.authority)
                                if rule.requires_evidence
                                else None,
                                points=pts,
                                period=rule.period,
                            )
                        )
                elif isinstance(rule, Bonuses):
                    for _ in range(draw(st.integers(min_value=0, max_value=4))):
                        tier = draw(st.sampled_from(rule.tiers))
                        claims.append(
                            Claim(
                                f"c{next(serial)}",
                                sid,
                                rule.key,
                                tier.authority,
                                Evidence(f"文{next(serial)}号", draw(_days), tier.authority),
                                matter=draw(st.sampled_from(["", "m1", "m2"])),
                            )
                        )
                    if rule.defer_unless and draw(st.booleans()):
                        submissions.append(Submission(sid, rule.defer_unless, on_time=draw(st.booleans())))
                elif isinstance(rule, Rated):
                    if draw(st.booleans()):
                        counts = {lv.name: draw(st.integers(min_value=0, max_value=30)) for lv in rule.scale}
                        short = rule.min_raters - sum(counts.values())
                        if short > 0:
                            counts[rule.scale[0].name] += short
                        ballots.append(Ballots(sid, rule.key, counts, period=rule.period))
                elif isinstance(rule, GradeMap) and draw(st.booleans()):
                    grades.append(SubGrade(sid, rule.assessment, draw(st.sampled_from([s.name for s in rule.shares]))))
                    gated.discard(rule.assessment)
            for assessment in sorted(gated):
                if draw(st.booleans()):
                    grades.append(SubGrade(sid, assessment, draw(st.sampled_from(["优秀", "合格", "不合格"]))))
            for veto in scheme.vetoes_for(cohort.name):
                for trigger in veto.triggers:
                    if draw(st.integers(min_value=0, max_value=4)) != 0:
                        continue
                    if isinstance(trigger, IncidentAtLeast):
                        incidents.append(
                            Incident(
                                f"i{next(serial)}",
                                sid,
                                trigger.category,
                                draw(_days),
                                deaths=draw(st.integers(min_value=0, max_value=5)),
                                serious_injuries=draw(st.integers(min_value=0, max_value=12)),
                            )
                        )
                    elif isinstance(trigger, FindingOf):
                        findings.append(Finding(f"f{next(serial)}", sid, trigger.category, draw(_days)))
            for gate in cohort.gates:
                for cond in gate.requires:
                    if isinstance(cond, NoFinding) and draw(st.integers(min_value=0, max_value=3)) == 0:
                        findings.append(Finding(f"f{next(serial)}", sid, cond.category, draw(_days)))
    return Facts(PERIOD, subjects, values, occurrences, claims, ballots, grades, incidents, findings, submissions)


def _check_lines(
    line: Line, weight: Decimal, scheme: Scheme, cohort_rules: dict[str, Any], problems: list[str]
) -> None:
    ctx = context()
    if line.children and total(c.points for c in line.children) != line.points:
        problems.append(f"line {line.rule} ({line.label}): children do not sum to {line.points}")
    here = weight if line.weight is None else ctx.multiply(weight, line.weight)
    rule = cohort_rules.get(line.rule)
    if rule is not None and line.step in RULE_STEPS and here != 0:
        raw = ctx.divide(line.points, here)
        lo, hi = rule.bounds()
        if (lo is not None and raw < lo) or (hi is not None and raw > hi):
            problems.append(f"rule {line.rule}: {raw} outside its bounds {lo}…{hi}")
    for child in line.children:
        _check_lines(child, here, scheme, cohort_rules, problems)


def check_invariants(scheme: Scheme, facts: Facts, result: Evaluation | None = None) -> list[str]:
    """Every invariant that fails for (`scheme`, `facts`); empty when all hold (all arithmetic in
    the engine's wide `context`, so the checks never round where the engine does not)."""
    with decimal.localcontext(context()):
        return _check_invariants(scheme, facts, result)


def _check_invariants(scheme: Scheme, facts: Facts, result: Evaluation | None) -> list[str]:
    problems: list[str] = []
    result = result if result is not None else evaluate(scheme, facts)
    for r in result.results:
        cohort = scheme.cohort(r.cohort)
        assert cohort is not None
        leaves = total(leaf.points for leaf in r.explanation.leaves())
        if leaves != r.total:
            problems.append(f"{r.subject}: leaves sum to {leaves}, total is {r.total}")
        lo, hi = cohort.root.bounds()
        slack = Decimal(0) if cohort.rounding is None else Decimal(1).scaleb(-cohort.rounding.places) / 2
        if (lo is not None and r.total < lo - slack) or (hi is not None and r.total > hi + slack):
            problems.append(f"{r.subject}: total {r.total} outside the cohort's bounds {lo}…{hi}")
        rules = dict(cohort.rules())
        _check_lines(r.explanation, Decimal(1), scheme, rules, problems)
        for flag in r.flags:
            if "fail" in flag.effects and r.grade != cohort.lowest:
                problems.append(f"{r.subject}: vetoed ({flag.veto}, fail) but graded {r.grade}")
            if r.grade in flag.forbid:
                problems.append(f"{r.subject}: vetoed ({flag.veto}) but graded forbidden {r.grade}")
            if "no_honours" in flag.effects and r.awards:
                problems.append(f"{r.subject}: excluded from 评优 ({flag.veto}) but awarded {', '.join(r.awards)}")
            if "unranked" in flag.effects and r.rank is not None:
                problems.append(f"{r.subject}: removed from the pool ({flag.veto}) but ranked {r.rank}")
    for cohort in scheme.cohorts:
        members = result.cohort(cohort.name)
        for quota in cohort.quotas:
            held = sum(1 for r in members if quota.title in r.awards)
            if held > quota.count(len(members)):
                problems.append(f"{cohort.name}: quota {quota.title} awarded {held} > {quota.count(len(members))}")
    # order independence
    shuffled = attrs.evolve(
        facts,
        subjects=tuple(reversed(facts.subjects)),
        values=tuple(reversed(facts.values)),
        occurrences=tuple(reversed(facts.occurrences)),
        claims=tuple(reversed(facts.claims)),
        ballots=tuple(reversed(facts.ballots)),
        incidents=tuple(reversed(facts.incidents)),
        findings=tuple(reversed(facts.findings)),
        submissions=tuple(reversed(facts.submissions)),
    )
    if evaluate(scheme, shuffled) != result:
        problems.append("result depends on the order of facts or subjects")
    if evaluate(scheme, facts) != result:
        problems.append("evaluation is not deterministic")
    # JSON round trips
    if Scheme.from_json(json.loads(json.dumps(scheme.to_json()))) != scheme:
        problems.append("scheme does not round-trip through JSON")
    if Facts.from_json(json.loads(json.dumps(facts.to_json()))) != facts:
        problems.append("facts do not round-trip through JSON")
    if Evaluation.from_json(json.loads(json.dumps(result.to_json()))) != result:
        problems.append("result does not round-trip through JSON")
    return problems


def check_monotone(scheme: Scheme, facts: Facts, index: int, bump: Decimal) -> list[str]:
    """Raise value number `index` (mod the count) by `bump` where a monotone rule reads it;
    the subject's total must not fall."""
    if not facts.values:
        return []
    fact = facts.values[index % len(facts.values)]
    subject = next(s for s in facts.subjects if s.id == fact.subject)
    cohort = scheme.cohort(subject.cohort)
    assert cohort is not None
    readers = [r for _, r in cohort.rules() if (fact.indicator, fact.period) in set(r.reads_indicators())]
    if not readers or not all(r.monotone for r in readers):
        return []
    new_value = fact.value + bump
    for r in readers:
        if isinstance(r, Direct):
            new_value = min(new_value, r.full)
    raised = attrs.evolve(
        facts, values=tuple(attrs.evolve(v, value=new_value) if v is fact else v for v in facts.values)
    )
    before = evaluate(scheme, facts).get(fact.subject).total
    after = evaluate(scheme, raised).get(fact.subject).total
    if after < before:
        return [f"{fact.ref}: raising {fact.value} → {new_value} lowered the total {before} → {after}"]
    return []


def scheme_property_test(scheme: Scheme, max_per_cohort: int = 6) -> Callable[..., None]:
    """A hypothesis test of every invariant for `scheme` (assign it to a ``test_…`` name)."""

    @given(
        facts=facts_for(scheme, max_per_cohort),
        index=st.integers(min_value=0, max_value=10_000),
        bump=st.decimals(min_value=0, max_value=50, places=2),
    )
    def test(facts: Facts, index: int, bump: Decimal) -> None:
        problems = check_invariants(scheme, facts) + check_monotone(scheme, facts, index, bump)
        assert not problems, "\n".join(problems)

    test.__name__ = f"test_invariants_{scheme.name}"
    return test


_junk_text = st.sampled_from(["", "x", "省", "市", "县", "?", "满意", "好"])


@st.composite
def junk_facts(draw: Callable[..., Any], scheme: Scheme) -> dict[str, Any]:
    """A facts document that is often wrong: unknown names, bad numbers, dates out of period."""
    good = draw(facts_for(scheme, 3)).to_json()
    cohorts = [c.name for c in scheme.cohorts] + ["nope"]
    doc: dict[str, Any] = good
    mutations = draw(st.integers(min_value=0, max_value=6))
    for _ in range(mutations):
        for key in ("subjects", "values", "occurrences", "claims", "ballots"):
            if not isinstance(doc.get(key, []), list):
                doc[key] = []
        what = draw(st.sampled_from(["subject", "value", "occurrence", "claim", "ballot", "date", "count", "junk"]))
        if what == "subject":
            doc.setdefault("subjects", []).append({"id": draw(_junk_text), "cohort": draw(st.sampled_from(cohorts))})
        elif what == "value":
            doc.setdefault("values", []).append(
                {
                    "subject": draw(_junk_text),
                    "indicator": draw(_junk_text),
                    "value": draw(st.sampled_from(["1", "-5", "x", "1e999"])),
                }
            )
        elif what == "occurrence":
            doc.setdefault("occurrences", []).append(
                {
                    "id": draw(_junk_text),
                    "subject": draw(_junk_text),
                    "item": draw(_junk_text),
                    "authority": draw(_junk_text),
                    "date": "2016-02-30",
                }
            )
        elif what == "claim":
            doc.setdefault("claims", []).append(
                {
                    "id": "cx",
                    "subject": draw(_junk_text),
                    "item": draw(_junk_text),
                    "authority": "省",
                    "evidence": {"number": "", "date": "2015-12-31", "authority": "省"},
                }
            )
        elif what == "ballot":
            doc.setdefault("ballots", []).append(
                {"subject": draw(_junk_text), "item": draw(_junk_text), "counts": {draw(_junk_text): -1}}
            )
        elif what == "date" and doc.get("occurrences"):
            doc["occurrences"][0]["date"] = "2017-01-01"
        elif what == "count" and doc.get("occurrences"):
            doc["occurrences"][0]["count"] = -1
        elif what == "junk":
            doc[draw(st.sampled_from(["values", "claims", "period"]))] = draw(st.sampled_from([None, 3, "x", [1], {}]))
    return doc


def fuzz_test(scheme: Scheme) -> Callable[..., None]:
    """A hypothesis test: on junk facts, only a `GovflowError` may escape `evaluate`."""

    @given(doc=junk_facts(scheme))
    def test(doc: dict[str, Any]) -> None:
        try:
            facts = Facts.from_json(doc)
            evaluate(scheme, facts)
        except GovflowError:
            pass

    test.__name__ = f"test_fuzz_{scheme.name}"
    return test

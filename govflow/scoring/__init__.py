"""The scorecard engine (考核评分引擎): assessment schemes as data, a pure `evaluate`, and an
explanation tree in which every point traces to its rule, its facts and its document line.

API summary (stable; later changes are additive only)
=====================================================

Scheme (immutable, versioned, validated when built; ``to_json``/``from_json`` exact)::

    Scheme(name, version, title, cohorts=[Cohort, ...], vetoes=[Veto, ...], source="seed004", notes=())
    Cohort(name, label, root=<Rule>, bands=Bands([...], resolution=""), grades=(best, ..., worst),
           rounding=Rounding(places, mode="half_up"), gates=[Gate], quotas=[Quota],
           tie_break=TieBreak(by=(rule keys...), last="shared"|"subject_id"),
           consequences=[Consequence], ledgers=[Ledger], rewards=[Reward], budget=Budget(total))

Rules (`govflow.scoring.rules`; every rule has ``key``, ``label``, ``source="seed004:520"``):

    Sum(key, label, parts=[...], cap=None, floor=None)            Σ parts, capped/floored
    Lowest(key, label, parts=[...])                               the lowest part (取最低)
    Weighted(key, label, parts=[Part(weight, rule)], total_weight=1)  weights must add up
    Direct(key, label, full, indicator="", period="")             a rater's score 0…full
    Proportional(key, label, full, indicator="", target=None, period="")  full × min(1, v/target)
    Rated(key, label, full, scale=[Level(name, share)], min_raters, insufficient="refuse"|"zero")
    Deductions(key, label, tiers=[Tier(authority, points, severity="", max_points=None)], base=0,
               cap=None, floor=None, channel_caps=[ChannelCap(name, authorities, cap)],
               double_unrectified=False, requires_reason=False, requires_evidence=False, period="")
    Bonuses(key, label, tiers=[Tier], cap=None, highest_only=True, counting="document_date",
            defer_unless="")                                     evidence-backed claims
    GrowthSteps(key, label, indicator, step, points_per_step, min_value=None,
                decline_points_per_step=0, cap=None)
    OverAchievement(key, label, indicators, item_value, threshold, points, cap_share=None)
    GradeMap(key, label, full, assessment, shares=[GradeShare(grade, share)])

Grading (`grading`): ``Band(grade, lower, upper, lower_inclusive=True, upper_inclusive=False)``,
``Bands(bands best first, resolution="" | "lower" | "upper")`` (a gap/overlap is a
`DefinitionError` naming it unless resolved or unreachable after rounding),
``Gate(grade, requires=[Condition], fall_through="next_band_down" | grade)``.
Conditions (`conditions`): ``NoFlag(category)``, ``HasFlag(category)``, ``NoFinding(category)``,
``SubGradeIn(assessment, grades)``, ``ScoreBelow(value, inclusive=False)``,
``RankFromBottom(n)``, ``GradeIs(grades)``, ``ConsecutiveGrade(grade, periods=2)``,
``ValueBelow(indicator, value, inclusive=False, period="")`` (also a veto trigger).
Vetoes (`vetoes`): ``Veto(key, category, label, triggers=[IncidentAtLeast(category, deaths=,
serious_injuries=, serious_injuries_max=) | FindingOf(category) | OccurrenceOf(item, authority="",
severity="") | ValueBelow(indicator, value, inclusive=False, period="")], effects=("fail" |
"forbid_grades" | "no_honours" | "unranked", ...), forbid=(grades), cohorts=(), propagate=("leader",
"managers", "cause"), person_effects=("no_honours",), cause_effects=(), cause_forbid=())`` —
"cause": a veto of a parent body (a finding against it, possibly not assessed itself) reaches the
units its ``Finding.caused_by`` names, with ``cause_effects`` / ``cause_forbid``.
Quotas (`quotas`): ``Quota(title, grade="", share=None, rounding="ceil"|"half_up"|"floor",
count_min=None, count_max=None, min_score=None, min_inclusive=True,
shortfall="award_qualifiers"|"award_none", eligible_grades=())``.
Consequences (`consequences`): ``Consequence(key, label, when=[Condition], actions=[Action(what,
role="", amount=None)])``, ``Ledger(key, label, rule, share)``, ``Reward(key, title, amount,
heads_min_share=None, heads_role="党政正职")``, ``Budget(total)``,
``check_allocation(reward, amount, [Share(person, role, amount)])`` → `AllocationRefused`.

Facts (`facts`; ``Facts.to_json``/``from_json``; hand-written JSON needs no ``kind`` tags)::

    Facts(period=Period(label, start, end), subjects=[Subject(id, cohort, name, leader, managers, parent)],
          values=[IndicatorValue(subject, indicator, value, target=None, previous=None, period="")],
          occurrences=[Occurrence(id, subject, item, authority, date, count=1, severity="",
                                  rectified=None, rectified_source="", reason="", evidence=None, points=None,
                                  period="")],
          claims=[Claim(id, subject, item, authority, evidence=Evidence(number, date, authority), matter="")],
          ballots=[Ballots(subject, item, counts={"满意": 30, ...}, period="")],
          sub_grades=[SubGrade(subject, assessment, grade)],
          incidents=[Incident(id, subject, category, date, deaths=0, serious_injuries=0)],
          findings=[Finding(id, subject, category, date, authority="", caused_by=(units under subject))],
          submissions=[Submission(subject, evidence, on_time=True)])

Evaluation::

    evaluate(scheme, facts, *, history=[PastResult(subject, grade, start, end)]) -> Evaluation
    Evaluation(scheme, version, period, results=[SubjectResult], person_flags=[Flag], deferrals=[Deferral])
    SubjectResult(subject, cohort, total, grade, band_grade, rank, explanation=Line, awards, flags,
                  gates, consequences=[Outcome], payouts=[Payout], ledger=[LedgerEntry])
    Line(rule, step, label, points, source, facts, detail, weight, children)   leaves sum to total
    render(line, width=80) -> str

Bad facts raise `InvalidFacts` (an `InvalidData`) listing every fault; a bad scheme raises
`DefinitionError` (kind "scheme"). Reference schemes live in ``govflow_workflows.schemes``;
a scheme module exposes ``SCHEMES = [...]`` or ``SCHEME`` (see `govflow.scoring.loading`).
Nothing in this package reads storage or the clock, or imports the engine.
"""

from govflow.scoring.conditions import (
    Condition,
    ConsecutiveGrade,
    GradeIs,
    HasFlag,
    NoFinding,
    NoFlag,
    RankFromBottom,
    ScoreBelow,
    SubGradeIn,
)
from govflow.scoring.consequences import Action, Budget, Consequence, Ledger, Reward, Share, check_allocation
from govflow.scoring.evaluate import evaluate
from govflow.scoring.explain import Line, render
from govflow.scoring.facts import (
    Ballots,
    Claim,
    Evidence,
    Facts,
    Finding,
    Incident,
    IndicatorValue,
    Occurrence,
    Period,
    SubGrade,
    Subject,
    Submission,
)
from govflow.scoring.grading import Band, Bands, Gate, Rounding
from govflow.scoring.quotas import Quota, TieBreak
from govflow.scoring.result import (
    Deferral,
    Evaluation,
    LedgerEntry,
    Outcome,
    PastResult,
    Payout,
    SubjectResult,
)
from govflow.scoring.rules import (
    Bonuses,
    ChannelCap,
    Deductions,
    Direct,
    GradeMap,
    GradeShare,
    GrowthSteps,
    Level,
    Lowest,
    OverAchievement,
    Part,
    Proportional,
    Rated,
    Rule,
    Sum,
    Tier,
    Weighted,
)
from govflow.scoring.scheme import Cohort, Scheme
from govflow.scoring.vetoes import FindingOf, Flag, IncidentAtLeast, OccurrenceOf, ValueBelow, Veto

__all__ = [
    "Action",
    "Ballots",
    "Band",
    "Bands",
    "Bonuses",
    "Budget",
    "ChannelCap",
    "Claim",
    "Cohort",
    "Condition",
    "ConsecutiveGrade",
    "Consequence",
    "Deductions",
    "Deferral",
    "Direct",
    "Evaluation",
    "Evidence",
    "Facts",
    "Finding",
    "FindingOf",
    "Flag",
    "Gate",
    "GradeIs",
    "GradeMap",
    "GradeShare",
    "GrowthSteps",
    "HasFlag",
    "Incident",
    "IncidentAtLeast",
    "IndicatorValue",
    "Ledger",
    "LedgerEntry",
    "Level",
    "Line",
    "Lowest",
    "NoFinding",
    "NoFlag",
    "Occurrence",
    "OccurrenceOf",
    "Outcome",
    "OverAchievement",
    "Part",
    "PastResult",
    "Payout",
    "Period",
    "Proportional",
    "Quota",
    "RankFromBottom",
    "Rated",
    "Reward",
    "Rounding",
    "Rule",
    "Scheme",
    "ScoreBelow",
    "Share",
    "SubGrade",
    "SubGradeIn",
    "Subject",
    "SubjectResult",
    "Submission",
    "Sum",
    "TieBreak",
    "Tier",
    "ValueBelow",
    "Veto",
    "Weighted",
    "check_allocation",
    "evaluate",
    "render",
]

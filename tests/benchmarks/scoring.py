"""`scoring`: the scorecard engine against the same arithmetic hand-written, and its growth.

- **speed**: one B7.1 department cohort of 40 subjects (seed004:496 lists 32; 40 gives the
  quota a round 10) — six proportional indicators over two periods, four quarterly ballot
  tallies, two leader marks, two bonus claims (one matter counted at its highest) and a
  deduction each — evaluated by `govflow.scoring.evaluate` with full validation and
  explanation trees, against a plain-Python function doing the same arithmetic in `Decimal`
  (the totals are checked equal) and the same grading (25 % quota at ≥ 90, half-up).
  Rates are subjects per second; alternating pairs, median of per-pair ratios; target ≥ 0.3×.
- **growth**: the cost per subject of a 10,000-subject cohort against a 1,000-subject one
  (alternating pairs, median ratio of per-subject cost); linear growth means a ratio near 1;
  target ≤ 1.5. Measured with the garbage collector on, as in production: what growth there
  is comes from CPython's cyclic collector walking the live explanation lines (about 40 per
  subject); with the collector off the ratio is about 1.1.
"""

from __future__ import annotations

import sys
from decimal import ROUND_HALF_UP, Decimal, localcontext

from govflow.scoring import Ballots, Claim, Evidence, Facts, IndicatorValue, Occurrence, Period, Subject, evaluate
from govflow.scoring.numbers import context, divide
from govflow_workflows.schemes.b7_1_zhengding import SCHEME
from tests.benchmarks.common import Paired, Result, console, paired, rate, ratio_result, timed

NAME = "scoring"
MIN_RATIO = 0.3
MAX_GROWTH = 1.5
YEAR = Period("2015", "2015-01-01", "2015-12-31")
INDICATORS = ("经济发展", "业务工作", "优化发展环境")
SCALE = {"满意": Decimal(1), "基本满意": Decimal("0.8"), "不满意": Decimal("0.6")}


def cohort_facts(n: int) -> Facts:
    """`n` departments with every kind of fact B7.1 reads, values spread so grades differ."""
    subjects, values, ballots, claims, occurrences = [], [], [], [], []
    for i in range(n):
        sid = f"dept-{i:05d}"
        subjects.append(Subject(sid, "department"))
        for j, name in enumerate(INDICATORS):
            for period in ("mid", "final"):
                values.append(IndicatorValue(sid, name, 70 + (i * 7 + j * 3) % 40, target=100, period=period))
        values.append(IndicatorValue(sid, "领导评估", str(6 + i % 5), period="mid"))
        values.append(IndicatorValue(sid, "领导评估", str(7 + i % 4), period="final"))
        for q in range(1, 5):
            ballots.append(
                Ballots(sid, f"public_q{q}", {"满意": 30 + i % 9, "基本满意": 8, "不满意": i % 3}, period=f"q{q}")
            )
        claims.append(
            Claim(f"c{i}a", sid, "bonus", "市委市政府", Evidence(f"文{i}a", "2015-03-01", "市委"), matter="m")
        )
        claims.append(Claim(f"c{i}b", sid, "bonus", "省部门", Evidence(f"文{i}b", "2015-05-01", "省厅"), matter="m"))
        occurrences.append(Occurrence(f"o{i}", sid, "deduction", "县", "2015-06-01", severity="通报批评"))
    return Facts(YEAR, subjects, values, occurrences, claims, ballots)


def hand_written(facts: Facts) -> dict[str, tuple[Decimal, str]]:
    """B7.1's department arithmetic and grading written directly (the baseline)."""
    with localcontext(context()):
        values = {(v.subject, v.indicator, v.period): v for v in facts.values}
        tallies = {(b.subject, b.period): b for b in facts.ballots}
        claims: dict[str, list[Claim]] = {}
        for c in facts.claims:
            claims.setdefault(c.subject, []).append(c)
        occurrences: dict[str, list[Occurrence]] = {}
        for o in facts.occurrences:
            occurrences.setdefault(o.subject, []).append(o)
        totals: dict[str, Decimal] = {}
        for s in facts.subjects:
            indicators = Decimal(0)
            for period in ("mid", "final"):
                part = Decimal(0)
                for name in INDICATORS:
                    v = values[(s.id, name, period)]
                    assert v.target is not None
                    part += Decimal(20) if v.value >= v.target else divide(Decimal(20) * v.value, v.target)
                indicators += part * Decimal("0.5")
            public = Decimal(0)
            for q in range(1, 5):
                b = tallies[(s.id, f"q{q}")]
                mean = sum((Decimal(n) * SCALE[level] for level, n in b.counts), Decimal(0))
                public += divide(Decimal(30) * mean, Decimal(b.raters)) * Decimal("0.25")
            leaders = (values[(s.id, "领导评估", "mid")].value + values[(s.id, "领导评估", "final")].value) * Decimal(
                "0.5"
            )
            best: dict[str, Decimal] = {}
            points = {"市委市政府": Decimal(2), "省部门": Decimal(2)}
            for c in claims.get(s.id, ()):
                best[c.matter] = max(best.get(c.matter, Decimal(0)), points[c.authority])
            bonus = min(sum(best.values(), Decimal(0)), Decimal(4))
            minus = min(
                sum((Decimal("0.5") * o.count for o in facts.occurrences if o.subject == s.id), Decimal(0)), Decimal(4)
            )
            totals[s.id] = indicators + public + leaders + bonus - minus
        order = sorted(totals, key=lambda sid: (-totals[sid], sid))
        places = int((Decimal("0.25") * len(order)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        advanced = [sid for sid in order if totals[sid] >= 90][:places]
        return {sid: (t, "先进" if sid in advanced else ("合格" if t >= 60 else "不合格")) for sid, t in totals.items()}


def _check(facts: Facts) -> None:
    """The benchmark compares like with like: same totals from both."""
    expected = hand_written(facts)
    result = evaluate(SCHEME, facts)
    for r in result.results:
        assert r.total == expected[r.subject][0], (r.subject, r.total, expected[r.subject])


def run(quick: bool) -> list[Result]:
    """Both cases; `quick` uses fewer pairs."""
    facts = cohort_facts(40)
    _check(facts)
    pairs = 5 if quick else 15
    speed: Paired = paired(
        lambda: timed(lambda: hand_written(facts), 40),
        lambda: timed(lambda: evaluate(SCHEME, facts), 40),
        pairs,
    )
    results = [
        ratio_result(
            NAME,
            "B7.1, 40 departments, full explanations vs hand-written Decimal arithmetic",
            speed,
            baseline_label="hand-written",
            subject_label="evaluate()",
            unit="subjects",
            minimum=MIN_RATIO,
        )
    ]
    small, large = cohort_facts(1_000), cohort_facts(10_000)
    growth = paired(
        lambda: timed(lambda: evaluate(SCHEME, small), 1_000),
        lambda: timed(lambda: evaluate(SCHEME, large), 10_000),
        2 if quick else 4,
        warmup=0,
    )
    low, high = growth.spread
    cost = 1 / growth.ratio  # per-subject cost at 10,000 / at 1,000
    results.append(
        Result(
            benchmark=NAME,
            case="cost per subject, 10,000-subject cohort vs 1,000",
            baseline=f"1,000 subjects\n{rate(growth.baseline_rate, 'subjects')}",
            subject=f"10,000 subjects\n{rate(growth.subject_rate, 'subjects')}",
            value=f"{cost:.2f}×",
            spread=f"IQR {1 / high:.2f}–{1 / low:.2f}, {len(growth.baseline)} pairs",
            target=f"≤ {MAX_GROWTH:g}×",
            passed=cost <= MAX_GROWTH,
        )
    )
    return results


if __name__ == "__main__":  # pragma: no cover
    from tests.benchmarks.common import print_results

    print_results(run("--quick" in sys.argv), "scoring")
    console.print()

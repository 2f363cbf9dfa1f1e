"""Static checks of a scheme (方案检查) beyond what building it refuses: caps that can never be
reached or exceed their item, grades no total can reach, totals below every band.

Why separate from construction: a `Scheme` refuses what cannot be evaluated (weights that do
not add up, band gaps, unknown policies); these findings are legal but almost certainly
mistakes in transcribing a document, so ``govflow scheme check`` reports them for a person.
"""

from __future__ import annotations

from govflow.scoring.numbers import text
from govflow.scoring.rules import Bonuses, Deductions, Sum
from govflow.scoring.scheme import Scheme


def check_scheme(scheme: Scheme) -> list[str]:
    """Findings for `scheme`, each naming the cohort and rule (empty when none)."""
    found: list[str] = []
    for cohort in scheme.cohorts:
        where = f"cohort {cohort.name}"
        for path, rule in cohort.rules():
            if isinstance(rule, Deductions) and rule.base > 0 and rule.cap is not None and rule.cap > rule.base:
                found.append(
                    f"{where}: {path}: cap {text(rule.cap)} is larger than the item's {text(rule.base)} points"
                )
            if isinstance(rule, Deductions) and rule.base > 0 and rule.floor is None and rule.cap is None:
                found.append(f"{where}: {path}: a {text(rule.base)}-point item has no floor (扣完为止?) nor cap")
            if isinstance(rule, Bonuses) and rule.cap is not None:
                best = max(t.points for t in rule.tiers)
                if best > rule.cap:
                    found.append(f"{where}: {path}: one claim ({text(best)}) already exceeds the cap {text(rule.cap)}")
            if isinstance(rule, Sum) and rule.cap is not None:
                _, hi = Sum(rule.key, rule.label, parts=rule.parts).bounds()
                if hi is not None and hi <= rule.cap:
                    found.append(f"{where}: {path}: cap {text(rule.cap)} is never reached (at most {text(hi)})")
        lo, hi = cohort.root.bounds()
        for band in cohort.bands.bands:
            if (
                hi is not None
                and band.lower is not None
                and (band.lower > hi or (band.lower == hi and not band.lower_inclusive))
            ):
                found.append(
                    f"{where}: grade {band.grade} {band.describe()} is unreachable (totals at most {text(hi)})"
                )
            if (
                lo is not None
                and band.upper is not None
                and (band.upper < lo or (band.upper == lo and not band.upper_inclusive))
            ):
                found.append(
                    f"{where}: grade {band.grade} {band.describe()} is unreachable (totals at least {text(lo)})"
                )
        lowest = cohort.bands.bands[-1] if cohort.bands.bands else None
        if lowest is not None and lowest.lower is not None and (lo is None or lo < lowest.lower):
            found.append(f"{where}: totals below {text(lowest.lower)} fall under no band (they get {lowest.grade})")
        for quota in cohort.quotas:
            if quota.min_score is not None and hi is not None and quota.min_score > hi:
                found.append(f"{where}: quota {quota.title} needs {text(quota.min_score)}, totals reach {text(hi)}")
        if lo is None:
            found.append(f"{where}: totals have no lower bound (a deduction without a cap or floor)")
    return found

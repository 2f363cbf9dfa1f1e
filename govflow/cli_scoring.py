"""``govflow scheme show|check|list`` and ``govflow score``: assessment schemes on the command line.

Why a module of its own: the scoring commands read scheme modules and a facts file, never the
database, so they share nothing with the engine commands but the global ``--reference`` flag.
Schemes come from ``schemes = [...]`` under ``[tool.govflow]`` (`govflow.config`),
``$GOVFLOW_SCHEMES`` (comma-separated) and ``--schemes MODULE`` (repeatable) — they add up —
and with ``--reference`` the reference schemes (`govflow.scoring.loading.REFERENCE_PACKAGE`).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from govflow.config import resolve as resolve_config
from govflow.errors import DefinitionError, GovflowError, InvalidFacts
from govflow.scoring import Evaluation, Facts, PastResult, Scheme, evaluate, render
from govflow.scoring.checks import check_scheme
from govflow.scoring.loading import (
    SchemeRegistry,
    import_scheme_module,
    load_schemes,
    module_schemes,
    reference_scheme_modules,
)
from govflow.scoring.numbers import text
from govflow.scoring.rules import Bonuses, Deductions, Direct, GradeMap, Proportional, Rated, Rule, Sum, Weighted

ENV_VAR = "GOVFLOW_SCHEMES"
"""Environment variable naming scheme modules, comma-separated."""

WIDTH = 80


def _reference(ctx: click.Context) -> bool:
    settings = ctx.find_root().obj
    try:
        return bool(settings.config.reference) if settings is not None else False
    except AttributeError:  # pragma: no cover - invoked outside the govflow group
        return False


def _modules(ctx: click.Context, extra: Sequence[str]) -> list[str]:
    """The scheme modules: ``schemes = [...]`` under ``[tool.govflow]``, then
    ``$GOVFLOW_SCHEMES``, then every ``--schemes MODULE`` (they add up, like ``workflows``).
    Dotted names resolve from the configuration file's folder."""
    settings = ctx.find_root().obj
    config = settings.config if settings is not None else resolve_config()
    root = config.root
    if root is not None and str(root) not in sys.path:
        sys.path.insert(0, str(root))
    return list(dict.fromkeys([*config.schemes, *extra]))


def _registry(ctx: click.Context, extra: Sequence[str]) -> SchemeRegistry:
    registry = load_schemes(_modules(ctx, extra), reference=_reference(ctx))
    if not registry.all():
        raise click.UsageError(
            "no schemes loaded: name your modules under [tool.govflow] schemes = [...] in pyproject.toml, "
            "pass --schemes MODULE, set $GOVFLOW_SCHEMES, or use govflow --reference"
        )
    return registry


schemes_option = click.option(
    "--schemes", "extra", multiple=True, metavar="MODULE", help="a module defining SCHEMES (repeatable)"
)


@click.group("scheme")
def scheme_group() -> None:
    """Assessment schemes (考核方案): list, show as a tree, check."""


@scheme_group.command("list")
@schemes_option
@click.pass_context
def scheme_list(ctx: click.Context, extra: tuple[str, ...]) -> None:
    """The loaded schemes, one per line: name, version, title."""
    for s in _registry(ctx, extra).all():
        click.echo(f"{s.name} v{s.version}  {s.title}")


def _rule_note(rule: Rule) -> str:
    if isinstance(rule, Direct | Proportional | Rated | GradeMap):
        return f"{text(rule.full)}分"
    if isinstance(rule, Deductions):
        parts = [f"base {text(rule.base)}"] if rule.base else []
        parts += [f"扣 ≤{text(rule.cap)}"] if rule.cap is not None else []
        parts += ["扣完为止"] if rule.floor is not None else []
        parts += ["×2 未整改"] if rule.double_unrectified else []
        return ", ".join(parts) or "按次累计"
    if isinstance(rule, Bonuses):
        return f"加 ≤{text(rule.cap)}" if rule.cap is not None else "加分"
    if isinstance(rule, Sum):
        return f"cap {text(rule.cap)}" if rule.cap is not None else ""
    return ""


def _cells(s: str) -> int:
    return sum(2 if "\u2e80" <= ch <= "\uffef" else 1 for ch in s)


def _row(left: str, right: str) -> str:
    room = WIDTH - _cells(right) - 1
    if _cells(left) > room:
        cut = ""
        for ch in left:
            if _cells(cut + ch) > room - 1:
                break
            cut += ch
        left = cut + "…"
    if not right:
        return left.rstrip()
    return left + " " * (WIDTH - _cells(left) - _cells(right)) + right


def _tree(rule: Rule, depth: int, weight: Decimal | None, lines: list[str]) -> None:
    w = f" ×{text(weight)}" if weight is not None else ""
    lo, hi = rule.bounds()
    span = f"{'-∞' if lo is None else text(lo)}…{'∞' if hi is None else text(hi)}"
    note = _rule_note(rule)
    left = f"{'  ' * depth}{rule.label}{w} [{rule.KIND}]"
    lines.append(_row(left, f"{note + '  ' if note else ''}{span}"))
    if isinstance(rule, Weighted):
        for part in rule.parts:
            _tree(part.rule, depth + 1, part.weight, lines)
    else:
        for child in rule.subrules():
            _tree(child, depth + 1, None, lines)
    if isinstance(rule, Deductions | Bonuses):
        rows = ", ".join(f"{t.authority}{'/' + t.severity if t.severity else ''} {text(t.points)}" for t in rule.tiers)
        lines.append(_row(f"{'  ' * (depth + 1)}{rows}", ""))


def show_text(scheme: Scheme) -> str:
    """The scheme as a readable tree, every line within 80 columns."""
    lines = [f"{scheme.name} v{scheme.version}  {scheme.title}"]
    for cohort in scheme.cohorts:
        lines.append("")
        lines.append(f"[{cohort.name}] {cohort.label}")
        _tree(cohort.root, 1, None, lines)
        bands = "; ".join(f"{b.grade} {b.describe()}" for b in cohort.bands.bands)
        lines.append(_row(f"  等次 bands: {bands}", ""))
        if cohort.rounding is not None:
            lines.append(f"  rounding: {cohort.rounding.places} places, {cohort.rounding.mode}")
        for q in cohort.quotas:
            share = f"{text(q.share * 100)}% ({q.rounding})" if q.share is not None else ""
            count = f"{q.count_min or 0}-{q.count_max}" if q.count_max is not None else ""
            need = f" ≥{text(q.min_score)}" if q.min_score is not None else ""
            lines.append(_row(f"  名额 {q.title}: {share or count}{need}", ""))
        for c in cohort.consequences:
            lines.append(_row(f"  结果运用 {c.label}", c.source))
    for v in scheme.vetoes:
        lines.append("")
        lines.append(_row(f"一票否决 {v.label}", v.source))
        lines.append(f"  effects: {', '.join(v.effects)}" + (f"; → {', '.join(v.propagate)}" if v.propagate else ""))
    return "\n".join(lines)


@scheme_group.command("show")
@click.argument("name")
@click.option("--version", type=int, default=None)
@click.option("--json", "as_json", is_flag=True, help="the scheme's JSON")
@schemes_option
@click.pass_context
def scheme_show(ctx: click.Context, name: str, version: int | None, as_json: bool, extra: tuple[str, ...]) -> None:
    """Show scheme NAME as a tree with weights, full marks, caps and bands."""
    scheme = _registry(ctx, extra).get(name, version)
    if as_json:
        click.echo(json.dumps(scheme.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(show_text(scheme))


@scheme_group.command("check")
@click.argument("names", nargs=-1)
@schemes_option
@click.pass_context
def scheme_check(ctx: click.Context, names: tuple[str, ...], extra: tuple[str, ...]) -> None:
    """Check every loaded scheme (or NAMES): invalid definitions, unreachable grades, caps."""
    specs = list(dict.fromkeys([*_modules(ctx, extra), *(reference_scheme_modules() if _reference(ctx) else [])]))
    findings: list[str] = []
    checked = 0
    for spec in specs:
        try:
            loaded = module_schemes(import_scheme_module(spec))
        except DefinitionError as exc:
            findings += [f"{spec}: {exc.workflow}: {p}" for p in exc.problems]
            continue
        except GovflowError as exc:
            findings.append(f"{spec}: {exc}")
            continue
        for scheme in loaded:
            if names and scheme.name not in names:
                continue
            checked += 1
            findings += [f"{spec}: {scheme.name} v{scheme.version}: {p}" for p in check_scheme(scheme)]
            if Scheme.from_json(json.loads(json.dumps(scheme.to_json()))) != scheme:
                findings.append(f"{spec}: {scheme.name}: does not round-trip through JSON")
    for line in findings:
        click.echo(line)
    click.echo(f"{checked} scheme(s) checked, {len(findings)} finding(s)")
    if findings:
        ctx.exit(1)


def _load_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidFacts(str(path), [f"cannot read {what} file: {exc}"]) from None


def ranked_table(result: Evaluation) -> str:
    """One block per cohort: rank, subject, total, grade, awards and flags (80 columns)."""
    lines: list[str] = []
    cohorts = list(dict.fromkeys(r.cohort for r in result.results))
    for cohort in cohorts:
        lines.append(f"[{cohort}]")
        lines.append(f"{'名次':<4}  {'subject':<20} {'total':>9}  等次  notes")
        for r in result.cohort(cohort):
            notes = ", ".join([*r.awards, *(f"否决:{f.category}" for f in r.flags), *(c.label for c in r.consequences)])
            rank = "-" if r.rank is None else str(r.rank)
            name = r.subject if _cells(r.subject) <= 20 else r.subject[:9] + "…"
            pad = " " * max(20 - _cells(name), 0)
            lines.append(_row(f"{rank:<6}{name}{pad} {text(r.total):>9}  {r.grade}  {notes}", ""))
        lines.append("")
    for d in result.deferrals:
        lines.append(f"deferred to next year: {d.cohort}/{d.rule} (missing: {', '.join(d.missing)})")
    for f in result.person_flags:
        lines.append(f"person flag: {f.holder} ({f.category}, via {f.via})")
    return "\n".join(lines).rstrip()


@click.command("score")
@click.option("--scheme", "scheme_name", required=True, metavar="NAME", help="the scheme to score with")
@click.option("--version", type=int, default=None)
@click.option(
    "--facts", "facts_file", required=True, type=click.Path(path_type=Path, dir_okay=False), help="facts JSON"
)
@click.option(
    "--history", "history_file", type=click.Path(path_type=Path, dir_okay=False), help="past results JSON list"
)
@click.option("--explain", "subject", default=None, metavar="SUBJECT", help="print SUBJECT's explanation tree")
@click.option("--json", "as_json", is_flag=True, help="the whole evaluation as JSON")
@schemes_option
@click.pass_context
def score(
    ctx: click.Context,
    scheme_name: str,
    version: int | None,
    facts_file: Path,
    history_file: Path | None,
    subject: str | None,
    as_json: bool,
    extra: tuple[str, ...],
) -> None:
    """Score a facts file against a scheme: a ranked table, an explanation, or JSON."""
    scheme = _registry(ctx, extra).get(scheme_name, version)
    facts = Facts.from_json(_load_json(facts_file, "facts"))
    history: list[PastResult] = []
    if history_file is not None:
        doc = _load_json(history_file, "history")
        try:
            history = [PastResult(**{k: v for k, v in item.items() if k != "kind"}) for item in doc]
        except (TypeError, ValueError, AttributeError) as exc:
            raise InvalidFacts(str(history_file), [f"malformed history: {exc}"]) from None
    result = evaluate(scheme, facts, history=history)
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    elif subject is not None:
        try:
            found = result.get(subject)
        except KeyError:
            raise InvalidFacts(scheme.name, [f"no subject {subject!r} in the facts"]) from None
        click.echo(f"{found.subject} [{found.cohort}] {text(found.total)} {found.grade}  名次 {found.rank or '-'}")
        click.echo(render(found.explanation, width=WIDTH))
        for f in found.flags:
            click.echo(f"否决 {f.category} ({f.veto}): {', '.join(f.effects)} [{f.source}]")
        for g in found.gates:
            click.echo(f"{g.label}: {'; '.join(g.reasons)}")
        for c in found.consequences:
            click.echo(f"结果运用 {c.label}: {'; '.join(a.what + (' ' + a.role if a.role else '') for a in c.actions)}")
    else:
        click.echo(ranked_table(result))


def register(group: click.Group) -> None:
    """Add ``scheme`` and ``score`` to the ``govflow`` command group."""
    group.add_command(scheme_group)
    group.add_command(score)

"""Scoring rules (评分规则): named rule types with parameters, composed into an indicator tree.

Why named types and no scheme code: every scheme in the documents is built from the same few
kinds of clause — a weighted composition (考评组75% / 互评10% / 领导15%), a value scored in
proportion to its target and capped at full marks (「达到及超过标准值的计满分」), per-occurrence
deductions by finding authority with a per-item floor (「扣完为止」) and caps, authority-tiered
bonuses where only the highest counts for one matter, Likert ballots, growth steps,
over-achievement bonuses, a sub-assessment's grade mapped to points. Each is one class here;
a scheme is data made of them and can be checked, shown, serialised and compared.

Each rule scores one subject from its `SubjectFacts` and returns a `Node` (the internal,
unscaled form of a `Line`; ``score`` materializes it) whose points are the
rule's contribution (see `govflow.scoring.explain`). ``bounds()`` is the static range of that
contribution (None: unbounded), used by ``govflow scheme check`` and the property tests.
Every rule carries ``source`` — the seed file and line it encodes, e.g. ``seed004:520``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any, ClassVar

import attrs

from govflow.scoring.codec import kind
from govflow.scoring.explain import Line, Node, adjustment, group, materialize, scaled
from govflow.scoring.facts import Ballots, Claim, IndicatorValue, Occurrence, SubGrade, Subject
from govflow.scoring.numbers import ONE, ZERO, context, divide, opt_decimal, text, to_decimal, total

Bounds = tuple[Decimal | None, Decimal | None]
"""(lowest, highest) contribution of a rule; None where unbounded."""


@attrs.frozen
class SubjectFacts:
    """The facts of one subject, indexed the way rules read them (built by `evaluate`)."""

    subject: Subject
    values: Mapping[tuple[str, str], IndicatorValue]
    occurrences: Mapping[str, tuple[Occurrence, ...]]
    claims: Mapping[str, tuple[Claim, ...]]
    ballots: Mapping[tuple[str, str], Ballots]
    sub_grades: Mapping[str, SubGrade]
    deferred: frozenset[str] = frozenset()
    """Bonus rules whose claims are carried over to next year for this subject's cohort."""


def _add(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None or b is None else a + b


def _clamp_bounds(bounds: Bounds, floor: Decimal | None, cap: Decimal | None) -> Bounds:
    lo, hi = bounds
    if floor is not None:
        lo = floor if lo is None else max(lo, floor)
        hi = None if hi is None else max(hi, floor)
    if cap is not None:
        hi = cap if hi is None else min(hi, cap)
        lo = None if lo is None else min(lo, cap)
    return lo, hi


class Rule:
    """Base of every rule type: a ``key`` (unique in its cohort), a ``label`` (Chinese name),
    a ``source`` citation, and the methods `score`, `bounds`, `problems`, `subrules`."""

    KIND: ClassVar[str]
    key: str
    label: str
    source: str

    def node(self, facts: SubjectFacts, path: str) -> Node:
        """The rule's contribution for one subject, as an internal (unscaled) explanation node."""
        raise NotImplementedError

    def score(self, facts: SubjectFacts, path: str) -> Line:
        """The rule's contribution for one subject, as an explanation line."""
        return materialize(self.node(facts, path))

    def bounds(self) -> Bounds:
        """The static (lowest, highest) contribution."""
        raise NotImplementedError

    def problems(self, path: str) -> list[str]:
        """Everything wrong with the rule's parameters (empty when valid)."""
        return []

    def subrules(self) -> tuple[Rule, ...]:
        """Child rules (composites only)."""
        return ()

    def walk(self, path: str = "") -> Iterator[tuple[str, Rule]]:
        """(path, rule) for this rule and every rule below it."""
        here = f"{path}/{self.key}" if path else self.key
        yield here, self
        for part in self.subrules():
            yield from part.walk(here)

    def reads_indicators(self) -> Iterable[tuple[str, str]]:
        """(indicator, period) pairs this rule reads from `IndicatorValue` facts."""
        return ()

    @property
    def monotone(self) -> bool:
        """Whether raising one of `reads_indicators`' values can never lower this rule's points."""
        return False


def _rule(value: Any) -> Rule:
    if isinstance(value, Rule):
        return value
    if isinstance(value, Mapping):
        from govflow.scoring.codec import decode

        built = decode(value)
        if isinstance(built, Rule):
            return built
    raise TypeError(f"expected a scoring rule, got {type(value).__name__}")


def _rules(value: Iterable[Any]) -> tuple[Rule, ...]:
    return tuple(_rule(v) for v in value)


def _build_all(cls: type[Any], value: Iterable[Any]) -> tuple[Any, ...]:
    out = []
    for item in value:
        if isinstance(item, Mapping):
            item = cls(**{k: v for k, v in item.items() if k != "kind"})
        out.append(item)
    return tuple(out)


def _parts(value: Iterable[Any]) -> tuple[Part, ...]:
    return _build_all(Part, value)


def _levels(value: Iterable[Any]) -> tuple[Level, ...]:
    return _build_all(Level, value)


def _tiers(value: Iterable[Any]) -> tuple[Tier, ...]:
    return _build_all(Tier, value)


def _channels(value: Iterable[Any]) -> tuple[ChannelCap, ...]:
    return _build_all(ChannelCap, value)


def _shares(value: Iterable[Any]) -> tuple[GradeShare, ...]:
    return _build_all(GradeShare, value)


def _names(value: Iterable[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


# -- composites ------------------------------------------------------------------------------------


@kind("sum")
@attrs.frozen
class Sum(Rule):
    """The sum of its parts (一级指标 = Σ 二级指标), optionally capped (封顶) and floored (保底):
    「综合得分=指标评估得分+领导评估得分+(加分)-(减分)」."""

    key: str
    label: str
    parts: tuple[Rule, ...] = attrs.field(converter=_rules)
    cap: Decimal | None = attrs.field(default=None, converter=opt_decimal)
    floor: Decimal | None = attrs.field(default=None, converter=opt_decimal)
    source: str = ""

    def subrules(self) -> tuple[Rule, ...]:
        """The summed rules."""
        return self.parts

    def node(self, facts: SubjectFacts, path: str) -> Node:
        """Σ parts, then the cap and floor as adjustment leaves."""
        here = f"{path}/{self.key}" if path else self.key
        lines = [part.node(facts, here) for part in self.parts]
        raw = total(line.weighted for line in lines)
        if self.cap is not None and raw > self.cap:
            lines.append(adjustment(here, "cap", f"封顶 cap {text(self.cap)}", self.cap - raw, source=self.source))
        elif self.floor is not None and raw < self.floor:
            lines.append(
                adjustment(here, "floor", f"保底 floor {text(self.floor)}", self.floor - raw, source=self.source)
            )
        return group(here, "sum", self.label, lines, source=self.source)

    def bounds(self) -> Bounds:
        """Σ of the parts' bounds, clamped by floor and cap."""
        lo: Decimal | None = ZERO
        hi: Decimal | None = ZERO
        for part in self.parts:
            plo, phi = part.bounds()
            lo, hi = _add(lo, plo), _add(hi, phi)
        return _clamp_bounds((lo, hi), self.floor, self.cap)

    def problems(self, path: str) -> list[str]:
        """Empty parts, repeated keys, cap below floor."""
        here = f"{path}/{self.key}" if path else self.key
        found = [f"{here}: a sum needs at least one part"] if not self.parts else []
        keys = [p.key for p in self.parts]
        found += [f"{here}: part key {k!r} repeated" for k in sorted({k for k in keys if keys.count(k) > 1})]
        if self.cap is not None and self.floor is not None and self.cap < self.floor:
            found.append(f"{here}: cap {self.cap} is below floor {self.floor}")
        for part in self.parts:
            found += part.problems(here)
        return found

    @property
    def monotone(self) -> bool:
        """Monotone when every part is (caps and floors keep monotonicity)."""
        return all(p.monotone for p in self.parts)

    def reads_indicators(self) -> Iterable[tuple[str, str]]:
        """The parts' indicators."""
        for part in self.parts:
            yield from part.reads_indicators()


@kind("part")
@attrs.frozen
class Part:
    """One weighted component of a `Weighted` composition: ``weight`` × the rule's points."""

    weight: Decimal = attrs.field(converter=to_decimal)
    rule: Rule = attrs.field(converter=_rule)


@kind("weighted")
@attrs.frozen
class Weighted(Rule):
    """A weighted composition (加权): multi-rater (考评组75% / 互评10% / 领导15%), period weights
    (中期50% / 年终50%; 每季度25%), 定量85% / 定性15%. The weights must add up to
    ``total_weight`` (1 unless the document says otherwise) — a `DefinitionError` otherwise."""

    key: str
    label: str
    parts: tuple[Part, ...] = attrs.field(converter=_parts)
    total_weight: Decimal = attrs.field(default=ONE, converter=to_decimal)
    source: str = ""

    def subrules(self) -> tuple[Rule, ...]:
        """The weighted rules."""
        return tuple(p.rule for p in self.parts)

    def node(self, facts: SubjectFacts, path: str) -> Node:
        """Σ weight × part, each part's explanation scaled by its weight (leaves stay exact)."""
        here = f"{path}/{self.key}" if path else self.key
        lines = [scaled(p.rule.node(facts, here), p.weight) for p in self.parts]
        return group(here, "weighted", self.label, lines, source=self.source)

    def bounds(self) -> Bounds:
        """Σ weight × the parts' bounds."""
        lo: Decimal | None = ZERO
        hi: Decimal | None = ZERO
        for p in self.parts:
            plo, phi = p.rule.bounds()
            lo = _add(lo, None if plo is None else p.weight * plo)
            hi = _add(hi, None if phi is None else p.weight * phi)
        return lo, hi

    def problems(self, path: str) -> list[str]:
        """Weights that do not add up, non-positive weights, repeated keys."""
        here = f"{path}/{self.key}" if path else self.key
        found: list[str] = []
        weights = total(p.weight for p in self.parts)
        if weights != self.total_weight:
            listed = " + ".join(text(p.weight) for p in self.parts)
            found.append(f"{here}: weights {listed} = {text(weights)}, not {text(self.total_weight)}")
        found += [f"{here}/{p.rule.key}: weight {text(p.weight)} is not positive" for p in self.parts if p.weight <= 0]
        keys = [p.rule.key for p in self.parts]
        found += [f"{here}: part key {k!r} repeated" for k in sorted({k for k in keys if keys.count(k) > 1})]
        for p in self.parts:
            found += p.rule.problems(here)
        return found

    @property
    def monotone(self) -> bool:
        """Monotone when every part is (weights are positive)."""
        return all(p.rule.monotone for p in self.parts)

    def reads_indicators(self) -> Iterable[tuple[str, str]]:
        """The parts' indicators."""
        for p in self.parts:
            yield from p.rule.reads_indicators()


# -- values -----------------------------------------------------------------------------------------


@kind("direct")
@attrs.frozen
class Direct(Rule):
    """A score given directly, 0 … ``full`` (领导评估 10 分, 考评组评分): the fact's value is
    the points. A value outside 0 … full is refused by validation; a missing one scores 0."""

    key: str
    label: str
    full: Decimal = attrs.field(converter=to_decimal)
    indicator: str = ""
    period: str = ""
    source: str = ""

    @property
    def reads(self) -> str:
        """The indicator name read (defaults to the key)."""
        return self.indicator or self.key

    def node(self, facts: SubjectFacts, path: str) -> Node:
        """The recorded value (0 when none was recorded)."""
        here = f"{path}/{self.key}" if path else self.key
        fact = facts.values.get((self.reads, self.period))
        if fact is None:
            return Node(here, "direct", self.label, ZERO, source=self.source, detail="no value recorded: 0")
        return Node(
            here,
            "direct",
            self.label,
            fact.value,
            source=self.source,
            facts=(fact.ref,),
            detail=f"{text(fact.value)} of {text(self.full)}",
        )

    def bounds(self) -> Bounds:
        """0 … full."""
        return ZERO, self.full

    def problems(self, path: str) -> list[str]:
        """A non-positive full mark."""
        return [f"{path}/{self.key}: full marks {self.full} must be positive"] if self.full <= 0 else []

    def reads_indicators(self) -> Iterable[tuple[str, str]]:
        """The one indicator read."""
        yield self.reads, self.period

    @property
    def monotone(self) -> bool:
        """A higher value is a higher score."""
        return True


@kind("proportional")
@attrs.frozen
class Proportional(Rule):
    """「以量化下达的指标为标准值,达到及超过标准值的计满分,低于标准值的按实际完成比例折算计分」:
    full × min(1, value / target). The target is the rule's ``target`` or, where each subject
    has its own 标准值, the fact's ``target``."""

    key: str
    label: str
    full: Decimal = attrs.field(converter=to_decimal)
    indicator: str = ""
    target: Decimal | None = attrs.field(default=None, converter=opt_decimal)
    period: str = ""
    source: str = ""

    @property
    def reads(self) -> str:
        """The indicator name read (defaults to the key)."""
        return self.indicator or self.key

    def target_of(self, fact: IndicatorValue) -> Decimal | None:
        """The 标准值 that applies to `fact`."""
        return fact.target if fact.target is not None else self.target

    def node(self, facts: SubjectFacts, path: str) -> Node:
        """Full × completion ratio, the ratio capped at 1 (满分封顶)."""
        here = f"{path}/{self.key}" if path else self.key
        fact = facts.values.get((self.reads, self.period))
        if fact is None:
            return Node(here, "proportional", self.label, ZERO, source=self.source, detail="no value recorded: 0")
        target = self.target_of(fact)
        assert target is not None and target > 0  # validation guarantees it
        if fact.value >= target:
            points, detail = self.full, f"{text(fact.value)} ≥ 标准值 {text(target)}: full {text(self.full)}"
        else:
            points = divide(context().multiply(self.full, fact.value), target)
            detail = f"{text(fact.value)}/{text(target)} × {text(self.full)}"
        return Node(here, "proportional", self.label, points, source=self.source, facts=(fact.ref,), detail=detail)

    def bounds(self) -> Bounds:
        """0 … full."""
        return ZERO, self.full

    def problems(self, path: str) -> list[str]:
        """A non-positive full mark or target."""
        found = [f"{path}/{self.key}: full marks {self.full} must be positive"] if self.full <= 0 else []
        if self.target is not None and self.target <= 0:
            found.append(f"{path}/{self.key}: target {self.target} must be positive")
        return found

    def reads_indicators(self) -> Iterable[tuple[str, str]]:
        """The one indicator read."""
        yield self.reads, self.period

    @property
    def monotone(self) -> bool:
        """A higher completion never scores less."""
        return True


@kind("level")
@attrs.frozen
class Level:
    """One level of a rating scale and its share of full marks: 好 → 100 %, 中 → 80 %."""

    name: str
    share: Decimal = attrs.field(converter=to_decimal)


RATER_POLICIES = ("refuse", "zero")
"""What a ballot set below the minimum rater count does: ``refuse`` the facts (InvalidFacts)
or score ``zero`` with the reason in the explanation."""


@kind("rated")
@attrs.frozen
class Rated(Rule):
    """Qualitative rating by anonymous ballots (定性测评): full × the mean share of the ballots
    (「"好"(100%)、"中"(80%)、"差"(60%)」), valid only with at least ``min_raters`` ballots
    (「参评人数不少于40人」). Only the tally enters; the explanation shows counts, never a ballot."""

    key: str
    label: str
    full: Decimal = attrs.field(converter=to_decimal)
    scale: tuple[Level, ...] = attrs.field(converter=_levels)
    min_raters: int = 1
    insufficient: str = "refuse"
    period: str = ""
    source: str = ""

    def share_of(self, level: str) -> Decimal | None:
        """The share a level is worth, None if the level is not on the scale."""
        for item in self.scale:
            if item.name == level:
                return item.share
        return None

    def node(self, facts: SubjectFacts, path: str) -> Node:
        """Full × Σ(count × share) / raters."""
        here = f"{path}/{self.key}" if path else self.key
        tally = facts.ballots.get((self.key, self.period))
        raters = sum(n for _, n in tally.counts) if tally is not None else 0
        if tally is None or raters == 0:
            return Node(here, "rated", self.label, ZERO, source=self.source, detail="no ballots: 0")
        if raters < self.min_raters:  # only with insufficient="zero"; "refuse" fails validation
            return Node(
                here,
                "rated",
                self.label,
                ZERO,
                source=self.source,
                facts=(tally.ref,),
                detail=f"invalid: {raters} raters < {self.min_raters}: 0",
            )
        ctx = context()
        weighted = ZERO
        for level, n in tally.counts:
            share = self.share_of(level)
            if share is not None:
                weighted = ctx.add(weighted, ctx.multiply(share, n))
        points = divide(context().multiply(self.full, weighted), Decimal(raters))
        counts = ", ".join(f"{level} {n}" for level, n in tally.counts)
        return Node(
            here,
            "rated",
            self.label,
            points,
            source=self.source,
            facts=(tally.ref,),
            detail=f"{raters} raters ({counts}) × {text(self.full)}",
        )

    def bounds(self) -> Bounds:
        """0 … full × the best share."""
        best = max((level.share for level in self.scale), default=ZERO)
        return ZERO, self.full * max(best, ZERO)

    def problems(self, path: str) -> list[str]:
        """An empty scale, shares outside 0 … 1, repeated levels, an unknown policy."""
        here = f"{path}/{self.key}"
        found = [f"{here}: a rating scale needs levels"] if not self.scale else []
        found += [
            f"{here}: level {lv.name!r} share {lv.share} outside 0…1" for lv in self.scale if not 0 <= lv.share <= 1
        ]
        names = [lv.name for lv in self.scale]
        found += [f"{here}: level {n!r} repeated" for n in sorted({n for n in names if names.count(n) > 1})]
        if self.insufficient not in RATER_POLICIES:
            found.append(f"{here}: insufficient={self.insufficient!r} is not one of {', '.join(RATER_POLICIES)}")
        if self.min_raters < 0:
            found.append(f"{here}: min_raters must not be negative")
        return found


# -- deductions and bonuses -------------------------------------------------------------------------


@kind("tier")
@attrs.frozen
class Tier:
    """One row of an authority-tiered table: points for a finding/commendation by ``authority``
    (镇/县/市/省/国家; 党委政府 vs 部门) and, where the table distinguishes, ``severity``.
    ``max_points`` makes the row a range decided case by case (「每例扣1至5分」)."""

    authority: str
    points: Decimal = attrs.field(converter=to_decimal)
    severity: str = ""
    max_points: Decimal | None = attrs.field(default=None, converter=opt_decimal)


@kind("channel_cap")
@attrs.frozen
class ChannelCap:
    """A cap on what one channel may deduct in all (查访核验 「倒扣分不超过2分」)."""

    name: str
    authorities: tuple[str, ...] = attrs.field(converter=_names)
    cap: Decimal = attrs.field(converter=to_decimal)


def _tier_for(tiers: tuple[Tier, ...], authority: str, severity: str) -> Tier | None:
    for tier in tiers:
        if tier.authority == authority and tier.severity == severity:
            return tier
    return None


@kind("deductions")
@attrs.frozen
class Deductions(Rule):
    """Per-occurrence deductions (按次扣分) by finding authority and severity.

    The item starts at ``base`` (its full marks for a 减分制 item, 0 for a cumulative 减分
    clause) and loses the table's points per occurrence × count — twice that when
    ``double_unrectified`` and the rectification workflow recorded the finding as not
    rectified (「整改不到位的,每起加倍扣分」). ``channel_caps`` cap what each channel deducts,
    ``cap`` caps the whole (「各单位累计扣分不超过4分」), and ``floor`` is the lowest the item can
    fall (0 for 「扣完为止」). ``requires_reason``: an occurrence without a reason is refused
    (「凡涉及扣分事项,均需说明理由」).
    """

    key: str
    label: str
    tiers: tuple[Tier, ...] = attrs.field(converter=_tiers)
    base: Decimal = attrs.field(default=ZERO, converter=to_decimal)
    cap: Decimal | None = attrs.field(default=None, converter=opt_decimal)
    floor: Decimal | None = attrs.field(default=None, converter=opt_decimal)
    channel_caps: tuple[ChannelCap, ...] = attrs.field(default=(), converter=_channels)
    double_unrectified: bool = False
    requires_reason: bool = False
    requires_evidence: bool = False
    source: str = ""
    period: str = ""
    """The sub-period this item covers; occurrences filed under it must carry the same
    ``period`` (validation refuses one filed under the wrong sub-period)."""

    def points_of(self, occ: Occurrence) -> Decimal:
        """What one occurrence deducts before caps: row points (or its own, within the row's
        range) × count, doubled when not rectified and the rule doubles."""
        tier = _tier_for(self.tiers, occ.authority, occ.severity)
        assert tier is not None  # validation guarantees it
        each = occ.points if (occ.points is not None and tier.max_points is not None) else tier.points
        points = each * occ.count
        if self.double_unrectified and occ.rectified is False:
            points *= 2
        return points

    def node(self, facts: SubjectFacts, path: str) -> Node:
        """Base − Σ occurrences, then channel caps, the total cap and the floor as adjustments."""
        here = f"{path}/{self.key}" if path else self.key
        lines: list[Node] = []
        if self.base:
            lines.append(Node(here, "base", f"基础分 base {text(self.base)}", self.base, source=self.source))
        occurrences = facts.occurrences.get(self.key, ())
        by_channel: dict[str, Decimal] = {}
        for occ in occurrences:
            pts = self.points_of(occ)
            doubled = self.double_unrectified and occ.rectified is False
            refs = (occ.id,) + ((occ.rectified_source,) if doubled and occ.rectified_source else ())
            detail = f"{occ.authority}{'/' + occ.severity if occ.severity else ''} × {occ.count}"
            if doubled:
                detail += " 整改不到位 doubled"
            if occ.reason:
                detail += f": {occ.reason}"
            lines.append(Node(here, "deduction", f"扣分 {occ.id}", -pts, source=self.source, facts=refs, detail=detail))
            for channel in self.channel_caps:
                if occ.authority in channel.authorities:
                    by_channel[channel.name] = by_channel.get(channel.name, ZERO) + pts
        for channel in self.channel_caps:
            over = by_channel.get(channel.name, ZERO) - channel.cap
            if over > 0:
                lines.append(
                    adjustment(
                        here, "channel_cap", f"{channel.name} 不超过 {text(channel.cap)}", over, source=self.source
                    )
                )
        deducted = self.base - total(line.points for line in lines)
        if self.cap is not None and deducted > self.cap:
            lines.append(
                adjustment(here, "cap", f"累计扣分不超过 {text(self.cap)}", deducted - self.cap, source=self.source)
            )
        raw = total(line.points for line in lines)
        if self.floor is not None and raw < self.floor:
            lines.append(
                adjustment(here, "floor", f"扣完为止 floor {text(self.floor)}", self.floor - raw, source=self.source)
            )
        if not lines:
            lines.append(Node(here, "none", "无扣分 nothing deducted", ZERO, source=self.source))
        return group(here, "deductions", self.label, lines, source=self.source)

    def bounds(self) -> Bounds:
        """Base − cap … base, floored."""
        lo = None if self.cap is None else self.base - self.cap
        return _clamp_bounds((lo, self.base), self.floor, None)

    def problems(self, path: str) -> list[str]:
        """Negative table rows or caps, rows repeated, a cap larger than the item."""
        here = f"{path}/{self.key}"
        found = [f"{here}: a deduction table needs rows"] if not self.tiers else []
        found += [
            f"{here}: row {t.authority}{t.severity} points {t.points} must be positive"
            for t in self.tiers
            if t.points <= 0
        ]
        rows = [(t.authority, t.severity) for t in self.tiers]
        found += [
            f"{here}: row {a}{'/' + s if s else ''} repeated" for a, s in sorted({r for r in rows if rows.count(r) > 1})
        ]
        if self.cap is not None and self.cap <= 0:
            found.append(f"{here}: cap {self.cap} must be positive")
        for channel in self.channel_caps:
            unknown = sorted(set(channel.authorities) - {t.authority for t in self.tiers})
            if unknown:
                found.append(
                    f"{here}: channel {channel.name!r} names authorities not in the table: {', '.join(unknown)}"
                )
            if channel.cap <= 0:
                found.append(f"{here}: channel {channel.name!r} cap must be positive")
        return found


COUNTING_RULES = ("document_date",)
"""How the year an item counts in is decided: ``document_date`` — by the date of its evidence
document (「以文件、证书的发文时间计算」); evidence dated outside the period is refused."""


@kind("bonuses")
@attrs.frozen
class Bonuses(Rule):
    """Authority-tiered bonuses (加分) for commendations (表彰) and promoted experience.

    Each confirmed claim scores its row; with ``highest_only`` only the best claim per matter
    counts (「同一项工作获不同层次表彰的,以最高层次给予加分」); ``cap`` caps the total
    (「各单位累计加分不超过4分」). Every claim carries evidence (文号, date, authority), and the
    period it counts in is decided by ``counting`` (see `COUNTING_RULES`). With
    ``defer_unless`` naming a kind of submission, if any subject of the cohort did not hand it
    in on time, every subject's claims under this rule are carried over to next year
    (「…否则缺一家,对已有加分依据的单位均转入下一年度加分」).
    """

    key: str
    label: str
    tiers: tuple[Tier, ...] = attrs.field(converter=_tiers)
    cap: Decimal | None = attrs.field(default=None, converter=opt_decimal)
    highest_only: bool = True
    counting: str = "document_date"
    defer_unless: str = ""
    source: str = ""

    def points_of(self, claim: Claim) -> Decimal:
        """The row points of one claim."""
        tier = _tier_for(self.tiers, claim.authority, "")
        assert tier is not None  # validation guarantees it
        return tier.points

    def node(self, facts: SubjectFacts, path: str) -> Node:
        """Σ counted claims (highest per matter), capped; deferred claims score 0, shown."""
        here = f"{path}/{self.key}" if path else self.key
        claims = [c for c in facts.claims.get(self.key, ()) if c.confirmed]
        lines: list[Node] = []
        if self.key in facts.deferred:
            for claim in claims:
                lines.append(
                    Node(
                        here,
                        "deferred",
                        f"转入下一年度 {claim.id}",
                        ZERO,
                        source=self.source,
                        facts=(claim.id,),
                        detail=f"{claim.authority} {claim.evidence.number}: carried over (cohort evidence incomplete)",
                    )
                )
            return group(here, "bonuses", self.label, lines or [Node(here, "none", "无加分", ZERO)], source=self.source)
        best: dict[str, Claim] = {}
        skipped: list[Claim] = []
        for claim in claims:
            matter = claim.matter or claim.id
            if not self.highest_only:
                best[claim.id] = claim
                continue
            held = best.get(matter)
            if held is None:
                best[matter] = claim
            elif (self.points_of(claim), held.id) > (self.points_of(held), claim.id):
                skipped.append(held)
                best[matter] = claim
            else:
                skipped.append(claim)
        for claim in sorted(best.values(), key=lambda c: c.id):
            lines.append(
                Node(
                    here,
                    "bonus",
                    f"加分 {claim.id}",
                    self.points_of(claim),
                    source=self.source,
                    facts=(claim.id,),
                    detail=f"{claim.authority} {claim.evidence.number} ({claim.evidence.date.isoformat()})",
                )
            )
        for claim in sorted(skipped, key=lambda c: c.id):
            lines.append(
                Node(
                    here,
                    "not_counted",
                    f"同一项工作取最高 {claim.id}",
                    ZERO,
                    source=self.source,
                    facts=(claim.id,),
                    detail=f"{claim.authority}: a higher claim counts for matter {claim.matter or claim.id!r}",
                )
            )
        raw = total(line.points for line in lines)
        if self.cap is not None and raw > self.cap:
            lines.append(
                adjustment(here, "cap", f"累计加分不超过 {text(self.cap)}", self.cap - raw, source=self.source)
            )
        if not lines:
            lines.append(Node(here, "none", "无加分 no bonus", ZERO, source=self.source))
        return group(here, "bonuses", self.label, lines, source=self.source)

    def bounds(self) -> Bounds:
        """0 … cap (unbounded above without a cap)."""
        return ZERO, self.cap

    def problems(self, path: str) -> list[str]:
        """Non-positive rows, repeated rows, a non-positive cap, an unknown counting rule."""
        here = f"{path}/{self.key}"
        found = [f"{here}: a bonus table needs rows"] if not self.tiers else []
        found += [f"{here}: row {t.authority} points {t.points} must be positive" for t in self.tiers if t.points <= 0]
        rows = [t.authority for t in self.tiers]
        found += [f"{here}: row {a} repeated" for a in sorted({r for r in rows if rows.count(r) > 1})]
        if self.cap is not None and self.cap <= 0:
            found.append(f"{here}: cap {self.cap} must be positive")
        if self.counting not in COUNTING_RULES:
            found.append(f"{here}: counting={self.counting!r} is not one of {', '.join(COUNTING_RULES)}")
        return found


@kind("growth_steps")
@attrs.frozen
class GrowthSteps(Rule):
    """Growth-step points (增长档): ``points_per_step`` for every full ``step`` percentage points
    of growth over last year's value, eligible only from ``min_value`` (inclusive) — e.g.
    「集体经济纯收入5万元以上,比上年有所增长,每增长十个百分点奖0.5分」 — and, with
    ``decline_points_per_step``, a deduction per full step of decline
    (「比上年每减少十个百分点扣0.5分」). ``cap`` bounds either way."""

    key: str
    label: str
    indicator: str
    step: Decimal = attrs.field(converter=to_decimal)
    points_per_step: Decimal = attrs.field(converter=to_decimal)
    min_value: Decimal | None = attrs.field(default=None, converter=opt_decimal)
    decline_points_per_step: Decimal = attrs.field(default=ZERO, converter=to_decimal)
    cap: Decimal | None = attrs.field(default=None, converter=opt_decimal)
    period: str = ""
    source: str = ""

    def node(self, facts: SubjectFacts, path: str) -> Node:
        """Full steps of growth (or decline) × points per step, within the cap."""
        here = f"{path}/{self.key}" if path else self.key
        fact = facts.values.get((self.indicator, self.period))
        if fact is None or fact.previous is None or fact.previous <= 0:
            return Node(here, "growth", self.label, ZERO, source=self.source, detail="no comparable value: 0")
        growth = divide((fact.value - fact.previous) * 100, fact.previous)
        steps = int(abs(growth) // self.step)
        if growth > 0:
            if self.min_value is not None and fact.value < self.min_value:
                detail = f"{text(fact.value)} below eligibility {text(self.min_value)}: 0"
                return Node(here, "growth", self.label, ZERO, source=self.source, facts=(fact.ref,), detail=detail)
            points = self.points_per_step * steps
        else:
            points = -self.decline_points_per_step * steps
        if self.cap is not None:
            points = max(min(points, self.cap), -self.cap)
        detail = f"{text(growth)} pp → {steps} step(s) of {text(self.step)}"
        return Node(here, "growth", self.label, points, source=self.source, facts=(fact.ref,), detail=detail)

    def bounds(self) -> Bounds:
        """−cap … cap (unbounded without a cap)."""
        lo = ZERO if self.decline_points_per_step == 0 else (None if self.cap is None else -self.cap)
        return lo, self.cap

    def problems(self, path: str) -> list[str]:
        """Non-positive step or points."""
        here = f"{path}/{self.key}"
        found = [f"{here}: step must be positive"] if self.step <= 0 else []
        if self.points_per_step < 0 or self.decline_points_per_step < 0:
            found.append(f"{here}: points per step must not be negative")
        return found

    def reads_indicators(self) -> Iterable[tuple[str, str]]:
        """The one indicator read."""
        yield self.indicator, self.period

    @property
    def monotone(self) -> bool:
        """A higher value never scores less (previous fixed)."""
        return True


@kind("over_achievement")
@attrs.frozen
class OverAchievement(Rule):
    """Over-achievement bonus (超额完成加分) for one work item: ``points`` when any one of its
    ``indicators`` exceeds its target by ``threshold`` (a share, 0.10 for 「达10%及以上」,
    inclusive) — counted once per item however many indicators exceed (「只取其中1项」) — and at
    most ``cap_share`` × ``item_value`` (「最多可加该项工作分值的30%」)."""

    key: str
    label: str
    indicators: tuple[str, ...] = attrs.field(converter=_names)
    item_value: Decimal = attrs.field(converter=to_decimal)
    threshold: Decimal = attrs.field(converter=to_decimal)
    points: Decimal = attrs.field(converter=to_decimal)
    cap_share: Decimal | None = attrs.field(default=None, converter=opt_decimal)
    period: str = ""
    source: str = ""

    @property
    def award(self) -> Decimal:
        """The bonus once the cap applies."""
        if self.cap_share is None:
            return self.points
        return min(self.points, self.cap_share * self.item_value)

    def node(self, facts: SubjectFacts, path: str) -> Node:
        """`award` if any indicator reaches target × (1 + threshold), else 0."""
        here = f"{path}/{self.key}" if path else self.key
        for name in sorted(self.indicators):
            fact = facts.values.get((name, self.period))
            if fact is None or fact.target is None or fact.target <= 0:
                continue
            if fact.value >= fact.target * (ONE + self.threshold):
                capped = (
                    ""
                    if self.award == self.points
                    else f" capped at {text(self.cap_share or ZERO)} × {text(self.item_value)}"
                )
                return Node(
                    here,
                    "over_achievement",
                    self.label,
                    self.award,
                    source=self.source,
                    facts=(fact.ref,),
                    detail=f"{name} {text(fact.value)} ≥ {text(fact.target)} × {text(ONE + self.threshold)}{capped}",
                )
        return Node(here, "over_achievement", self.label, ZERO, source=self.source, detail="no indicator over target")

    def bounds(self) -> Bounds:
        """0 … the capped award."""
        return ZERO, self.award

    def problems(self, path: str) -> list[str]:
        """No indicators, non-positive values."""
        here = f"{path}/{self.key}"
        found = [f"{here}: needs at least one indicator"] if not self.indicators else []
        if self.points <= 0 or self.item_value <= 0 or self.threshold < 0:
            found.append(f"{here}: points and item value must be positive, threshold not negative")
        if self.cap_share is not None and not 0 < self.cap_share <= 1:
            found.append(f"{here}: cap_share {self.cap_share} outside (0, 1]")
        return found

    def reads_indicators(self) -> Iterable[tuple[str, str]]:
        """The item's indicators."""
        for name in self.indicators:
            yield name, self.period

    @property
    def monotone(self) -> bool:
        """Exceeding by more never scores less."""
        return True


@kind("grade_share")
@attrs.frozen
class GradeShare(Level):
    """A grade of a sub-assessment and the share of full marks it brings (优秀 → 10/10)."""


@kind("grade_map")
@attrs.frozen
class GradeMap(Rule):
    """Sub-assessment contribution (专项考核计分): the grade a subject got in ``assessment`` maps to
    a share of ``full`` (「获得"优秀"的,按10%…;"良好"的,按8-9%…;"差"的,不计分」). Where the
    document gives a range the scheme picks a share — a named constant in the scheme module."""

    key: str
    label: str
    full: Decimal = attrs.field(converter=to_decimal)
    assessment: str
    shares: tuple[GradeShare, ...] = attrs.field(converter=_shares)
    source: str = ""

    def node(self, facts: SubjectFacts, path: str) -> Node:
        """Full × the share of the recorded grade (0 when none was recorded)."""
        here = f"{path}/{self.key}" if path else self.key
        fact = facts.sub_grades.get(self.assessment)
        if fact is None:
            return Node(here, "grade_map", self.label, ZERO, source=self.source, detail="no grade recorded: 0")
        share = next((s.share for s in self.shares if s.name == fact.grade), ZERO)
        points = context().multiply(self.full, share)
        return Node(
            here,
            "grade_map",
            self.label,
            points,
            source=self.source,
            facts=(fact.ref,),
            detail=f"{self.assessment} {fact.grade} → {text(share)} × {text(self.full)}",
        )

    def bounds(self) -> Bounds:
        """0 … full × the best share."""
        return ZERO, self.full * max((s.share for s in self.shares), default=ZERO)

    def problems(self, path: str) -> list[str]:
        """Shares outside 0 … 1, repeated grades."""
        here = f"{path}/{self.key}"
        found = [f"{here}: grade {s.name!r} share {s.share} outside 0…1" for s in self.shares if not 0 <= s.share <= 1]
        names = [s.name for s in self.shares]
        found += [f"{here}: grade {n!r} repeated" for n in sorted({n for n in names if names.count(n) > 1})]
        return found


@kind("lowest")
@attrs.frozen
class Lowest(Rule):
    """The lowest of its parts (取最低): 「各项指标得分均在60分以上的为合格」 is a band on the
    lowest indicator. The explanation shows every part and one adjustment leaf bringing the
    sum down to the lowest, so the leaves still sum exactly."""

    key: str
    label: str
    parts: tuple[Rule, ...] = attrs.field(converter=_rules)
    source: str = ""

    def subrules(self) -> tuple[Rule, ...]:
        """The compared rules."""
        return self.parts

    def node(self, facts: SubjectFacts, path: str) -> Node:
        """min(parts), as the parts plus an adjustment."""
        here = f"{path}/{self.key}" if path else self.key
        lines = [part.node(facts, here) for part in self.parts]
        low = min(line.weighted for line in lines)
        lowest = next(line for line in lines if line.weighted == low)
        adjust = low - total(line.weighted for line in lines)
        lines.append(adjustment(here, "lowest", f"取最低 {lowest.label}", adjust, source=self.source))
        return group(here, "lowest", self.label, lines, source=self.source)

    def bounds(self) -> Bounds:
        """(lowest of the lows, lowest of the highs); unbounded where a part is."""
        lows = [p.bounds()[0] for p in self.parts]
        highs = [p.bounds()[1] for p in self.parts]
        lo = None if any(v is None for v in lows) else min(v for v in lows if v is not None)
        known = [v for v in highs if v is not None]
        return lo, (min(known) if known else None)

    def problems(self, path: str) -> list[str]:
        """No parts, repeated keys."""
        here = f"{path}/{self.key}" if path else self.key
        found = [f"{here}: a lowest-of needs at least one part"] if not self.parts else []
        keys = [p.key for p in self.parts]
        found += [f"{here}: part key {k!r} repeated" for k in sorted({k for k in keys if keys.count(k) > 1})]
        for part in self.parts:
            found += part.problems(here)
        return found

    @property
    def monotone(self) -> bool:
        """Monotone when every part is."""
        return all(p.monotone for p in self.parts)

    def reads_indicators(self) -> Iterable[tuple[str, str]]:
        """The parts' indicators."""
        for part in self.parts:
            yield from part.reads_indicators()


RULE_TYPES: tuple[type[Rule], ...] = (
    Sum,
    Lowest,
    Weighted,
    Direct,
    Proportional,
    Rated,
    Deductions,
    Bonuses,
    GrowthSteps,
    OverAchievement,
    GradeMap,
)
"""Every rule type, for documentation and the CLI."""

"""The explanation tree (得分说明): every point traced to its rule, its facts and its source line.

A `Line` is one node: the rule that produced it (``rule``, a path of rule keys), what kind of
step it is, the points it contributes **to the total**, the ids of the facts it used, and the
document line the rule cites (``source``, e.g. ``seed004:550``). An inner line's points are
exactly the sum of its children's; a weight scales the whole subtree (each leaf carries its
weighted contribution), and a cap, floor or rounding step is a leaf of its own. So the leaves
always sum to the total, exactly, in `Decimal` — the property tests check it for every scheme.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any, NamedTuple

import attrs

from govflow.scoring.codec import kind
from govflow.scoring.numbers import ZERO, context, opt_decimal, text, to_decimal, total


def _lines(value: Iterable[Any]) -> tuple[Line, ...]:
    out = tuple(value)
    if not all(isinstance(v, Line) for v in out):
        raise TypeError("explanation children must be lines")
    return out


def _strs(value: Iterable[str]) -> tuple[str, ...]:
    return value if type(value) is tuple else tuple(value)


@kind("line")
@attrs.frozen
class Line:
    """One node of an explanation: ``points`` contributed to the total by ``rule``.

    Built in the hot path of `evaluate` (dozens per subject), so its fields take no converters;
    `from_fields` converts JSON forms when a result is read back."""

    rule: str
    step: str
    label: str
    points: Decimal
    source: str = ""
    facts: tuple[str, ...] = ()
    detail: str = ""
    weight: Decimal | None = None
    children: tuple[Line, ...] = ()

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> Line:
        """A line from its decoded JSON fields (points as strings, lists for tuples)."""
        return cls(
            str(fields["rule"]),
            str(fields["step"]),
            str(fields["label"]),
            to_decimal(fields["points"]),
            str(fields.get("source", "")),
            _strs(fields.get("facts", ())),
            str(fields.get("detail", "")),
            opt_decimal(fields.get("weight")),
            _lines(fields.get("children", ())),
        )

    def leaves(self) -> Iterator[Line]:
        """The leaf lines, depth first."""
        if not self.children:
            yield self
            return
        for child in self.children:
            yield from child.leaves()

    def walk(self, depth: int = 0) -> Iterator[tuple[int, Line]]:
        """(depth, line) for this line and every line below it, depth first."""
        yield depth, self
        for child in self.children:
            yield from child.walk(depth + 1)

    def find(self, rule: str) -> Line | None:
        """The first line produced by `rule` (a rule key or a full path), or None."""
        for _, line in self.walk():
            if line.rule == rule or line.rule.endswith("/" + rule):
                return line
        return None

    def all_facts(self) -> frozenset[str]:
        """Every fact id used anywhere in the tree."""
        return frozenset(f for _, line in self.walk() for f in line.facts)


class Node(NamedTuple):
    """The internal, unscaled form of a line, built by the rules while scoring (a plain tuple:
    cheap to build). ``points`` is the node's own contribution *before* its ``weight``; a
    weighted part records its weight here instead of copying its subtree. `materialize` turns
    the tree into public `Line` objects in one pass, multiplying every node by the product of
    the weights above it — the same exact `Decimal` products the lines always carried."""

    rule: str
    step: str
    label: str
    points: Decimal
    source: str = ""
    facts: tuple[str, ...] = ()
    detail: str = ""
    weight: Decimal | None = None
    children: tuple[Node, ...] = ()

    @property
    def weighted(self) -> Decimal:
        """What the node brings to its parent: ``points × weight``."""
        return self.points if self.weight is None else _MUL(self.points, self.weight)


_MUL = context().multiply
_ADD = context().add
_NEW = tuple.__new__


def group(rule: str, step: str, label: str, children: Iterable[Node], *, source: str = "", detail: str = "") -> Node:
    """An inner node whose points are the exact sum of what `children` bring (weights applied)."""
    items = tuple(children)
    points = ZERO
    for c in items:
        points = _ADD(points, c.points if c.weight is None else _MUL(c.points, c.weight))
    return Node(rule, step, label, points, source, (), detail, None, items)


def scaled(node: Node, weight: Decimal) -> Node:
    """`node` as a weighted part: the weight recorded on it (no copy of the subtree); its
    points and every point below it are multiplied by it when materialized."""
    w = weight if node.weight is None else _MUL(node.weight, weight)
    return _NEW(Node, (*node[:7], w, node[8]))


def adjustment(rule: str, step: str, label: str, points: Decimal, *, source: str = "", detail: str = "") -> Node:
    """A leaf that moves the sum by `points`: a cap (封顶), a floor (扣完为止), a rounding."""
    return Node(rule, step, label, points, source, (), detail)


def materialize(node: Node, factor: Decimal | None = None) -> Line:
    """The public, immutable `Line` tree of `node`: each node's points × the product of its own
    and its ancestors' weights (exact), each weight as recorded on its own node."""
    weight = node.weight
    if weight is not None:
        factor = weight if factor is None else _MUL(factor, weight)
    points = node.points if factor is None else _MUL(node.points, factor)
    children = tuple([materialize(c, factor) for c in node.children]) if node.children else ()
    return Line(node.rule, node.step, node.label, points, node.source, node.facts, node.detail, weight, children)


def render(line: Line, *, width: int = 80) -> str:
    """The tree as indented text, one line per node, points right-aligned, within `width`."""
    rows: list[str] = []
    for depth, node in line.walk():
        pts = text(node.points)
        weight = f" ×{text(node.weight)}" if node.weight is not None else ""
        cite = f" [{node.source}]" if node.source else ""
        facts = f" <{', '.join(node.facts)}>" if node.facts else ""
        head = "  " * depth + node.label + weight
        tail = f"{pts:>9}"
        room = max(width - len(tail) - 1, 10)
        rows.append(_fit(head, room) + " " * max(room - _cells(_fit(head, room)), 0) + " " + tail)
        extra = " ".join(part for part in (node.detail, facts.strip(), cite.strip()) if part)
        if extra:
            rows.extend("  " * depth + "    " + chunk for chunk in _wrap(extra, width - 2 * depth - 4))
    return "\n".join(rows)


def _cells(s: str) -> int:
    """Terminal columns of `s` (CJK characters take two)."""
    return sum(2 if "\u2e80" <= ch <= "\uffef" else 1 for ch in s)


def _fit(s: str, room: int) -> str:
    out = ""
    for ch in s:
        if _cells(out + ch) > room - 1 and _cells(s) > room:
            return out + "…"
        out += ch
    return out


def _wrap(s: str, room: int) -> list[str]:
    """Break `s` into chunks of at most `room` columns, at spaces where possible."""
    room = max(room, 20)
    chunks: list[str] = []
    current = ""
    for word in s.split(" "):
        candidate = f"{current} {word}" if current else word
        if _cells(candidate) <= room:
            current = candidate
            continue
        if current:
            chunks.append(current)
        current = ""
        for ch in word:
            if _cells(current + ch) > room:
                chunks.append(current)
                current = ""
            current += ch
    if current:
        chunks.append(current)
    return chunks


def leaf_sum(line: Line) -> Decimal:
    """The exact sum of the leaves (equal to ``line.points`` by construction)."""
    return total(leaf.points for leaf in line.leaves()) if line.children else line.points


__all__ = ["ZERO", "Line", "Node", "adjustment", "group", "leaf_sum", "materialize", "render", "scaled"]

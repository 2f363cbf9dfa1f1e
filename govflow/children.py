"""Child instances (子任务): a campaign's per-unit work, each pilot unit's plan, each notice.

A transition can `spawn` one child instance of another workflow per item of a list in the
parent's data (one per unit, one per finding). The children are created in the same transaction
as the parent's step. The parent waits on them with a *join* guard — all of them, a count, or a
share (≥ 90% accepted) in given states — reads them through queries, and, when it ends while
children are still in flight, must say what happens to them (`settle_children`): fire an event
on each (e.g. ``cancel``) in the same transaction, or ``"keep"`` them running, on the record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from govflow.errors import DefinitionError
from govflow.guards import Guard, GuardContext, guard

KEEP = "keep"
"""`settle_children` value: leave children in flight running when the parent ends (recorded)."""


def _mapping(value: Mapping[str, Any]) -> dict[str, Any]:
    return dict(value)


def _field_names(value: Sequence[str]) -> tuple[str, ...]:
    return tuple(value)


@attrs.frozen
class Spawn:
    """Start one child of `workflow` per item of the parent's data list `per`.

    An item that is a string is the child's unit; an item that is a mapping is the child's data,
    its `unit_key` entry (if any) the child's unit. `data` is merged under every child's data.
    With `report`, each child reports its outcome up when it reaches a final state: the
    parent's `report` event is fired in the same transaction (see `ChildReport`).
    """

    workflow: str
    per: str
    unit_key: str = "unit"
    data: dict[str, Any] = attrs.field(factory=dict, converter=_mapping, hash=False)
    """(Compared, but not hashed: a dict; definitions are hashed when modules are loaded.)"""
    label: str = ""
    report: str | None = None
    """The parent's event fired (as the system, payload `ChildReport`) when a child ends."""
    outputs: tuple[str, ...] = attrs.field(default=(), converter=_field_names)
    """The child's data fields its report carries up (a deduction, a finding count)."""

    def items(self, parent_data: Mapping[str, Any]) -> list[tuple[str | None, dict[str, Any]]]:
        """(unit, data) for each child to start."""
        value = parent_data.get(self.per)
        if not isinstance(value, list):
            from govflow.errors import InvalidData

            raise InvalidData(f"spawning {self.workflow!r} needs a list in data field {self.per!r}, got {value!r}")
        found: list[tuple[str | None, dict[str, Any]]] = []
        for item in value:
            if isinstance(item, str):
                found.append((item, dict(self.data)))
            elif isinstance(item, Mapping):
                unit = item.get(self.unit_key)
                found.append((unit if isinstance(unit, str) else None, {**self.data, **item}))
            else:
                from govflow.errors import InvalidData

                raise InvalidData(f"an item of {self.per!r} must be a unit id or a mapping, got {item!r}")
        return found


@attrs.frozen
class ChildReport:
    """What a child reports to its parent when it ends (上报结果): the payload of the parent's
    report event. A parent transition on that event declares ``payload_schema=ChildReport`` and
    allows the role ``system``; if the parent cannot take it where it is (it moved on, or
    ended), the report is written to the parent's audit trail as a note instead."""

    child_id: str
    workflow: str
    unit: str | None
    outcome: str
    """The child's final state."""
    outputs: dict[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class Join:
    """What a join guard waits for: children of `workflow` in `states` — all of them, at least
    `count`, or at least `share` (inclusive: 0.9 means 90% or more) of all the children."""

    workflow: str
    states: tuple[str, ...]
    share: float | None = None
    count: int | None = None

    def problems(self) -> list[str]:
        """What makes this join impossible, regardless of the child workflow."""
        found = []
        if self.share is not None and not 0 < self.share <= 1:
            found.append(f"share must be in (0, 1], not {self.share}")
        if self.count is not None and self.count < 1:
            found.append(f"count must be at least 1, not {self.count}")
        if self.share is not None and self.count is not None:
            found.append("give share or count, not both")
        if not self.states:
            found.append("name at least one child state")
        return found

    def reason(self, done: int, total: int) -> str | None:
        """Why the join is not met yet with `done` of `total` children in the states, or None."""
        wanted = "/".join(self.states)
        if total == 0:
            return f"no {self.workflow} children yet"
        if self.share is not None:
            if done >= self.share * total:
                return None
            return f"{done} of {total} children {wanted} ({done / total:.0%}); {self.share:.0%} needed"
        if self.count is not None:
            return None if done >= self.count else f"{done} children {wanted}; {self.count} needed"
        return None if done == total else f"{done} of {total} children {wanted}; all needed"


JOINS: dict[str, Join] = {}
"""Join specs by the name of their guard, for static checks."""


def join(workflow: str, states: str | Sequence[str], *, share: float | None = None, count: int | None = None) -> Guard:
    """A guard that holds the parent until its children of `workflow` are in `states` — all of
    them by default, or a `count`, or a `share` (e.g. ``share=0.9``: 90% accepted)."""
    spec = Join(workflow, (states,) if isinstance(states, str) else tuple(states), share, count)
    problems = spec.problems()
    if problems:
        raise DefinitionError(f"join on {workflow}", problems, kind="join condition")
    target = f"share {share:g}" if share is not None else f"count {count}" if count is not None else "all"
    name = f"join:{workflow}:{'|'.join(spec.states)}:{target}"

    def check(ctx: GuardContext) -> bool | str:
        if ctx.instance is None:
            return "a join needs an instance with children"
        total = ctx.engine.count(spec.workflow, parent_id=ctx.instance.id)
        done = ctx.engine.count(spec.workflow, parent_id=ctx.instance.id, state=list(spec.states))
        reason = spec.reason(done, total)
        return True if reason is None else reason

    JOINS[name] = spec
    return guard(name, f"waits for {workflow} children in {'/'.join(spec.states)} ({target})")(check)

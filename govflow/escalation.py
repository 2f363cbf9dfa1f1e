"""Escalation (上报/督办): where an overdue case goes, and the power it gives there.

An `Escalate` deadline action moves a case up when its limit passes — one level, to the nearest
unit of a named level (a street office, 街道), or to a named unit — and may name a role there.
Moving the case's unit already lets that unit's scoped role-holders see it; `to_role` goes
further: while the escalation stands, the named role's holders may act on the case themselves
(提级办理), which is what a 督办 superior expects. An escalation stands while its deadline is
still overdue on the case, i.e. until the case leaves the state the deadline belongs to — so the
power is derived from the instance's own marks and ends without any clean-up.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from govflow.access import AccessContext, Grant, Requirement

if TYPE_CHECKING:
    from govflow.deadlines import Escalate
    from govflow.directory import Directory


def escalation_target(
    action: Escalate,
    unit: str | None,
    parent_unit: Callable[[str], str | None],
    directory: Directory | None,
) -> tuple[str | None, str | None]:
    """The unit an escalation from `unit` goes to, and a note when it cannot go where asked.

    The case stays in its unit (target ``None``) when the escalation names only a role, when
    the case has no unit, or when no unit of the asked level lies above it; the note says why.
    """
    if action.to_unit is not None:
        return action.to_unit, None
    if unit is None:
        return None, "the case has no unit" if (action.to_parent_unit or action.to_level) else None
    if action.to_parent_unit:
        parent = parent_unit(unit)
        return parent, None if parent is not None else f"{unit!r} has no unit above it"
    if action.to_level is not None:
        if directory is None or not directory.has_unit(unit):
            return None, f"no organisation directory knows {unit!r}, so no {action.to_level} above it can be found"
        for above in directory.ancestors(unit)[1:]:
            if directory.unit(above).kind == action.to_level:
                return above, None
        return None, f"no unit of level {action.to_level!r} above {unit!r}"
    return None, None


def standing(marks: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The escalations that still stand: the latest one per deadline still overdue on the case."""
    overdue = marks.get("overdue", {})
    latest: dict[str, Mapping[str, Any]] = {}
    for escalation in marks.get("escalations", []):
        if escalation.get("deadline") in overdue:
            latest[escalation["deadline"]] = escalation
    return list(latest.values())


@attrs.frozen
class Escalated(Requirement):
    """Hold one of `roles` where a standing escalation of the case sent it (督办 power).

    The compiler adds this to every transition open to people in a workflow whose deadlines
    escalate to a role, so it never needs declaring by hand."""

    roles: frozenset[str]

    def describe(self) -> str:
        return f"role {' or '.join(sorted(self.roles))} where the case was escalated to"

    def __str__(self) -> str:
        return "escalated:" + "|".join(sorted(self.roles))

    def grant(self, ctx: AccessContext) -> Grant | None:
        instance = ctx.instance
        if instance is None:
            return None
        for escalation in standing(instance.marks):
            role = escalation.get("to_role")
            if role not in self.roles:
                continue
            target = escalation.get("to_unit")
            allowed = {target} if target else set(ctx.ancestors(instance.unit)) if instance.unit else set()
            for holding in ctx.holdings():
                if holding.role == role and holding.unit in allowed:
                    via = "escalation" if holding.via == "own" else f"escalation+{holding.via}"
                    return Grant((role,), holding.for_person, via)
        return None

    def role_names(self) -> frozenset[str]:
        return self.roles

"""Actors (办理人): who fires an event. Every fire names one; timers act as `SYSTEM`."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from govflow.errors import InvalidData


def _roles(value: Iterable[str] | str) -> frozenset[str]:
    if isinstance(value, str):
        return frozenset({value})
    return frozenset(value)


@attrs.frozen
class Actor:
    """A person (or the system) acting on an instance.

    `roles` are the role names the actor holds; `unit` is the organisational unit (单位) the
    actor belongs to, used for scope rules and as a new instance's default unit.
    """

    id: str
    roles: frozenset[str] = attrs.field(default=frozenset(), converter=_roles)
    unit: str | None = None
    name: str = ""

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id.strip():
            raise InvalidData("an Actor needs a non-empty id")

    def has_any(self, roles: frozenset[str]) -> bool:
        """True when the actor holds at least one of `roles` (``"*"`` admits every actor)."""
        return "*" in roles or not self.roles.isdisjoint(roles)


SYSTEM_ROLE = "system"
"""The role timers act with; a transition a deadline fires must allow it."""

SYSTEM = Actor("system", roles={SYSTEM_ROLE}, name="系统 (timers)")
"""The actor deadlines and sweeps act as (系统)."""

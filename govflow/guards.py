"""Guards (条件): the rules a transition checks before it may happen.

A *hard* guard encodes a rule the documents state absolutely (一律 / 严禁 / 不得): failing it
rejects the fire. A *soft* guard encodes a 原则上 ("in principle") rule: failing it asks for a
justification, and a fire that carries one goes ahead with the override on the record.
Every guard is evaluated, so a rejection lists every reason at once, not just the first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

from govflow.actor import Actor
from govflow.errors import GovflowError, GuardFailed
from govflow.registry import Registry

if TYPE_CHECKING:
    from govflow.calendar import Calendar
    from govflow.engine import Engine
    from govflow.instance import Instance


@attrs.frozen
class GuardContext:
    """What a guard may look at: the proposed data after the payload, who acts, and when.

    `engine` is there for rules that look across instances (e.g. "one trip per cadre per
    year"); guards must only read through it.
    """

    instance: Instance | None
    data: Mapping[str, Any]
    payload: Mapping[str, Any]
    actor: Actor
    event: str
    now: datetime
    engine: Engine
    model: Any = None
    """The data structured into the workflow's schema class, when it declares one."""
    calendar: Calendar | None = None
    """The engine's calendar, for lead-time rules counted in working days."""


Check = Callable[[GuardContext], "bool | str"]


@attrs.frozen
class Guard:
    """A named rule: `check(ctx)` returns True to pass, False to fail with `message`,
    or a string to fail with that string as the reason.

    `source` cites where the rule comes from (seed file and line), so a rejection can say why.
    `on_payload` marks a rule about what the event itself carries (an opinion, an attachment):
    it is checked when the event fires, but not when listing what an actor may do, since the
    payload is not known then.
    """

    name: str
    check: Check = attrs.field(eq=False, repr=False)
    message: str
    source: str = ""
    on_payload: bool = False

    def failure(self, ctx: GuardContext) -> str | None:
        """The reason this guard fails for `ctx`, or None when it passes. A check that raises is
        a bug in the guard: `GuardFailed` names it (a `GovflowError` raised on purpose passes)."""
        try:
            result = self.check(ctx)
        except GovflowError:
            raise
        except Exception as exc:
            raise GuardFailed(self.name, exc) from exc
        if result is True:
            return None
        reason = result if isinstance(result, str) and result else self.message
        return f"{reason} ({self.source})" if self.source else reason

    def to_json(self) -> dict[str, str | bool]:
        """The guard as its registered name (the code stays in Python)."""
        return {"name": self.name, "message": self.message, "source": self.source, "on_payload": self.on_payload}


GUARDS: Registry[Guard] = Registry("guard")
"""Every guard made with `@guard`, by name; JSON definitions resolve guards here."""


def guard(name: str, message: str, *, source: str = "", on_payload: bool = False) -> Callable[[Check], Guard]:
    """Decorator: turn a check function into a registered `Guard`.

    Example:
        ```python
        @guard("trip.group_size", "a group has at most 6 members", source="seed 003 L92")
        def group_size(ctx: GuardContext) -> bool:
            return len(ctx.data["members"]) <= 6
        ```

    """

    def make(check: Check) -> Guard:
        return GUARDS.add(name, Guard(name=name, check=check, message=message, source=source, on_payload=on_payload))

    return make

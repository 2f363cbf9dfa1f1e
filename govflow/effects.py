"""Effects (动作): code that runs when a transition happens, inside the same transaction.

An effect may change the instance's data and raise follow-up events. Raised events are queued
and processed after the current transition finishes (run to completion), never interleaved.
If any effect or follow-up fails, the whole fire is rejected and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import attrs

from govflow.actor import Actor
from govflow.registry import Registry


@attrs.define
class EffectContext:
    """What an effect works with: `data` is the instance's new data, and may be changed; so may
    `marks`; `detail` adds to the audit event."""

    data: dict[str, Any]
    payload: Mapping[str, Any]
    actor: Actor
    event: str
    source: str
    dest: str
    now: datetime
    raised: list[tuple[str, dict[str, Any]]] = attrs.field(factory=list)
    marks: dict[str, Any] = attrs.field(factory=dict)
    """The instance's engine-managed annotations (chains, overdue, …): replace, don't mutate, nested values."""
    detail: dict[str, Any] = attrs.field(factory=dict)
    """Extra facts to write into this transition's audit event."""
    on_behalf_of: str | None = None
    """Whom the actor acts for (AB岗 backup or delegation), if anyone."""
    instance_id: str = ""
    """The instance the transition happens to."""
    engine: Any = None
    """The engine, for reading (the directory, the calendar, other instances); never write through it."""

    def raise_event(self, event: str, payload: Mapping[str, Any] | None = None) -> None:
        """Queue `event` to run after this transition completes (same actor, same checks)."""
        self.raised.append((event, dict(payload or {})))


@attrs.frozen
class Effect:
    """A named piece of code run after a transition's state change."""

    name: str
    run: Callable[[EffectContext], None] = attrs.field(eq=False, repr=False)
    description: str = ""

    def to_json(self) -> dict[str, str]:
        """The effect as its registered name."""
        return {"name": self.name, "description": self.description}


EFFECTS: Registry[Effect] = Registry("effect")
"""Every effect made with `@effect`, by name."""


def effect(name: str, description: str = "") -> Callable[[Callable[[EffectContext], None]], Effect]:
    """Decorator: turn a function into a registered `Effect`."""

    def make(run: Callable[[EffectContext], None]) -> Effect:
        return EFFECTS.add(name, Effect(name=name, run=run, description=description))

    return make

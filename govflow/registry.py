"""Named callables (按名称登记): how definitions point at code and still round-trip to JSON.

A definition is data; the guards, effects and schemas it uses are code. Each piece of code is
registered under a stable name, the definition stores the name, and loading a definition from
JSON looks the name up here. An unknown name is a `DefinitionError`, never a silent no-op.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from govflow.errors import DefinitionError

T = TypeVar("T")


class Registry(Generic[T]):
    """A name → object table for one kind of callable (guards, effects, resolvers, …)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}

    def add(self, name: str, item: T) -> T:
        """Register `item` under `name`; re-registering the same name replaces it (reloads)."""
        if not name or not isinstance(name, str):
            raise DefinitionError("<registry>", [f"a {self.kind} needs a non-empty name"])
        self._items[name] = item
        return item

    def get(self, name: str, workflow: str = "<json>") -> T:
        """The object registered as `name`, or `DefinitionError` naming what is known."""
        try:
            return self._items[name]
        except KeyError:
            known = ", ".join(sorted(self._items)) or "none"
            raise DefinitionError(
                workflow, [f"unknown {self.kind} {name!r} (registered {self.kind}s: {known})"]
            ) from None

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def names(self) -> list[str]:
        """Every registered name, sorted."""
        return sorted(self._items)


def qualified_name(obj: Any) -> str:
    """`module:QualName` of a class or function: the name a schema is registered and written as."""
    return f"{obj.__module__}:{obj.__qualname__}"

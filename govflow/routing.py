"""Routing tables as data (分类派遣): which unit handles a case of a given category.

Approval chains (`govflow.approvals`) route a case *up* a hierarchy of approvers. Many case
types are instead routed *across* to the department that owns the matter: a grid case about a
broken street lamp goes to the street-lighting office, one about cooking fumes to the
environment bureau (seed 002 L16–L27 lists such a table for 门前三包). A `RoutingTable` is that
table as immutable data — category → unit, with the handling limit each route gives — so the
dispatching transition reads it instead of hard-coding departments, and the table round-trips
through JSON for review and change control.

```python
from govflow import WorkingDays
from govflow.routing import Route, RoutingTable

table = RoutingTable(
    "city_matters",
    routes=[
        Route("street_lamp", "district.lighting", WorkingDays(3), label="路灯损坏"),
        Route("fumes", "district.environment", WorkingDays(5), label="油烟扰民"),
    ],
)
assert table.route("fumes").unit == "district.environment"
```

An unknown category raises `InvalidData` naming the known ones, unless the table has a
`default` unit (with `default_limit`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from govflow.deadlines import Days, WorkingDays
from govflow.errors import DefinitionError, InvalidData

Limit = WorkingDays | Days
"""How long the receiving unit has: N working days (个工作日) or N calendar days (日)."""


@attrs.frozen
class Route:
    """One row of a routing table: cases of `category` go to `unit`, to be handled within `limit`."""

    category: str
    unit: str
    limit: Limit
    label: str = ""
    """The category's Chinese name (路灯损坏)."""
    source: str = ""
    """Where the row comes from (seed file and line)."""

    def __attrs_post_init__(self) -> None:
        problems = []
        if not isinstance(self.category, str) or not self.category.strip():
            problems.append("a route needs a non-empty category")
        if not isinstance(self.unit, str) or not self.unit.strip():
            problems.append(f"route {self.category!r} needs a non-empty unit")
        if not isinstance(self.limit, WorkingDays | Days):
            problems.append(f"route {self.category!r}: limit must be WorkingDays or Days, not {self.limit!r}")
        if problems:
            raise DefinitionError("Route", problems, kind="routing table")


def _routes(value: Iterable[Route]) -> tuple[Route, ...]:
    return tuple(value)


def _limit_json(limit: Limit) -> dict[str, Any]:
    doc: dict[str, Any] = {"type": type(limit).__name__, "n": limit.n}
    if isinstance(limit, Days) and limit.roll_forward:
        doc["roll_forward"] = True
    return doc


def _limit_from_json(doc: Mapping[str, Any]) -> Limit:
    if doc.get("type") == "WorkingDays":
        return WorkingDays(int(doc["n"]))
    if doc.get("type") == "Days":
        return Days(int(doc["n"]), roll_forward=bool(doc.get("roll_forward", False)))
    raise DefinitionError("RoutingTable", [f"unknown limit {doc!r}"], kind="routing table")


@attrs.frozen
class RoutingTable:
    """Category → unit, as data: `route(category)` gives the row, `categories` the known ones.

    Categories are unique. `default` (with `default_limit`) catches categories the table does
    not list; without it an unknown category is refused.
    """

    name: str
    routes: tuple[Route, ...] = attrs.field(converter=_routes)
    default: str | None = None
    default_limit: Limit | None = None
    source: str = ""

    def __attrs_post_init__(self) -> None:
        problems = []
        if not isinstance(self.name, str) or not self.name.strip():
            problems.append("a routing table needs a non-empty name")
        seen: set[str] = set()
        for route in self.routes:
            if route.category in seen:
                problems.append(f"category {route.category!r} is routed twice")
            seen.add(route.category)
        if (self.default is None) != (self.default_limit is None):
            problems.append("give default and default_limit together, or neither")
        if not self.routes and self.default is None:
            problems.append("a routing table needs at least one route or a default")
        if problems:
            raise DefinitionError(self.name or "RoutingTable", problems, kind="routing table")

    @property
    def categories(self) -> tuple[str, ...]:
        """The listed categories, in table order."""
        return tuple(r.category for r in self.routes)

    def has(self, category: str) -> bool:
        """Whether `category` is listed (a default does not count)."""
        return category in self.categories

    def route(self, category: str) -> Route:
        """The row for `category` (the default's, when it is not listed and there is one).

        Raises `InvalidData` for an unknown category in a table without a default.
        """
        for r in self.routes:
            if r.category == category:
                return r
        if self.default is not None and self.default_limit is not None:
            return Route(category, self.default, self.default_limit, label="(default)", source=self.source)
        known = ", ".join(self.categories)
        raise InvalidData(f"routing table {self.name!r} has no route for category {category!r} (known: {known})")

    def units(self) -> tuple[str, ...]:
        """Every unit a case may be routed to, without repeats, in table order (default last)."""
        found = dict.fromkeys(r.unit for r in self.routes)
        if self.default is not None:
            found.setdefault(self.default)
        return tuple(found)

    def to_json(self) -> dict[str, Any]:
        """The table as plain JSON-ready data."""
        return {
            "name": self.name,
            "source": self.source,
            "default": self.default,
            "default_limit": None if self.default_limit is None else _limit_json(self.default_limit),
            "routes": [
                {
                    "category": r.category,
                    "unit": r.unit,
                    "limit": _limit_json(r.limit),
                    "label": r.label,
                    "source": r.source,
                }
                for r in self.routes
            ],
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> RoutingTable:
        """The table `to_json` wrote."""
        limit = doc.get("default_limit")
        return cls(
            name=doc["name"],
            source=doc.get("source", ""),
            default=doc.get("default"),
            default_limit=None if limit is None else _limit_from_json(limit),
            routes=[
                Route(
                    r["category"],
                    r["unit"],
                    _limit_from_json(r["limit"]),
                    label=r.get("label", ""),
                    source=r.get("source", ""),
                )
                for r in doc.get("routes", [])
            ],
        )

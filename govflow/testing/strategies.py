"""Hypothesis strategies (测试数据) for actors and for a workflow's data schema.

`actors_for` builds the cast a generated test needs: for every role a workflow names, two
holders (so four-eyes and not-initiator rules can be satisfied), plus an outsider with no role.
`data_for` draws instances of an attrs schema and returns their JSON form, the shape `start`
and payloads take.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import attrs
from hypothesis import strategies as st

from govflow.access import Role, Scoped
from govflow.actor import SYSTEM_ROLE, Actor
from govflow.data import converter
from govflow.definition import Workflow


def role_names(workflow: Workflow) -> list[str]:
    """Plain role names a workflow's transitions and start rule mention (not ``*``/``system``)."""
    names: set[str] = set()
    for t in workflow.transitions:
        for entry in t.roles:
            if isinstance(entry, str):
                names.add(entry)
            elif isinstance(entry, Role):
                names.add(entry.name)
            elif isinstance(entry, Scoped):
                names.add(entry.role)
    names |= set(workflow.start_roles)
    return sorted(names - {"*", SYSTEM_ROLE})


def actors_for(workflow: Workflow, unit: str = "unit.a") -> list[Actor]:
    """Two holders of each role (``clerk-1``, ``clerk-2``), all in `unit`, and an outsider."""
    cast = [Actor(f"{role}-{n}", roles={role}, unit=unit) for role in role_names(workflow) for n in (1, 2)]
    return [*cast, Actor("outsider", roles=set(), unit="unit.elsewhere")]


_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12)


def _for_type(tp: Any) -> st.SearchStrategy[Any]:
    if tp is bool:
        return st.booleans()
    if tp is int:
        return st.integers(min_value=-10, max_value=1000)
    if tp is float:
        return st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
    if tp is str:
        return _TEXT
    if tp is date:
        return st.dates(min_value=date(2016, 1, 1), max_value=date(2026, 12, 31))
    if tp is datetime:
        return st.datetimes(min_value=datetime(2016, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC))
    if attrs.has(tp):
        return st.builds(tp, **{f.name: _for_type(f.type) for f in attrs.fields(attrs.resolve_types(tp))})
    return st.from_type(tp)


def data_for(schema: type | None) -> st.SearchStrategy[dict[str, Any]]:
    """Instances of `schema` in JSON form (``{}`` without a schema)."""
    if schema is None:
        return st.just({})
    return _for_type(schema).map(converter.unstructure)


def junk_payloads() -> st.SearchStrategy[Any]:
    """Payloads that are usually wrong: odd types, unknown keys, not a mapping at all."""
    return st.one_of(
        st.dictionaries(
            _TEXT, st.one_of(st.none(), st.integers(), _TEXT, st.lists(st.integers(), max_size=3)), max_size=3
        ),
        st.lists(st.integers(), max_size=2),
        st.just("not a mapping"),
    )

"""Instance data (业务数据): validation against a workflow's schema, and JSON-safe encoding.

A workflow may declare its data as an attrs class. Data arriving at `start` or in a payload is
structured into that class (strictly: no extra keys, no silent int/float/bool coercion) and
then stored in its plain JSON form. Without a schema, data only has to be JSON-serialisable.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import attrs
import cattrs
from cattrs.cols import is_mutable_sequence, list_structure_factory
from cattrs.preconf.json import make_converter
from cattrs.v import format_exception

from govflow.errors import InvalidData
from govflow.registry import Registry, qualified_name
from govflow.values import json_object, json_value

converter = make_converter(forbid_extra_keys=True, detailed_validation=True)
"""The cattrs converter govflow structures data with (dates as ISO strings)."""


def _strict_int(value: Any, _: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, got {value!r}")
    return value


def _strict_float(value: Any, _: type) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number, got {value!r}")
    return float(value)


def _strict_str(value: Any, _: type) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {value!r}")
    return value


def _strict_bool(value: Any, _: type) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, got {value!r}")
    return value


def _date(value: Any, _: type) -> date:
    if isinstance(value, datetime):
        raise TypeError(f"expected a date, got the datetime {value!r}")
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO date string, got {value!r}")
    return date.fromisoformat(value)


def _datetime(value: Any, _: type) -> datetime:
    parsed = value if isinstance(value, datetime) else None
    if parsed is None:
        if not isinstance(value, str):
            raise TypeError(f"expected an ISO datetime string, got {value!r}")
        parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise TypeError(f"datetime {value!r} has no time zone")
    return parsed


def _strict_list_factory(type_: Any, conv: cattrs.Converter) -> Any:
    """Lists must arrive as JSON arrays: a string is not a list of its characters."""
    inner = list_structure_factory(type_, conv)

    def structure_list(value: Any, type_arg: Any) -> Any:
        if not isinstance(value, list | tuple):
            raise TypeError(f"expected a list, got {value!r}")
        return inner(value, type_arg)

    return structure_list


converter.register_structure_hook_factory(is_mutable_sequence, _strict_list_factory)
converter.register_structure_hook(int, _strict_int)
converter.register_structure_hook(float, _strict_float)
converter.register_structure_hook(str, _strict_str)
converter.register_structure_hook(bool, _strict_bool)
converter.register_structure_hook(date, _date)
converter.register_structure_hook(datetime, _datetime)


SCHEMAS: Registry[type] = Registry("schema")
"""Data and payload schemas by name (``module:QualName``): the only classes a JSON definition can
name. A `Workflow` registers its own schemas when it is built; `register_schema` adds others. A
definition document is data, so loading one never imports a module it names."""


def register_schema(cls: type, name: str | None = None) -> type:
    """Register an attrs class as a schema JSON definitions may name (as `name`, by default
    ``module:QualName``); usable as a class decorator. Returns the class."""
    SCHEMAS.add(name or qualified_name(cls), cls)
    return cls


def validate(schema: type | None, data: Mapping[str, Any], what: str) -> tuple[dict[str, Any], Any]:
    """Check `data` against `schema`; return (plain JSON form, structured object or None).

    Raises `InvalidData` listing every problem, with its path (``$.members[2]``). The plain
    form follows the input rules of `govflow.values` (``-0.0`` is normalised to ``0.0``).
    """
    if not isinstance(data, Mapping):
        raise InvalidData(f"{what} must be a mapping of field names to values, got {type(data).__name__}")
    if schema is None:
        return json_object(data, "data", what=what), None
    json_object(data, "data", what=what, objects=True)  # depth, keys and text before cattrs recurses
    try:
        model: Any = converter.structure(dict(data), schema)
    except (cattrs.BaseValidationError, ValueError, TypeError) as exc:
        problems = (
            cattrs.transform_error(exc, format_exception=_explain)
            if isinstance(exc, cattrs.BaseValidationError)
            else [str(exc)]
        )
        raise InvalidData(f"{what} does not fit {schema.__name__}", problems) from None
    plain = json_object(converter.unstructure(model), "data", what=what)
    return plain, model


def _explain(exc: BaseException, type_: type | None) -> str:
    """The cattrs wording for a failure, plus the validator's own message where it has one."""
    base = format_exception(exc, type_)
    detail = str(exc)
    if isinstance(exc, ValueError | TypeError) and detail and detail not in base:
        return f"{base}: {detail}"
    return base


def structure(schema: type | None, data: Mapping[str, Any]) -> Any:
    """Stored (already valid) data as the schema's object, or None without a schema."""
    return None if schema is None else converter.structure(dict(data), schema)


def ensure_json(value: Any, what: str) -> None:
    """Raise `InvalidData` unless `value` follows the input rules of `govflow.values` (what
    storage and the audit need)."""
    json_value(value, "value", what=what)


def schema_fields(schema: type | None) -> frozenset[str] | None:
    """Field names of an attrs schema class, or None without a schema."""
    if schema is None:
        return None
    return frozenset(field.name for field in attrs.fields(schema))

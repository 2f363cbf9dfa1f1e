"""JSON for schemes, facts and results (序列化): one tagged, generic encoding, exact both ways.

Why generic: every scoring type is a frozen attrs class registered under a short ``kind``; the
JSON of an object is its kind plus its fields (those equal to their default are left out, so
hand-written facts files stay short). Reading back builds the registered class from its
fields, and each field's converter turns JSON forms into Python ones (``"0.05"`` → `Decimal`,
``"2016-12-31"`` → `date`, lists → tuples). Points are written as decimal strings, so a
round trip is exact — no float ever touches a score.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

import attrs

from govflow.errors import DefinitionError

KINDS: dict[str, type[Any]] = {}
"""kind name → class, filled by `kind`."""

C = TypeVar("C", bound=type[Any])


def kind(name: str) -> Callable[[C], C]:
    """Class decorator: register an attrs class under the JSON ``kind`` `name`."""

    def register(cls: C) -> C:
        known = KINDS.get(name)
        if known is not None and known.__qualname__ != cls.__qualname__:  # pragma: no cover - a coding error
            raise RuntimeError(f"scoring kind {name!r} registered twice ({known.__qualname__}, {cls.__qualname__})")
        KINDS[name] = cls
        cls.KIND = name
        return cls

    return register


def encode(value: Any) -> Any:
    """A JSON-ready form of a scoring object (or a value inside one)."""
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [encode(item) for item in value]
    if isinstance(value, frozenset | set):
        return sorted(encode(item) for item in value)
    if isinstance(value, Mapping):
        return {str(k): encode(v) for k, v in sorted(value.items())}
    if attrs.has(type(value)):
        name = getattr(type(value), "KIND", None)
        if name is None:
            raise TypeError(f"{type(value).__name__} is not a registered scoring kind")
        doc: dict[str, Any] = {"kind": name}
        for field in attrs.fields(type(value)):
            if not field.init:
                continue
            item = getattr(value, field.name)
            default: Any = field.default
            factory = getattr(default, "factory", None)
            if factory is not None and not getattr(default, "takes_self", False):
                default = factory()
            if default is not attrs.NOTHING and _same(item, default):
                continue
            doc[field.name] = encode(item)
        return doc
    raise TypeError(f"cannot encode {type(value).__name__} as scoring JSON")


def _same(a: Any, b: Any) -> bool:
    try:
        return type(a) is type(b) and bool(a == b)
    except Exception:  # pragma: no cover - exotic defaults
        return False


def decode(doc: Any, *, where: str = "<json>") -> Any:
    """Rebuild scoring objects from `encode` output (dicts with a ``kind``); other values pass.

    An unknown kind, a missing or unexpected field, or a value its converter refuses is a
    `DefinitionError` naming the place in the document.
    """
    if isinstance(doc, list):
        return [decode(item, where=f"{where}[{i}]") for i, item in enumerate(doc)]
    if isinstance(doc, Mapping) and "kind" in doc:
        name = doc["kind"]
        cls = KINDS.get(name) if isinstance(name, str) else None
        if cls is None:
            known = ", ".join(sorted(KINDS))
            raise DefinitionError(where, [f"unknown kind {name!r} (known: {known})"], kind="scoring JSON")
        fields = {k: decode(v, where=f"{where}.{k}") for k, v in doc.items() if k != "kind"}
        try:
            custom = getattr(cls, "from_fields", None)
            return custom(fields) if custom is not None else cls(**fields)
        except DefinitionError:
            raise
        except (TypeError, ValueError, ArithmeticError, KeyError) as exc:
            raise DefinitionError(where, [f"{name}: {exc}"], kind="scoring JSON") from None
    if isinstance(doc, Mapping):
        return {k: decode(v, where=f"{where}.{k}") for k, v in doc.items()}
    return doc

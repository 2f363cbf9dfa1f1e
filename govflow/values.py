"""Input rules (输入规则): what a value must be before govflow hashes or stores it.

Every public entry point (start, fire, find, count, available, definition and directory
loading) checks its arguments here once, at the boundary, so a bad input is an `InvalidData`
that names what is wrong and where — never a `TypeError` from deep inside JSON encoding or a
database driver — and a refused call writes nothing. The rules are the same on every storage
adapter; they are the intersection of what JSON, the canonical audit encoding, SQLite and
PostgreSQL can all hold:

* object keys are text (JSON has no other keys; ``{9: "a"}`` would hash differently from the
  ``{"9": "a"}`` that storage gives back);
* text is valid Unicode (no lone surrogates: it must encode as UTF-8) and holds no NUL
  (U+0000), which PostgreSQL cannot store;
* numbers are finite; integers have at most 100 digits (`MAX_INTEGER`); ``-0.0`` is
  normalised to ``0.0`` (equal in value, and PostgreSQL's jsonb has
  no negative zero);
* values nest at most `MAX_DEPTH` containers deep;
* identifiers (instance ids, event names, actor ids, units, workflow and state names) are
  non-blank text of at most `MAX_IDENTIFIER_LENGTH` characters;
* a page's `limit` and `offset` are whole numbers from 0 to `MAX_PAGE`;
* instants are timezone-aware and lie between `EARLIEST_INSTANT` and `LATEST_INSTANT`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from govflow.errors import InvalidData, NaiveDatetime

MAX_DEPTH = 64
"""How many containers (objects, lists) a value may nest. Real case data nests a handful of
levels; the bound keeps every recursive step (hashing, encoding, storing) far from Python's
recursion limit, with room for the engine's own wrapping (reports carry a child's data)."""

MAX_INTEGER = 10**100 - 1
"""The largest integer magnitude accepted (100 digits): every adapter stores such integers
exactly (JSON text in SQLite, numeric in PostgreSQL's jsonb), and it stays far below Python's
limit on converting integers to text (4,300 digits), past which encoding itself fails."""

MAX_REVISION = 2**63 - 1
"""The largest workflow version or expected revision accepted: both are 64-bit integer columns
in the SQL adapters."""

MAX_IDENTIFIER_LENGTH = 255
"""The longest identifier (instance id, event, actor, unit, workflow or state name) accepted."""

MAX_PAGE = 2**31 - 1
"""The largest `limit` or `offset` of a query: fits every database's integer, and no page is
larger in practice."""

EARLIEST_INSTANT = datetime(1900, 1, 1, tzinfo=UTC)
"""The earliest instant govflow records or queries by (inclusive)."""

LATEST_INSTANT = datetime(9000, 1, 1, tzinfo=UTC)
"""The latest instant govflow records or queries by (exclusive): leaves centuries of room for
deadlines counted forward, and keeps stored instants fixed-width (four-digit years)."""

MAX_PROBLEMS = 20
"""How many problems one refusal lists before it stops looking."""


def _key(key: Any) -> str:
    return f"[{key!r}]"


def text_problem(text: str) -> str | None:
    """Why `text` cannot be stored (a lone surrogate or a NUL, with its position), or None."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"lone surrogate U+{ord(text[exc.start]):04X} at position {exc.start} — text must be valid Unicode"
    position = text.find("\x00")
    if position >= 0:
        return f"NUL character (U+0000) at position {position} — PostgreSQL cannot store it, so no adapter takes it"
    return None


class _Walk:
    """One pass over a value: collects problems and builds the normalised copy."""

    def __init__(self, *, objects: bool, normalize: bool) -> None:
        self.objects = objects
        self.normalize = normalize
        self.problems: list[str] = []

    def fault(self, path: str, problem: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(f"{path}: {problem}")

    def value(self, value: Any, path: str, depth: int) -> Any:
        if len(self.problems) >= MAX_PROBLEMS:
            return value
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, str):
            problem = text_problem(value)
            if problem is not None:
                self.fault(path, problem)
            return value
        if isinstance(value, int):
            if abs(value) > MAX_INTEGER:
                self.fault(path, f"integer of {value.bit_length()} bits has more than 100 digits (the most accepted)")
            return value
        if isinstance(value, float):
            if not math.isfinite(value):
                self.fault(path, f"{value!r} is not a finite number (JSON has no NaN or Infinity)")
            elif value == 0.0 and math.copysign(1.0, value) < 0:
                if self.normalize:
                    return 0.0
                self.fault(path, "-0.0 is refused: store 0.0 (the engine normalises -0.0 on input)")
            return value
        if isinstance(value, Mapping | list | tuple):
            if depth >= MAX_DEPTH:
                self.fault(path, f"nested deeper than {MAX_DEPTH} levels")
                return value
            if isinstance(value, Mapping):
                return self.mapping(value, path, depth + 1)
            return [self.value(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value)]
        if self.objects:
            return value
        self.fault(
            path, f"a {type(value).__name__} is not a JSON value (use text, numbers, true/false, null, lists, objects)"
        )
        return value

    def mapping(self, value: Mapping[Any, Any], path: str, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                self.fault(
                    path,
                    f"key {_short(key)} ({type(key).__name__}) is not text — JSON object keys are text"
                    + (f" (use {str(key)!r})" if isinstance(key, int | float) and abs(key) < 10**20 else ""),
                )
                continue
            problem = text_problem(key)
            if problem is not None:
                self.fault(f"{path}{_key(key)}", f"the key has a {problem}")
                continue
            out[key] = self.value(item, f"{path}{_key(key)}", depth)
        return out


def json_value(
    value: Any, where: str, *, what: str | None = None, objects: bool = False, normalize: bool = True
) -> Any:
    """`value` checked against the input rules, as a plain JSON copy (``-0.0`` → ``0.0``,
    tuples → lists); `InvalidData` lists every problem by path from `where` (``data['a'][3]``).

    With `objects`, non-JSON leaves (a `date` for a schema's date field) pass unchecked: use it
    before a schema structures the value, and check the schema's JSON output strictly after.
    Without `normalize`, ``-0.0`` is refused instead (what storage does: it must store exactly
    what was hashed).
    """
    walk = _Walk(objects=objects, normalize=normalize)
    out = walk.value(value, where, 0)
    if walk.problems:
        raise InvalidData(f"{what or where} is refused", walk.problems)
    return out


def json_object(value: Any, where: str, *, what: str | None = None, objects: bool = False) -> dict[str, Any]:
    """A mapping of text keys to JSON values (instance data, a payload), checked as `json_value`."""
    if not isinstance(value, Mapping):
        raise InvalidData(f"{what or where} must be a mapping of field names to values, got {type(value).__name__}")
    out: dict[str, Any] = json_value(value, where, what=what, objects=objects)
    return out


def text(value: Any, where: str) -> str:
    """Free text (a justification): a `str` that is valid Unicode without NUL."""
    if not isinstance(value, str):
        raise InvalidData(f"{where} must be text, got {type(value).__name__}")
    problem = text_problem(value)
    if problem is not None:
        raise InvalidData(f"{where}: {problem}")
    return value


def identifier(value: Any, where: str) -> str:
    """An id or a name: non-blank text, at most `MAX_IDENTIFIER_LENGTH` characters."""
    if not isinstance(value, str):
        raise InvalidData(f"{where} must be text, got {type(value).__name__} {_short(value)}")
    if not value.strip():
        raise InvalidData(f"{where} must not be blank")
    if len(value) > MAX_IDENTIFIER_LENGTH:
        raise InvalidData(f"{where} is {len(value)} characters long; at most {MAX_IDENTIFIER_LENGTH} are allowed")
    return text(value, where)


def optional_identifier(value: Any, where: str) -> str | None:
    """`identifier`, or None."""
    return None if value is None else identifier(value, where)


def identifiers(value: Any, where: str) -> tuple[str, ...]:
    """One identifier or a sequence of them (``state="a"`` or ``state=["a", "b"]``)."""
    if isinstance(value, str):
        return (identifier(value, where),)
    if not isinstance(value, Sequence | set | frozenset):
        raise InvalidData(f"{where} must be text or a list of texts, got {type(value).__name__}")
    return tuple(identifier(item, f"{where}[{i}]") for i, item in enumerate(value))


def whole_number(value: Any, where: str, *, low: int = 0, high: int = MAX_PAGE) -> int:
    """An `int` (not a bool) from `low` to `high` inclusive."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidData(f"{where} must be a whole number, got {type(value).__name__} {_short(value)}")
    if not low <= value <= high:
        raise InvalidData(f"{where} must be from {low} to {high} (inclusive), not {_short(value)}")
    return value


def instant(value: Any, where: str) -> datetime:
    """A timezone-aware `datetime` from `EARLIEST_INSTANT` (inclusive) to `LATEST_INSTANT`
    (exclusive), in UTC."""
    if not isinstance(value, datetime):
        raise InvalidData(f"{where} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise NaiveDatetime(where)
    try:
        utc = value.astimezone(UTC)
    except (OverflowError, ValueError):
        utc = None
    if utc is None or not EARLIEST_INSTANT <= utc < LATEST_INSTANT:
        raise InvalidData(
            f"{where} is {value.isoformat()}, outside the instants govflow records "
            f"({EARLIEST_INSTANT.year} up to {LATEST_INSTANT.year}, UTC)"
        )
    return utc


def loads(document: Any, where: str) -> Any:
    """Parse JSON text and check it against the input rules; `InvalidData` if it cannot be.

    (`json.loads` alone raises `RecursionError` on deep nesting, and turns an escaped lone
    surrogate in the text into one without complaint.)
    """
    if not isinstance(document, str | bytes | bytearray):
        raise InvalidData(f"{where} must be JSON text, got {type(document).__name__}")
    try:
        parsed = json.loads(document)
    except RecursionError:
        raise InvalidData(f"{where} is refused", [f"{where}: nested deeper than {MAX_DEPTH} levels"]) from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, over-long integers
        raise InvalidData(f"{where} is not valid JSON: {exc}") from None
    return json_value(parsed, where)


def _short(value: Any) -> str:
    """`repr(value)`, cut to 60 characters; safe for any value (an integer past Python's
    int-to-text limit, or a repr that raises, is described instead)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
        return f"<an integer of {value.bit_length()} bits>"
    try:
        shown = repr(value)
    except Exception:  # a repr that raises must not replace the refusal it is part of
        return f"<a {type(value).__name__}>"
    return shown if len(shown) <= 60 else shown[:57] + "..."

"""The organisation directory (组织机构): units, who holds which post when, backups, delegations.

Government rules name positions, not people: "the principal head (主要负责人) signs", "the city
leader in charge of that line (分管领导) approves". The directory answers who that is on a given
day — a tree of units (市 → 区 → 街道 → 社区 → 网格, or 局 → 科), posts with start and end dates,
AB岗 backups who act while the primary is absent, and delegations (委托) for a period. It is
immutable data, validated when built, loadable from JSON or CSV and stored through the storage
adapter so every service sees the same one.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any, Literal

import attrs

from govflow.errors import DirectoryError, InvalidData
from govflow.values import loads

Via = Literal["own", "backup", "delegation"]


def _frozen(value: Iterable[str] | str) -> frozenset[str]:
    if isinstance(value, str):
        return frozenset(v for v in value.split("|") if v) if value else frozenset()
    return frozenset(value)


def _day(value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    if value == "":
        return None
    return date.fromisoformat(value)


def _required_day(value: date | str) -> date:
    day = _day(value)
    if day is None:
        raise ValueError("a start date is required")
    return day


def _active(start: date, end: date | None, on: date) -> bool:
    return start <= on and (end is None or on <= end)


def _overlap(a_start: date, a_end: date | None, b_start: date, b_end: date | None) -> bool:
    return a_start <= (b_end or date.max) and b_start <= (a_end or date.max)


@attrs.frozen
class Unit:
    """A unit of the organisation (单位): `parent` is None at the top; `line` is ``party`` or
    ``government`` (党委/政府 side) where it matters; `kind` names the level (区, 街道, 网格…)."""

    id: str
    name: str = ""
    parent: str | None = None
    kind: str = ""
    line: str | None = None


@attrs.frozen
class Post:
    """A person holding `position` in `unit` from `start` to `end` (inclusive; None: open).

    `position` is the role name rules refer to (e.g. ``principal`` 主要负责人, ``leader_in_charge``
    分管领导, ``grid_head`` 网格长). `portfolio` lists what the post is in charge of — business
    lines (``line:foreign_affairs``), liaison districts (``liaison:district.a``) — for relative
    roles to match against. `line` is the post's party/government side.
    """

    person: str
    position: str
    unit: str
    start: date = attrs.field(converter=_required_day)
    end: date | None = attrs.field(default=None, converter=_day)
    portfolio: frozenset[str] = attrs.field(default=frozenset(), converter=_frozen)
    line: str | None = None

    def active(self, on: date) -> bool:
        """Whether the post is held on `on`."""
        return _active(self.start, self.end, on)


@attrs.frozen
class Backup:
    """AB岗: `backup` may exercise `primary`'s posts while `primary` is absent (recorded as such)."""

    primary: str
    backup: str
    start: date = attrs.field(converter=_required_day)
    end: date | None = attrs.field(default=None, converter=_day)


@attrs.frozen
class Absence:
    """`person` is away from `start` to `end` (inclusive): their AB岗 backup acts meanwhile."""

    person: str
    start: date = attrs.field(converter=_required_day)
    end: date = attrs.field(converter=_required_day)
    reason: str = ""


@attrs.frozen
class Delegation:
    """委托: `delegate` acts on behalf of `delegator` from `start` to `end` (inclusive), with the
    rights of the delegator's posts in `positions` (empty: all of them). The audit trail names both."""

    delegator: str
    delegate: str
    start: date = attrs.field(converter=_required_day)
    end: date = attrs.field(converter=_required_day)
    positions: frozenset[str] = attrs.field(default=frozenset(), converter=_frozen)
    reason: str = ""

    def active(self, on: date) -> bool:
        """Whether the delegation is in force on `on`."""
        return _active(self.start, self.end, on)


@attrs.frozen
class Acting:
    """A post someone may exercise on a day: their own, as AB岗 backup, or by delegation.

    `for_person` is the holder acted for (None for one's own post).
    """

    post: Post
    via: Via = "own"
    for_person: str | None = None


def _units(value: Iterable[Unit]) -> tuple[Unit, ...]:
    return tuple(value)


def _posts(value: Iterable[Post]) -> tuple[Post, ...]:
    return tuple(value)


def _backups(value: Iterable[Backup]) -> tuple[Backup, ...]:
    return tuple(value)


def _absences(value: Iterable[Absence]) -> tuple[Absence, ...]:
    return tuple(value)


def _delegations(value: Iterable[Delegation]) -> tuple[Delegation, ...]:
    return tuple(value)


@attrs.frozen
class Directory:
    """The organisation on record, validated when built (raises `DirectoryError`).

    `single_holder` names positions that at most one person may hold in a unit at a time
    (主要负责人 by default); overlapping tenures of those are refused.
    """

    units: tuple[Unit, ...] = attrs.field(converter=_units)
    posts: tuple[Post, ...] = attrs.field(default=(), converter=_posts)
    backups: tuple[Backup, ...] = attrs.field(default=(), converter=_backups)
    absences: tuple[Absence, ...] = attrs.field(default=(), converter=_absences)
    delegations: tuple[Delegation, ...] = attrs.field(default=(), converter=_delegations)
    single_holder: frozenset[str] = attrs.field(default=frozenset({"principal"}), converter=_frozen)
    _by_id: dict[str, Unit] = attrs.field(init=False, eq=False, repr=False)
    _posts_of: dict[str, tuple[Post, ...]] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        by_id: dict[str, Unit] = {}
        problems: list[str] = []
        for unit in self.units:
            if unit.id in by_id:
                problems.append(f"duplicate unit {unit.id!r}")
            by_id[unit.id] = unit
        object.__setattr__(self, "_by_id", by_id)
        posts_of: dict[str, list[Post]] = {}
        for post in self.posts:
            posts_of.setdefault(post.person, []).append(post)
        object.__setattr__(self, "_posts_of", {k: tuple(v) for k, v in posts_of.items()})
        problems.extend(self._problems())
        if problems:
            raise DirectoryError(problems)

    # -- validation -------------------------------------------------------------------------------

    def _problems(self) -> list[str]:
        problems: list[str] = []
        for unit in self.units:
            if unit.parent is not None and unit.parent not in self._by_id:
                problems.append(f"unit {unit.id!r} has unknown parent {unit.parent!r}")
        reported: set[str] = set()
        for unit in self.units:
            path = [unit.id]
            parent = unit.parent
            while parent is not None and parent in self._by_id:
                if parent in path:
                    cycle = path[path.index(parent) :]
                    if not reported & set(cycle):
                        problems.append(f"units form a cycle: {' → '.join([*cycle, parent])}")
                    reported.update(cycle)
                    break
                path.append(parent)
                parent = self._by_id[parent].parent
        for post in self.posts:
            if post.unit not in self._by_id:
                problems.append(f"{post.person!r} holds {post.position!r} in unknown unit {post.unit!r}")
            if post.end is not None and post.end < post.start:
                problems.append(f"{post.person!r}'s {post.position!r} post ends ({post.end}) before it starts")
        for i, a in enumerate(self.posts):
            if a.position not in self.single_holder:
                continue
            for b in self.posts[i + 1 :]:
                same_post = (b.position, b.unit) == (a.position, a.unit) and b.person != a.person
                if same_post and _overlap(a.start, a.end, b.start, b.end):
                    problems.append(
                        f"{a.position!r} of {a.unit!r} is a single-holder post, but {a.person!r} "
                        f"({a.start}–{a.end or 'open'}) and {b.person!r} ({b.start}–{b.end or 'open'}) overlap"
                    )
        for backup in self.backups:
            if backup.primary == backup.backup:
                problems.append(f"{backup.primary!r} cannot be their own AB岗 backup")
            for person in (backup.primary, backup.backup):
                if person not in self._posts_of:
                    problems.append(f"AB岗 names {person!r}, who holds no post")
        for absence in self.absences:
            if absence.end < absence.start:
                problems.append(f"{absence.person!r}'s absence ends before it starts")
        for d in self.delegations:
            problems.extend(self._delegation_problems(d))
        return problems

    def _delegation_problems(self, d: Delegation) -> list[str]:
        if d.delegator == d.delegate:
            return [f"{d.delegator!r} cannot delegate to themselves"]
        if d.end < d.start:
            return [f"delegation from {d.delegator!r} to {d.delegate!r} ends before it starts"]
        problems = []
        held = [
            p for p in self._posts_of.get(d.delegator, ()) if p.start <= d.start and (p.end is None or d.end <= p.end)
        ]
        held_positions = {p.position for p in held}
        if not held:
            problems.append(
                f"{d.delegator!r} holds no post for the whole of {d.start}–{d.end}, so has no rights to delegate"
            )
        for position in sorted(d.positions - held_positions):
            problems.append(
                f"{d.delegator!r} cannot delegate {position!r}: beyond their own rights for {d.start}–{d.end}"
            )
        return problems

    # -- the tree ---------------------------------------------------------------------------------

    def unit(self, unit_id: str) -> Unit:
        """The unit called `unit_id` (`DirectoryError` if unknown)."""
        try:
            return self._by_id[unit_id]
        except KeyError:
            raise DirectoryError([f"unknown unit {unit_id!r}"]) from None

    def has_unit(self, unit_id: str) -> bool:
        """Whether the directory knows the unit."""
        return unit_id in self._by_id

    def ancestors(self, unit_id: str) -> list[str]:
        """`unit_id` followed by its parent, grandparent, … up to the top."""
        chain = [self.unit(unit_id).id]
        parent = self._by_id[unit_id].parent
        while parent is not None:
            chain.append(parent)
            parent = self._by_id[parent].parent
        return chain

    def parent(self, unit_id: str) -> str | None:
        """The unit's parent (None at the top); usable as the engine's `parent_unit`."""
        return self.unit(unit_id).parent

    def within(self, unit_id: str, ancestor: str) -> bool:
        """Whether `unit_id` is `ancestor` or lies below it."""
        return ancestor in self.ancestors(unit_id)

    # -- people -----------------------------------------------------------------------------------

    def knows(self, person: str) -> bool:
        """Whether the person holds (or held) any post on record."""
        return person in self._posts_of

    def posts_of(self, person: str, on: date) -> list[Post]:
        """The person's own posts held on `on`."""
        return [p for p in self._posts_of.get(person, ()) if p.active(on)]

    def absent(self, person: str, on: date) -> bool:
        """Whether the person is recorded as absent on `on`."""
        return any(a.person == person and a.start <= on <= a.end for a in self.absences)

    def acting(self, person: str, on: date) -> list[Acting]:
        """Every post the person may exercise on `on`: own, as AB岗 backup of an absent
        primary, and by delegation."""
        found = [Acting(p) for p in self.posts_of(person, on)]
        for b in self.backups:
            if b.backup == person and _active(b.start, b.end, on) and self.absent(b.primary, on):
                found.extend(Acting(p, "backup", b.primary) for p in self.posts_of(b.primary, on))
        for d in self.delegations:
            if d.delegate == person and d.active(on):
                found.extend(
                    Acting(p, "delegation", d.delegator)
                    for p in self.posts_of(d.delegator, on)
                    if not d.positions or p.position in d.positions
                )
        return found

    def positions(self) -> frozenset[str]:
        """Every position any post on record names."""
        return frozenset(p.position for p in self.posts)

    def _known_position(self, position: str) -> None:
        if position not in self.positions():
            known = ", ".join(sorted(self.positions())) or "none"
            raise DirectoryError([f"unknown position {position!r} (positions on record: {known})"])

    def holders(self, position: str, unit: str, on: date) -> list[str]:
        """Who holds `position` in `unit` on `on` (own posts only); unknown unit or position
        is a `DirectoryError`, a vacant post an empty list."""
        self.unit(unit)
        self._known_position(position)
        return sorted({p.person for p in self.posts if p.position == position and p.unit == unit and p.active(on)})

    def find_posts(
        self, on: date, *, position: str | None = None, unit: str | None = None, portfolio: str | None = None
    ) -> list[Post]:
        """Posts active on `on`, filtered by position, unit and an item of their portfolio."""
        if position is not None:
            self._known_position(position)
        if unit is not None:
            self.unit(unit)
        return [
            p
            for p in self.posts
            if p.active(on)
            and (position is None or p.position == position)
            and (unit is None or p.unit == unit)
            and (portfolio is None or portfolio in p.portfolio)
        ]

    # -- loading and storing ----------------------------------------------------------------------

    def to_json(self) -> str:
        """The directory as JSON (what `from_json` reads and the storage adapter keeps)."""

        def plain(obj: Any) -> Any:
            doc = attrs.asdict(obj, recurse=False)
            for key, value in doc.items():
                if isinstance(value, date):
                    doc[key] = value.isoformat()
                elif isinstance(value, frozenset):
                    doc[key] = sorted(value)
            return doc

        return json.dumps(
            {
                "units": [plain(u) for u in self.units],
                "posts": [plain(p) for p in self.posts],
                "backups": [plain(b) for b in self.backups],
                "absences": [plain(a) for a in self.absences],
                "delegations": [plain(d) for d in self.delegations],
                "single_holder": sorted(self.single_holder),
            },
            ensure_ascii=False,
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str) -> Directory:
        """Read a directory from JSON: {"units": [...], "posts": [...], "backups": [...], ...}."""
        try:
            doc = loads(text, "directory")
        except InvalidData as exc:
            raise DirectoryError([str(exc)]) from None
        try:
            return cls(
                units=[Unit(**u) for u in doc.get("units", ())],
                posts=[Post(**p) for p in doc.get("posts", ())],
                backups=[Backup(**b) for b in doc.get("backups", ())],
                absences=[Absence(**a) for a in doc.get("absences", ())],
                delegations=[Delegation(**d) for d in doc.get("delegations", ())],
                single_holder=doc.get("single_holder", ["principal"]),
            )
        except DirectoryError:
            raise
        except (ValueError, TypeError, AttributeError) as exc:
            raise DirectoryError([f"malformed directory JSON: {exc}"]) from None

    @classmethod
    def from_csv(cls, units: str, posts: str, *, single_holder: Iterable[str] = ("principal",)) -> Directory:
        """Read units and posts from two CSV texts (headers: ``id,name,parent,kind,line`` and
        ``person,position,unit,start,end,portfolio,line``; `portfolio` items separated by ``|``)."""
        try:
            return cls(
                units=[Unit(**_blank_is_none(row, "parent", "line")) for row in _rows(units)],
                posts=[Post(**_blank_is_none(row, "line")) for row in _rows(posts)],
                single_holder=frozenset(single_holder),
            )
        except DirectoryError:
            raise
        except (ValueError, TypeError) as exc:
            raise DirectoryError([f"malformed directory CSV: {exc}"]) from None


def _blank_is_none(row: Mapping[str, str], *optional: str) -> dict[str, Any]:
    return {k: (v or None) if k in optional else v for k, v in row.items()}


def _rows(text: str) -> Iterator[Mapping[str, str]]:
    for row in csv.DictReader(io.StringIO(text.strip())):
        yield {k.strip(): (v or "").strip() for k, v in row.items() if k}


def unit_tree(directory: Directory) -> Sequence[tuple[int, Unit]]:
    """Units depth-first with their depth, for display (市 → 区 → 街道 …)."""
    children: dict[str | None, list[Unit]] = {}
    for unit in directory.units:
        children.setdefault(unit.parent, []).append(unit)
    out: list[tuple[int, Unit]] = []

    def walk(parent: str | None, depth: int) -> None:
        for unit in sorted(children.get(parent, []), key=lambda u: u.id):
            out.append((depth, unit))
            walk(unit.id, depth + 1)

    walk(None, 0)
    return out

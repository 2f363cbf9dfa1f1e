"""Fuzzing the public API (issue 12, item 4) on every adapter: adversarial text (lone
surrogates, NUL, bidi controls, long strings), numbers (huge integers, NaN, ±inf, -0.0),
non-text keys, odd types and deep nesting, thrown at start, fire, find, count, available,
`Workflow.from_json`, `Directory.from_json` and `YearSchedule.from_json`.

Three properties hold for every case: only `GovflowError` subclasses escape; a rejected call
writes nothing; every stored audit chain verifies afterwards. The budget follows the hypothesis
profile (``GOVFLOW_HYPOTHESIS_PROFILE``), scaled down so the suite stays well under a minute on
``ci`` across the three adapters.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import attrs
import pytest
from conftest import ALICE, BOB, approval_workflow
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govflow import Actor, Engine, Workflow
from govflow.calendar import YearSchedule
from govflow.clock import FakeClock
from govflow.directory import Directory
from govflow.errors import GovflowError
from govflow.storage import Storage

EXAMPLES = max(10, settings().max_examples // 4)
"""Examples per property: a quarter of the profile's budget (25 on ``ci``), on each adapter."""

FUZZ = settings(
    max_examples=EXAMPLES,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)


# -- adversarial values --------------------------------------------------------------------------

NASTY = ["\ud800", "\udfff", "\x00", "", " ", "\u202e", "\ufeff", "é", "𝔘", "审批", "a" * 300, "\n", "'\""]

texts = st.one_of(
    st.text(st.characters(exclude_categories=()), max_size=12),
    st.lists(st.sampled_from(NASTY), max_size=3).map("".join),
)
"""Text, surrogates (category Cs) included."""

numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from(
        [2**63, -(2**63), 10**30, 10**100 - 1, 10**100, 0, -0.0, float("nan"), float("inf"), -float("inf")]
    ),
    st.floats(),
    st.integers(4300, 4400).map(lambda digits: -(10**digits)),  # past Python's int-to-text limit
)
odd = st.one_of(
    st.sets(st.integers(), max_size=2),
    st.binary(max_size=4),
    st.just(date(2026, 3, 2)),
    st.just(datetime(2026, 3, 2, tzinfo=UTC)),
    st.just(object()),
)
leaves = st.one_of(st.none(), st.booleans(), texts, numbers, odd)
keys = st.one_of(texts, texts, st.integers(-3, 12), st.booleans(), st.none(), st.floats(allow_nan=False))


def nested(depth: int, leaf: Any = 1) -> Any:
    """`depth` containers around `leaf`, alternating objects and lists."""
    value = leaf
    for level in range(depth):
        value = {"a": value} if level % 2 else [value]
    return value


values = st.one_of(
    st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
        max_leaves=12,
    ),
    st.integers(0, 1200).map(nested),
)
mappings = st.one_of(st.dictionaries(keys, values, max_size=4), values, st.none())
"""What a caller might pass as data or a payload: mostly mappings, sometimes anything."""

identifiers = st.one_of(texts, st.sampled_from(["approval", "typed", "submit", "draft", "county.office"]), leaves)


@attrs.frozen
class Memo:
    """A schema'd workflow's data: text, a whole number, a list of text and a date."""

    title: str = ""
    count: int = 0
    tags: list[str] = attrs.field(factory=list)
    due: date | None = None


def typed_workflow() -> Workflow:
    base = approval_workflow()
    return Workflow(
        name="typed", version=1, schema=Memo, index=("title", "tags"), states=base.states,
        transitions=base.transitions,
    )  # fmt: skip


def indexed_workflow() -> Workflow:
    base = approval_workflow()
    return Workflow(name="indexed", version=1, index=("k",), states=base.states, transitions=base.transitions)


@pytest.fixture
def fuzz_engine(storage: Storage, clock: FakeClock) -> Engine:
    return Engine(storage=storage, workflows=[approval_workflow(), typed_workflow(), indexed_workflow()], clock=clock)


# -- the three properties --------------------------------------------------------------------------


def everything(engine: Engine) -> list[Any]:
    """What storage holds: every instance with its history (kept small by the budget)."""
    return [(inst, engine.history(inst.id)) for inst in engine.find()]


def attempt(engine: Engine, call: Callable[[], object]) -> BaseException | None:
    """Run `call`; return what it raised (None if it succeeded). A `GovflowError` must leave
    storage as it was; anything else escaping is returned for the test to report."""
    before = everything(engine)
    try:
        call()
    except GovflowError:
        assert everything(engine) == before, "a rejected call wrote something"
        return None
    except Exception as exc:  # what the fuzz is looking for
        return exc
    return None


def holds(engine: Engine, call: Callable[[], object]) -> None:
    """Only `GovflowError` escapes `call`, a refusal writes nothing, every chain verifies."""
    escaped = attempt(engine, call)
    assert escaped is None, f"{type(escaped).__name__} escaped: {escaped}"
    assert engine.verify_all() == []


def advance(engine: Engine) -> None:
    clock = engine.clock
    assert isinstance(clock, FakeClock)
    clock.advance(timedelta(seconds=1))


# -- operations (shared with the tally script in the report) -----------------------------------------


def op_start(engine: Engine, workflow: Any, data: Any, unit: Any, instance_id: Any, justification: Any,
             actor_id: Any, actor_unit: Any) -> Callable[[], object]:  # fmt: skip
    def call() -> object:
        actor = Actor(actor_id, roles={"clerk"}, unit=actor_unit) if isinstance(actor_id, str) else actor_id
        return engine.start(
            workflow, actor=actor, data=data, unit=unit, instance_id=instance_id, justification=justification
        )

    return call


def target(engine: Engine, instance_id: Any) -> Any:
    """The instance a case acts on: the one given, or (None) a fresh one started beforehand."""
    return engine.start("approval", actor=ALICE).id if instance_id is None else instance_id


def op_fire(engine: Engine, event: Any, payload: Any, justification: Any, instance_id: Any) -> Callable[[], object]:
    def call() -> object:
        actor = BOB if event == "approve" else ALICE
        return engine.fire(instance_id, event, actor=actor, payload=payload, justification=justification)

    return call


def op_find(engine: Engine, workflow: Any, state: Any, unit: Any, where: Any, limit: Any, offset: Any,
            created_from: Any) -> Callable[[], object]:  # fmt: skip
    def call() -> object:
        found = engine.find(
            workflow, state=state, unit=unit, where=where, limit=limit, offset=offset, created_from=created_from
        )
        engine.count(workflow, state=state, unit=unit, where=where, created_from=created_from)
        return found

    return call


def op_available(engine: Engine, instance_id: Any, actor_id: Any) -> Callable[[], object]:
    def call() -> object:
        actor = Actor(actor_id, roles={"clerk"}) if isinstance(actor_id, str) and actor_id.strip() else ALICE
        return engine.available(instance_id, actor)

    return call


# -- properties -----------------------------------------------------------------------------------

starts = st.tuples(
    st.sampled_from(["approval", "typed", "indexed"]) | identifiers,
    st.one_of(
        mappings,
        st.fixed_dictionaries(
            {},
            optional={
                "title": texts | leaves,
                "count": numbers | leaves,
                "tags": st.lists(texts | leaves, max_size=3),
                "due": st.just("2026-03-02") | texts | leaves,
                "k": values,
            },
        ),
    ),
    st.none() | identifiers,
    st.none() | identifiers,
    st.none() | texts | leaves,
    st.sampled_from(["alice"]) | identifiers,
    st.none() | identifiers,
)


@FUZZ
@given(args=starts)
def test_fuzz_start(fuzz_engine: Engine, args: tuple[Any, ...]) -> None:
    advance(fuzz_engine)
    holds(fuzz_engine, op_start(fuzz_engine, *args))


fires = st.tuples(
    st.sampled_from(["submit", "approve", "archive"]) | identifiers | st.lists(texts, max_size=2),
    mappings,
    st.none() | texts | leaves,
    st.none() | identifiers,
)


@FUZZ
@given(args=fires)
def test_fuzz_fire(fuzz_engine: Engine, args: tuple[Any, ...]) -> None:
    advance(fuzz_engine)
    event, payload, justification, instance_id = args
    holds(fuzz_engine, op_fire(fuzz_engine, event, payload, justification, target(fuzz_engine, instance_id)))


pages = st.one_of(st.none(), st.integers(-5, 5), st.sampled_from([2**31 - 1, 2**31, 2**63, 2**70, -(2**70)]), leaves)
finds = st.tuples(
    st.sampled_from([None, "approval", "typed", "indexed"]) | identifiers,
    st.none() | identifiers | st.lists(identifiers, max_size=3),
    st.none() | identifiers,
    st.none() | st.dictionaries(st.sampled_from(["k", "title", "tags"]) | keys, values, max_size=2) | leaves,
    pages,
    st.integers(0, 3) | pages,
    st.none() | st.datetimes(timezones=st.just(UTC)) | st.datetimes() | leaves,
)


@FUZZ
@given(args=finds)
def test_fuzz_find_and_count(fuzz_engine: Engine, args: tuple[Any, ...]) -> None:
    holds(fuzz_engine, op_find(fuzz_engine, *args))


@FUZZ
@given(instance_id=st.none() | identifiers, actor_id=identifiers)
def test_fuzz_available(fuzz_engine: Engine, instance_id: Any, actor_id: Any) -> None:
    advance(fuzz_engine)
    holds(fuzz_engine, op_available(fuzz_engine, target(fuzz_engine, instance_id), actor_id))


# -- documents (they touch no storage, so they run once, not per adapter) ---------------------------


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(doc, dict):
        for key, item in doc.items():
            found.extend(_paths(item, (*prefix, key)))
    elif isinstance(doc, list):
        for i, item in enumerate(doc):
            found.extend(_paths(item, (*prefix, i)))
    return found


def _replaced(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(doc, dict):
        return {**doc, head: _replaced(doc[head], rest, value)}
    return [_replaced(item, rest, value) if i == head else item for i, item in enumerate(doc)]


REFERENCE_DOC = json.loads(json.dumps(typed_workflow().to_json()))
DOC_PATHS = _paths(REFERENCE_DOC)


def mutated_definition(path_index: int, value: Any) -> Any:
    """The reference definition with the value at one path (chosen by index) replaced."""
    return _replaced(REFERENCE_DOC, DOC_PATHS[path_index % len(DOC_PATHS)], value)


replacements = st.one_of(
    values,
    st.sampled_from(["this:x", "os:system", "Deadline", "2026-02-30", "ancestors", "planet", "*", "."]),
    st.fixed_dictionaries(
        {"type": st.sampled_from(["Deadline", "Scoped", "date", "WorkingDays", "Spawn"])},
        optional={"value": values, "n": numbers, "scope": texts, "name": texts, "duration": values, "role": texts},
    ),
)


def op_definition(path_index: int, value: Any) -> Callable[[], object]:
    def call() -> object:
        workflow = Workflow.from_json(mutated_definition(path_index, value))
        return Engine(workflows=[workflow]).workflows()

    return call


@FUZZ
@given(path_index=st.integers(0, 10_000), value=replacements)
def test_fuzz_from_json(path_index: int, value: Any) -> None:
    escaped = None
    try:
        op_definition(path_index, value)()
    except GovflowError:
        pass
    except Exception as exc:
        escaped = exc
    assert escaped is None, f"{type(escaped).__name__} escaped Workflow.from_json: {escaped}"


def _json_texts(template: dict[str, Any]) -> st.SearchStrategy[str]:
    """JSON text shaped like `template` with adversarial values, or arbitrary text."""

    def dumps(value: Any) -> str:
        try:
            return json.dumps(value, ensure_ascii=True, default=str)
        except (ValueError, TypeError, RecursionError):
            return "{"

    docs = st.fixed_dictionaries({}, optional={key: st.one_of(st.just(val), values, st.lists(
        st.dictionaries(texts | st.sampled_from(sorted(_keys_of(val))), values, max_size=4), max_size=2))
        for key, val in template.items()})  # fmt: skip
    return st.one_of(docs.map(dumps), texts, st.integers(0, 3000).map(lambda n: "[" * n + "]" * n))


def _keys_of(value: Any) -> set[str]:
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return set(value[0])
    return {"id"}


DIRECTORY_TEMPLATE = {
    "units": [{"id": "county", "name": "县", "parent": None, "kind": "county", "line": None}],
    "posts": [{"person": "alice", "position": "clerk", "unit": "county", "start": "2026-01-01"}],
    "backups": [], "absences": [], "delegations": [], "single_holder": ["principal"],
}  # fmt: skip
SCHEDULE_TEMPLATE = {"year": 2027, "holidays": ["2027-01-01"], "workdays": [], "source": "国办发明电"}


@FUZZ
@given(text=_json_texts(DIRECTORY_TEMPLATE))
def test_fuzz_directory_loading(text: str) -> None:
    with contextlib.suppress(GovflowError):  # anything else escaping fails the test
        Directory.from_json(text)


@FUZZ
@given(text=_json_texts(SCHEDULE_TEMPLATE))
def test_fuzz_schedule_loading(text: str) -> None:
    with contextlib.suppress(GovflowError):  # anything else escaping fails the test
        YearSchedule.from_json(text, origin="fuzz.json")

"""Bad inputs (issue 12, item 4): every one is a typed error that names what and where, on every
adapter, and writes nothing."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import ALICE, BOB, approval_workflow

from govflow import Actor, Engine, State, Transition, Workflow
from govflow.calendar import YearSchedule
from govflow.clock import SHANGHAI, FakeClock
from govflow.directory import Directory
from govflow.errors import DefinitionError, GovflowError, InvalidData, StorageError
from govflow.storage import SQLiteStorage, Storage

INDEXED = Workflow(
    name="indexed",
    version=1,
    index=("k",),
    states=approval_workflow().states,
    transitions=approval_workflow().transitions,
)


@pytest.fixture
def eng(storage: Storage, clock: FakeClock) -> Engine:
    return Engine(storage=storage, workflows=[approval_workflow(), INDEXED], clock=clock)


def nested(depth: int) -> dict[str, Any]:
    root: dict[str, Any] = {}
    node = root
    for _ in range(depth - 1):
        node["a"] = {}
        node = node["a"]
    return root


def refused(engine: Engine, call: Callable[[], object], *fragments: str) -> InvalidData:
    """`call` raises InvalidData naming each fragment, and nothing was written."""
    before = [(i, engine.history(i.id)) for i in engine.find()]
    with pytest.raises(InvalidData) as err:
        call()
    for fragment in fragments:
        assert fragment in str(err.value)
    assert [(i, engine.history(i.id)) for i in engine.find()] == before
    return err.value


LONE = "ab\ud800c"


@pytest.mark.parametrize(
    ("label", "call", "where"),
    [
        ("data value", lambda e: e.start("approval", actor=ALICE, data={"items": [{"note": LONE}]}),
         "data['items'][0]['note']"),
        ("data key", lambda e: e.start("approval", actor=ALICE, data={LONE: 1}), "data['ab\\ud800c']"),
        ("justification", lambda e: e.start("approval", actor=ALICE, justification=LONE), "justification"),
        ("actor id", lambda e: e.start("approval", actor=Actor(LONE, roles={"clerk"})), "actor id"),
        ("actor unit", lambda e: e.start("approval", actor=Actor("a", roles={"clerk"}, unit=LONE)), "actor unit"),
        ("unit", lambda e: e.start("approval", actor=ALICE, unit=LONE), "unit"),
        ("instance id", lambda e: e.start("approval", actor=ALICE, instance_id=LONE), "instance_id"),
        ("find unit", lambda e: e.find("approval", unit=LONE), "unit"),
        ("find where", lambda e: e.find("indexed", where={"k": LONE}), "where['k']"),
        ("find state", lambda e: e.find("approval", state=[LONE]), "state[0]"),
        ("count workflow", lambda e: e.count(LONE), "workflow"),
        ("get", lambda e: e.get(LONE), "instance_id"),
    ],
)  # fmt: skip
def test_lone_surrogates_are_invalid_data(
    eng: Engine, label: str, call: Callable[[Engine], object], where: str
) -> None:
    eng.start("approval", actor=ALICE)
    refused(eng, lambda: call(eng), where, "lone surrogate U+D800 at position 2", "valid Unicode")


def test_lone_surrogates_in_a_fire_are_invalid_data(eng: Engine) -> None:
    inst = eng.start("approval", actor=ALICE)
    refused(eng, lambda: eng.fire(inst.id, "submit", actor=ALICE, payload={"n": [LONE]}), "payload['n'][0]")
    refused(eng, lambda: eng.fire(inst.id, "submit", actor=ALICE, justification=LONE), "justification")
    refused(eng, lambda: eng.fire(inst.id + LONE, "submit", actor=ALICE), "instance_id")
    refused(eng, lambda: eng.fire(inst.id, "submit" + LONE, actor=ALICE), "event")
    refused(eng, lambda: eng.available(inst.id, Actor(LONE, roles={"clerk"})), "actor id")
    eng.verify(inst.id)


def test_deep_nesting_is_refused_at_a_stated_depth(eng: Engine) -> None:
    refused(eng, lambda: eng.start("approval", actor=ALICE, data=nested(1000)), "nested deeper than 64 levels")
    inst = eng.start("approval", actor=ALICE, data=nested(64))
    eng.verify(inst.id)
    refused(eng, lambda: eng.fire(inst.id, "submit", actor=ALICE, payload={"p": nested(1000)}), "payload['p']")


def test_wrong_types_are_invalid_data(eng: Engine) -> None:
    inst = eng.start("approval", actor=ALICE)
    refused(eng, lambda: eng.find("indexed", where={"k": set()}), "where['k']", "a set is not a JSON value")
    refused(eng, lambda: eng.start("approval", actor=ALICE, instance_id=123), "instance_id must be text, got int")  # type: ignore[arg-type]
    refused(eng, lambda: eng.fire(inst.id, ["submit"], actor=ALICE), "event must be text, got list")  # type: ignore[arg-type]
    refused(eng, lambda: eng.fire(123, "submit", actor=ALICE), "instance_id must be text")  # type: ignore[arg-type]
    refused(eng, lambda: eng.start("approval", actor=ALICE, data={"d": datetime.now(UTC)}), "a datetime is not")
    refused(eng, lambda: eng.start("approval", actor=ALICE, data={"x": float("nan")}), "not a finite number")
    refused(eng, lambda: eng.start("approval", actor=ALICE, data={"x": 10**100}), "more than 100 digits")
    refused(eng, lambda: eng.find("approval", state=5), "state must be text or a list")  # type: ignore[arg-type]
    refused(eng, lambda: eng.find("approval", created_from=datetime(1, 1, 1, tzinfo=SHANGHAI)), "created_from")


def test_integers_too_long_to_print_are_still_refused_by_name(eng: Engine) -> None:
    # Found by tests/test_fuzz.py: Python cannot turn such an integer into text, so even the
    # message describing it must not try to.
    huge = -(10**4400)
    refused(eng, lambda: eng.start(huge, actor=ALICE), "workflow must be text, got int <an integer of 14617 bits>")  # type: ignore[arg-type]
    refused(eng, lambda: eng.find("approval", limit=huge), "limit must be from 0 to 2147483647")
    refused(eng, lambda: eng.start("approval", actor=ALICE, data={huge: 1}), "key <an integer of 14617 bits> (int)")  # type: ignore[dict-item]
    refused(eng, lambda: eng.start("approval", actor=ALICE, data={"n": huge}), "data['n']: integer of 14617 bits")


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"limit": 2**70}, "limit must be from 0 to 2147483647"),
        ({"limit": -1}, "limit must be from 0"),
        ({"offset": -1}, "offset must be from 0"),
        ({"offset": 2**31}, "offset must be from 0 to 2147483647"),
        ({"limit": True}, "limit must be a whole number"),
    ],
)
def test_limit_and_offset_have_one_bound_on_every_adapter(eng: Engine, kwargs: dict[str, Any], fragment: str) -> None:
    eng.start("approval", actor=ALICE)
    refused(eng, lambda: eng.find("approval", **kwargs), fragment)
    assert len(eng.find("approval", limit=2**31 - 1, offset=0)) == 1


def test_non_string_keys_are_refused_not_a_false_tamper_alarm(eng: Engine) -> None:
    refused(
        eng,
        lambda: eng.start("approval", actor=ALICE, data={9: "a", 10: "b"}),  # type: ignore[dict-item]
        "data: key 9 (int) is not text — JSON object keys are text (use '9')",
    )
    inst = eng.start("approval", actor=ALICE, data={"9": "a", "10": "b"})
    refused(eng, lambda: eng.fire(inst.id, "submit", actor=ALICE, payload={"x": {1: 2}}), "payload['x']: key 1")
    eng.verify(inst.id)


def test_negative_zero_is_normalised_and_nul_refused_on_every_adapter(eng: Engine) -> None:
    inst = eng.start("approval", actor=ALICE, data={"z": -0.0, "l": [-0.0]})
    stored = eng.get(inst.id)
    assert stored.data == {"z": 0.0, "l": [0.0]}
    assert str(stored.data["z"]) == "0.0"
    assert str(eng.history(inst.id)[0].payload["z"]) == "0.0"
    eng.verify(inst.id)
    refused(eng, lambda: eng.start("approval", actor=ALICE, data={"t": "a\x00b"}), "data['t']: NUL character")
    refused(eng, lambda: eng.start("approval", actor=ALICE, data={"a\x00": 1}), "NUL character")
    refused(eng, lambda: eng.start("approval", actor=ALICE, justification="a\x00"), "justification: NUL")


def test_a_clock_outside_the_recorded_range_is_a_typed_error(eng: Engine) -> None:
    eng.clock = FakeClock(datetime(1, 1, 1, tzinfo=SHANGHAI))
    with pytest.raises(GovflowError, match="clock"):
        eng.start("approval", actor=ALICE)
    assert eng.count() == 0


def test_a_clock_going_backwards_for_an_instance_is_refused(eng: Engine, clock: FakeClock) -> None:
    inst = eng.start("approval", actor=ALICE)
    clock.advance(hours=2)
    inst = eng.fire(inst.id, "submit", actor=ALICE)
    eng.clock = FakeClock(clock.now() - timedelta(minutes=1))
    before = eng.history(inst.id)
    with pytest.raises(GovflowError, match="before the instance's last event") as err:
        eng.fire(inst.id, "approve", actor=BOB)
    assert inst.id in str(err.value)
    assert eng.history(inst.id) == before
    eng.clock = clock
    assert eng.fire(inst.id, "approve", actor=BOB).state == "approved"


def test_a_fake_clock_moved_backwards_raises_a_govflow_error(clock: FakeClock) -> None:
    with pytest.raises(GovflowError, match="only moves forward"):
        clock.advance(timedelta(seconds=-1))
    with pytest.raises(GovflowError, match="only moves forward"):
        clock.set(clock.now() - timedelta(days=1))
    with pytest.raises(ValueError, match="only moves forward"):  # still a ValueError, as before
        clock.advance(days=-1)


def test_sqlite_full_disk_says_so(tmp_path: Path, clock: FakeClock) -> None:
    store = SQLiteStorage(tmp_path / "small.db")
    pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
    store._conn.execute(f"PRAGMA max_page_count = {pages}")
    engine = Engine(storage=store, workflows=[approval_workflow()], clock=clock)
    with pytest.raises(StorageError, match="database or disk is full") as err:
        engine.start("approval", actor=ALICE, data={"text": "很长" * 200_000})
    assert "cannot rollback" not in str(err.value)
    store._conn.execute(f"PRAGMA max_page_count = {pages * 100}")
    assert engine.count() == 0
    inst = engine.start("approval", actor=ALICE)
    engine.verify(inst.id)
    store.close()


# -- definitions -------------------------------------------------------------------------------


def _doc() -> dict[str, Any]:
    return approval_workflow().to_json()


def _with(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    doc = _doc()
    node: Any = doc
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return doc


@pytest.mark.parametrize(
    ("doc", "fragment"),
    [
        ([1, 2], "a workflow definition must be a JSON object, got list"),
        (_with(("states", 0), 5), "states[0]: expected a JSON object, got int"),
        (_with(("transitions", 1), "x"), "transitions[1]: expected a JSON object, got str"),
        (_with(("transitions", 0, "roles"), [{"type": "Scoped", "role": "clerk", "scope": "planet"}]),
         "transitions[0]: Scoped scope must be 'unit' or 'ancestors'"),
        (_with(("states", 1, "deadlines"), [{"type": "Deadline", "name": "d", "duration": {"type": "ByDate",
          "month": 2, "day": 1, "years_later": 0}, "anchor": {"type": "date", "value": "2026-02-30"}}]),
         "states[1]"),
        (_with(("states", 1, "deadlines"), [{"type": "Deadline", "name": "d", "duration": 5}]),
         "duration must be one of WorkingDays, Days, Weeks, Months, ByDate, OnDate, not 5"),
        (_with(("states", 1, "deadlines"), [{"type": {"x": 1}}]), "states[1]"),
        (_with(("name",), "\ud800"), "lone surrogate"),
        (_with(("states",), nested(200)), "nested deeper than 64 levels"),
    ],
)  # fmt: skip
def test_from_json_refuses_malformed_documents_as_definition_errors(doc: Any, fragment: str) -> None:
    with pytest.raises(DefinitionError) as err:
        Workflow.from_json(doc)
    assert fragment in str(err.value)


def test_a_duration_that_is_not_a_duration_is_refused_when_built() -> None:
    from govflow.deadlines import Deadline

    with pytest.raises(DefinitionError, match="duration must be one of"):
        Deadline("reply", 5)  # type: ignore[arg-type]


def test_from_json_never_imports_a_module_named_in_the_document() -> None:
    sys.modules.pop("this", None)
    for name in ("this:x", "os:system", "subprocess:Popen"):
        with pytest.raises(DefinitionError, match="unknown schema"):
            Workflow.from_json(_with(("schema",), name))
        doc = _doc()
        doc["transitions"][0]["payload_schema"] = name
        with pytest.raises(DefinitionError, match="unknown schema"):
            Workflow.from_json(doc)
    assert "this" not in sys.modules


def test_a_schema_registered_by_building_a_workflow_round_trips() -> None:
    import attrs

    @attrs.frozen
    class Memo:
        title: str

    wf = Workflow(
        name="memo", version=1, schema=Memo, states=[State("a", initial=True), State("b", final=True)],
        transitions=[Transition("go", source="a", dest="b", roles={"*"})],
    )  # fmt: skip
    assert Workflow.from_json(wf.to_json()) == wf


# -- directory and schedule documents ------------------------------------------------------------


@pytest.mark.parametrize("text", ["[" * 5000, '{"units": [{"id": "\\ud800", "name": "x"}]}', '{"units": 5}', "[]"])
def test_directory_documents_are_directory_errors(text: str) -> None:
    from govflow.errors import DirectoryError

    with pytest.raises(DirectoryError):
        Directory.from_json(text)


@pytest.mark.parametrize("text", ["[" * 5000, '{"year": 2027, "holidays": ["\\ud800"], "workdays": [], "source": ""}'])
def test_schedule_documents_are_schedule_errors(text: str) -> None:
    from govflow.errors import InvalidSchedule

    with pytest.raises(InvalidSchedule):
        YearSchedule.from_json(text)


def test_a_role_that_is_neither_a_name_nor_a_requirement_is_a_definition_error() -> None:
    # Found by tests/test_fuzz.py: it used to pass from_json and break compiling (AttributeError).
    with pytest.raises(DefinitionError, match="has role None: a role is a name or a requirement"):
        Workflow.from_json(_with(("transitions", 0, "roles"), [None]))
    with pytest.raises(DefinitionError, match="separation rule 5, which is not a rule"):
        Workflow.from_json(_with(("transitions", 0, "separation"), [5]))


def test_an_actor_without_an_id_is_invalid_data() -> None:
    with pytest.raises(InvalidData, match="an Actor needs a non-empty id"):
        Actor(" ", roles={"clerk"})

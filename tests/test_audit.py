"""The audit chain detects edits, deletions, insertions and reordering made straight in the SQLite file."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ALICE, BOB, approval_workflow
from hypothesis import given, settings
from hypothesis import strategies as st

from govflow import Engine
from govflow.clock import FakeClock
from govflow.errors import AuditIntegrityError, StorageError
from govflow.storage import SQLiteStorage


@pytest.fixture
def db(tmp_path: Path, clock: FakeClock) -> tuple[Path, str]:
    path = tmp_path / "audit.db"
    engine = Engine(storage=SQLiteStorage(path), workflows=[approval_workflow()], clock=clock)
    inst = engine.start("approval", actor=ALICE, data={"title": "请示"})
    for event, actor in (("submit", ALICE), ("approve", BOB), ("archive", ALICE)):
        clock.advance(hours=2)
        inst = engine.fire(inst.id, event, actor=actor)
    engine.verify(inst.id)
    engine.storage.close()
    return path, inst.id


def tamper(path: Path, *sql: str) -> None:
    conn = sqlite3.connect(path)
    with conn:
        for statement in sql:
            conn.execute(statement)
    conn.close()


def reopened(path: Path, clock: FakeClock) -> Engine:
    return Engine(storage=SQLiteStorage(path), workflows=[approval_workflow()], clock=clock)


CASES: dict[str, tuple[tuple[str, ...], str]] = {
    "edited actor": (("UPDATE audit SET actor = 'mallory' WHERE seq = 3",), "does not match its hash"),
    "edited payload": (('UPDATE audit SET payload = \'{"title":"改过"}\' WHERE seq = 1',), "does not match its hash"),
    "edited time": (
        ("UPDATE audit SET at = '2026-03-01T00:00:00.000000+00:00' WHERE seq = 2",),
        "does not match its hash",
    ),
    "deleted middle": (("DELETE FROM audit WHERE seq = 2",), "expected event #2 here, found #3"),
    "deleted last": (("DELETE FROM audit WHERE seq = 4",), "events missing or added"),
    "inserted": (
        (
            "INSERT INTO audit SELECT instance_id, 5, kind, event, source, dest, actor, roles, on_behalf_of, at, "
            "payload, justification, overrides, workflow_version, detail, prev_hash, hash FROM audit WHERE seq = 4",
        ),
        "does not match its hash",
    ),
    "reordered": (
        (
            "UPDATE audit SET seq = 99 WHERE seq = 2",
            "UPDATE audit SET seq = 2 WHERE seq = 3",
            "UPDATE audit SET seq = 3 WHERE seq = 99",
        ),
        "does not match its hash",
    ),
    "state rewritten": (("UPDATE instances SET state = 'approved'",), "replaying the history ends in 'archived'"),
    "unreadable row": (("UPDATE audit SET payload = '{not json' WHERE seq = 2",), "cannot be read"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_tampering_is_detected(db: tuple[Path, str], clock: FakeClock, case: str) -> None:
    path, iid = db
    statements, message = CASES[case]
    tamper(path, *statements)
    engine = reopened(path, clock)
    with pytest.raises(AuditIntegrityError, match=message):
        engine.verify(iid)
    [failure] = engine.verify_all()
    assert failure.instance_id == iid


def test_a_forged_chain_that_rehashes_still_fails_on_the_head(db: tuple[Path, str], clock: FakeClock) -> None:
    """Someone who recomputes hashes after deleting the last event is caught by the instance's head."""
    path, iid = db
    tamper(path, "DELETE FROM audit WHERE seq = 4", "UPDATE instances SET revision = 3, state = 'approved'")
    with pytest.raises(AuditIntegrityError, match="events cut off"):
        reopened(path, clock).verify(iid)


def test_corrupted_database_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.db"
    path.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(StorageError, match=r"cannot open .* as a govflow SQLite database"):
        SQLiteStorage(path)


def test_schema_from_a_newer_govflow_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    SQLiteStorage(path).close()
    tamper(path, "INSERT INTO govflow_schema (version, description, applied_at) VALUES (999, 'future', 'x')")
    before = path.read_bytes()
    with pytest.raises(StorageError, match="schema version 999, newer than this govflow"):
        SQLiteStorage(path)
    assert path.read_bytes() == before


def test_reopening_keeps_everything(db: tuple[Path, str], clock: FakeClock) -> None:
    path, iid = db
    engine = reopened(path, clock)
    assert engine.get(iid).state == "archived"
    assert len(engine.history(iid)) == 4
    engine.verify(iid)


@pytest.mark.parametrize("mutate", [lambda e: e.history("x")])
def test_history_of_unknown_instance(
    db: tuple[Path, str], clock: FakeClock, mutate: Callable[[Engine], object]
) -> None:
    from govflow.errors import InstanceNotFound

    with pytest.raises(InstanceNotFound):
        mutate(reopened(db[0], clock))


@settings(max_examples=200, deadline=None)
@given(
    texts=st.lists(st.text(), min_size=8, max_size=8),
    optional=st.lists(st.one_of(st.none(), st.text()), min_size=3, max_size=3),
    numbers=st.tuples(st.integers(min_value=1, max_value=10**9), st.integers(min_value=1, max_value=99)),
    roles=st.lists(st.text(), max_size=3),
    payload=st.dictionaries(
        st.text(), st.one_of(st.none(), st.booleans(), st.integers(), st.text(), st.lists(st.text()))
    ),
)
def test_fast_canonical_text_matches_the_generic_encoding(
    texts: list[str], optional: list[str | None], numbers: tuple[int, int], roles: list[str], payload: dict[str, object]
) -> None:
    """The hand-written encoding on the fire path hashes exactly what `verify` recomputes."""
    from datetime import UTC, datetime

    from govflow.audit import digest, seal

    event = seal(
        instance_id=texts[0], seq=numbers[0], kind=texts[1], event=texts[2], source=optional[0], dest=texts[3],
        actor=texts[4], roles=roles, at=datetime(2026, 3, 2, 1, tzinfo=UTC), payload=payload,
        justification=optional[1], overrides=texts[5:7], workflow_version=numbers[1], prev_hash=texts[7],
        on_behalf_of=optional[2], detail={"via": texts[6], "n": numbers[1]} if roles else None,
    )  # fmt: skip
    assert event.hash == digest(event.body())


def test_migrations_upgrade_an_older_file_and_an_interrupted_one_leaves_no_trace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite_utils

    from govflow.storage import sqlite as adapter

    path = tmp_path / "old.db"
    monkeypatch.setattr(adapter, "MIGRATIONS", adapter.MIGRATIONS[:1])
    monkeypatch.setattr(adapter, "SCHEMA_VERSION", 1)
    SQLiteStorage(path).close()
    monkeypatch.undo()

    def broken(db: sqlite_utils.Database) -> None:
        db["timers"].add_column("leased_by", str)  # type: ignore[union-attr]
        raise RuntimeError("power cut halfway through the migration")

    monkeypatch.setattr(adapter, "MIGRATIONS", (adapter.MIGRATIONS[0], (2, "leases", broken)))
    with pytest.raises(RuntimeError, match="power cut"):
        SQLiteStorage(path)
    columns = {c.name for c in sqlite_utils.Database(path)["timers"].columns}  # type: ignore[union-attr]
    assert "leased_by" not in columns
    monkeypatch.undo()
    store = SQLiteStorage(path)
    assert store.schema_version == adapter.SCHEMA_VERSION == 4
    columns = {c.name for c in store.db["timers"].columns}  # type: ignore[union-attr]
    assert {"leased_by", "lease_until", "attempts", "retry_at", "last_error"} <= columns
    store.close()

"""PostgreSQL-only behaviour: connection faults, schema versions, exact JSON, the CLI on a server.

The storage contract itself (and every engine test using the `storage` fixture) runs on
PostgreSQL through conftest's adapters when GOVFLOW_TEST_POSTGRES_URL is set; this file covers
what only a server can get wrong. Tests that need the server fail (not skip) when the variable
is set and the server cannot be reached; without the variable they are skipped.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import attrs
import pytest
from click.testing import CliRunner
from conftest import ALICE, POSTGRES_URL, approval_workflow, drop_schema, unique_schema

from govflow import Days, Deadline, Engine, Workflow
from govflow.audit import canonical
from govflow.cli import cli
from govflow.clock import FakeClock
from govflow.errors import StorageError
from govflow.storage import PostgresStorage

needs_server = pytest.mark.skipif(not POSTGRES_URL, reason="GOVFLOW_TEST_POSTGRES_URL is not set")


def server() -> Any:
    """A plain autocommit connection to the test server (the test's own, not govflow's)."""
    import psycopg

    return psycopg.connect(POSTGRES_URL, autocommit=True)


def host_and_database() -> tuple[str, str]:
    from psycopg.conninfo import conninfo_to_dict

    info = conninfo_to_dict(POSTGRES_URL)
    return str(info.get("host", "")), str(info.get("dbname", ""))


@pytest.fixture
def schema() -> Iterator[str]:
    """A fresh schema of this test's own, dropped afterwards."""
    name = unique_schema("govflow_pgtest")
    yield name
    drop_schema(name)


def terminate(application_name: str) -> int:
    """Kill every backend of `application_name` (waiting until they are gone); how many."""
    with server() as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE application_name = %s",
            (application_name,),
        ).fetchall()
    return len(rows)


def snapshot(schema: str) -> tuple[Any, ...]:
    """Everything about a schema a migration could change: columns, indexes, versions."""
    with server() as conn:
        columns = conn.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = %s ORDER BY 1, 2",
            (schema,),
        ).fetchall()
        indexes = conn.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = %s ORDER BY 1", (schema,)
        ).fetchall()
        versions = conn.execute(f'SELECT version, description FROM "{schema}".govflow_schema ORDER BY 1'.encode())
        return columns, indexes, versions.fetchall()


# -- without a server --------------------------------------------------------------------------


def test_storage_package_imports_without_psycopg_and_says_what_to_install() -> None:
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('psycopg', 'psycopg_pool', 'psycopg_binary', 'psycopg_c'):\n"
        "            raise ImportError('No module named ' + repr(name))\n"
        "sys.meta_path.insert(0, Block())\n"
        "import govflow, govflow.cli\n"
        "from govflow.storage import MemoryStorage, SQLiteStorage, PostgresStorage\n"
        "from govflow.errors import StorageError\n"
        "try:\n"
        "    PostgresStorage('postgresql://gov@127.0.0.1/gov')\n"
        "except StorageError as exc:\n"
        "    print(exc)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert "pip install 'govflow[postgres]'" in result.stdout


def test_unreachable_server_is_one_line_naming_host_and_database() -> None:
    # Port 1 on localhost: nothing listens there, the refusal is immediate.
    with pytest.raises(StorageError) as caught:
        PostgresStorage("postgresql://gov:s3cret-pw@127.0.0.1:1/govdb", connect_timeout=2)
    message = str(caught.value)
    assert "\n" not in message and "s3cret-pw" not in message
    assert message.startswith("cannot connect to PostgreSQL at 127.0.0.1:1, database 'govdb'")


@pytest.mark.parametrize(
    "url",
    ["postgresql://gov:s3cret-pw@127.0.0.1:notaport/govdb", "postgresql://gov:s3cret-pw@127.0.0.1/govdb?bogus=1"],
)
def test_malformed_url_is_refused_without_showing_the_password(url: str) -> None:
    with pytest.raises(StorageError) as caught:
        PostgresStorage(url)
    assert "s3cret-pw" not in str(caught.value) and "\n" not in str(caught.value)


def test_bad_schema_name_is_refused() -> None:
    with pytest.raises(StorageError, match="not a usable schema name"):
        PostgresStorage("postgresql://gov@127.0.0.1:1/gov", schema='x"; DROP TABLE y; --')


# -- connecting ----------------------------------------------------------------------------------


@needs_server
@pytest.mark.parametrize(
    ("change", "text"),
    [
        ({"user": "nobody_x", "password": "pw-123"}, 'role "nobody_x" does not exist'),
        ({"dbname": "no_such_database_xyz", "password": "pw-123"}, 'database "no_such_database_xyz" does not exist'),
    ],
    ids=["unknown user", "unknown database"],
)
def test_bad_credentials_or_database_are_clear(change: dict[str, str], text: str) -> None:
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    url = make_conninfo(POSTGRES_URL, **change)
    info = conninfo_to_dict(url)
    with pytest.raises(StorageError) as caught:
        PostgresStorage(url, schema="govflow_never_created")
    message = str(caught.value)
    assert text in message and f"PostgreSQL at {info.get('host')}" in message
    assert f"database {info.get('dbname')!r}" in message
    assert "pw-123" not in message and "\n" not in message


@needs_server
def test_without_create_a_missing_schema_is_refused_and_not_created(schema: str) -> None:
    with pytest.raises(StorageError, match=f"no govflow schema '{schema}'"):
        PostgresStorage(POSTGRES_URL, schema=schema, create=False)
    with server() as conn:
        assert conn.execute("SELECT to_regnamespace(%s)", (f'"{schema}"',)).fetchone() == (None,)


@needs_server
def test_processes_opening_a_new_schema_together_migrate_it_once(schema: str) -> None:
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            PostgresStorage(POSTGRES_URL, schema=schema, min_size=0).close()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    from govflow.storage.postgres import MIGRATIONS

    assert [v for v, _ in snapshot(schema)[2]] == [v for v, *_ in MIGRATIONS]


# -- schema versions -----------------------------------------------------------------------------


@needs_server
def test_schema_from_a_newer_govflow_is_refused_untouched(schema: str) -> None:
    PostgresStorage(POSTGRES_URL, schema=schema).close()
    with server() as conn:
        conn.execute(
            f"INSERT INTO \"{schema}\".govflow_schema VALUES (999, 'future', now())".encode(),
        )
    before = snapshot(schema)
    with pytest.raises(StorageError, match=r"schema version 999, newer than this govflow .* was not touched"):
        PostgresStorage(POSTGRES_URL, schema=schema)
    assert snapshot(schema) == before


@needs_server
@pytest.mark.parametrize(
    "failure",
    ["SELECT 1 / 0", "SELECT pg_terminate_backend(pg_backend_pid())"],
    ids=["statement fails", "connection dropped"],
)
def test_an_interrupted_migration_leaves_no_trace(schema: str, failure: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from govflow.storage import postgres as adapter

    monkeypatch.setattr(adapter, "MIGRATIONS", adapter.MIGRATIONS[:1])
    monkeypatch.setattr(adapter, "SCHEMA_VERSION", 1)
    PostgresStorage(POSTGRES_URL, schema=schema).close()
    before = snapshot(schema)
    assert [v for v, _ in before[2]] == [1]
    half = ("ALTER TABLE {schema}.timers ADD COLUMN leased_by text", failure)
    monkeypatch.setattr(adapter, "MIGRATIONS", (adapter.MIGRATIONS[0], (2, "leases", half)))
    monkeypatch.setattr(adapter, "SCHEMA_VERSION", 2)
    with pytest.raises(StorageError, match=r"migration 2 \(leases\) .* nothing of it was applied"):
        PostgresStorage(POSTGRES_URL, schema=schema)
    assert snapshot(schema) == before
    monkeypatch.undo()
    store = PostgresStorage(POSTGRES_URL, schema=schema)
    assert store.schema_version == adapter.SCHEMA_VERSION
    columns = {column for table, column, _ in snapshot(schema)[0] if table == "timers"}
    assert {"leased_by", "lease_until"} <= columns
    store.close()


# -- the server going away -----------------------------------------------------------------------


@needs_server
def test_killed_idle_connections_are_replaced_and_the_next_call_works(
    schema: str, approval: Workflow, clock: FakeClock
) -> None:
    app = f"govflow-test-{uuid.uuid4().hex[:8]}"
    store = PostgresStorage(POSTGRES_URL, schema=schema, min_size=3, max_size=3, application_name=app)
    engine = Engine(storage=store, workflows=[approval], clock=clock)
    inst = engine.start("approval", actor=ALICE, data={"title": "请示"})
    time.sleep(0.2)  # let the pool reach min_size
    assert terminate(app) >= 1
    inst = engine.fire(inst.id, "submit", actor=ALICE)  # no error: dead connections are skipped
    assert engine.get(inst.id).revision == 2
    engine.verify(inst.id)
    store.close()
    with pytest.raises(StorageError, match="was closed"):
        engine.get(inst.id)


def timed_approval() -> Workflow:
    """The approval flow with a reply deadline on `submitted`: submitting arms a timer, so the
    commit is a multi-statement transaction rather than the single-statement plain fire."""
    flow = approval_workflow()
    states = [
        attrs.evolve(st, deadlines=(Deadline("reply", Days(10)),)) if st.name == "submitted" else st
        for st in flow.states
    ]
    return attrs.evolve(flow, states=tuple(states))


@needs_server
@pytest.mark.parametrize(
    ("timed", "says"),
    [
        (True, "the transaction was rolled back, nothing was written"),
        (False, "the change may or may not have been applied — reload the instance to see"),
    ],
    ids=["transaction", "single statement"],
)
def test_connection_lost_mid_commit_writes_nothing_and_the_next_call_works(
    schema: str, clock: FakeClock, timed: bool, says: str
) -> None:
    """The fire's UPDATE waits on a row lock held elsewhere; its backend is killed meanwhile.

    Inside a transaction, the error can say nothing was written. A plain fire is one statement
    that commits by itself, so losing the connection during it could in general mean either
    outcome (the server may have committed just before the line went down): the message says
    to look, and looking shows it was not applied.
    """
    app = f"govflow-test-{uuid.uuid4().hex[:8]}"
    store = PostgresStorage(POSTGRES_URL, schema=schema, application_name=app)
    engine = Engine(storage=store, workflows=[timed_approval() if timed else approval_workflow()], clock=clock)
    inst = engine.start("approval", actor=ALICE, data={"title": "请示"})
    outcome: dict[str, BaseException | None] = {}

    def fire() -> None:
        try:
            engine.fire(inst.id, "submit", actor=ALICE)
            outcome["error"] = None
        except BaseException as exc:
            outcome["error"] = exc

    import psycopg

    blocker = psycopg.connect(POSTGRES_URL)
    try:
        # Hold the instance's row lock, so the fire's UPDATE waits inside its transaction.
        blocker.execute(f'SELECT 1 FROM "{schema}".instances WHERE id = %s FOR UPDATE'.encode(), (inst.id,))
        thread = threading.Thread(target=fire)
        thread.start()
        with server() as conn:
            for _ in range(500):
                waiting = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s AND wait_event_type = 'Lock'",
                    (app,),
                ).fetchone()
                if waiting and waiting[0]:
                    break
                time.sleep(0.01)
            else:
                pytest.fail("the fire never reached its UPDATE")
        terminate(app)
        thread.join(timeout=30)
    finally:
        blocker.rollback()
        blocker.close()
    error = outcome["error"]
    assert isinstance(error, StorageError), error
    host, database = host_and_database()
    message = str(error)
    assert "lost the connection" in message and says in message
    assert f"PostgreSQL at {host}" in message and f"database '{database}'" in message
    # Nothing half-written: still the start event only.
    assert engine.get(inst.id).revision == 1 and len(engine.history(inst.id)) == 1
    # And the next call works.
    assert engine.fire(inst.id, "submit", actor=ALICE).revision == 2
    assert len(engine.timers(inst.id)) == (1 if timed else 0)
    engine.verify(inst.id)
    store.close()


# -- values --------------------------------------------------------------------------------------

AWKWARD = {
    "big": 1e16,
    "bigger": 1.5e300,
    "tiny": 1e-300,
    "tenth": 0.1,
    "two": 2.0,
    "int": 10**30,
    "negative": -3,
    "嵌套": {"列表": [1, 2.5, None, True, False, "值", {"z": 1, "a": 2}]},
    "empty": {},
    "nothing": [],
    "text": "1e+5 is a string, so is -0.0",
    "order": {"b": 1, "a": 2, "aa": 3},
}


@needs_server
def test_json_and_instants_round_trip_exactly(schema: str, approval: Workflow, clock: FakeClock) -> None:
    from datetime import UTC

    store = PostgresStorage(POSTGRES_URL, schema=schema)
    engine = Engine(storage=store, workflows=[approval], clock=clock)
    inst = engine.start("approval", actor=ALICE, data=AWKWARD)
    inst = engine.fire(inst.id, "submit", actor=ALICE, payload={"note": AWKWARD})
    loaded = engine.get(inst.id)
    # canonical() tells 2.0 from 2 and 1e16 from 10000000000000000, which == does not.
    assert canonical(loaded.data) == canonical(inst.data)
    assert loaded.created_at == inst.created_at and loaded.created_at.tzinfo is UTC
    [_, submitted] = engine.history(inst.id)
    assert canonical(submitted.payload) == canonical({"note": AWKWARD})
    assert submitted.at == clock.now() and submitted.at.tzinfo is UTC
    engine.verify(inst.id)
    store.close()


@needs_server
@pytest.mark.parametrize(
    ("value", "text"),
    [(-0.0, "negative zero"), ("a\x00b", "0x00|\\\\u0000")],
    ids=["negative zero", "NUL"],
)
def test_values_jsonb_cannot_hold_are_refused_and_nothing_is_written(
    schema: str, approval: Workflow, clock: FakeClock, value: object, text: str
) -> None:
    store = PostgresStorage(POSTGRES_URL, schema=schema)
    engine = Engine(storage=store, workflows=[approval], clock=clock)
    with pytest.raises(StorageError, match=text):
        engine.start("approval", actor=ALICE, data={"x": value})
    assert engine.count() == 0
    store.close()


# -- the CLI ---------------------------------------------------------------------------------------


@needs_server
def test_cli_runs_on_postgresql_from_the_environment_and_from_db(schema: str) -> None:
    env = {"GOVFLOW_DATABASE_URL": POSTGRES_URL, "GOVFLOW_DATABASE_SCHEMA": schema, "GOVFLOW_REFERENCE": "1"}
    runner = CliRunner()
    clerk = ["--actor", "alice", "--role", "clerk", "--unit", "county.office"]
    started = runner.invoke(cli, ["start", "doc_approval", *clerk, "--data", '{"title": "请示"}'], env=env)
    assert started.exit_code == 0, started.output
    instance_id = started.stdout.strip()
    shown = runner.invoke(cli, ["--db", POSTGRES_URL, "history", instance_id, "--json"], env=env)
    assert shown.exit_code == 0, shown.output
    assert [e["seq"] for e in json.loads(shown.stdout)] == [1]
    verified = runner.invoke(cli, ["verify", instance_id], env=env)
    assert verified.exit_code == 0 and verified.stdout.startswith("ok:"), verified.output
    swept = runner.invoke(cli, ["worker", "--sweeps", "1", "--interval", "0.01"], env=env)
    assert swept.exit_code == 0, swept.output
    assert "worker: stopped after 1 sweep(s)" in swept.stderr
    with server() as conn:
        assert conn.execute(f'SELECT count(*) FROM "{schema}".instances'.encode()).fetchone() == (1,)


@needs_server
def test_cli_refuses_a_missing_schema_in_one_line(schema: str) -> None:
    result = CliRunner().invoke(
        cli, ["history", "x"], env={"GOVFLOW_DATABASE_URL": POSTGRES_URL, "GOVFLOW_DATABASE_SCHEMA": schema}
    )
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: no govflow schema '{schema}'") and result.stderr.count("\n") == 1


def test_cli_reports_an_unreachable_server_in_one_line_without_the_password() -> None:
    result = CliRunner().invoke(cli, ["--db", "postgresql://gov:s3cret-pw@127.0.0.1:1/govdb", "verify"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: cannot connect to PostgreSQL at 127.0.0.1:1, database 'govdb'")
    assert "s3cret-pw" not in result.output and result.stderr.count("\n") == 1

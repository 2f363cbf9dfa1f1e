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
from datetime import datetime
from typing import Any

import attrs
import pytest
from click.testing import CliRunner
from conftest import ALICE, POSTGRES_URL, approval_workflow, drop_schema, unique_schema

from govflow import Actor, Days, Deadline, Engine, Workflow
from govflow.audit import canonical
from govflow.cli import cli
from govflow.clock import FakeClock
from govflow.errors import InvalidData, StorageError
from govflow.instance import Instance
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
        "from govflow.errors import InvalidData, StorageError\n"
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
    assert store.schema_version == adapter.SCHEMA_VERSION == 4
    columns = {column for table, column, _ in snapshot(schema)[0] if table == "timers"}
    assert {"leased_by", "lease_until", "attempts", "retry_at", "last_error"} <= columns
    store.close()


@needs_server
def test_a_version_2_schema_upgrades_with_its_pending_timers(schema: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import UTC, datetime, timedelta

    from govflow.storage import postgres as adapter

    monkeypatch.setattr(adapter, "MIGRATIONS", adapter.MIGRATIONS[:2])
    monkeypatch.setattr(adapter, "SCHEMA_VERSION", 2)
    PostgresStorage(POSTGRES_URL, schema=schema).close()
    with server() as conn:  # what govflow at schema version 2 wrote: no retry columns yet
        conn.execute(
            f"INSERT INTO \"{schema}\".instances VALUES ('i1', 'grid_case', 1, 'open', '{{}}', 1, 'u', now(), "
            "now(), 'li', 'h', NULL, '{}')".encode()
        )
        columns = "id, instance_id, name, due, action, state, params, provisional, status"
        values = "'t1', 'i1', 'handle', now() - interval '1 day', 'overdue', 'open', '{}', false, 'pending'"
        conn.execute(f'INSERT INTO "{schema}".timers ({columns}) VALUES ({values})'.encode())
    monkeypatch.undo()
    store = PostgresStorage(POSTGRES_URL, schema=schema)
    from govflow.storage.postgres import SCHEMA_VERSION

    assert store.schema_version == SCHEMA_VERSION  # every migration since version 2 applied
    lease = timedelta(minutes=5)
    [timer] = store.claim_due(datetime.now(UTC), 10, worker="w", lease=lease, workflows={("grid_case", 1)})
    assert (timer.id, timer.status, timer.attempts, timer.retry_at, timer.last_error) == (
        "t1",
        "pending",
        0,
        None,
        None,
    )
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


WORKER_FLOW = """
from govflow import Deadline, State, Transition, Workflow, WorkingDays

WORKFLOW = Workflow(
    name="notice_pg_worker", version=1,
    states=[
        State("issued", "已下发", initial=True, deadlines=[Deadline("reply", WorkingDays(10), label="限期答复")]),
        State("closed", "已办结", final=True),
    ],
    transitions=[Transition("close", source="issued", dest="closed", roles={"clerk"})],
)
"""


def wait_for(what: str, check: Any, seconds: float = 120.0) -> Any:
    """Poll `check` until it returns something true; fail naming `what` if it never does."""
    give_up = time.monotonic() + seconds
    while time.monotonic() < give_up:
        found = check()
        if found:
            return found
        time.sleep(0.02)
    pytest.fail(f"gave up waiting for {what}")


@needs_server
def test_the_worker_survives_its_backend_being_terminated_mid_sweep(schema: str, tmp_path: Any) -> None:
    """Three times, the worker's commit is made to wait on a row lock and its backend is then
    terminated with pg_terminate_backend: the worker logs the fault, releases its batch, backs
    off, reconnects and goes on; in the end every due timer fired exactly once."""
    import os
    import signal

    from govflow.clock import SHANGHAI
    from govflow.loading import load_modules

    total, positions = 1000, (150, 480, 820)
    module = tmp_path / f"notice_pg_worker_{uuid.uuid4().hex[:8]}.py"
    module.write_text(WORKER_FLOW, encoding="utf-8")
    from datetime import datetime

    store = PostgresStorage(POSTGRES_URL, schema=schema)
    engine = Engine(
        storage=store, workflows=load_modules([str(module)]), clock=FakeClock(datetime(2016, 9, 5, 9, tzinfo=SHANGHAI))
    )
    for _ in range(total):
        engine.start("notice_pg_worker", actor=ALICE)
    store.close()
    with server() as conn:
        order = [row[0] for row in conn.execute(
            f'SELECT instance_id FROM "{schema}".timers ORDER BY due, id'.encode()).fetchall()]  # fmt: skip
    victims = [order[n] for n in positions]
    app = f"govflow-worker-{uuid.uuid4().hex[:8]}"
    url = POSTGRES_URL + ("&" if "?" in POSTGRES_URL else "?") + f"application_name={app}"
    env = {**os.environ, "GOVFLOW_DATABASE_URL": url, "GOVFLOW_DATABASE_SCHEMA": schema, "PYTHONUNBUFFERED": "1"}
    import psycopg

    blockers = []
    for victim in victims:  # hold each victim's row lock, so the worker's commit waits there
        blocker = psycopg.connect(POSTGRES_URL)
        blocker.execute(f'SELECT 1 FROM "{schema}".instances WHERE id = %s FOR UPDATE'.encode(), (victim,))
        blockers.append(blocker)
    out_path, err_path = tmp_path / "worker.out", tmp_path / "worker.err"
    with out_path.open("w") as out, err_path.open("w") as err:
        worker = subprocess.Popen(
            [sys.executable, "-m", "govflow.cli", "--workflows", str(module), "worker", "--interval", "0.05",
             "--limit", "100", "--reconnect-base", "0.05", "--reconnect-cap", "0.2"],
            stdout=out, stderr=err, env=env,
        )  # fmt: skip
    terminated = 0
    try:
        with server() as conn:

            def waiting_on(blocker: psycopg.Connection[Any]) -> bool:
                # Blocked by this very blocker: a backend terminated for the previous victim can
                # still be listed as waiting on a lock for a moment after it was told to go.
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s "
                    "AND %s = ANY(pg_blocking_pids(pid))",
                    (app, blocker.info.backend_pid),
                ).fetchone()
                return bool(row and row[0])

            def fired() -> int:
                row = conn.execute(f"SELECT count(*) FROM \"{schema}\".timers WHERE status = 'overdue'".encode())
                return int(row.fetchone()[0])

            for blocker in blockers:
                wait_for("the worker's commit to wait on the locked row", lambda b=blocker: waiting_on(b))
                assert 0 < fired() < total  # mid-sweep
                assert terminate(app) >= 1
                terminated += 1
                blocker.rollback()  # the row is free for the worker's retry
            wait_for("every due timer to fire", lambda: fired() == total)
    finally:
        for blocker in blockers:
            blocker.close()
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
    log = err_path.read_text(encoding="utf-8")
    assert worker.returncode == 0, log
    faults = [line for line in log.splitlines() if line.startswith("worker: storage fault #")]
    assert terminated == 3 and len(faults) == 3, log
    assert all("lost the connection" in line or "terminat" in line for line in faults), faults
    assert "worker: batch 1: 100 timer(s)" in log and "storage fault(s) survived" in log
    assert all(line.startswith("worker: ") for line in log.splitlines()), log  # one line per fault, no noise
    with server() as conn:
        statuses = conn.execute(f'SELECT status, count(*) FROM "{schema}".timers GROUP BY 1'.encode()).fetchall()
        per_instance = conn.execute(
            f"SELECT n, count(*) FROM (SELECT count(*) AS n FROM \"{schema}\".audit WHERE event = 'overdue' "
            "GROUP BY instance_id) AS c GROUP BY n".encode()
        ).fetchall()
        revisions = conn.execute(f'SELECT DISTINCT revision FROM "{schema}".instances'.encode()).fetchall()
    assert statuses == [("overdue", total)]
    assert per_instance == [(1, total)]  # exactly once: no duplicates, none missing
    assert revisions == [(2,)]
    assert out_path.read_text(encoding="utf-8").count("done: overdue reply") == total


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
def test_values_jsonb_cannot_hold_follow_the_rule_of_every_adapter(
    schema: str, approval: Workflow, clock: FakeClock
) -> None:
    """NUL is refused and -0.0 normalised before PostgreSQL sees them, as on every adapter
    (govflow.values): a value is accepted or refused the same way whatever the storage."""
    store = PostgresStorage(POSTGRES_URL, schema=schema)
    engine = Engine(storage=store, workflows=[approval], clock=clock)
    with pytest.raises(InvalidData, match="NUL character"):
        engine.start("approval", actor=ALICE, data={"x": "a\x00b"})
    assert engine.count() == 0
    inst = engine.start("approval", actor=ALICE, data={"x": -0.0})
    assert engine.get(inst.id).data == {"x": 0.0}
    engine.verify(inst.id)
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


# -- lost races the server detects (SQLSTATE class 40) ---------------------------------------------


def racing_flow() -> Workflow:
    """`submitted` arms two timers: `lapse` (1 day, fires `withdraw`) and `reply` (10 days). Leaving
    the state settles both in the commit's transaction, after the instance row is updated: two rows
    (the instance, then the timers) that a second connection can lock in the opposite order."""
    from govflow import FireEvent, State, Transition

    flow = approval_workflow()
    states = [
        attrs.evolve(
            st, deadlines=(Deadline("lapse", Days(1), action=FireEvent("withdraw")), Deadline("reply", Days(10)))
        )
        if st.name == "submitted"
        else st
        for st in flow.states
    ]
    states.append(State("withdrawn", "已撤回", final=True))
    withdraw = Transition("withdraw", source="submitted", dest="withdrawn", roles={"system"})
    return attrs.evolve(flow, states=tuple(states), transitions=(*flow.transitions, withdraw))


def wait_for_lock_waits(app: str, count: int) -> None:
    """Return once `count` backends of `app` are waiting for a lock (polling the server)."""
    with server() as watcher:
        for _ in range(3000):
            waiting = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s AND wait_event_type = 'Lock'",
                (app,),
            ).fetchone()
            if waiting and waiting[0] >= count:
                return
            time.sleep(0.01)
    pytest.fail(f"{count} commit(s) of {app} never waited for a row lock")


class Deadlocker:
    """Forces a deadlock on the real server between govflow's commit and a connection of its own.

    The helper locks the `reply` timer row, waits until govflow's transaction (which already
    holds the instance row) is waiting for that timer row, then asks for the instance row: each
    connection holds what the other wants. PostgreSQL's deadlock check runs in a waiting backend
    once its ``deadlock_timeout`` passes; govflow's sessions get 2 s and the helper's 10 min, so the
    server always aborts govflow's transaction (SQLSTATE 40P01) and the helper goes on.
    """

    def __init__(self, schema: str, app: str) -> None:
        import psycopg

        self.schema, self.app = schema, app
        self.conn = psycopg.connect(POSTGRES_URL)
        self.conn.execute("SET deadlock_timeout = '10min'")
        self.conn.execute("SET lock_timeout = '60s'")  # never hang the test run if something goes wrong

    def hold_timer(self, instance_id: str, name: str) -> None:
        self.conn.execute(
            f'SELECT 1 FROM "{self.schema}".timers WHERE instance_id = %s AND name = %s FOR UPDATE'.encode(),
            (instance_id, name),
        )

    def close_the_cycle(self, instance_id: str) -> None:
        wait_for_lock_waits(self.app, 1)
        # Blocks until the server has aborted govflow's transaction, then holds the instance row.
        self.conn.execute(f'SELECT 1 FROM "{self.schema}".instances WHERE id = %s FOR UPDATE'.encode(), (instance_id,))

    def release(self) -> None:
        self.conn.rollback()
        self.conn.close()


def deadlock_engine(schema: str, clock: FakeClock) -> tuple[Engine, str]:
    from psycopg.conninfo import make_conninfo

    app = f"govflow-test-{uuid.uuid4().hex[:8]}"
    url = make_conninfo(POSTGRES_URL, options="-c deadlock_timeout=2s")
    store = PostgresStorage(url, schema=schema, application_name=app)
    return Engine(storage=store, workflows=[racing_flow()], clock=clock), app


def deadlocked(engine: Engine, schema: str, app: str, instance_id: str, call: Any) -> Any:
    """Run `call` in a thread while a `Deadlocker` forces a deadlock on its first commit to
    `instance_id`; its result (or the exception it raised).

    Commits to it after the first wait until the helper has let go: the helper still holds the timer
    row when the server aborts govflow's transaction, so a retry that got to the instance row
    before the helper did would close a second cycle. (Two govflow commits never hold on like
    that: the winner finishes.)
    """
    outcome: dict[str, Any] = {}
    released = threading.Event()
    store = engine.storage
    commit = store.commit
    commits: list[int] = []

    def gated(change: Any) -> None:
        if change.instance.id == instance_id:
            if commits:
                released.wait(60)
            commits.append(1)
        commit(change)

    def run() -> None:
        try:
            outcome["result"] = call()
        except BaseException as exc:
            outcome["result"] = exc

    store.commit = gated  # type: ignore[method-assign]
    helper = Deadlocker(schema, app)
    try:
        helper.hold_timer(instance_id, "reply")
        thread = threading.Thread(target=run)
        thread.start()
        helper.close_the_cycle(instance_id)
    finally:
        helper.release()
        released.set()
    thread.join(timeout=60)
    assert not thread.is_alive()
    del store.commit  # type: ignore[method-assign]
    return outcome["result"]


@needs_server
def test_a_deadlocked_fire_is_a_lost_race_and_writes_nothing(schema: str, clock: FakeClock) -> None:
    from govflow.errors import ConcurrentModification

    engine, app = deadlock_engine(schema, clock)
    inst = engine.start("approval", actor=ALICE, data={"title": "请示"})
    inst = engine.fire(inst.id, "submit", actor=ALICE)
    bob = Actor("bob", roles={"leader"}, unit="county.office")
    error = deadlocked(engine, schema, app, inst.id, lambda: engine.fire(inst.id, "approve", actor=bob))
    assert isinstance(error, ConcurrentModification), error
    assert "reload and retry" in str(error)
    # Nothing of it was written: the instance, its audit trail and its timers are as before.
    assert engine.get(inst.id).state == "submitted" and len(engine.history(inst.id)) == 2
    assert sorted(t.name for t in engine.timers(inst.id)) == ["lapse", "reply"]
    assert engine.fire(inst.id, "approve", actor=bob).state == "approved"
    engine.verify(inst.id)
    engine.storage.close()


@needs_server
def test_fire_retrying_retries_a_deadlocked_fire(schema: str, clock: FakeClock) -> None:
    engine, app = deadlock_engine(schema, clock)
    inst = engine.start("approval", actor=ALICE, data={"title": "请示"})
    inst = engine.fire(inst.id, "submit", actor=ALICE)
    bob = Actor("bob", roles={"leader"}, unit="county.office")
    result = deadlocked(engine, schema, app, inst.id, lambda: engine.fire_retrying(inst.id, "approve", actor=bob))
    assert isinstance(result, Instance), result
    assert result.state == "approved" and result.revision == 3
    assert [e.event for e in engine.history(inst.id)] == ["start", "submit", "approve"]
    assert engine.timers(inst.id) == []
    engine.verify(inst.id)
    engine.storage.close()


@needs_server
def test_tick_retries_a_deadlocked_timer_and_finishes_its_sweep(schema: str, clock: FakeClock) -> None:
    engine, app = deadlock_engine(schema, clock)
    inst = engine.start("approval", actor=ALICE, data={"title": "请示"})
    inst = engine.fire(inst.id, "submit", actor=ALICE)
    other = engine.fire(engine.start("approval", actor=ALICE, data={"title": "另一件"}).id, "submit", actor=ALICE)
    clock.advance(days=3)  # `lapse` is due on both; `reply` is not
    outcomes = deadlocked(engine, schema, app, inst.id, engine.tick)
    assert not isinstance(outcomes, BaseException), outcomes
    assert sorted((o.timer.instance_id, o.result) for o in outcomes) == sorted([(inst.id, "done"), (other.id, "done")])
    for each in (inst.id, other.id):
        assert engine.get(each).state == "withdrawn"
        assert engine.timers(each) == []
        engine.verify(each)
    assert [e.event for e in engine.history(inst.id)] == ["start", "submit", "withdraw"]
    engine.storage.close()


@needs_server
def test_a_parent_settling_and_a_child_reporting_up_lock_rows_in_one_order(schema: str) -> None:
    """Issue 12: a parent settling its children while a child reports up deadlocked, because the
    two commits wrote the same two instance rows in opposite orders. Now every commit locks
    existing instance rows by id.

    The interleaving is forced: a helper holds the row that comes second in id order; the child's
    final fire (reporting up) and then the parent's call-off (settling the child) start and wait.
    In one lock order they queue one behind the other; in opposite orders, once the helper lets
    go, each holds what the other wants — a deadlock the server would break by aborting one.
    """
    from test_children import INSPECTOR, LEAD, REPORTING, SELF_INSPECTION, UNIT

    from govflow.clock import SHANGHAI
    from govflow.errors import ConcurrentModification

    app = f"govflow-test-{uuid.uuid4().hex[:8]}"
    store = PostgresStorage(POSTGRES_URL, schema=schema, application_name=app)
    clock = FakeClock(datetime(2026, 12, 10, 9, tzinfo=SHANGHAI))
    engine = Engine(storage=store, workflows=[REPORTING, SELF_INSPECTION], clock=clock)
    parent = engine.start("reporting_campaign", actor=LEAD, data={"units": ["county.u1"]})
    parent = engine.fire(parent.id, "deploy", actor=LEAD)
    child = engine.fire(engine.children(parent.id)[0].id, "submit", actor=UNIT)
    second = max(parent.id, child.id)
    outcomes: dict[str, Any] = {}

    def run(name: str, call: Any) -> threading.Thread:
        def target() -> None:
            try:
                outcomes[name] = call()
            except BaseException as exc:
                outcomes[name] = exc

        thread = threading.Thread(target=target)
        thread.start()
        return thread

    import psycopg

    helper = psycopg.connect(POSTGRES_URL)
    helper.execute("SET lock_timeout = '60s'")
    try:
        helper.execute(f'SELECT 1 FROM "{schema}".instances WHERE id = %s FOR UPDATE'.encode(), (second,))
        reporting = run("child", lambda: engine.fire(child.id, "accept", actor=INSPECTOR))
        wait_for_lock_waits(app, 1)
        settling = run("parent", lambda: engine.fire(parent.id, "call_off", actor=LEAD))
        wait_for_lock_waits(app, 2)
    finally:
        helper.rollback()
        helper.close()
    reporting.join(timeout=60)
    settling.join(timeout=60)
    # The child went first and won; the parent lost on the revision check, not to a deadlock.
    assert isinstance(outcomes["child"], Instance), outcomes["child"]
    assert outcomes["child"].state == "accepted"
    lost = outcomes["parent"]
    assert isinstance(lost, ConcurrentModification), lost
    assert lost.reason is None, lost
    assert engine.get(parent.id).data["outcomes"] == {"county.u1": "accepted"}
    assert engine.fire(parent.id, "call_off", actor=LEAD).state == "called_off"
    assert engine.get(child.id).state == "accepted"
    engine.verify(parent.id)
    engine.verify(child.id)
    store.close()

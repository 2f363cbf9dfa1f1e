"""CLI commands that deal with time: tick, worker, overdue, upcoming, calendar."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from datetime import datetime
from importlib.metadata import version
from pathlib import Path

import pytest
from click.testing import CliRunner

from govflow import Actor, Engine
from govflow.cli import cli
from govflow.clock import SHANGHAI, FakeClock
from govflow.loading import load_modules
from govflow.storage import SQLiteStorage

FLOW = textwrap.dedent(
    """
    from govflow import Deadline, State, Transition, Workflow, WorkingDays

    WORKFLOW = Workflow(
        name="notice_cli", version=1,
        states=[
            State("issued", "已下发", initial=True, deadlines=[Deadline("reply", WorkingDays(10), label="限期答复")]),
            State("closed", "已办结", final=True),
        ],
        transitions=[Transition("close", source="issued", dest="closed", roles={"clerk"})],
    )
    """
)


@pytest.fixture(autouse=True)
def before_november(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's clock reads 1 June 2026: its output must not depend on whether the suite runs
    in November or December, when tick and worker warn about next year's calendar (tests of that
    warning set their own clock)."""
    monkeypatch.setattr("govflow.cli.SystemClock", lambda: FakeClock(datetime(2026, 6, 1, 9, tzinfo=SHANGHAI)))


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path, list[str]]:
    module = tmp_path / f"notice_cli_{uuid.uuid4().hex[:8]}.py"  # one module name per test
    module.write_text(FLOW, encoding="utf-8")
    db = tmp_path / "gov.db"
    engine = Engine(
        storage=SQLiteStorage(db),
        workflows=load_modules([str(module)]),
        clock=FakeClock(datetime(2016, 9, 5, 9, tzinfo=SHANGHAI)),
    )
    ids = [engine.start("notice_cli", actor=Actor("li", roles={"clerk"}, unit="county")).id for _ in range(3)]
    engine.storage.close()
    return db, module, ids


def run(db: Path, module: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--db", str(db), "--workflows", str(module), *args])
    return result.exit_code, result.stdout, result.stderr


def test_tick_sweeps_what_is_due_once(setup: tuple[Path, Path, list[str]]) -> None:
    db, module, ids = setup
    code, out, _ = run(db, module, "overdue")
    assert code == 0 and "overdue: 0" in out
    code, out, _ = run(db, module, "tick")
    assert code == 0
    assert out.count("done: overdue reply (due 2016-09-20)") == 3
    assert "swept: 3 timer(s) due" in out
    code, out, _ = run(db, module, "tick")
    assert "swept: 0 timer(s) due" in out
    code, out, _ = run(db, module, "overdue")
    assert "overdue: 3" in out and ids[0] in out and "reply (限期答复)" in out
    code, out, _ = run(db, module, "upcoming", "--days", "30")
    assert code == 0 and "due within 30 day(s): 0" in out


def test_worker_stops_cleanly_on_sigterm(setup: tuple[Path, Path, list[str]]) -> None:
    db, module, _ = setup
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "govflow.cli",
            "--db",
            str(db),
            "--workflows",
            str(module),
            "worker",
            "--interval",
            "0.1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    deadline = time.monotonic() + 20
    seen = ""
    assert proc.stderr is not None
    while "sweeping" not in seen and time.monotonic() < deadline:
        seen += proc.stderr.readline()
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert out.count("done: overdue reply") == 3
    assert "SIGTERM received" in err and "stopped after" in err


def test_worker_with_a_sweep_limit(setup: tuple[Path, Path, list[str]]) -> None:
    db, module, _ = setup
    code, out, err = run(db, module, "worker", "--interval", "0.01", "--sweeps", "2")
    assert code == 0
    assert out.count("done: overdue") == 3
    assert "stopped after 2 sweep(s)" in err


def test_calendar_load_and_show(setup: tuple[Path, Path, list[str]], tmp_path: Path) -> None:
    db, module, _ = setup
    schedule = tmp_path / "2027.json"
    schedule.write_text(
        json.dumps(
            {"year": 2027, "holidays": ["2027-01-01"], "workdays": ["2027-01-09"], "source": "国务院办公厅通知"}
        ),
        encoding="utf-8",
    )
    code, out, _ = run(db, module, "calendar", "load", str(schedule))
    assert code == 0 and "2027 schedule stored (1 holidays, 1 make-up workdays)" in out
    code, out, _ = run(db, module, "calendar", "show")
    assert "2027: 国务院办公厅通知" in out
    bad = tmp_path / "bad.json"
    bad.write_text('{"year": 2027, "holidays": ["2026-05-01"], "workdays": [], "source": "x"}', encoding="utf-8")
    code, _, err = run(db, module, "calendar", "load", str(bad))
    assert code == 1 and err.startswith("error: ") and "2026-05-01" in err and "Traceback" not in err


def test_directory_load_and_show(setup: tuple[Path, Path, list[str]], tmp_path: Path) -> None:
    db, module, _ = setup
    org = tmp_path / "org.json"
    org.write_text(
        json.dumps(
            {
                "units": [{"id": "city", "name": "市"}, {"id": "d1", "name": "一区", "parent": "city"}],
                "posts": [{"person": "li", "position": "principal", "unit": "d1", "start": "2020-01-01"}],
            }
        ),
        encoding="utf-8",
    )
    code, out, _ = run(db, module, "directory", "load", str(org))
    assert code == 0 and "directory stored (2 units, 1 posts)" in out
    code, out, _ = run(db, module, "directory", "show", "--on", "2026-03-02")
    assert out.splitlines() == ["city 市", "  d1 一区", "    - principal: li"]
    cyclic = tmp_path / "cyclic.json"
    cyclic.write_text(json.dumps({"units": [{"id": "a", "parent": "b"}, {"id": "b", "parent": "a"}]}), encoding="utf-8")
    code, _, err = run(db, module, "directory", "load", str(cyclic))
    assert code == 1 and "units form a cycle" in err and "Traceback" not in err


# -- issue 12: timers of workflows not loaded, failing timers, a worker that keeps running -------


def run_bare(db: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """The CLI without --workflows: as a sweep that lacks the service's module runs."""
    result = CliRunner().invoke(cli, ["--db", str(db), *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def test_tick_without_the_module_leaves_the_timers_pending_and_says_so(setup: tuple[Path, Path, list[str]]) -> None:
    db, module, ids = setup
    code, out, err = run_bare(db, "tick")
    assert code == 3, (out, err)
    assert "swept: 0 timer(s) due" in out
    [warning] = err.splitlines()
    assert warning.startswith("warning: notice_cli v1 (3 due timers) left pending: not loaded here")
    assert "--workflows MODULE" in warning
    code, out, err = run_bare(db, "overdue")
    assert code == 0 and "overdue: 0" in out
    assert err.startswith("note: notice_cli v1 (3 due timers) not yet acted on: not loaded here")
    code, _, err = run_bare(db, "inbox", "--actor", "li", "--role", "clerk")
    assert code == 0 and err.startswith("note: notice_cli v1 (3 instances) not listed: not loaded here")
    code, _, err = run_bare(db, "history", ids[0])
    assert code == 0 and "workflow notice_cli v1 is not loaded" in err
    # Nothing was destroyed: the sweep with the module acts on all three.
    code, out, err = run(db, module, "tick")
    assert code == 0 and out.count("done: overdue reply") == 3 and err == ""
    code, out, err = run(db, module, "overdue")
    assert "overdue: 3" in out and err == ""


REFUSING_FLOW = textwrap.dedent(
    """
    import os
    from govflow import Deadline, FireEvent, State, Transition, Workflow, WorkingDays, guard

    @guard("{guard}", "the mail gateway takes the notice")
    def mail_up(ctx):
        return os.environ.get("CLI_TEST_MAIL") == "up"

    WORKFLOW = Workflow(
        name="autoclose_cli", version=1,
        states=[
            State("open", initial=True, deadlines=[Deadline("expire", WorkingDays(1), action=FireEvent("close"))]),
            State("closed", final=True),
        ],
        transitions=[Transition("close", source="open", dest="closed", roles={{"system"}}, guards=[mail_up])],
    )
    """
)


def test_a_parked_timer_is_listed_and_re_armed_on_the_record(tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:8]
    module = tmp_path / f"autoclose_cli_{tag}.py"
    module.write_text(REFUSING_FLOW.format(guard=f"cli_test_{tag}.mail_up"), encoding="utf-8")
    db = tmp_path / "gov.db"
    engine = Engine(
        storage=SQLiteStorage(db),
        workflows=load_modules([str(module)]),
        clock=FakeClock(datetime(2016, 9, 5, 9, tzinfo=SHANGHAI)),
    )
    inst = engine.start("autoclose_cli", actor=Actor("li", roles={"clerk"}))
    engine.storage.close()
    code, out, _ = run(db, module, "tick")
    assert code == 0 and out.startswith("failed: fire expire") and "mail gateway" in out
    code, out, err = run(db, module, "overdue")
    assert "note: 1 timer(s) parked as failed; see `govflow timers --failed`" in err
    code, out, _ = run(db, module, "timers")
    assert code == 0 and "retrying: 0 timer(s); parked as failed: 1 timer(s)" in out
    code, out, _ = run(db, module, "timers", "--failed", "--json")
    [row] = json.loads(out)
    assert (row["instance"], row["status"], row["attempts"]) == (inst.id, "parked", "1")
    assert "mail gateway" in row["last error"]
    # Refusals write nothing and say why in one line.
    code, _, err = run(db, module, "timers", "rearm", "nope", "--actor", "ops", "--reason", "x")
    assert code == 1 and err == "error: cannot re-arm timer nope: there is no such timer " \
        "(see `govflow timers --failed` for parked ones)\n"  # fmt: skip
    code, _, err = run(db, module, "timers", "rearm", row["timer"], "--actor", "ops")
    assert code == 2 and "--reason" in err
    code, out, _ = run(db, module, "timers", "rearm", row["timer"], "--actor", "ops.wang", "--role", "operator",
                       "--reason", "邮件网关已恢复")  # fmt: skip
    assert code == 0 and out.startswith(f"ok: timer {row['timer']} (expire) of {inst.id} re-armed")
    code, out, _ = run(db, module, "history", inst.id, "--json")
    rearmed = json.loads(out)[-1]
    assert (rearmed["event"], rearmed["actor"], rearmed["justification"]) == (
        "timer_rearmed",
        "ops.wang",
        "邮件网关已恢复",
    )
    result = CliRunner().invoke(cli, ["--db", str(db), "--workflows", str(module), "tick"], env={"CLI_TEST_MAIL": "up"})
    assert result.exit_code == 0 and result.stdout.startswith("done: fire expire")
    code, _, err = run(db, module, "timers", "rearm", row["timer"], "--actor", "ops", "--reason", "again")
    assert code == 1 and "it is fired, and only a parked (failed) timer can be re-armed" in err
    code, out, _ = run(db, module, "verify", inst.id)
    assert code == 0


def test_the_worker_survives_a_storage_fault_and_logs_each_batch(
    setup: tuple[Path, Path, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from govflow.errors import StorageError

    db, module, _ = setup
    claim_due = SQLiteStorage.claim_due
    faults = iter([StorageError("cannot lease timers in 'gov.db': disk I/O error")])

    def flaky(self: SQLiteStorage, *args: object, **kw: object) -> object:
        fault = next(faults, None)
        if fault is not None:
            raise fault
        return claim_due(self, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(SQLiteStorage, "claim_due", flaky)
    code, out, err = run(db, module, "worker", "--interval", "0.01", "--sweeps", "1")
    assert code == 0, err
    assert out.count("done: overdue reply") == 3
    lines = err.splitlines()
    assert "worker: storage fault #1, retrying in 1s: cannot lease timers in 'gov.db': disk I/O error" in lines
    assert "worker: batch 1: 3 timer(s) — done 3" in lines
    assert lines[-1] == "worker: stopped after 1 sweep(s), 1 storage fault(s) survived"


def test_the_worker_stops_at_once_on_a_schema_newer_than_this_govflow(setup: tuple[Path, Path, list[str]]) -> None:
    import sqlite3

    db, module, _ = setup
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO govflow_schema VALUES (99, 'from the future', '2030-01-01T00:00:00Z')")
    code, _, err = run(db, module, "worker", "--interval", "0.01", "--reconnect-base", "0.01")
    assert code == 1
    assert err.startswith("error: ") and "schema version 99, newer than this govflow understands" in err
    assert "storage fault" not in err


def test_the_worker_waits_for_a_server_that_cannot_be_reached_yet() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "govflow.cli", "--db", "postgresql://gov:pw@127.0.0.1:1/govdb", "worker",
         "--reconnect-base", "0.05", "--reconnect-cap", "0.1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    assert proc.stderr is not None
    first = proc.stderr.readline()
    second = proc.stderr.readline()  # it retried rather than exiting
    proc.send_signal(signal.SIGTERM)
    _, rest = proc.communicate(timeout=30)
    assert first.startswith("worker: storage fault #1 while opening, retrying in 0.05s: cannot connect to PostgreSQL")
    assert second.startswith("worker: storage fault #2 while opening, retrying in 0.1s:")
    assert "pw" not in first + second + rest
    assert proc.returncode == 0 and "worker: stopped before the storage could be opened" in rest


def test_the_note_names_the_reference_module_a_workflow_comes_from(tmp_path: Path) -> None:
    db = str(tmp_path / "ref.db")
    runner = CliRunner()
    clerk = ["--actor", "alice", "--role", "clerk", "--unit", "county.office"]
    started = runner.invoke(
        cli, ["--reference", "--db", db, "start", "doc_approval", *clerk, "--data", '{"title": "请示"}']
    )
    assert started.exit_code == 0, started.output
    listed = runner.invoke(cli, ["--db", db, "inbox", *clerk])
    assert listed.exit_code == 0
    assert listed.stderr == (
        "note: doc_approval v1 (1 instance) not listed: not loaded here "
        "(modules loaded: none; doc_approval is in govflow.demo: add --reference)\n"
    )
    assert runner.invoke(cli, ["--reference", "--db", db, "inbox", *clerk]).stderr == ""


def test_the_worker_refuses_a_reconnect_cap_below_its_base(setup: tuple[Path, Path, list[str]]) -> None:
    db, module, _ = setup
    code, _, err = run(db, module, "worker", "--reconnect-base", "5", "--reconnect-cap", "1")
    assert code == 2 and err == "error: --reconnect-cap (1) must not be shorter than --reconnect-base\n"
    code, out, _ = run(db, module, "overdue")
    assert "overdue: 0" in out  # nothing was swept


def year_file(tmp_path: Path, year: int) -> Path:
    path = tmp_path / f"{year}.json"
    path.write_text(
        json.dumps({"year": year, "holidays": [f"{year}-01-01"], "workdays": [], "source": f"{year}年放假安排通知"}),
        encoding="utf-8",
    )
    return path


@pytest.fixture
def in_november_2089(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's clock reads 2 November 2089: a year no `holidays` release will cover soon."""
    monkeypatch.setattr("govflow.cli.SystemClock", lambda: FakeClock(datetime(2089, 11, 2, 9, tzinfo=SHANGHAI)))


def test_calendar_status_lists_official_and_provisional_years(
    setup: tuple[Path, Path, list[str]], tmp_path: Path, in_november_2089: None
) -> None:
    from govflow.calendar import PACKAGE_OFFICIAL_YEARS

    db, module, _ = setup
    assert run(db, module, "calendar", "load", str(year_file(tmp_path, 2089)))[0] == 0
    code, out, err = run(db, module, "calendar", "status")
    assert code == 0, err
    first, last = PACKAGE_OFFICIAL_YEARS[0], PACKAGE_OFFICIAL_YEARS[-1]
    assert f"official (holidays package {version('holidays')}): {first}-{last}" in out
    assert "official (loaded): 2089 (2089年放假安排通知)" in out
    assert "provisional (推定): every other year" in out
    assert "mode: provisional" in out
    assert "warning: no official holiday schedule (放假安排) for 2090" in err
    assert run(db, module, "calendar", "load", str(year_file(tmp_path, 2090)))[0] == 0
    code, out, err = run(db, module, "calendar", "status")
    assert code == 0 and "official (loaded): 2089 (2089年放假安排通知), 2090 (2090年放假安排通知)" in out
    assert "warning" not in err


def test_calendar_status_in_strict_mode(
    setup: tuple[Path, Path, list[str]], monkeypatch: pytest.MonkeyPatch, in_november_2089: None
) -> None:
    db, module, _ = setup
    monkeypatch.setenv("GOVFLOW_CALENDAR", "strict")
    code, out, err = run(db, module, "calendar", "status")
    assert code == 0
    assert "mode: strict" in out and "refused (strict): every other year" in out
    assert "strict calendar refuses deadlines reaching into it" in err


def test_tick_and_worker_warn_when_next_years_schedule_is_missing(
    setup: tuple[Path, Path, list[str]], tmp_path: Path, in_november_2089: None
) -> None:
    db, module, _ = setup
    run(db, module, "calendar", "load", str(year_file(tmp_path, 2089)))
    code, _, err = run(db, module, "tick")
    assert code == 0 and "no official holiday schedule (放假安排) for 2090" in err
    code, _, err = run(db, module, "worker", "--interval", "0.01", "--sweeps", "3")
    assert code == 0 and err.count("no official holiday schedule (放假安排) for 2090") == 1  # once a day
    run(db, module, "calendar", "load", str(year_file(tmp_path, 2090)))
    code, _, err = run(db, module, "tick")
    assert code == 0 and "warning" not in err


def test_calendar_load_reports_the_recomputed_deadlines_and_audits_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Started at the end of 2089 (official) with a 10-working-day reply, the deadline reaches
    into 2090 (no official data): provisional. Loading 2090 moves it, on the instance's record."""
    module = tmp_path / f"notice_cli_{uuid.uuid4().hex[:8]}.py"
    module.write_text(FLOW, encoding="utf-8")
    db = tmp_path / "gov.db"
    monkeypatch.setattr("govflow.cli.SystemClock", lambda: FakeClock(datetime(2089, 12, 24, 9, tzinfo=SHANGHAI)))
    assert run(db, module, "calendar", "load", str(year_file(tmp_path, 2089)))[0] == 0
    code, out, err = run(db, module, "start", "notice_cli", "--actor", "li", "--role", "clerk")
    assert code == 0, err
    code, out, _ = run(db, module, "upcoming", "--days", "60", "--csv")
    assert "(provisional)" in out
    schedule = tmp_path / "2090.json"
    holidays = [f"2090-01-{day:02d}" for day in range(1, 9)]
    schedule.write_text(json.dumps({"year": 2090, "holidays": holidays, "workdays": [], "source": "通知"}))
    code, out, _ = run(db, module, "calendar", "load", str(schedule))
    assert code == 0 and "1 provisional deadline(s) recomputed, each recorded in its instance's audit trail" in out
    code, out, _ = run(db, module, "upcoming", "--days", "60", "--csv")
    assert "(provisional)" not in out
    code, out, _ = run(db, module, "verify")
    assert code == 0

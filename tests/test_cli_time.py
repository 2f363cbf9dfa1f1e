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

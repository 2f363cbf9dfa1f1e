"""The `govflow` command: every command's happy path and its one-line error paths."""

from __future__ import annotations

import itertools
import json
import re
import sqlite3
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from govflow.cli import cli
from govflow.clock import SHANGHAI
from govflow.demo import DOC_APPROVAL, run_demo
from govflow.storage import SQLiteStorage

CLERK = ["--actor", "clerk.wang", "--role", "clerk", "--unit", "county.office"]
REVIEWER = ["--actor", "reviewer.li", "--role", "reviewer"]
LEADER = ["--actor", "leader.zhao", "--role", "leader"]

_names = itertools.count()


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("GOVFLOW_WORKFLOWS", "GOVFLOW_DATABASE_URL", "GOVFLOW_DIRECTORY", "GOVFLOW_CALENDAR", "COLUMNS"):
        monkeypatch.delenv(name, raising=False)
    # These tests drive the demo's doc_approval workflow, part of the reference set.
    monkeypatch.setenv("GOVFLOW_REFERENCE", "1")
    monkeypatch.setenv(
        "COLUMNS", "200"
    )  # a wide terminal: the table layouts below (80 columns: tests/test_cli_output.py)
    monkeypatch.chdir(tmp_path)  # no project configuration file above the working directory


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "gov.db"


def run(db: Path | None, *args: str, env: dict[str, str] | None = None) -> Result:
    prefix = ["--db", str(db)] if db is not None else []
    return CliRunner().invoke(cli, [*prefix, *args], env=env)


def ok(result: Result) -> str:
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


def one_line_error(result: Result, code: int, text: str) -> str:
    """The command failed with `code` and exactly one `error: …` line containing `text`."""
    assert result.exit_code == code, (result.output, result.exception)
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ")
    assert text in lines[0], lines[0]
    return lines[0]


def start(db: Path, title: str = "关于春耕的请示", pages: int = 3) -> str:
    data = json.dumps({"title": title, "pages": pages}, ensure_ascii=False)
    out = ok(run(db, "start", "doc_approval", *CLERK, "--data", data))
    instance_id = out.strip()
    assert re.fullmatch(r"[0-9a-f]{32}", instance_id)
    return instance_id


def submitted(db: Path) -> str:
    instance_id = start(db)
    ok(run(db, "fire", instance_id, "submit", *CLERK))
    return instance_id


@pytest.fixture
def module_file(tmp_path: Path) -> Iterator[Any]:
    """Write a workflow module under a unique name; forget it afterwards."""
    made: list[str] = []

    def write(body: str) -> Path:
        name = f"cli_test_flow_{next(_names)}"
        made.append(name)
        path = tmp_path / f"{name}.py"
        path.write_text(body, encoding="utf-8")
        return path

    yield write
    for name in made:
        sys.modules.pop(name, None)


LEAVE_MODULE = """
from govflow import State, Transition, Workflow

WORKFLOW = Workflow(
    name="leave", version=1, title="请假",
    states=[State("applied", "已申请", initial=True), State("granted", "已批准", final=True)],
    transitions=[Transition("grant", source="applied", dest="granted", roles={"leader"}, label="批准")],
)
"""

BROKEN_MODULE = """
from govflow import State, Transition, Workflow

WORKFLOWS = [Workflow(
    name="broken_flow", version=1,
    states=[State("a", initial=True), State("b"), State("c", final=True)],
    transitions=[Transition("go", source="a", dest="nowhere", roles={"x"})],
)]
"""


# -- help ----------------------------------------------------------------------------------------


def test_help_lists_every_command_with_examples() -> None:
    out = ok(run(None, "--help"))
    for command in ("demo", "list", "show", "diagram", "check", "start", "fire", "inbox", "history", "verify"):
        assert re.search(rf"^  {command}\s", out, re.MULTILINE), command
    assert "Examples:" in out and "--db PATH" in out and "--workflows MODULE" in out
    for command in ("demo", "start", "fire", "inbox", "history", "verify", "diagram", "check", "show", "list"):
        sub = ok(run(None, command, "--help"))
        assert "Examples:" in sub, command
        assert re.search(r"^    govflow ", sub, re.MULTILINE), command


# -- demo ----------------------------------------------------------------------------------------


def test_demo_creates_the_database_and_prints_a_summary(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    out = ok(run(None, "demo", "--db", str(path)))
    assert path.exists()
    assert "12/12 audit chains verified" in out
    assert "原则上 rule overridden with a justification: doc-0004" in out
    expected = run_demo(tmp_path / "again.db")
    for state, count in expected.by_state.items():
        label = DOC_APPROVAL.state(state).display
        assert re.search(rf"│ {re.escape(label)}\s+│\s+{count} │", out), label
    assert re.search(r"│ total\s+│\s+12 │", out)
    # The reference 整改闭环 rounds follow, with the department head's summary.
    assert "整改闭环 (rectification)" in out
    assert re.search(r"│ findings \(问题\)\s+│\s+36 │", out)
    assert "0 broken audit chains among the rectification cases" in out
    # Then the December 安全生产大检查大整治 across 12 county units, as the 县安委办 sees it.
    assert "安全生产大检查大整治 (safety campaign)" in out
    assert re.search(r"│ units \(参加单位\), campaign concluded\s+│\s+12 │", out)
    assert re.search(r"│   accepted \(验收合格\)\s+│\s+9 │", out)
    assert re.search(r"│ deduction \(考核扣分\): county\.town8\s+│\s+−3\.0 │", out)
    assert re.search(r"│ enterprises closed \(关闭取缔\)\s+│\s+1 │", out)
    assert re.search(r"│ broken audit chains \(审计链异常\)\s+│\s+0 │", out)
    # The demo database is a normal govflow database: the other commands work on it.
    assert "因公出国(境) (overseas trips)" in out and "0 broken audit chains among the trips" in out
    # Last, the 北大街 street office's October: grid cases, 转办, satisfaction, the ranking, petitions.
    assert "a street office's month" in out and "0 broken audit chains among the street office's cases" in out
    verified = re.search(r"ok: (\d+) audit chain\(s\) verified", ok(run(path, "verify")))
    assert verified is not None and int(verified.group(1)) > 48
    # Last, how many notifications the feed would have produced, per channel (a dry run).
    told = re.search(
        r"notifications it would have delivered for (\d+) feed events \(dry run\): email (\d+), webhook (\d+)",
        " ".join(out.split()),
    )
    assert told is not None and int(told.group(2)) == int(told.group(3)) > 0
    store = SQLiteStorage(path)
    assert int(told.group(1)) == store.db.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
    store.close()


def test_demo_is_deterministic_and_covers_every_path(tmp_path: Path) -> None:
    first = run_demo(tmp_path / "a.db", count=12)
    second = run_demo(tmp_path / "b.db", count=12)
    assert first.by_state == second.by_state
    assert first.broken == () and first.verified == 12 and first.instances == 12
    for state in ("draft", "submitted", "reviewed", "approved", "archived", "returned", "rejected"):
        assert first.by_state[state] >= 1, state
    heads = []
    for path in (tmp_path / "a.db", tmp_path / "b.db"):
        with sqlite3.connect(path) as conn:
            heads.append(conn.execute("SELECT id, head FROM instances ORDER BY id").fetchall())
    assert heads[0] == heads[1]
    with sqlite3.connect(tmp_path / "a.db") as conn:
        resubmits = conn.execute("SELECT COUNT(*) FROM audit WHERE event = 'resubmit'").fetchone()[0]
        justified = conn.execute("SELECT instance_id FROM audit WHERE justification IS NOT NULL").fetchall()
    assert resubmits >= 1
    assert justified == [("doc-0004",)]


def test_demo_replaces_an_old_demo_but_refuses_other_files(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    ok(run(None, "demo", "--db", str(path), "--count", "3"))
    assert "3/3 audit chains verified" in ok(run(None, "demo", "--db", str(path), "--count", "3"))
    precious = tmp_path / "notes.txt"
    precious.write_text("do not delete", encoding="utf-8")
    one_line_error(run(None, "demo", "--db", str(precious)), 1, "is not a govflow database; refusing to overwrite")
    assert precious.read_text(encoding="utf-8") == "do not delete"


# -- definitions ---------------------------------------------------------------------------------


def test_list_shows_registered_workflows(db: Path) -> None:
    out = ok(run(db, "list"))
    assert re.search(r"│ doc_approval\s+│\s+1 │ 公文审批\s+│\s+7 │\s+8 │", out)
    assert not db.exists()  # listing definitions does not create a database


def test_show_tables_and_json(db: Path) -> None:
    out = ok(run(db, "show", "doc_approval"))
    assert "doc_approval v1  公文审批" in out
    assert re.search(r"│ draft\s+│ 起草\s+│ yes", out)
    assert re.search(r"│ archived\s+│ 已归档\s+│\s+│ yes", out)
    assert re.search(r"│ submit\s+│ 报送\s+│ draft\s+│ submitted │ clerk\s+│ doc_approval.title_given", out)
    assert "doc_approval.page_limit" in out
    doc = json.loads(ok(run(db, "show", "doc_approval", "--version", "1", "--json")))
    assert doc == DOC_APPROVAL.to_json()


def test_show_unknown_workflow_or_version(db: Path) -> None:
    line = one_line_error(run(db, "show", "nope"), 1, "unknown workflow 'nope' (registered: ")
    assert "doc_approval v1" in line
    one_line_error(run(db, "show", "doc_approval", "--version", "9"), 1, "unknown workflow 'doc_approval v9'")


def test_diagram_formats_and_instance_highlight(db: Path) -> None:
    mermaid = ok(run(db, "diagram", "doc_approval"))
    assert "stateDiagram-v2" in mermaid and "Class draft s_default" in mermaid
    dot = ok(run(db, "diagram", "doc_approval", "--format", "dot"))
    assert dot.startswith('digraph "doc_approval v1 (公文审批)"')
    instance_id = submitted(db)
    highlighted = ok(run(db, "diagram", "doc_approval", "--instance", instance_id))
    assert "Class submitted s_active" in highlighted
    dot = ok(run(db, "diagram", "doc_approval", "--format", "dot", "--instance", instance_id))
    assert 'submitted [label="submitted (已报送)\\l" color=red fillcolor=darksalmon peripheries=2]' in dot


def test_diagram_errors(db: Path, module_file: Any) -> None:
    one_line_error(run(db, "diagram", "nope"), 1, "unknown workflow 'nope'")
    instance_id = start(db)
    one_line_error(run(db, "diagram", "doc_approval", "--instance", "missing"), 1, "no instance with id 'missing'")
    leave = module_file(LEAVE_MODULE)
    one_line_error(
        run(db, "--workflows", str(leave), "diagram", "leave", "--instance", instance_id),
        2,
        "belongs to workflow 'doc_approval', not 'leave'",
    )
    bad = run(db, "diagram", "doc_approval", "--format", "svg")
    assert bad.exit_code == 2 and "'svg' is not one of 'mermaid', 'dot'" in bad.output


def test_check_defaults_ok() -> None:
    result = run(None, "check")
    out = ok(result)
    assert re.fullmatch(r"ok: \d+ module\(s\), \d+ workflow\(s\), no problems\n", out)


def test_check_reports_each_problem_one_line(module_file: Any, tmp_path: Path) -> None:
    broken = module_file(BROKEN_MODULE)
    empty = module_file("X = 1\n")
    syntax = module_file("def broken(:\n")
    result = run(None, "check", str(broken), str(empty), str(syntax), "no_such_module_xyz")
    assert result.exit_code == 1
    lines = result.stdout.strip().splitlines()
    assert f"{broken}: broken_flow: transition 'go' goes to unknown state 'nowhere'" in lines
    assert f"{broken}: broken_flow: state 'b' is not final but has no way out (a dead end)" in lines
    assert any(line.startswith(f"{empty}: -: module '{empty}' exposes no workflows") for line in lines)
    assert any(
        line.startswith(f"{syntax}: -: cannot import workflow module") and "SyntaxError" in line for line in lines
    )
    assert any(line.startswith("no_such_module_xyz: -: cannot import workflow module") for line in lines)
    assert all(len(line.split(": ", 2)) == 3 for line in lines)
    assert "Traceback" not in result.output
    # A good module alone passes.
    leave = module_file(LEAVE_MODULE)
    assert ok(run(None, "check", str(leave))) == "ok: 1 module(s), 1 workflow(s), no problems\n"


def test_check_finds_guards_that_do_not_round_trip(module_file: Any) -> None:
    unregistered = module_file(
        LEAVE_MODULE.replace("from govflow import", "from govflow import Guard,").replace(
            'roles={"leader"}', 'roles={"leader"}, guards=[Guard("adhoc_rule", lambda ctx: True, "m")]'
        )
    )
    result = run(None, "check", str(unregistered))
    assert result.exit_code == 1
    assert f"{unregistered}: leave v1: does not round-trip through JSON: unknown guard 'adhoc_rule'" in result.stdout


def test_broken_workflows_module_is_one_line_error(db: Path, module_file: Any) -> None:
    broken = module_file(BROKEN_MODULE)
    one_line_error(run(db, "--workflows", str(broken), "list"), 1, "workflow 'broken_flow' is not valid")
    one_line_error(run(db, "--workflows", "no_such_module_xyz", "list"), 1, "cannot import workflow module")


# -- instances -----------------------------------------------------------------------------------


def test_start_prints_the_id_and_stores_the_data(db: Path, tmp_path: Path) -> None:
    instance_id = start(db, title="关于调整办公用房的请示", pages=4)
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT workflow, state, unit, data FROM instances WHERE id = ?", (instance_id,)).fetchone()
    assert row[:3] == ("doc_approval", "draft", "county.office")
    assert json.loads(row[3]) == {"title": "关于调整办公用房的请示", "pages": 4, "kind": "请示"}
    data_file = tmp_path / "doc.json"
    data_file.write_text('{"title": "从文件读取"}', encoding="utf-8")
    second = ok(run(db, "start", "doc_approval", *CLERK, "--data", f"@{data_file}")).strip()
    assert second != instance_id


def test_start_errors(db: Path, tmp_path: Path) -> None:
    one_line_error(run(db, "start", "nope", *CLERK), 1, "unknown workflow 'nope'")
    one_line_error(run(db, "start", "doc_approval", *CLERK, "--data", "{bad"), 2, "--data is not valid JSON")
    one_line_error(run(db, "start", "doc_approval", *CLERK, "--data", "[1, 2]"), 2, "--data must be a JSON object")
    deep = "[" * 5000 + "]" * 5000
    one_line_error(run(db, "start", "doc_approval", *CLERK, "--data", deep), 2, "--data is nested too deeply")
    one_line_error(
        run(db, "start", "doc_approval", *CLERK, "--data", f"@{tmp_path / 'missing.json'}"), 2, "--data: cannot read"
    )
    one_line_error(
        run(db, "start", "doc_approval", "--actor", "x", "--role", "leader", "--data", '{"title": "t"}'),
        1,
        "'x' may not fire 'start': starting 'doc_approval' needs one of the roles {clerk}",
    )
    one_line_error(run(db, "start", "doc_approval", *CLERK, "--data", '{"pages": 2}'), 1, "does not fit DocData")
    one_line_error(run(db, "start", "doc_approval", "--actor", " ", "--role", "clerk"), 2, "non-empty id")


def test_fire_moves_the_instance(db: Path) -> None:
    instance_id = start(db)
    out = ok(run(db, "fire", instance_id, "submit", *CLERK))
    assert out == f"{instance_id}: draft (起草) -> submitted (已报送) (revision 2)\n"
    out = ok(run(db, "fire", instance_id, "review", *REVIEWER, "--expect-revision", "2"))
    assert out.endswith("-> reviewed (已审核) (revision 3)\n")
    out = ok(run(db, "fire", instance_id, "approve", *LEADER, "--payload", '{"opinion": "同意。"}'))
    assert "-> approved (已批准) (revision 4)" in out
    with sqlite3.connect(db) as conn:
        payload = conn.execute("SELECT payload FROM audit WHERE instance_id = ? AND seq = 4", (instance_id,)).fetchone()
    assert json.loads(payload[0]) == {"opinion": "同意。"}


def test_fire_errors_are_one_line_and_write_nothing(db: Path) -> None:
    instance_id = submitted(db)
    one_line_error(
        run(db, "fire", instance_id, "teleport", *LEADER), 1, "workflow 'doc_approval' has no event 'teleport'"
    )
    one_line_error(
        run(db, "fire", instance_id, "review", *CLERK),
        1,
        "'clerk.wang' may not fire 'review': needs one of the roles {reviewer}, the actor holds {clerk} [role]",
    )
    one_line_error(
        run(db, "fire", instance_id, "archive", *CLERK), 1, "event 'archive' is not allowed in state 'submitted'"
    )
    one_line_error(run(db, "fire", "missing", "review", *REVIEWER), 1, "no instance with id 'missing'")
    one_line_error(
        run(db, "fire", instance_id, "review", *REVIEWER, "--expect-revision", "1"),
        1,
        "changed concurrently: expected revision 1, it is at revision 2",
    )
    one_line_error(
        run(db, "fire", instance_id, "review", *REVIEWER, "--payload", "nope"), 2, "--payload is not valid JSON"
    )
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT state, revision FROM instances").fetchone() == ("submitted", 2)


def test_fire_soft_rule_needs_a_justification(db: Path) -> None:
    instance_id = start(db, pages=25)
    one_line_error(run(db, "fire", instance_id, "submit", *CLERK), 1, "retry with a justification")
    out = ok(run(db, "fire", instance_id, "submit", *CLERK, "--justification", "附件为项目清单"))
    assert "-> submitted (已报送)" in out
    rows = json.loads(ok(run(db, "history", instance_id, "--json")))
    assert rows[1]["justification"] == "附件为项目清单"
    assert rows[1]["overrides"] == ["doc_approval.page_limit"]


def test_fire_hard_rule_rejects(db: Path) -> None:
    instance_id = start(db, title="   ")
    one_line_error(run(db, "fire", instance_id, "submit", *CLERK), 1, "a document needs a non-blank title (标题)")


def test_inbox_lists_instances_and_events(db: Path) -> None:
    waiting = submitted(db)
    draft = start(db)
    out = ok(run(db, "inbox", *REVIEWER))
    assert "inbox of reviewer.li (1)" in out
    assert re.search(
        rf"│ {waiting} │ doc_approval v1 │ submitted \(已报送\) │ county.office │ [-0-9: ]+ │ review, return", out
    )
    assert draft not in out
    clerk = ok(run(db, "inbox", *CLERK, "--workflow", "doc_approval"))
    assert draft in clerk and waiting not in clerk
    assert "inbox of leader.zhao (0)" in ok(run(db, "inbox", *LEADER))
    one_line_error(run(db, "inbox", *LEADER, "--workflow", "nope"), 1, "unknown workflow 'nope'")
    missing_role = run(db, "inbox", "--actor", "x")
    assert missing_role.exit_code == 2 and "Missing option '--role'" in missing_role.output


def test_history_table_and_json(db: Path) -> None:
    instance_id = submitted(db)
    ok(run(db, "fire", instance_id, "review", *REVIEWER))
    events = json.loads(ok(run(db, "history", instance_id, "--json")))
    assert [(e["seq"], e["event"], e["source"], e["dest"], e["actor"]) for e in events] == [
        (1, "start", None, "draft", "clerk.wang"),
        (2, "submit", "draft", "submitted", "clerk.wang"),
        (3, "review", "submitted", "reviewed", "reviewer.li"),
    ]
    assert events[2]["prev_hash"] == events[1]["hash"]
    out = ok(run(db, "history", instance_id))
    for e in events:
        local = datetime.fromisoformat(e["at"]).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
        assert re.search(rf"│\s+{e['seq']} │ {local}\s+│ {e['event']}\s+│", out), e["seq"]
        assert e["hash"][:12] in out
    assert "submitted (已报送) -> reviewed (已审核)" in out
    assert "│ reviewer.li │ reviewer │" in out
    one_line_error(run(db, "history", "missing"), 1, "no instance with id 'missing'")


def test_verify_ok_then_detects_a_tampered_row(db: Path) -> None:
    first = submitted(db)
    second = submitted(db)
    assert ok(run(db, "verify")) == "ok: 2 audit chain(s) verified\n"
    assert ok(run(db, "verify", first)) == f"ok: audit chain of {first} verified (2 events)\n"
    with sqlite3.connect(db) as conn:
        conn.execute(
            "UPDATE audit SET payload = ? WHERE instance_id = ? AND seq = 1",
            (json.dumps({"title": "伪造的标题", "pages": 3, "kind": "请示"}, ensure_ascii=False), first),
        )
    result = run(db, "verify")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"broken: audit chain of instance {first} is broken at event #1: its content does not match its hash (edited)"
    ]
    assert result.stderr == "error: 1 of 2 audit chain(s) broken\n"
    one_line_error(run(db, "verify", first), 1, f"audit chain of instance {first} is broken at event #1")
    assert ok(run(db, "verify", second)).startswith("ok:")
    one_line_error(run(db, "verify", "missing"), 1, "no instance with id 'missing'")


# -- databases and workflow modules ----------------------------------------------------------------


def test_database_url_from_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "from-env.db"
    env = {"GOVFLOW_DATABASE_URL": f"sqlite:///{path}"}
    result = CliRunner().invoke(cli, ["start", "doc_approval", *CLERK, "--data", '{"title": "t"}'], env=env)
    instance_id = ok(result).strip()
    assert path.exists()
    assert ok(CliRunner().invoke(cli, ["verify", instance_id], env=env)).startswith("ok:")
    # --db wins over the environment.
    other = tmp_path / "other.db"
    ok(
        CliRunner().invoke(
            cli, ["--db", str(other), "start", "doc_approval", *CLERK, "--data", '{"title": "t"}'], env=env
        )
    )
    assert other.exists()


@pytest.mark.parametrize(
    ("url", "text"),
    [
        ("mysql://gov@localhost/gov", "unsupported database URL scheme 'mysql'"),
        ("sqlite://", "names no database file"),
    ],
)
def test_unusable_database_urls_exit_2(url: str, text: str) -> None:
    result = CliRunner().invoke(cli, ["verify"], env={"GOVFLOW_DATABASE_URL": url})
    one_line_error(result, 2, text)
    one_line_error(run(None, "--db", url, "verify"), 2, text)


def test_missing_database_is_a_usage_error(db: Path) -> None:
    one_line_error(run(db, "history", "x"), 2, f"no govflow database at '{db}'")
    assert not db.exists()


def test_extra_workflow_modules(db: Path, module_file: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    leave = module_file(LEAVE_MODULE)
    out = ok(run(db, "--workflows", str(leave), "list"))
    assert re.search(r"│ leave\s+│\s+1 │ 请假", out) and "doc_approval" in out
    instance_id = ok(run(db, "--workflows", str(leave), "start", "leave", "--actor", "a")).strip()
    moved = ok(run(db, "--workflows", str(leave), "fire", instance_id, "grant", *LEADER))
    assert moved.endswith("applied (已申请) -> granted (已批准) (revision 2)\n")
    # Without the module the trail still reads (states without labels), and says what is missing.
    bare = run(db, "history", instance_id)
    assert bare.exit_code == 0
    assert "note: workflow leave v1 is not loaded" in bare.stderr
    assert "applied -> granted" in bare.stdout
    # GOVFLOW_WORKFLOWS adds modules too.
    monkeypatch.setenv("GOVFLOW_WORKFLOWS", f" {leave} ,")
    assert "leave" in ok(run(db, "list"))

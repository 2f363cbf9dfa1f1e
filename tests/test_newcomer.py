"""What a newcomer trips over: the package's name, the project configuration, output at 80
columns, unknown names, read-only commands, payload-reading guards, honest metadata."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import govflow
from govflow import Actor, Engine, State, Transition, Workflow, check, guard
from govflow.cli import cli
from govflow.config import ConfigError, resolve
from govflow.errors import GuardFailed
from govflow.guards import GuardContext
from govflow.listing import Listing, layout, to_csv
from govflow.storage import MemoryStorage

ROOT = Path(__file__).resolve().parent.parent

USER_RECTIFICATION = """
from govflow import State, Transition, Workflow

WORKFLOWS = [
    Workflow(
        name="rectification", version=1, title="我们自己的整改",
        states=[State("open", "待办", initial=True), State("closed", "办结", final=True)],
        transitions=[Transition("close", source="open", dest="closed", roles={"grid_worker"})],
    )
]
"""


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "GOVFLOW_WORKFLOWS",
        "GOVFLOW_DATABASE_URL",
        "GOVFLOW_REFERENCE",
        "GOVFLOW_DIRECTORY",
        "GOVFLOW_CALENDAR",
        "GOVFLOW_SCHEMES",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


def ok(result: Result) -> str:
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def user_project(root: Path, config: str | None) -> Path:
    """A project with its own `workflows` package holding its own `rectification` v1."""
    package = root / "workflows"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "rectification.py").write_text(USER_RECTIFICATION, encoding="utf-8")
    if config is not None:
        (root / "pyproject.toml").write_text(config, encoding="utf-8")
    return root


# -- the reference package's name and explicit loading ----------------------------------------


def test_reference_workflows_install_under_a_name_that_cannot_clash() -> None:
    import govflow_workflows.rectification as reference

    assert reference.WORKFLOW_NAME == "rectification"
    assert reference.__name__ == "govflow_workflows.rectification"


def test_a_user_workflows_package_and_own_rectification_are_used(tmp_path: Path) -> None:
    user_project(tmp_path, '[project]\nname = "county"\n\n[tool.govflow]\nworkflows = ["workflows.rectification"]\n')
    out = ok(run("list", "--csv"))
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["name", "version", "title", "states", "transitions"]
    assert rows[1:] == [["rectification", "1", "我们自己的整改", "2", "1"]]


def test_reference_set_is_loaded_only_when_asked(tmp_path: Path) -> None:
    names = {row["name"] for row in json.loads(ok(run("--reference", "list", "--json")))}
    assert {"doc_approval", "rectification", "overseas_trip", "safety_campaign", "pilot_reform"} <= names
    assert json.loads(ok(run("list", "--json"))) == []
    assert "no workflows" in ok(run("list"))


def test_own_and_reference_rectification_together_is_a_clear_clash(tmp_path: Path) -> None:
    user_project(tmp_path, '[tool.govflow]\nworkflows = ["workflows.rectification"]\nreference = true\n')
    result = run("list")
    assert result.exit_code == 1
    assert "rectification" in result.output and "defined differently" in result.output


def test_unknown_workflow_names_the_loaded_modules_and_how_to_add_one(tmp_path: Path) -> None:
    user_project(tmp_path, '[tool.govflow]\nworkflows = ["workflows.rectification"]\n')
    result = run("show", "grid_case")
    assert result.exit_code == 1
    assert "workflows.rectification" in result.output
    assert "--workflows MODULE" in result.output and "[tool.govflow]" in result.output


# -- the configuration file ----------------------------------------------------------------


def test_precedence_flag_over_environment_over_file_over_default(tmp_path: Path) -> None:
    (tmp_path / "govflow.toml").write_text('database = "file.db"\ncalendar = "strict"\n', encoding="utf-8")
    env = {"GOVFLOW_DATABASE_URL": "sqlite:///env.db"}
    config = resolve({"database": None}, env, tmp_path)
    assert (config.database, config.sources["database"]) == ("sqlite:///env.db", "GOVFLOW_DATABASE_URL")
    assert (config.calendar, config.sources["calendar"]) == ("strict", "govflow.toml")
    assert config.sources.get("reference", "default") == "default" and config.reference is False
    flagged = resolve({"database": "flag.db"}, env, tmp_path)
    assert (flagged.database, flagged.sources["database"]) == ("flag.db", "--database")
    bare = resolve({}, {}, tmp_path)
    assert bare.database == str(tmp_path / "file.db")  # relative to the file's folder


def test_config_is_found_above_the_working_directory_and_paths_are_relative_to_it(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.govflow]\ndatabase = "sqlite:///var/gov.db"\nworkflows = ["flows/leave.py", "county.flows"]\n',
        encoding="utf-8",
    )
    nested = tmp_path / "src" / "deep"
    nested.mkdir(parents=True)
    config = resolve({}, {}, nested)
    assert config.file == tmp_path / "pyproject.toml"
    assert config.database == f"sqlite:///{tmp_path / 'var' / 'gov.db'}"
    assert config.workflows == (str(tmp_path / "flows" / "leave.py"), "county.flows")


def test_pyproject_without_a_govflow_table_is_not_a_config(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    assert resolve({}, {}, tmp_path).file is None


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[tool.govflow]\ndatbase = 'x'\n", "unknown key(s) datbase"),
        ("[tool.govflow]\ncalendar = 'lunar'\n", "calendar must be one of provisional, strict"),
        ("[tool.govflow]\nreference = 'yes'\n", "reference must be true or false"),
        ("[tool.govflow]\nworkflows = [1]\n", "workflows must be a list"),
        ("[tool.govflow\n", "is not valid TOML"),
    ],
)
def test_bad_configuration_is_a_clear_error(tmp_path: Path, text: str, needle: str) -> None:
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        resolve({}, {}, tmp_path)
    assert needle in str(caught.value)
    result = run("list")
    assert result.exit_code == 1 and needle in result.output and "Traceback" not in result.output


def test_bad_environment_value_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="GOVFLOW_REFERENCE='perhaps'"):
        resolve({}, {"GOVFLOW_REFERENCE": "perhaps"}, tmp_path)


def test_govflow_config_says_what_is_in_effect_and_why(tmp_path: Path) -> None:
    user_project(tmp_path, '[tool.govflow]\nworkflows = ["workflows.rectification"]\ndatabase = "county.db"\n')
    doc = json.loads(ok(run("config", "--json", env={"GOVFLOW_CALENDAR": "strict"})))
    assert doc["file"] == str(tmp_path / "pyproject.toml")
    settings = doc["settings"]
    assert settings["database"] == {"value": str(tmp_path / "county.db"), "source": "pyproject.toml [tool.govflow]"}
    assert settings["calendar"] == {"value": "strict", "source": "GOVFLOW_CALENDAR"}
    assert settings["reference"] == {"value": "false", "source": "default"}
    text = ok(run("--reference", "config"))
    assert "--reference" in text and "pyproject.toml" in text


def test_dotted_modules_import_from_the_config_folder_without_pythonpath(tmp_path: Path) -> None:
    user_project(tmp_path, '[tool.govflow]\nworkflows = ["workflows.rectification"]\n')
    sub = tmp_path / "sub"
    sub.mkdir()
    sys.modules.pop("workflows.rectification", None)
    sys.modules.pop("workflows", None)
    result = CliRunner().invoke(cli, ["list", "--csv"], catch_exceptions=False)
    assert "rectification,1,我们自己的整改" in result.output
    sys.modules.pop("workflows.rectification", None)
    sys.modules.pop("workflows", None)


USER_SCHEME = """
from govflow.scoring import Band, Bands, Cohort, Direct, Scheme, Sum

SCHEME = Scheme(
    name="county_2016", version=1, title="我们县的考核",
    cohorts=[Cohort(
        "unit", "单位", root=Sum("total", "综合得分", parts=[Direct("work", "工作", 100)]),
        bands=Bands([Band("优秀", 90, None, upper_inclusive=True), Band("合格", 0, 90)]),
        grades=("优秀", "合格"),
    )],
)
"""


def scheme_project(root: Path, config: str) -> None:
    """A project with its own assessment scheme module `assessments.county_2016`."""
    package = root / "assessments"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "county_2016.py").write_text(USER_SCHEME, encoding="utf-8")
    (root / "pyproject.toml").write_text(config, encoding="utf-8")


def test_scheme_commands_read_schemes_from_the_project_configuration(tmp_path: Path) -> None:
    scheme_project(tmp_path, '[tool.govflow]\nschemes = ["assessments.county_2016"]\n')
    sys.modules.pop("assessments.county_2016", None)
    sys.modules.pop("assessments", None)
    assert "county_2016 v1  我们县的考核" in ok(run("scheme", "list"))
    assert "综合得分" in ok(run("scheme", "show", "county_2016"))
    facts = {
        "period": {"label": "2016", "start": "2016-01-01", "end": "2016-12-31"},
        "subjects": [{"id": "A", "cohort": "unit"}, {"id": "B", "cohort": "unit"}],
        "values": [
            {"subject": "A", "indicator": "work", "value": "95"},
            {"subject": "B", "indicator": "work", "value": "80"},
        ],
    }
    (tmp_path / "facts.json").write_text(json.dumps(facts), encoding="utf-8")
    doc = json.loads(ok(run("score", "--scheme", "county_2016", "--facts", "facts.json", "--json")))
    grades = {r["subject"]: r["grade"] for r in doc["results"]}
    assert grades == {"A": "优秀", "B": "合格"}
    shown = json.loads(ok(run("config", "--json")))["settings"]["schemes"]
    assert shown == {"value": "assessments.county_2016", "source": "pyproject.toml [tool.govflow]"}
    sys.modules.pop("assessments.county_2016", None)
    sys.modules.pop("assessments", None)


def test_schemes_add_up_file_environment_flag_like_workflows(tmp_path: Path) -> None:
    (tmp_path / "govflow.toml").write_text('schemes = ["mine.county", "extra/local.py"]\n', encoding="utf-8")
    config = resolve({}, {"GOVFLOW_SCHEMES": "env.more, mine.county"}, tmp_path)
    assert config.schemes == ("mine.county", str(tmp_path / "extra/local.py"), "env.more")
    assert config.sources["schemes"] == "govflow.toml + GOVFLOW_SCHEMES"
    flagged = resolve({"schemes": ("flag.one",)}, {}, tmp_path)
    assert flagged.schemes[-1] == "flag.one" and flagged.sources["schemes"] == "govflow.toml + --schemes"
    (tmp_path / "govflow.toml").write_text("schemes = [3]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="schemes must be a list"):
        resolve({}, {}, tmp_path)


def test_scheme_flag_adds_to_the_configured_schemes(tmp_path: Path) -> None:
    scheme_project(tmp_path, '[tool.govflow]\nschemes = ["assessments.county_2016"]\n')
    sys.modules.pop("assessments.county_2016", None)
    sys.modules.pop("assessments", None)
    out = ok(run("scheme", "list", "--schemes", "govflow_workflows.schemes.b7_1_zhengding"))
    assert "county_2016 v1" in out and "b7_1_zhengding v1" in out
    sys.modules.pop("assessments.county_2016", None)
    sys.modules.pop("assessments", None)


# -- output people can read ---------------------------------------------------------------


def _demo_db(tmp_path: Path) -> Path:
    db = tmp_path / "demo.db"
    ok(run("demo", "--db", str(db), "--count", "6"))
    return db


def test_listings_at_80_columns_never_cut_a_cell(tmp_path: Path) -> None:
    db = _demo_db(tmp_path)
    outputs = [
        ok(run("--reference", "--db", str(db), "inbox", "--actor", "leader.zhao", "--role", "leader")),
        ok(run("--reference", "--db", str(db), "history", "doc-0001")),
        ok(run("--reference", "show", "overseas_trip")),
        ok(run("--reference", "list")),
        ok(run("--reference", "--db", str(db), "overdue")),
    ]
    for out in outputs:
        assert "…" not in out
        assert max(len(line) for line in out.splitlines()) <= 80
    history = outputs[1]
    assert "event" in history and "doc-0001" in history
    # The full hash prefix and every actor are there, whatever the layout.
    events = json.loads(ok(run("--reference", "--db", str(db), "history", "doc-0001", "--json")))
    for event in events:
        assert event["hash"][:12] in history
        assert event["actor"] in history


def test_every_listing_command_has_csv_and_json(tmp_path: Path) -> None:
    db = _demo_db(tmp_path)
    base = ["--reference", "--db", str(db)]
    commands = [
        ["list"],
        ["inbox", "--actor", "leader.zhao", "--role", "leader"],
        ["overdue"],
        ["upcoming", "--days", "30"],
        ["history", "doc-0001"],
    ]
    for command in commands:
        text = ok(run(*base, *command, "--csv"))
        rows = list(csv.reader(io.StringIO(text)))
        assert len(rows) >= 1 and all(len(row) == len(rows[0]) for row in rows), command
        if command[0] != "history":  # history --json is the full audit record (tested in test_cli)
            assert isinstance(json.loads(ok(run(*base, *command, "--json"))), list)
    history = list(csv.DictReader(io.StringIO(ok(run(*base, "history", "doc-0001", "--csv")))))
    assert history[0]["seq"] == "1" and history[0]["event"] == "start"


def test_show_prints_deadlines_guards_and_separation() -> None:
    out = ok(run("--reference", "show", "overseas_trip"))
    assert "deadlines (时限)" in out and "separation" in out and "原则上 guards" in out
    out = ok(run("--reference", "show", "rectification", env={"COLUMNS": "200"}))
    assert "10 working days (个工作日)" in out and "fire list_supervision as system" in out
    assert "every month, due 5 days (日) after it ends; met by report_progress" in out


def test_layout_switches_to_records_when_columns_would_be_slivers() -> None:
    wide = Listing.of("t", [f"column{i}" for i in range(8)], [["x" * 30] * 8])
    assert layout(wide, 200) == "table" or layout(wide, 200) == "records"
    assert layout(wide, 80) == "records"
    narrow = Listing.of("t", ["a", "b"], [["1", "2"]])
    assert layout(narrow, 80) == "table"
    assert to_csv(Listing.of("t", ["a"], [["x,y"]])).splitlines() == ["a", '"x,y"']


@pytest.mark.parametrize("command", ["overdue", "upcoming"])
def test_unknown_workflow_filter_is_an_error_not_an_empty_table(tmp_path: Path, command: str) -> None:
    db = _demo_db(tmp_path)
    result = run("--reference", "--db", str(db), command, "--workflow", "nosuch")
    assert result.exit_code == 1
    assert "nosuch" in result.output and "modules loaded" in result.output


@pytest.mark.parametrize(
    "command",
    [
        ["history", "x"],
        ["inbox", "--actor", "a", "--role", "r"],
        ["overdue"],
        ["upcoming"],
        ["verify"],
        ["calendar", "show"],
        ["directory", "show"],
    ],
)
def test_read_only_commands_never_create_a_database(tmp_path: Path, command: list[str]) -> None:
    typo = tmp_path / "gvoflow.db"
    result = run("--db", str(typo), *command)
    assert result.exit_code != 0
    assert "no govflow database" in result.output
    assert not typo.exists()


# -- a guard that raises; a guard that reads the payload --------------------------------------


@guard("newcomer.explodes", "never passes")
def _explodes(ctx: GuardContext) -> bool:
    if ctx.data.get("boom"):
        raise KeyError("district")
    return True


@guard("newcomer.reads_payload", "an opinion is required")
def _reads_payload(ctx: GuardContext) -> bool:
    return bool(ctx.payload.get("opinion"))


def _flaky_workflow() -> Workflow:
    return Workflow(
        name="flaky",
        version=1,
        title="有缺陷的守卫",
        states=[State("open", initial=True), State("done", final=True)],
        transitions=[Transition("finish", source="open", dest="done", roles={"clerk"}, guards=[_explodes])],
    )


def test_a_raising_guard_is_one_named_problem_and_the_rest_of_the_inbox_shows() -> None:
    engine = Engine(storage=MemoryStorage(), workflows=[_flaky_workflow()])
    clerk = Actor("li", roles={"clerk"})
    good = engine.start("flaky", actor=clerk, data={})
    bad = engine.start("flaky", actor=clerk, data={"boom": True})
    inbox = engine.inbox(clerk)
    assert [item.instance.id for item in inbox] == [good.id]
    assert len(inbox.problems) == 1
    assert bad.id in inbox.problems[0] and "newcomer.explodes" in inbox.problems[0]
    with pytest.raises(GuardFailed, match=r"newcomer\.explodes.*KeyError"):
        engine.fire(bad.id, "finish", actor=clerk)
    assert engine.get(bad.id).state == "open"


def test_check_finds_a_guard_reading_the_payload_without_on_payload() -> None:
    wf = Workflow(
        name="opinions",
        version=1,
        title="意见",
        states=[State("open", initial=True), State("done", final=True)],
        transitions=[Transition("decide", source="open", dest="done", roles={"leader"}, guards=[_reads_payload])],
    )
    findings = check(wf)
    assert any("newcomer.reads_payload" in f and "on_payload=True" in f and "opinion" in f for f in findings)


# -- honest metadata ---------------------------------------------------------------------


def test_version_comes_from_the_package_metadata() -> None:
    assert govflow.__version__ == version("govflow")


def test_py_typed_and_license_ship() -> None:
    assert (Path(govflow.__file__).parent / "py.typed").is_file()
    assert "Apache License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "Apache-2.0"
    assert "Typing :: Typed" in project["classifiers"]


def test_every_govflow_package_is_in_the_wheel_list() -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    listed = set(setuptools["packages"])
    on_disk = {".".join(path.parent.relative_to(ROOT).parts) for path in (ROOT / "govflow").rglob("__init__.py")}
    assert on_disk <= listed, f"add to [tool.setuptools] packages: {sorted(on_disk - listed)}"
    assert setuptools["package-dir"] == {"govflow_workflows": "workflows"}


def test_missing_testing_extra_is_one_clear_line() -> None:
    code = (
        "import sys; sys.modules['hypothesis'] = None\n"
        "try:\n    import govflow.testing\n"
        "except ModuleNotFoundError as exc:\n    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "pip install 'govflow[testing]'" in out and "hypothesis" in out

"""The ``govflow`` command (命令行): the engine's operations for people and shell scripts.

Why it is shaped this way: every command maps onto one engine call, so what works here works
from Python. Output for people is a rich table; output for scripts is plain (`start` prints
only the new id, ``--json`` prints JSON). A refused operation never shows a traceback: any
`GovflowError` becomes one line ``error: …`` on stderr with exit code 1, and a usage problem
(bad JSON, a database URL govflow cannot use) one line with exit code 2.
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import sys
import threading
import weakref
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import attrs
import click
from rich.console import Console
from rich.table import Table

from govflow.actor import Actor
from govflow.audit import AuditEvent
from govflow.calendar import china_calendar
from govflow.clock import SHANGHAI, SystemClock
from govflow.config import Config
from govflow.config import resolve as resolve_config
from govflow.definition import Workflow
from govflow.directory import Directory
from govflow.engine import Due, Engine, TickOutcome
from govflow.errors import AuditIntegrityError, GovflowError, InvalidData, UnknownWorkflow
from govflow.storage.base import Storage
from govflow.storage.sqlite import SQLiteStorage
from govflow.sweep import Worker, WorkerPolicy
from govflow.values import MAX_DEPTH

DEFAULT_DB = "govflow.db"
DEFAULT_DEMO_DB = "govflow-demo.db"
DATABASE_URL_ENV = "GOVFLOW_DATABASE_URL"
DATABASE_SCHEMA_ENV = "GOVFLOW_DATABASE_SCHEMA"
"""The PostgreSQL schema govflow's tables live in (default ``govflow``)."""

EXIT_REJECTED = 1
"""Exit code of an operation the engine refused (or a check that found problems)."""
EXIT_USAGE = 2
"""Exit code of a command line govflow cannot act on."""
EXIT_NOT_LOADED = 3
"""Exit code of `tick` when due timers were left pending because their workflow (or version)
is not loaded in this process: the sweep did not do all it was run for."""

F = TypeVar("F", bound=Callable[..., Any])


class CliError(click.ClickException):
    """A usage problem shown as one ``error: …`` line (exit code 2), without click's usage block."""

    exit_code = EXIT_USAGE

    def show(self, file: Any = None) -> None:
        """Print the one-line message to stderr."""
        click.echo(f"error: {_one_line(self.message)}", err=True)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _fail(exc: GovflowError) -> NoReturn:
    click.echo(f"error: {_one_line(str(exc))}", err=True)
    sys.exit(EXIT_REJECTED)


class _Group(click.Group):
    """The command group; turns a `GovflowError` from any command into one line and exit 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UnknownWorkflow as exc:
            settings = ctx.obj if isinstance(ctx.obj, Settings) else None
            loaded = ", ".join(settings.modules()) if settings is not None else ""
            click.echo(
                f"error: {_one_line(str(exc))}; modules loaded: {loaded or 'none'} "
                "(add one with --workflows MODULE or `workflows = [...]` under [tool.govflow]; "
                "--reference loads the reference workflows)",
                err=True,
            )
            sys.exit(EXIT_REJECTED)
        except GovflowError as exc:
            _fail(exc)


# -- settings shared by the commands -----------------------------------------------------------


@attrs.define
class Settings:
    """Global options over the project configuration (`govflow.config`): where the database is,
    which workflow modules to load, whether the reference set is loaded."""

    db: str | None
    extra_modules: tuple[str, ...]
    reference: bool | None = None
    _config: Config | None = attrs.field(default=None, init=False)
    _engine: Engine | None = attrs.field(default=None, init=False)

    @property
    def config(self) -> Config:
        """The settings in effect: flags over environment over the configuration file."""
        if self._config is None:
            self._config = resolve_config(
                {"database": self.db, "workflows": self.extra_modules, "reference": self.reference}
            )
        return self._config

    def db_path(self) -> str:
        """Where the database is, from ``--db``, else ``$GOVFLOW_DATABASE_URL``, else the project
        configuration, else ``govflow.db``: a SQLite path, or a ``postgresql://`` URL (as given)."""
        value = self.config.database
        where = self.config.sources.get("database", "default")
        url = postgres_url(value)
        return url if url is not None else sqlite_path(value, where)

    def db_label(self) -> str:
        """`db_path` for messages: a PostgreSQL URL without its password."""
        return redact_url(self.db_path())

    def modules(self) -> list[str]:
        """The workflow modules to import: the configured ones, then the reference set if asked."""
        from govflow.loading import reference_modules

        config = self.config
        return list(dict.fromkeys([*config.workflows, *(reference_modules() if config.reference else [])]))

    def workflows(self) -> list[Workflow]:
        """Every workflow of `modules` (dotted names resolve from the configuration file's folder)."""
        from govflow.loading import load_modules

        root = self.config.root
        if root is not None and str(root) not in sys.path:
            sys.path.insert(0, str(root))
        return load_modules(self.modules())

    def engine(self, *, create: bool = False) -> Engine:
        """The engine over the database; refuses a missing SQLite file (or PostgreSQL schema)
        unless `create`."""
        if self._engine is None:
            path = self.db_path()
            storage: Storage
            if postgres_url(path) is not None:
                from govflow.storage.postgres import PostgresStorage

                # One command, one thread: a small pool. The schema comes from the environment
                # because a libpq URL has no place for it.
                schema = os.environ.get(DATABASE_SCHEMA_ENV, "").strip() or "govflow"
                storage = PostgresStorage(path, schema=schema, min_size=1, max_size=2, create=create)
            else:
                if not create and path != ":memory:" and not Path(path).exists():
                    raise CliError(
                        f"no govflow database at {path!r} (start an instance first, pass --db, or run `govflow demo`)"
                    )
                storage = SQLiteStorage(path)
            try:
                self._engine = Engine(
                    storage=storage,
                    workflows=self.workflows(),
                    clock=SystemClock(),
                    calendar=china_calendar(provisional=self.config.calendar == "provisional"),
                    directory=self._directory(),
                )
            except BaseException:
                storage.close()
                raise
        return self._engine

    def _directory(self) -> Directory | None:
        """The directory file the configuration names (None: the one stored in the database)."""
        name = self.config.directory
        if name is None:
            return None
        try:
            text = Path(name).read_text(encoding="utf-8")
        except OSError as exc:
            where = self.config.sources.get("directory", "directory")
            raise CliError(f"{where}: cannot read directory file {name!r}: {exc.strerror or exc}") from None
        return Directory.from_json(text)

    def close(self) -> None:
        """Close the storage if an engine was built."""
        if self._engine is not None:
            self._engine.storage.close()
            self._engine = None


def postgres_url(value: str) -> str | None:
    """The libpq URL when `value` names PostgreSQL (``postgresql://``, ``postgres://``, or
    SQLAlchemy's ``postgresql+driver://``), else None."""
    if value.startswith(("postgresql://", "postgres://")):
        return value
    if value.startswith("postgresql+") and "://" in value:
        return "postgresql://" + value.split("://", 1)[1]
    return None


def redact_url(value: str) -> str:
    """`value` with the password of a ``scheme://user:password@host`` URL replaced by ``***``."""
    return re.sub(r"^([a-z0-9+]+://[^:/@]*:)[^@]*@", r"\1***@", value)


def sqlite_path(value: str, where: str) -> str:
    """A SQLite file path from a plain path or a ``sqlite:///path`` URL."""
    if value.startswith("sqlite://"):
        path = value[len("sqlite://") :]
        if path.startswith("/"):
            path = path[1:]
        if not path:
            raise CliError(f"{where}: {value!r} names no database file (use sqlite:///path/to/file.db)")
        return path
    if "://" in value:
        scheme = value.split("://", 1)[0]
        raise CliError(f"{where}: unsupported database URL scheme {scheme!r} (use a path or sqlite:///path)")
    return value


pass_settings = click.make_pass_decorator(Settings)


def _console() -> Console:
    """A console for people: no markup (labels contain brackets), the terminal's width (``$COLUMNS``
    or 80 when piped); listings fold or turn into records rather than cut a cell."""
    return Console(markup=False, emoji=False, highlight=False, soft_wrap=False)


def listing_format() -> Callable[[F], F]:
    """Add ``--csv`` and ``--json`` to a listing command (passed on as ``fmt``)."""

    def decorate(func: F) -> F:
        func = click.option("--csv", "fmt", flag_value="csv", help="Print the rows as CSV (a header row first).")(func)
        func = click.option("--json", "fmt", flag_value="json", help="Print the rows as a JSON list of objects.")(func)
        return click.option("--table", "fmt", flag_value="table", default=True, hidden=True)(func)

    return decorate


def _print_listing(
    columns: Sequence[str], rows: Sequence[Sequence[str]], *, title: str, fmt: str = "table", right: Sequence[str] = ()
) -> None:
    from govflow.listing import Listing, render

    render(Listing.of(title, columns, rows, right=right), _console(), fmt)  # type: ignore[arg-type]


# -- input helpers -------------------------------------------------------------------------------


def parse_json_object(text: str | None, option: str) -> dict[str, Any] | None:
    """Parse a JSON object given inline or as ``@file.json``; None stays None."""
    if text is None:
        return None
    source = text
    if text.startswith("@"):
        file = Path(text[1:])
        try:
            source = file.read_text(encoding="utf-8")
        except OSError as exc:
            raise CliError(f"{option}: cannot read {str(file)!r}: {exc.strerror or exc}") from None
    try:
        value = json.loads(source)
    except json.JSONDecodeError as exc:
        raise CliError(f"{option} is not valid JSON: {exc.msg} (line {exc.lineno} column {exc.colno})") from None
    except RecursionError:
        raise CliError(f"{option} is nested too deeply (govflow takes at most {MAX_DEPTH} levels)") from None
    if not isinstance(value, dict):
        raise CliError(f"{option} must be a JSON object ({{...}}), not {type(value).__name__}")
    return value


def make_actor(actor: str, roles: Sequence[str], unit: str | None) -> Actor:
    """The `Actor` described by ``--actor``, ``--role`` (repeated) and ``--unit``."""
    try:
        return Actor(actor, roles=frozenset(roles), unit=unit)
    except (ValueError, InvalidData) as exc:
        raise CliError(f"--actor: {exc}") from None


def actor_options(*, roles_required: bool = False) -> Callable[[F], F]:
    """Add ``--actor``, ``--role`` and ``--unit`` to a command."""

    def decorate(func: F) -> F:
        func = click.option("--unit", metavar="UNIT", help="The actor's organisational unit (单位).")(func)
        func = click.option(
            "--role",
            "roles",
            multiple=True,
            required=roles_required,
            metavar="ROLE",
            help="A role the actor holds (repeat for several).",
        )(func)
        return click.option("--actor", "actor_id", required=True, metavar="ID", help="Who acts (办理人).")(func)

    return decorate


def _when(event: AuditEvent) -> str:
    return event.at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def _state_text(workflow: Workflow | None, name: str) -> str:
    if workflow is None:
        return name
    try:
        return workflow.state(name).display
    except KeyError:
        return name


def examples(*lines: str) -> str:
    """An ``Examples:`` block for a command's help, marked so click does not rewrap it."""
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)


# -- the command group ---------------------------------------------------------------------------


@click.group(
    cls=_Group,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=examples(
        "govflow demo                      # fill govflow-demo.db and summarise it",
        "govflow --reference --db govflow-demo.db inbox --actor leader.zhao --role leader",
        "govflow --db govflow-demo.db history doc-0001",
        "govflow --reference diagram doc_approval --format dot",
        "govflow config                    # what is in effect, and where each value comes from",
        "GOVFLOW_DATABASE_URL=sqlite:///gov.db govflow verify",
    ),
)
@click.option(
    "--db",
    metavar="PATH",
    default=None,
    help=f"SQLite database file, sqlite:/// or postgresql:// URL [default: ${DATABASE_URL_ENV}, "
    f"else the project configuration, else {DEFAULT_DB}].",
)
@click.option(
    "--workflows",
    "extra_modules",
    multiple=True,
    metavar="MODULE",
    help="Also load workflows from this module (dotted name or .py path); repeatable.",
)
@click.option(
    "--reference/--no-reference",
    default=None,
    help="Load the demo and the reference workflows (govflow_workflows) "
    "[default: $GOVFLOW_REFERENCE, else the project configuration, else off].",
)
@click.pass_context
def cli(ctx: click.Context, db: str | None, extra_modules: tuple[str, ...], reference: bool | None) -> None:
    """govflow: administrative processes as state machines (政务流程引擎).

    Settings come from flags, then environment variables, then `[tool.govflow]` in the nearest
    pyproject.toml (or a govflow.toml): `workflows` (modules), `database`, `directory`,
    `calendar` and `reference`. `govflow config` shows what is in effect and why.
    """
    settings = Settings(db=db, extra_modules=extra_modules, reference=reference)
    ctx.obj = settings
    ctx.call_on_close(settings.close)


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point (``govflow``)."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="govflow")


# -- demo ----------------------------------------------------------------------------------------


@cli.command(epilog=examples("govflow demo", "govflow demo --db /tmp/demo.db --count 50"))
@click.option("--db", "db_path", default=DEFAULT_DEMO_DB, show_default=True, metavar="PATH", help="Demo database.")
@click.option("--count", default=12, show_default=True, type=click.IntRange(min=0), help="Documents to create.")
@click.option("--seed", default=None, type=int, help="Random seed (the default gives the documented run).")
def demo(db_path: str, count: int, seed: int | None) -> None:
    """Fill a fresh demo database with 公文审批 documents and summarise it.

    The file is recreated (only if it is absent or a govflow database). Paths covered:
    approved and archived, returned and resubmitted, rejected, a 原则上 rule overridden with a
    justification, and documents still in flight. Every audit chain is verified.
    """
    from govflow.demo import DEFAULT_SEED, DOC_APPROVAL, run_demo

    summary = run_demo(db_path, count=count, seed=DEFAULT_SEED if seed is None else seed)
    console = _console()
    table = Table(title=f"{DOC_APPROVAL.title} demo: {summary.db_path}")
    table.add_column("state (状态)")
    table.add_column("instances", justify="right")
    for state, n in summary.by_state.items():
        table.add_row(DOC_APPROVAL.state(state).display, str(n))
    table.add_row("total", str(summary.instances))
    console.print(table)
    console.print(f"{summary.events} audit events; {summary.verified}/{summary.instances} audit chains verified")
    if summary.justified:
        console.print(f"原则上 rule overridden with a justification: {', '.join(summary.justified)}")
    for broken in summary.broken:
        console.print(f"broken: {broken}")
    _reference_demo(summary.db_path, console, seed=DEFAULT_SEED if seed is None else seed)
    _notification_dry_run(summary.db_path, console)
    if summary.instance_ids:
        console.print(f"next: govflow --reference --db {summary.db_path} history {summary.instance_ids[0]}")
    if summary.broken:
        sys.exit(EXIT_REJECTED)


def _notification_dry_run(db_path: str, console: Console) -> None:
    """Read the demo's whole feed as a notifier would, over in-memory e-mail and webhook
    channels, and say how many notifications it would have delivered on each."""
    from govflow.demo import WORKFLOWS as DEMO_WORKFLOWS
    from govflow.feed import FIRE, START, TIMER_FIRED
    from govflow.loading import load_modules, reference_modules
    from govflow.notify import MemoryChannel, Notifier, Rule, default_rules
    from govflow.notify.routing import TODO, todo_roles

    try:
        workflows = [*DEMO_WORKFLOWS, *load_modules(reference_modules())]
    except GovflowError:
        workflows = list(DEMO_WORKFLOWS)
    engine = Engine(storage=SQLiteStorage(db_path), workflows=workflows)
    # Named so, because their delivery records stay in the demo database (status "sent").
    names = ("dry-run-email", "dry-run-webhook")
    channels = [MemoryChannel(name) for name in names]
    # The demo's people are asserted, not in a directory: 待办 go to role mailboxes (role:leader).
    rules = [
        *default_rules(names),
        Rule("todo_roles", (START, FIRE, TIMER_FIRED), todo_roles, TODO, names),
    ]
    try:
        notifier = Notifier(engine, channels, rules, consumer="demo-notify-dry-run")
        events = 0
        while (round_ := notifier.run_once()).events:
            events += round_.events
        engine.storage.drop_consumer("demo-notify-dry-run")
    finally:
        engine.storage.close()
    by_rule: dict[str, int] = {}
    for n in channels[0].sent:
        by_rule[n.rule] = by_rule.get(n.rule, 0) + 1
    rules_text = ", ".join(f"{rule} {n}" for rule, n in sorted(by_rule.items()))
    console.print(
        f"notifications it would have delivered for {events} feed events (dry run): "
        f"email {len(channels[0].sent)}, webhook {len(channels[1].sent)}" + (f" — {rules_text}" if rules_text else "")
    )


def _reference_demo(db_path: str, console: Console, *, seed: int) -> None:
    """Rounds of the reference 整改闭环 workflow into the same database, with a progress bar and
    the summary a department head asks for (skipped when the `workflows` package is absent)."""
    import random
    from datetime import datetime

    from rich.progress import Progress

    from govflow.clock import FakeClock

    try:
        from govflow.demo.rectification import demo_round
    except ImportError:
        return
    rng = random.Random(seed)
    towns = [[f"county.district{d}.town{t}" for t in range(1, 5)] for d in range(1, 4)]
    engine = Engine(storage=SQLiteStorage(db_path), clock=FakeClock(datetime(2016, 9, 5, 9, tzinfo=SHANGHAI)))
    rounds = []
    try:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("整改闭环: inspection rounds", total=len(towns))
            for group in towns:
                rounds.append(demo_round(engine, rng, group))
                progress.advance(task)
        failures = engine.verify_all("rectification")
    finally:
        engine.storage.close()
    table = Table(title="整改闭环 (rectification): what the department head sees")
    table.add_column("measure")
    table.add_column("count", justify="right")
    states: dict[str, int] = {}
    rungs: dict[str, int] = {}
    for r in rounds:
        for key, n in r.by_state.items():
            states[key] = states.get(key, 0) + n
        for key, n in r.escalations.items():
            rungs[key] = rungs.get(key, 0) + n
    table.add_row("findings (问题)", str(sum(r.findings for r in rounds)))
    for key, n in sorted(states.items()):
        table.add_row(f"  now {key}", str(n))
    table.add_row("overdue when read (逾期未整改)", str(sum(r.overdue for r in rounds)))
    table.add_row("reopened (重新整改)", str(sum(r.reopens for r in rounds)))
    for key, n in sorted(rungs.items()):
        table.add_row(f"escalated: {key}", str(n))
    console.print(table)
    worst = sorted(((unit, amount) for r in rounds for unit, amount in r.deductions.items()), key=lambda p: -p[1])[:3]
    console.print("largest assessment deductions (考核扣分): " + ", ".join(f"{u} −{a}" for u, a in worst))
    console.print(f"{len(failures)} broken audit chains among the rectification cases")
    try:
        from govflow.demo.safety_campaign import COUNTY_UNITS, UNIT_STEPS, demo_campaign
        from govflow_workflows.safety_campaign import CAMPAIGN_NAME, ORDER_NAME, UNIT_INSPECTION
    except ImportError:
        return
    # Its own random stream, so adding the campaign leaves the trips' documented run as it was.
    campaign_rng = random.Random(seed)
    campaign_engine = Engine(storage=SQLiteStorage(db_path), clock=FakeClock(datetime(2016, 12, 1, 9, tzinfo=SHANGHAI)))
    try:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("安全生产专项行动: units", total=UNIT_STEPS * len(COUNTY_UNITS))
            campaign = demo_campaign(campaign_engine, campaign_rng, COUNTY_UNITS, lambda: progress.advance(task))
        broken_campaign = [
            f for name in (CAMPAIGN_NAME, UNIT_INSPECTION.name, ORDER_NAME) for f in campaign_engine.verify_all(name)
        ]
    finally:
        campaign_engine.storage.close()
    table = Table(title="安全生产大检查大整治 (safety campaign): what the 县安委办 sees")
    table.add_column("measure")
    table.add_column("count", justify="right")
    table.add_row(f"units (参加单位), campaign {campaign.phase}", str(campaign.units))
    for outcome, n in sorted(campaign.by_outcome.items()):
        table.add_row(f"  {outcome} ({UNIT_INSPECTION.state(outcome).label})", str(n))
    for unit, points in campaign.deductions.items():
        table.add_row(f"deduction (考核扣分): {unit}", f"−{points}")
    table.add_row("rectification items opened (限期整改)", str(sum(campaign.rectification_items.values())))
    table.add_row("enterprises ordered to stop (停产整顿)", str(campaign.orders))
    table.add_row("enterprises closed (关闭取缔)", str(campaign.closed))
    table.add_row("broken audit chains (审计链异常)", str(len(broken_campaign)))
    console.print(table)
    try:
        from govflow.demo.overseas_trip import demo_trips
    except ImportError:
        return
    trips_engine = Engine(storage=SQLiteStorage(db_path), clock=FakeClock(datetime(2026, 1, 5, 9, tzinfo=SHANGHAI)))
    try:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("因公出国(境): trip requests", total=None)
            trips = demo_trips(trips_engine, rng, 48)
            progress.update(task, completed=1, total=1)
        broken = trips_engine.verify_all("overseas_trip")
    finally:
        trips_engine.storage.close()
    console.print("因公出国(境) (overseas trips): what the foreign affairs office sees")
    for line in trips.lines():
        console.print(f"  {line}")
    console.print(f"{len(broken)} broken audit chains among the trips")
    try:
        from govflow.demo.correction import print_demo
        from govflow.demo.street_office import print_month
    except ImportError:
        return
    print_month(db_path, console, seed=seed)
    print_demo(db_path, console, seed=seed)  # 社区矫正 and 安置帮教: a township's registers over a year


# -- definitions ---------------------------------------------------------------------------------


@cli.command("list", epilog=examples("govflow list", "govflow --workflows flows/my_flow.py list --csv"))
@listing_format()
@pass_settings
def list_(settings: Settings, fmt: str) -> None:
    """List the registered workflows (name, version, title, size)."""
    rows = [
        (wf.name, str(wf.version), wf.title, str(len(wf.states)), str(len(wf.transitions)))
        for wf in sorted(settings.workflows(), key=lambda w: w.key)
    ]
    _print_listing(
        ["name", "version", "title", "states", "transitions"],
        rows,
        title="workflows",
        fmt=fmt,
        right=["version", "states", "transitions"],
    )
    if not rows and fmt == "table":
        click.echo(
            "no workflows loaded: name your modules under [tool.govflow] workflows = [...] in pyproject.toml, "
            "pass --workflows MODULE, or --reference for the demo and reference workflows"
        )


def _find_workflow(settings: Settings, name: str, version: int | None) -> Workflow:
    return Engine(workflows=settings.workflows()).workflow(name, version)


@cli.command(epilog=examples("govflow show doc_approval", "govflow show doc_approval --version 1 --json"))
@click.argument("name")
@click.option("--version", "version", type=int, default=None, help="Workflow version [default: latest].")
@click.option("--json", "as_json", is_flag=True, help="Print the definition as JSON (Workflow.to_json()).")
@pass_settings
def show(settings: Settings, name: str, version: int | None, as_json: bool) -> None:
    """Show a workflow: states (initial, final) and transitions (roles, guards)."""
    wf = _find_workflow(settings, name, version)
    if as_json:
        click.echo(json.dumps(wf.to_json(), ensure_ascii=False, indent=2))
        return
    from govflow.deadlines import describe

    console = _console()
    console.print(f"{wf.name} v{wf.version}  {wf.title}")
    if wf.description:
        console.print(wf.description)
    console.print(f"start roles: {', '.join(sorted(wf.start_roles))}")
    if wf.schema is not None:
        console.print(f"data schema: {wf.schema.__module__}.{wf.schema.__qualname__}")
    states = [  # compound states and their sub-states, by path
        (s.name, s.label, "yes" if s.initial else "", "yes" if s.final else "", s.description) for s in wf.nodes
    ]
    _print_listing(["name", "label", "initial", "final", "description"], states, title="states (状态)")
    deadlines = [(s.name, spec.display, *describe(spec)) for s in wf.nodes for spec in s.deadlines]
    deadlines += [(f"{t.event} opens", spec.display, *describe(spec)) for t in wf.transitions for spec in t.opens]
    if deadlines:
        columns = ["state", "deadline", "rule", "counted", "when due"]
        _print_listing(columns, deadlines, title="deadlines (时限)")
    transitions = [
        (
            t.event,
            t.label,
            ", ".join(t.source),
            f"{t.dest} (history)" if t.history else t.dest,
            t.roles_text,
            ", ".join(g.name for g in t.guards),
            ", ".join(g.name for g in t.soft_guards),
            ", ".join(rule.name for rule in t.separation),
            ", ".join(e.name for e in t.effects),
        )
        for t in wf.transitions
    ]
    columns = ["event", "label", "from", "to", "roles", "guards", "原则上 guards", "separation", "effects"]
    _print_listing(columns, transitions, title="transitions (流转)")


@cli.command(
    epilog=examples(
        "govflow diagram doc_approval > doc_approval.mmd",
        "govflow diagram doc_approval --format dot | dot -Tsvg > doc_approval.svg",
        "govflow --db govflow-demo.db diagram doc_approval --instance doc-0005",
    )
)
@click.argument("name")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["mermaid", "dot"]),
    default="mermaid",
    show_default=True,
    help="Mermaid stateDiagram or Graphviz DOT.",
)
@click.option("--version", "version", type=int, default=None, help="Workflow version [default: latest].")
@click.option("--instance", "instance_id", metavar="ID", default=None, help="Highlight this instance's state.")
@pass_settings
def diagram(settings: Settings, name: str, fmt: str, version: int | None, instance_id: str | None) -> None:
    """Print a workflow's diagram source (Mermaid or Graphviz DOT)."""
    from govflow.diagram import render

    current = None
    if instance_id is not None:
        engine = settings.engine()
        instance = engine.get(instance_id)
        if instance.workflow != name:
            raise CliError(f"instance {instance_id} belongs to workflow {instance.workflow!r}, not {name!r}")
        if version is not None and version != instance.workflow_version:
            raise CliError(f"instance {instance_id} runs version {instance.workflow_version}, not {version}")
        wf = engine.workflow(name, instance.workflow_version)
        current = instance.state
    else:
        wf = _find_workflow(settings, name, version)
    click.echo(render(wf, fmt, current), nl=False)


@cli.command("config", epilog=examples("govflow config", "govflow --db other.db config --json"))
@click.option("--json", "as_json", is_flag=True, help="Print the settings as JSON.")
@pass_settings
def config_(settings: Settings, as_json: bool) -> None:
    """Show the settings in effect and where each comes from (flag, environment, file, default)."""
    config = settings.config
    if as_json:
        doc = {key: {"value": value, "source": source} for key, value, source in config.rows()}
        click.echo(json.dumps({"file": str(config.file) if config.file else None, "settings": doc}, indent=2))
        return
    click.echo(f"configuration file: {config.file or 'none found (pyproject.toml [tool.govflow] or govflow.toml)'}")
    _print_listing(["setting", "value", "source"], config.rows(), title="settings in effect")


@cli.command(
    epilog=examples(
        "govflow check",
        "govflow check workflows/my_flow.py workflows.other_flow",
        "govflow check --directory org.json",
    )
)
@click.argument("modules", nargs=-1, metavar="[MODULE]...")
@click.option(
    "--directory",
    "directory_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also report roles nobody in this organisation directory (JSON) holds.",
)
@pass_settings
def check(settings: Settings, modules: tuple[str, ...], directory_file: Path | None) -> None:
    """Check workflow definitions: one line per problem, `module: workflow: problem`.

    Reports structural faults, states that can never be closed, transitions nobody can fire,
    shadowed transitions, unregistered guards and effects, definitions that do not round-trip
    through JSON, and (with --directory) roles nobody holds. Without MODULE, checks the default
    modules and every --workflows MODULE. Exits 1 if any problem is found.
    """
    from govflow.directory import Directory
    from govflow.loading import check_modules

    org = None
    if directory_file is not None:
        try:
            org = Directory.from_json(directory_file.read_text(encoding="utf-8"))
        except OSError as exc:
            raise CliError(f"--directory: cannot read {str(directory_file)!r}: {exc.strerror or exc}") from None
    names = list(modules) if modules else settings.modules()
    if not names:
        raise CliError("no workflow modules to check: name them, use --reference, or set workflows in [tool.govflow]")
    report = check_modules(names, org)
    for finding in report.findings:
        click.echo(_one_line(str(finding)))
    if report.findings:
        click.echo(f"{len(report.findings)} problem(s) in {len(report.modules)} module(s)", err=True)
        sys.exit(EXIT_REJECTED)
    click.echo(f"ok: {len(report.modules)} module(s), {len(report.workflows)} workflow(s), no problems")


# -- instances -----------------------------------------------------------------------------------


@cli.command(
    epilog=examples(
        "govflow start doc_approval --actor clerk.wang --role clerk --unit county.office \\",
        '    --data \'{"title": "关于春耕的请示", "pages": 3}\'',
        "ID=$(govflow start doc_approval --actor clerk.wang --role clerk --data @doc.json)",
    )
)
@click.argument("name")
@actor_options()
@click.option("--data", "data_text", metavar="JSON|@FILE", default=None, help="Instance data: JSON or @file.json.")
@click.option("--version", "version", type=int, default=None, help="Workflow version [default: latest].")
@pass_settings
def start(
    settings: Settings,
    name: str,
    actor_id: str,
    roles: tuple[str, ...],
    unit: str | None,
    data_text: str | None,
    version: int | None,
) -> None:
    """Start an instance of workflow NAME; prints the new instance id."""
    data = parse_json_object(data_text, "--data")
    actor = make_actor(actor_id, roles, unit)
    engine = settings.engine(create=True)
    instance = engine.start(name, actor=actor, data=data, version=version)
    click.echo(instance.id)


@cli.command(
    epilog=examples(
        "govflow fire doc-0005 review --actor reviewer.li --role reviewer",
        'govflow fire doc-0006 approve --actor leader.zhao --role leader --payload \'{"opinion": "同意。"}\'',
        'govflow fire $ID submit --actor clerk.wang --role clerk --justification "附件较多" --expect-revision 1',
    )
)
@click.argument("instance_id", metavar="ID")
@click.argument("event")
@actor_options()
@click.option("--payload", "payload_text", metavar="JSON|@FILE", default=None, help="Event payload: JSON or @file.")
@click.option("--justification", default=None, metavar="TEXT", help="Override a failed 原则上 rule, on the record.")
@click.option("--expect-revision", type=int, default=None, metavar="N", help="Fail if the instance moved on.")
@pass_settings
def fire(
    settings: Settings,
    instance_id: str,
    event: str,
    actor_id: str,
    roles: tuple[str, ...],
    unit: str | None,
    payload_text: str | None,
    justification: str | None,
    expect_revision: int | None,
) -> None:
    """Fire EVENT on instance ID as an actor; prints the new state."""
    payload = parse_json_object(payload_text, "--payload")
    actor = make_actor(actor_id, roles, unit)
    engine = settings.engine()
    before = engine.get(instance_id)
    after = engine.fire(
        instance_id,
        event,
        actor=actor,
        payload=payload,
        justification=justification,
        expected_revision=expect_revision,
    )
    wf = engine.workflow(after.workflow, after.workflow_version)
    click.echo(
        f"{after.id}: {_state_text(wf, before.state)} -> {_state_text(wf, after.state)} (revision {after.revision})"
    )


@cli.command(
    epilog=examples(
        "govflow inbox --actor leader.zhao --role leader",
        "govflow inbox --actor reviewer.li --role reviewer --workflow doc_approval",
    )
)
@actor_options(roles_required=True)
@click.option("--workflow", "workflow", default=None, metavar="NAME", help="Only this workflow.")
@listing_format()
@pass_settings
def inbox(
    settings: Settings, actor_id: str, roles: tuple[str, ...], unit: str | None, workflow: str | None, fmt: str
) -> None:
    """List the instances waiting for an actor (待办) and the events they may fire."""
    actor = make_actor(actor_id, roles, unit)
    engine = settings.engine()
    if workflow is not None:
        engine.workflow(workflow)
    items = engine.inbox(actor, workflow)
    rows = []
    for item in items:
        inst = item.instance
        wf = engine.workflow(inst.workflow, inst.workflow_version)
        rows.append(
            (
                inst.id,
                f"{inst.workflow} v{inst.workflow_version}",
                _state_text(wf, inst.state),
                inst.unit or "",
                inst.updated_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
                ", ".join(item.events),
            )
        )
    columns = ["instance", "workflow", "state", "unit", "updated (Asia/Shanghai)", "events"]
    _print_listing(columns, rows, title=f"inbox of {actor.id} ({len(items)})", fmt=fmt)
    for problem in items.problems:
        click.echo(f"warning: left out {_one_line(problem)}", err=True)
    _unloaded_instances_note(settings, engine, workflow)


def _unloaded_instances_note(settings: Settings, engine: Engine, workflow: str | None) -> None:
    """One line naming the workflow versions stored in the database but not loaded here, whose
    instances a listing therefore cannot show."""
    known = engine.registered_versions()
    counts = {
        key: n
        for key, n in engine.storage.instance_versions().items()
        if key not in known and (workflow is None or key[0] == workflow)
    }
    if counts:
        click.echo(f"note: {not_loaded_note(settings, counts, 'instance', 'not listed')}", err=True)


@cli.command(epilog=examples("govflow history doc-0002", "govflow history doc-0002 --json | jq '.[].event'"))
@click.argument("instance_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print the events as JSON (times in UTC), hashes whole.")
@click.option("--csv", "fmt", flag_value="csv", default="table", help="Print the events as CSV.")
@pass_settings
def history(settings: Settings, instance_id: str, as_json: bool, fmt: str) -> None:
    """Show an instance's audit trail (审计记录), oldest first."""
    engine = settings.engine()
    events = engine.history(instance_id)
    if as_json:
        click.echo(json.dumps([{**e.body(), "hash": e.hash} for e in events], ensure_ascii=False, indent=2))
        return
    instance = engine.get(instance_id)
    wf: Workflow | None = None
    try:
        wf = engine.workflow(instance.workflow, instance.workflow_version)
    except UnknownWorkflow:  # the trail is readable without the definition; only the labels need it
        click.echo(
            f"note: workflow {instance.workflow} v{instance.workflow_version} is not loaded, so states show "
            "without labels (load its module with --workflows MODULE, or --reference)",
            err=True,
        )
    rows = []
    for e in events:
        source = _state_text(wf, e.source) if e.source else ""
        rows.append(
            (
                str(e.seq),
                _when(e),
                e.event,
                f"{source} -> {_state_text(wf, e.dest)}".strip(),
                e.actor,
                ", ".join(e.roles),
                e.justification or "",
                e.hash[:12],
            )
        )
    columns = ["seq", "time (Asia/Shanghai)", "event", "source -> dest", "actor", "roles", "justification", "hash"]
    title = f"{instance.id}: {instance.workflow} v{instance.workflow_version}, now {instance.state}"
    _print_listing(columns, rows, title=title, fmt=fmt, right=["seq"])


@cli.command(epilog=examples("govflow verify", "govflow verify doc-0001"))
@click.argument("instance_id", metavar="[ID]", required=False)
@pass_settings
def verify(settings: Settings, instance_id: str | None) -> None:
    """Verify audit hash chains: one instance, or every instance. Exits 1 if any is broken."""
    engine = settings.engine()
    if instance_id is not None:
        engine.verify(instance_id)
        click.echo(f"ok: audit chain of {instance_id} verified ({len(engine.history(instance_id))} events)")
        return
    failures: list[AuditIntegrityError] = engine.verify_all()
    total = engine.count()
    for failure in failures:
        click.echo(f"broken: {_one_line(str(failure))}")
    if failures:
        click.echo(f"error: {len(failures)} of {total} audit chain(s) broken", err=True)
        sys.exit(EXIT_REJECTED)
    click.echo(f"ok: {total} audit chain(s) verified")


# -- time: timers, worker, calendar ------------------------------------------------------------


_CALENDAR_WARNED: weakref.WeakKeyDictionary[Engine, date] = weakref.WeakKeyDictionary()
"""The day each engine last printed its calendar warning (a worker warns once a day, not per sweep)."""


def _warn_calendar(engine: Engine, echo: Callable[[str], None] | None = None) -> None:
    """Print `calendar_warning` (next year's 放假安排 not loaded, from 1 November) to stderr (or
    through `echo`, the worker's log), at most once a day per engine, so a worker started in
    October still warns in November."""
    from govflow.calendar import calendar_warning

    today = engine.calendar.local_date(engine.now())
    if _CALENDAR_WARNED.get(engine) == today:
        return
    warning = calendar_warning(engine.calendar, today)
    if warning is not None:
        _CALENDAR_WARNED[engine] = today
        if echo is not None:
            echo(warning)
        else:
            click.echo(warning, err=True)


def _print_outcomes(outcomes: Sequence[TickOutcome]) -> None:
    for outcome in outcomes:
        timer = outcome.timer
        due = timer.params.get("due_date") or timer.due.astimezone(SHANGHAI).date().isoformat()
        line = f"{outcome.result}: {timer.action} {timer.name} (due {due}) on {timer.instance_id}"
        click.echo(line + (f" — {_one_line(outcome.detail)}" if outcome.detail else ""))


def not_loaded_note(settings: Settings, counts: dict[tuple[str, int], int], noun: str, what: str) -> str:
    """One line naming the workflow versions this process has not loaded and where to get them."""
    from govflow.sweep import versions_text

    names = sorted({name for name, _ in counts})
    hint = _module_hint(settings, names)
    return f"{versions_text(counts, noun)} {what}: not loaded here ({hint})"


def _module_hint(settings: Settings, names: Sequence[str]) -> str:
    """Where the named workflows come from, as far as this process can tell."""
    from govflow.loading import import_workflow_module, module_workflows, reference_modules

    loaded = ", ".join(settings.modules()) or "none"
    found: dict[str, str] = {}
    if not settings.config.reference:
        for spec in reference_modules():
            try:
                for wf in module_workflows(import_workflow_module(spec), spec):
                    found.setdefault(wf.name, spec)
            except GovflowError:
                continue
    known = [f"{name} is in {found[name]}: add --reference" for name in names if name in found]
    missing = [name for name in names if name not in found]
    parts = [*known]
    if missing:
        parts.append(
            f"load the module defining {', '.join(missing)} with --workflows MODULE "
            "or `workflows = [...]` under [tool.govflow]"
        )
    return f"modules loaded: {loaded}; " + "; ".join(parts)


def _open_for_worker(
    settings: Settings, policy: WorkerPolicy, stop: threading.Event, log: Callable[[str], None]
) -> tuple[Engine | None, int]:
    """Open the engine, waiting out a storage that cannot be reached yet (a server restarting,
    a failover in progress) with the worker's back-off; a fault that cannot heal is raised.
    Returns the engine (None if stopped first) and how many faults were waited out."""
    from govflow.errors import StorageError

    failures = 0
    while not stop.is_set():
        try:
            return settings.engine(), failures
        except StorageError as exc:
            if exc.permanent:
                raise
            failures += 1
            delay = policy.reconnect_delay(failures)
            log(f"storage fault #{failures} while opening, retrying in {delay:g}s: {_one_line(str(exc))}")
            stop.wait(delay)
    return None, failures


def _retry_policy(engine: Engine, max_attempts: int) -> None:
    """Apply ``--max-attempts`` to the engine's timer retry policy (back-off as configured)."""
    engine.sweeper.retry = attrs.evolve(engine.sweeper.retry, max_attempts=max_attempts)


@cli.command(
    epilog=examples(
        "govflow tick",
        "govflow --db gov.db --workflows flows.grid_case tick --limit 500",
        "govflow --reference tick          # also sweep the reference workflows' timers",
    )
)
@click.option("--limit", default=1000, show_default=True, type=click.IntRange(min=1), help="Timers per batch.")
@click.option(
    "--max-attempts",
    default=5,
    show_default=True,
    type=click.IntRange(min=1),
    help="Failed attempts after which a timer is parked as failed (RetryPolicy.max_attempts).",
)
@pass_settings
def tick(settings: Settings, limit: int, max_attempts: int) -> None:
    """Run one sweep: act on every timer due now (overdue, reminders, escalations, system events).

    Only timers of workflows loaded in this process are touched; due timers of other workflows
    stay pending for a sweep that loads them. If there are any, a warning names them and the
    exit status is 3. An action that fails is retried later (``retry``) and parked as failed
    after a few attempts (see ``govflow timers --failed``).
    """
    engine = settings.engine()
    _warn_calendar(engine)
    _retry_policy(engine, max_attempts)
    report = engine.tick(limit=limit)
    _print_outcomes(report)
    click.echo(f"swept: {len(report)} timer(s) due")
    if report.unloaded:
        note = not_loaded_note(settings, report.unloaded, "due timer", "left pending")
        click.echo(f"warning: {note}", err=True)
        sys.exit(EXIT_NOT_LOADED)


@cli.command(
    epilog=examples(
        "govflow worker",
        "govflow --db gov.db worker --interval 5",
        "govflow worker --reconnect-base 0.5 --reconnect-cap 30",
    )
)
@click.option(
    "--interval", default=30.0, show_default=True, type=click.FloatRange(min=0.01), help="Seconds between sweeps."
)
@click.option("--sweeps", default=None, type=click.IntRange(min=1), help="Stop after this many sweeps.")
@click.option("--limit", default=1000, show_default=True, type=click.IntRange(min=1), help="Timers per batch.")
@click.option(
    "--reconnect-base",
    default=1.0,
    show_default=True,
    type=click.FloatRange(min=0.001),
    help="Seconds to wait after a first storage fault (doubling after each further one).",
)
@click.option(
    "--reconnect-cap",
    default=60.0,
    show_default=True,
    type=click.FloatRange(min=0.001),
    help="Longest wait between retries after storage faults.",
)
@click.option(
    "--max-attempts",
    default=5,
    show_default=True,
    type=click.IntRange(min=1),
    help="Failed attempts after which a timer is parked as failed (RetryPolicy.max_attempts).",
)
@click.option(
    "--notify",
    "notify_file",
    default=None,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Also deliver notifications from the feed, as this TOML file configures (see govflow.notify.config).",
)
@pass_settings
def worker(
    settings: Settings,
    interval: float,
    sweeps: int | None,
    limit: int,
    reconnect_base: float,
    reconnect_cap: float,
    max_attempts: int,
    notify_file: Path | None,
) -> None:
    """Sweep due timers in a loop until SIGINT or SIGTERM, then stop cleanly.

    On a stop signal the timer in hand finishes (each commits on its own) and the rest of the
    leased batch is released for other workers, so stopping never leaves a timer half-done or
    stranded. A storage fault (a terminated backend, a failover) is logged as one line and the
    worker retries with capped exponential back-off; it stops only on a signal or a fault that
    cannot heal (a schema newer than this govflow, bad credentials), with a message and exit 1.
    Each committed batch is logged on stderr. With ``--notify``, each round also delivers
    notifications (one more feed consumer); a failing channel is retried later and never holds
    up the timers.
    """
    if reconnect_cap < reconnect_base:
        raise CliError(f"--reconnect-cap ({reconnect_cap:g}) must not be shorter than --reconnect-base")
    stop = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        click.echo(
            f"worker: {signal.Signals(signum).name} received, stopping (the timer in hand finishes, "
            "the rest of the batch is released)",
            err=True,
        )
        stop.set()

    def log(line: str) -> None:
        click.echo(f"worker: {line}", err=True)

    policy = WorkerPolicy(interval=interval, reconnect_base=reconnect_base, reconnect_cap=reconnect_cap, limit=limit)
    # One line per fault is the worker's own; the pool's "discarding closed connection" warnings
    # would double it (the pool replaces dead connections by itself).
    logging.getLogger("psycopg.pool").setLevel(logging.ERROR)
    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        engine, failures = _open_for_worker(settings, policy, stop, log)
        if engine is None:
            click.echo("worker: stopped before the storage could be opened", err=True)
            return
        _retry_policy(engine, max_attempts)
        ready = engine

        def warn_calendar() -> None:
            _warn_calendar(ready, log)

        loop = Worker(
            engine,
            policy,
            log=log,
            on_outcomes=_print_outcomes,
            before_sweep=warn_calendar,
            after_sweep=_notification_round(engine, notify_file),
        )
        loop.faults = failures
        click.echo(f"worker: sweeping {settings.db_label()} every {interval:g}s (Ctrl-C to stop)", err=True)
        loop.run(stop, sweeps=sweeps)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    faults = f", {loop.faults} storage fault(s) survived" if loop.faults else ""
    click.echo(f"worker: stopped after {loop.sweeps} sweep(s){faults}", err=True)


def _notification_round(engine: Engine, notify_file: Path | None) -> Callable[[], None]:
    """One notification delivery round per call, printing what it did (nothing without a file)."""
    if notify_file is None:
        return lambda: None
    from govflow.notify import deliver_notifications
    from govflow.notify.config import notifier_from_file

    notifier = notifier_from_file(engine, notify_file)

    def deliver() -> None:
        report = deliver_notifications(notifier)
        if report.events or report.retried or report.problems:
            click.echo(f"notify: {report.line()}")
        for problem in report.problems:
            click.echo(f"notify: {_one_line(problem)}", err=True)

    return deliver


def _print_due(title: str, rows: Sequence[Due], fmt: str) -> None:
    cells = []
    for due in rows:
        timer, inst = due.timer, due.instance
        label = timer.params.get("label") or ""
        cells.append(
            (
                inst.id,
                inst.workflow,
                inst.state,
                inst.unit or "",
                f"{timer.name} ({label})" if label else timer.name,
                str(timer.params.get("due_date", "")) + (" (provisional)" if timer.provisional else ""),
                timer.status,
            )
        )
    _print_listing(["instance", "workflow", "state", "unit", "deadline", "due", "status"], cells, title=title, fmt=fmt)


@cli.command(epilog=examples("govflow overdue", "govflow overdue --unit county.office"))
@click.option("--workflow", default=None, help="Only this workflow.")
@click.option("--unit", default=None, help="Only instances of this unit.")
@listing_format()
@pass_settings
def overdue(settings: Settings, workflow: str | None, unit: str | None, fmt: str) -> None:
    """List deadlines that have passed and are still unmet (逾期未办)."""
    engine = settings.engine()
    if workflow is not None:
        engine.workflow(workflow)  # an unknown name is an error, not an empty table
    rows = engine.overdue(workflow, unit=unit)
    _print_due(f"overdue: {len(rows)}", rows, fmt)
    _timer_notes(settings, engine, workflow)


def _timer_notes(settings: Settings, engine: Engine, workflow: str | None) -> None:
    """Say what the listing cannot show: due timers of workflows not loaded here (nobody here
    will mark them overdue) and timers parked as failed."""
    _unloaded_timers_note(settings, engine, workflow)
    parked = [due for due in engine.failed_timers(workflow) if due.timer.status == "failed"]
    if parked:
        click.echo(f"note: {len(parked)} timer(s) parked as failed; see `govflow timers --failed`", err=True)


@cli.command(epilog=examples("govflow upcoming --days 7", "govflow upcoming --actor li --role clerk"))
@click.option("--days", default=7.0, show_default=True, type=click.FloatRange(min=0), help="Look this far ahead.")
@click.option("--workflow", default=None, help="Only this workflow.")
@click.option("--unit", default=None, help="Only instances of this unit.")
@click.option("--actor", "actor_id", default=None, metavar="ID", help="Only where this actor can act now.")
@click.option("--role", "roles", multiple=True, metavar="ROLE", help="A role the actor holds (repeatable).")
@listing_format()
@pass_settings
def upcoming(
    settings: Settings,
    days: float,
    workflow: str | None,
    unit: str | None,
    actor_id: str | None,
    roles: tuple[str, ...],
    fmt: str,
) -> None:
    """List deadlines falling due soon (即将到期)."""
    actor = make_actor(actor_id, roles, None) if actor_id else None
    engine = settings.engine()
    if workflow is not None:
        engine.workflow(workflow)  # an unknown name is an error, not an empty table
    rows = engine.upcoming(timedelta(days=days), workflow=workflow, unit=unit, actor=actor)
    _print_due(f"due within {days:g} day(s): {len(rows)}", rows, fmt)


@cli.group(
    invoke_without_command=True,
    epilog=examples(
        "govflow timers                    # how many are due, retrying, parked",
        "govflow timers --failed           # the failing and parked timers, with their errors",
        "govflow timers rearm TIMER_ID --actor ops.wang --role operator --reason '2027 calendar loaded'",
    ),
)
@click.option("--failed", "show_failed", is_flag=True, help="List timers whose action failed (retrying or parked).")
@click.option("--workflow", default=None, help="Only this workflow.")
@click.option("--unit", default=None, help="Only instances of this unit.")
@listing_format()
@click.pass_context
def timers(ctx: click.Context, show_failed: bool, workflow: str | None, unit: str | None, fmt: str) -> None:
    """Timers that need an operator (故障计时器): failing, parked as failed, or left for workflows
    not loaded here. A parked timer acts again once re-armed with `govflow timers rearm`."""
    if ctx.invoked_subcommand is not None:
        return
    settings = ctx.find_object(Settings)
    assert settings is not None
    engine = settings.engine()
    if workflow is not None:
        engine.workflow(workflow)  # an unknown name is an error, not an empty table
    failing = engine.failed_timers(workflow, unit=unit)
    if show_failed:
        _print_failed(failing, fmt)
    else:
        parked = sum(due.timer.status == "failed" for due in failing)
        click.echo(f"retrying: {len(failing) - parked} timer(s); parked as failed: {parked} timer(s)")
    _unloaded_timers_note(settings, engine, workflow)


def _unloaded_timers_note(settings: Settings, engine: Engine, workflow: str | None) -> None:
    """One line naming the workflow versions whose due timers nobody here will act on."""
    unloaded = {
        key: n
        for key, n in engine.storage.due_elsewhere(engine.now(), engine.registered_versions()).items()
        if workflow is None or key[0] == workflow
    }
    if unloaded:
        click.echo(f"note: {not_loaded_note(settings, unloaded, 'due timer', 'not yet acted on')}", err=True)


def _print_failed(rows: Sequence[Due], fmt: str) -> None:
    cells = []
    for due in rows:
        timer, inst = due.timer, due.instance
        retry = timer.retry_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if timer.retry_at else ""
        cells.append(
            (
                timer.id,
                inst.id,
                f"{inst.workflow} v{inst.workflow_version}",
                inst.state,
                timer.name,
                str(timer.params.get("due_date", "")),
                "parked" if timer.status == "failed" else f"retry at {retry}",
                str(timer.attempts),
                timer.last_error or "",
            )
        )
    columns = ["timer", "instance", "workflow", "state", "deadline", "due", "status", "attempts", "last error"]
    _print_listing(columns, cells, title=f"failing timers: {len(rows)}", fmt=fmt, right=["attempts"])


@timers.command(
    "rearm",
    epilog=examples("govflow timers rearm 01a2…f3 --actor ops.wang --role operator --reason '通知模块已修复'"),
)
@click.argument("timer_id", metavar="TIMER_ID")
@actor_options()
@click.option("--reason", required=True, metavar="TEXT", help="Why it may act now (on the record).")
@pass_settings
def timers_rearm(
    settings: Settings, timer_id: str, actor_id: str, roles: tuple[str, ...], unit: str | None, reason: str
) -> None:
    """Re-arm a parked (failed) timer: back to pending, so the next sweep acts on it.

    The change is an audit event (timer_rearmed) on the instance's chain naming the actor and
    the reason, written in one transaction with the timer's change.
    """
    engine = settings.engine()
    timer = engine.rearm_timer(timer_id, actor=make_actor(actor_id, roles, unit), reason=reason)
    click.echo(f"ok: timer {timer.id} ({timer.name}) of {timer.instance_id} re-armed; the next sweep acts on it")


@cli.group()
def calendar() -> None:
    """Official holiday schedules (放假安排) stored in the database."""


@calendar.command("load", epilog=examples("govflow calendar load 2027.json"))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_settings
def calendar_load(settings: Settings, file: Path) -> None:
    """Store a year's official schedule and recompute pending provisional deadlines.

    Each instance whose deadlines move gets a `deadline_recomputed` event in its audit trail,
    committed with the new due times.

    FILE is JSON: {"year": 2027, "holidays": ["2027-01-01", ...], "workdays": [...],
    "source": "国务院办公厅关于2027年部分节假日安排的通知"}.
    """
    from govflow.calendar import load_schedule

    try:
        schedule = load_schedule(file)
    except OSError as exc:
        raise CliError(f"cannot read {str(file)!r}: {exc.strerror or exc}") from None
    moved = settings.engine(create=True).load_schedule(schedule)
    click.echo(
        f"ok: {schedule.year} schedule stored ({len(schedule.holidays)} holidays, {len(schedule.workdays)} "
        f"make-up workdays); {moved} provisional deadline(s) recomputed, each recorded in its instance's audit trail"
    )
    skipped = settings.engine().skipped_provisional
    if skipped:
        click.echo(
            f"warning: provisional deadlines of {', '.join(skipped)} were left as they are (those workflows are "
            "not loaded here); run `govflow calendar load` again with --workflows naming their modules",
            err=True,
        )


@calendar.command("show", epilog=examples("govflow calendar show"))
@pass_settings
def calendar_show(settings: Settings) -> None:
    """List the year schedules stored in the database."""
    docs = settings.engine().storage.documents("calendar")  # read-only: never creates a database
    if not docs:
        click.echo("no year schedules stored; the holidays package's official years apply")
    for year, doc in sorted(docs.items()):
        click.echo(f"{year}: {json.loads(doc['json']).get('source', '')}")


@calendar.command("status", epilog=examples("govflow calendar status"))
@pass_settings
def calendar_status(settings: Settings) -> None:
    """Which years count on official data (the holidays package's, loaded ones) and which are
    provisional (推定) or, in strict mode, refused; warns from 1 November if next year is missing."""
    from importlib.metadata import version

    from govflow.calendar import PACKAGE_OFFICIAL_YEARS, ChinaCalendar

    engine = settings.engine()  # read-only: never creates a database
    cal = engine.calendar
    package = f"{PACKAGE_OFFICIAL_YEARS[0]}-{PACKAGE_OFFICIAL_YEARS[-1]}"
    click.echo(f"official (holidays package {version('holidays')}): {package}")
    loaded = cal.schedules if isinstance(cal, ChinaCalendar) else ()
    listed = ", ".join(f"{s.year} ({s.source})" for s in loaded) or "none (govflow calendar load FILE)"
    click.echo(f"official (loaded): {listed}")
    provisional = isinstance(cal, ChinaCalendar) and cal.provisional
    if provisional:
        click.echo(
            "provisional (推定): every other year, counted on weekends and the statutory-holiday rules "
            "without 调休 make-up days; such deadlines are marked (provisional) and recomputed when the year is loaded"
        )
    else:
        click.echo("refused (strict): every other year; a deadline reaching into one is refused until it is loaded")
    click.echo(f"mode: {'provisional' if provisional else 'strict'} (setting `calendar`, see govflow config)")
    _warn_calendar(engine)


# -- organisation directory --------------------------------------------------------------------


@cli.group()
def directory() -> None:
    """The organisation directory (组织机构) stored in the database."""


@directory.command(
    "load", epilog=examples("govflow directory load org.json", "govflow directory load --csv units.csv posts.csv")
)
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--csv", "as_csv", is_flag=True, help="FILES are units.csv and posts.csv instead of one JSON file.")
@pass_settings
def directory_load(settings: Settings, files: tuple[Path, ...], as_csv: bool) -> None:
    """Validate a directory file and store it for every service on this database."""
    from govflow.directory import Directory

    try:
        texts = [file.read_text(encoding="utf-8") for file in files]
    except OSError as exc:
        raise CliError(f"cannot read {exc.filename!r}: {exc.strerror or exc}") from None
    if as_csv:
        if len(texts) != 2:
            raise CliError("--csv takes two files: units.csv posts.csv")
        loaded = Directory.from_csv(texts[0], texts[1])
    else:
        if len(texts) != 1:
            raise CliError("give one JSON file (or --csv units.csv posts.csv)")
        loaded = Directory.from_json(texts[0])
    settings.engine(create=True).load_directory(loaded)
    click.echo(f"ok: directory stored ({len(loaded.units)} units, {len(loaded.posts)} posts)")


@directory.command("show", epilog=examples("govflow directory show", "govflow directory show --on 2026-03-02"))
@click.option("--on", "on_text", default=None, metavar="DATE", help="Show posts held on this day [default: today].")
@pass_settings
def directory_show(settings: Settings, on_text: str | None) -> None:
    """Print the unit tree with the posts held on a day."""
    from datetime import date

    from govflow.directory import unit_tree

    engine = settings.engine()  # read-only: never creates a database
    if engine.directory is None:
        click.echo("no organisation directory stored (govflow directory load FILE)")
        return
    try:
        on = date.fromisoformat(on_text) if on_text else engine.calendar.local_date(engine.now())
    except ValueError:
        raise CliError(f"--on: {on_text!r} is not a date (YYYY-MM-DD)") from None
    for depth, unit in unit_tree(engine.directory):
        click.echo(f"{'  ' * depth}{unit.id} {unit.name}".rstrip())
        for post in engine.directory.find_posts(on, unit=unit.id):
            portfolio = f" [{', '.join(sorted(post.portfolio))}]" if post.portfolio else ""
            click.echo(f"{'  ' * depth}  - {post.position}: {post.person}{portfolio}")


# The assessment commands (govflow scheme …, govflow score) live in their own module.
from govflow.cli_scoring import register as _register_scoring  # noqa: E402

_register_scoring(cli)


if __name__ == "__main__":  # pragma: no cover
    main()

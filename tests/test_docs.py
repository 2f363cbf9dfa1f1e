"""The documentation cannot rot: the pages' code runs, and the site builds with --strict.

The pages in `EXECUTED` (docs/tutorial.md, docs/access.md, docs/time.md) are executed as
written, top to bottom, each in a namespace of its own:

- ```python blocks run in one namespace, in order (a block that only includes a file with
  ``--8<--`` is skipped: the next blocks import that file);
- ```pycon blocks (``>>>`` sessions) run as doctests in that same namespace, so every output
  and error message the page shows is checked;
- ```console blocks (the tutorial's): each ``$ govflow …`` line (or ``$ NAME=$(govflow …)``, which keeps the
  printed value for later ``$NAME``) runs through click's CliRunner against the real CLI. The
  lines under a command are the output the page promises: each must appear, in order, with
  whitespace collapsed, ids, hashes and clock times normalised, table borders ignored, and
  ``…`` standing for any text (alone on a line: any lines). A command whose shown output has an
  ``error:`` line must exit 1; any other must exit 0.
"""

from __future__ import annotations

import doctest
import importlib.util
import os
import pkgutil
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from click.testing import CliRunner

import govflow

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
TUTORIAL = DOCS / "tutorial.md"
EXAMPLE = DOCS / "tutorial_example" / "leave_request.py"
EXAMPLE_MODULE = "leave_request"
EXECUTED = {
    TUTORIAL: 5,
    DOCS / "access.md": 5,
    DOCS / "inputs.md": 4,
    DOCS / "time.md": 30,
    DOCS / "testing.md": 5,
    DOCS / "campaigns.md": 5,
    DOCS / "scoring.md": 5,
    DOCS / "events.md": 3,
    DOCS / "workflows" / "rectification.md": 10,
    DOCS / "workflows" / "overseas_trip.md": 10,
    DOCS / "workflows" / "safety_campaign.md": 5,
    DOCS / "workflows" / "pilot_reform.md": 10,
    DOCS / "workflows" / "grid_case.md": 10,
    DOCS / "workflows" / "petition.md": 7,
    DOCS / "workflows" / "discipline_agency.md": 5,
    DOCS / "workflows" / "community_correction.md": 8,
    DOCS / "workflows" / "resettlement.md": 5,
}
"""Pages whose ```python and ```pycon blocks run, with the fewest blocks each must have."""

FENCE = re.compile(r"^```(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^```[ \t]*$", re.M | re.S)
ELLIPSIS = "…"
BORDER = re.compile(r"^[\s┏┓┗┛┃━┳┻╋┡┩╇│─┬┴┼├┤└┘┌┐]*$")
VOLATILE = [
    (re.compile(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)?"), "<instant>"),
    (re.compile(r"\b\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)?\b"), "<time>"),
    (re.compile(r"\b[0-9a-f]{64}\b"), "<hash>"),
    (re.compile(r"\b[0-9a-f]{32}\b"), "<id>"),
    (re.compile(r"\b[0-9a-f]{12}\b"), "<short-hash>"),
]
ISOLATED_ENV: dict[str, str | None] = {
    "GOVFLOW_DATABASE_URL": None,
    "GOVFLOW_WORKFLOWS": None,
    "GOVFLOW_REFERENCE": None,
    "GOVFLOW_DIRECTORY": None,
    "GOVFLOW_CALENDAR": None,
    "COLUMNS": None,
}


@attrs.frozen
class Block:
    lang: str
    body: str
    line: int  # line of the block's first body line in the Markdown file (1-based)


@attrs.frozen
class Command:
    text: str
    expected: tuple[str, ...]
    line: int


def blocks(path: Path) -> list[Block]:
    text = path.read_text(encoding="utf-8")
    return [Block(m["lang"], m["body"], text.count("\n", 0, m.start("body")) + 1) for m in FENCE.finditer(text)]


def commands(block: Block) -> list[Command]:
    """Split a console block into commands (``$ …``, ``\\`` continues) and their shown output."""
    found: list[Command] = []
    lines = block.body.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.startswith("$ "):
            i += 1
            continue
        start = block.line + i
        text = line[2:]
        while text.endswith("\\") and i + 1 < len(lines):
            i += 1
            text = text[:-1] + " " + lines[i].strip()
        i += 1
        expected: list[str] = []
        while i < len(lines) and not lines[i].startswith("$ "):
            expected.append(lines[i])
            i += 1
        found.append(Command(text.strip(), tuple(expected), start))
    return found


def normalise(line: str) -> str:
    for pattern, replacement in VOLATILE:
        line = pattern.sub(replacement, line)
    return " ".join(line.split())


def check_output(command: Command, output: str) -> None:
    """Each shown line must match an output line, in order (``…`` matches anything)."""
    actual = [normalise(line) for line in output.splitlines()]
    position = 0
    for shown in command.expected:
        if not shown.strip() or BORDER.match(shown) or shown.strip() == ELLIPSIS:
            continue
        parts = [re.escape(part) for part in normalise(shown).split(ELLIPSIS)]
        pattern = re.compile(r"\s*(.*?)\s*".join(parts) if len(parts) > 1 else parts[0])
        for index in range(position, len(actual)):
            if pattern.fullmatch(actual[index]):
                position = index + 1
                break
        else:
            pytest.fail(
                f"{TUTORIAL.name}:{command.line}: `{command.text}` did not print (in this order)\n"
                f"  {shown.strip()}\nit printed:\n{output}"
            )


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A scratch directory laid out like the repository root, holding the tutorial's module."""
    target = tmp_path / "docs" / "tutorial_example"
    target.mkdir(parents=True)
    shutil.copy(EXAMPLE, target / EXAMPLE.name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    for name in ISOLATED_ENV:
        monkeypatch.delenv(name, raising=False)
    sys.modules.pop(EXAMPLE_MODULE, None)
    yield tmp_path
    sys.modules.pop(EXAMPLE_MODULE, None)


def test_tutorial_has_every_kind_of_block() -> None:
    langs = [b.lang for b in blocks(TUTORIAL)]
    assert {"python", "pycon", "console"} <= set(langs)
    assert any(c.text.startswith("govflow ") for b in blocks(TUTORIAL) if b.lang == "console" for c in commands(b))


@pytest.mark.parametrize("page", list(EXECUTED), ids=lambda page: page.name)
def test_page_python(page: Path, workdir: Path) -> None:
    """The page's ```python and ```pycon blocks, in order, in one namespace."""
    namespace: dict[str, Any] = {"__name__": f"__{page.stem}__"}
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    ran = 0
    for block in blocks(page):
        if block.lang == "python":
            if block.body.lstrip().startswith("--8<--"):
                continue
            # dont_inherit: run the page as a reader would, without this file's __future__ imports
            code = compile("\n" * (block.line - 1) + block.body, str(page), "exec", dont_inherit=True)
            exec(code, namespace)
            ran += 1
        elif block.lang == "pycon":
            test = parser.get_doctest(block.body, namespace, f"{page.name}:{block.line}", str(page), block.line - 1)
            test.globs = namespace  # share one namespace instead of doctest's copy
            report: list[str] = []
            result = runner.run(test, out=report.append, clear_globs=False)
            assert result.failed == 0, "".join(report)
            ran += 1
    assert ran >= EXECUTED[page]


def test_tutorial_cli(workdir: Path) -> None:
    """Every ``$ govflow`` command of the ```console blocks, with its exit code and output."""
    from govflow.cli import cli

    runner = CliRunner()
    variables: dict[str, str] = {}
    ran = 0
    for block in blocks(TUTORIAL):
        if block.lang != "console":
            continue
        for command in commands(block):
            text = re.sub(
                r"\$(\w+)|\$\{(\w+)\}",
                lambda m: variables.get(m[1] or m[2], m[0]),
                command.text,
            )
            capture = re.fullmatch(r"(\w+)=\$\((.*)\)", text)
            argv = shlex.split(capture[2] if capture else text)
            where = f"{TUTORIAL.name}:{command.line}: `{command.text}`"
            assert argv[0] == "govflow", f"{where}: only govflow commands are run by this test"
            result = runner.invoke(cli, argv[1:], env=ISOLATED_ENV, catch_exceptions=False)
            wants_error = any(line.strip().startswith("error:") for line in command.expected)
            assert result.exit_code == (1 if wants_error else 0), f"{where} exited {result.exit_code}:\n{result.output}"
            check_output(command, result.output)
            if capture:
                variables[capture[1]] = result.stdout.strip()
            ran += 1
    assert ran >= 6


def public_modules() -> list[str]:
    """Every public module of the govflow package (names without a leading underscore)."""
    found = ["govflow"]
    for info in pkgutil.walk_packages(govflow.__path__, "govflow."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            found.append(info.name)
    return found


def test_api_reference_covers_every_public_module() -> None:
    pages = [DOCS / "api.md", *sorted((DOCS / "api").glob("*.md"))]
    documented = set(re.findall(r"^::: ([\w.]+)", "\n".join(p.read_text("utf-8") for p in pages if p.exists()), re.M))
    missing = [name for name in public_modules() if name not in documented]
    assert not missing, f"add `::: <module>` for these to docs/api.md or docs/api/*.md: {', '.join(missing)}"


def test_concepts_error_table_lists_every_error() -> None:
    from govflow import errors

    classes = [
        name
        for name, value in vars(errors).items()
        if isinstance(value, type) and issubclass(value, errors.GovflowError) and value.__module__ == errors.__name__
    ]
    table = [line for line in (DOCS / "concepts.md").read_text("utf-8").splitlines() if line.startswith("| `")]
    listed = {m[1] for line in table if (m := re.match(r"\| `(\w+)`", line))}
    missing = [name for name in classes if name not in listed]
    assert not missing, f"add a row for each to the error table in docs/concepts.md: {', '.join(missing)}"


@pytest.mark.skipif(
    any(importlib.util.find_spec(name) is None for name in ("mkdocs", "mkdocstrings", "material")),
    reason="the docs extra (mkdocs-material, mkdocstrings[python]) is not installed",
)
def test_site_builds_strict(tmp_path: Path) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, log
    assert "WARNING" not in log, log
    assert (tmp_path / "site" / "tutorial" / "index.html").exists()
    # Offline: every page loads its scripts and styles from the site itself (no CDN, no web fonts),
    # and Mermaid is there for the diagrams (Material fetches it only when it is not loaded).
    remote = re.compile(r"""<(?:script|link)[^>]+(?:src|href)=["']https?://""")
    for page in (tmp_path / "site").rglob("*.html"):
        html = page.read_text("utf-8")
        assert not remote.search(html), f"{page} loads an asset from the internet"
        assert "fonts.googleapis" not in html
    diagram_page = (tmp_path / "site" / "workflows" / "rectification" / "index.html").read_text("utf-8")
    assert "assets/vendor/mermaid-11.17.2.min.js" in diagram_page and 'class="mermaid"' in diagram_page

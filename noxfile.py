"""Developer sessions: tests, lint, typecheck, bench, demo, docs (`nox -l` lists them)."""

from __future__ import annotations

import os

import nox

nox.options.sessions = ["lint", "typecheck", "tests"]
nox.options.reuse_existing_virtualenvs = True


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite (PostgreSQL too when GOVFLOW_TEST_POSTGRES_URL is set)."""
    session.install("-e", ".[dev]")
    url = os.environ.get("GOVFLOW_TEST_POSTGRES_URL", "")
    session.run("python", "-m", "pytest", *session.posargs, env={"GOVFLOW_TEST_POSTGRES_URL": url})


@nox.session
def lint(session: nox.Session) -> None:
    """ruff: lint and formatting."""
    session.install("ruff>=0.6")
    session.run("ruff", "check", "govflow", "workflows", "tests", "noxfile.py", "examples")
    session.run("ruff", "format", "--check", "govflow", "workflows", "tests", "noxfile.py", "examples")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the library and the reference workflows."""
    session.install("-e", ".[dev]")
    session.run("mypy", "--strict", "govflow", "workflows")


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks: ratios against baselines measured in the same run (`-- --quick` for a short run)."""
    session.install("-e", ".[dev]")
    session.run("python", "-m", "tests.benchmarks", *session.posargs)


@nox.session
def demo(session: nox.Session) -> None:
    """Run `govflow demo` into govflow-demo.db."""
    session.install("-e", ".")
    session.run("govflow", "demo", *session.posargs)


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site with mkdocs --strict (warnings fail the build)."""
    session.install("-e", ".[dev]")
    session.run("mkdocs", "build", "--strict", "--site-dir", "site")

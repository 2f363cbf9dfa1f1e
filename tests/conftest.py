"""Shared fixtures: every storage-dependent test runs against every adapter."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from govflow import Actor, Engine, State, Transition, Workflow
from govflow.clock import SHANGHAI, FakeClock
from govflow.storage import MemoryStorage, SQLiteStorage, Storage
from govflow.testing import load_profile

collect_ignore_glob = ["benchmarks/*"]
load_profile()  # GOVFLOW_HYPOTHESIS_PROFILE=ci|dev|thorough (default dev)

POSTGRES_URL = os.environ.get("GOVFLOW_TEST_POSTGRES_URL", "").strip()
"""The PostgreSQL server to test against; when set, every storage test runs on it too, and an
unreachable server fails those tests (it does not skip them)."""

ADAPTERS = ["memory", "sqlite", *(["postgres"] if POSTGRES_URL else [])]

TABLES = ("instances", "audit", "timers", "index_keys", "documents", "feed", "feed_consumers", "deliveries")


def make_storage(kind: str, tmp_path: Path, pg_schema: str | None = None) -> Storage:
    if kind == "memory":
        return MemoryStorage()
    if kind == "sqlite":
        return SQLiteStorage(tmp_path / "gov.db")
    if kind == "postgres":
        from govflow.storage import PostgresStorage

        assert pg_schema is not None
        return PostgresStorage(POSTGRES_URL, schema=pg_schema, max_size=12)
    raise ValueError(kind)


def unique_schema(prefix: str = "govflow_test") -> str:
    """A schema name no other test run (here or on another machine sharing the server) uses."""
    return f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:10]}"


def drop_schema(schema: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'.encode())


@pytest.fixture(scope="session")
def pg_schema() -> Iterator[str]:
    """This test run's own PostgreSQL schema: created and migrated once, dropped at the end."""
    if not POSTGRES_URL:
        pytest.skip("GOVFLOW_TEST_POSTGRES_URL is not set")
    from govflow.errors import StorageError
    from govflow.storage import PostgresStorage

    schema = unique_schema()
    try:
        PostgresStorage(POSTGRES_URL, schema=schema, min_size=0).close()
    except StorageError as exc:
        pytest.fail(f"GOVFLOW_TEST_POSTGRES_URL is set but the server cannot be used: {exc}", pytrace=False)
    yield schema
    drop_schema(schema)


@pytest.fixture
def clean_pg_schema(pg_schema: str) -> str:
    """The run's schema, emptied (one TRUNCATE: much faster than a schema per test)."""
    import psycopg

    tables = ", ".join(f'"{pg_schema}".{table}' for table in TABLES)
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {tables}".encode())
    return pg_schema


@pytest.fixture(params=ADAPTERS)
def storage_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def storage(storage_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Storage]:
    schema = request.getfixturevalue("clean_pg_schema") if storage_kind == "postgres" else None
    store = make_storage(storage_kind, tmp_path, schema)
    yield store
    store.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 2, 9, tzinfo=SHANGHAI))


def approval_workflow(version: int = 1) -> Workflow:
    """The architecture's example flow (审批)."""
    return Workflow(
        name="approval",
        version=version,
        title="审批",
        states=[
            State("draft", "起草", initial=True),
            State("submitted", "已报送"),
            State("approved", "已批准"),
            State("archived", "已归档", final=True),
        ],
        transitions=[
            Transition("submit", source="draft", dest="submitted", roles={"clerk"}),
            Transition("approve", source="submitted", dest="approved", roles={"leader"}),
            Transition("archive", source="approved", dest="archived", roles={"clerk"}),
        ],
    )


@pytest.fixture
def approval() -> Workflow:
    return approval_workflow()


@pytest.fixture
def engine(storage: Storage, approval: Workflow, clock: FakeClock) -> Engine:
    return Engine(storage=storage, workflows=[approval], clock=clock)


ALICE = Actor("alice", roles={"clerk"}, unit="county.office")
BOB = Actor("bob", roles={"leader"}, unit="county.office")

"""Shared fixtures: every storage-dependent test runs against every adapter."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from govflow import Actor, Engine, State, Transition, Workflow
from govflow.clock import SHANGHAI, FakeClock
from govflow.storage import MemoryStorage, SQLiteStorage, Storage

collect_ignore_glob = ["benchmarks/*"]

ADAPTERS = ["memory", "sqlite"]


def make_storage(kind: str, tmp_path: Path) -> Storage:
    if kind == "memory":
        return MemoryStorage()
    if kind == "sqlite":
        return SQLiteStorage(tmp_path / "gov.db")
    raise ValueError(kind)


@pytest.fixture(params=ADAPTERS)
def storage_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def storage(storage_kind: str, tmp_path: Path) -> Iterator[Storage]:
    store = make_storage(storage_kind, tmp_path)
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

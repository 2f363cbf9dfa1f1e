"""The worked service in examples/service/, driven over real HTTP (uvicorn on 127.0.0.1, httpx)."""

from __future__ import annotations

import importlib.util
import json
import sys
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from test_escalation import POSTS, UNITS
from test_notify import grid_case

from govflow import Engine
from govflow.clock import SHANGHAI, FakeClock
from govflow.directory import Directory
from govflow.storage import SQLiteStorage

httpx = pytest.importorskip("httpx")
uvicorn = pytest.importorskip("uvicorn")

APP = Path(__file__).resolve().parent.parent / "examples" / "service" / "app.py"


def load_app_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("govflow_example_service", APP)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # pydantic resolves the models' annotations through it
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def service(tmp_path: Path) -> Iterator[tuple[httpx.Client, Engine]]:
    engine = Engine(
        storage=SQLiteStorage(tmp_path / "svc.db"),
        workflows=[grid_case()],
        clock=FakeClock(datetime(2016, 9, 26, 9, tzinfo=SHANGHAI)),
        directory=Directory.from_csv(UNITS, POSTS),
    )
    app = load_app_module().create_app(engine, poll_seconds=0.05)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(2000):
        if server.started:
            break
        threading.Event().wait(0.01)
    assert server.started, "uvicorn did not start"
    port = server.servers[0].sockets[0].getsockname()[1]
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
        yield client, engine
    server.should_exit = True
    thread.join(timeout=10)
    engine.storage.close()


def as_(person: str) -> dict[str, str]:
    return {"X-Remote-User": person}


def sse(text: str) -> list[dict[str, Any]]:
    """Parse a Server-Sent Events body into its events."""
    events = []
    for block in text.split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            if line.startswith(":"):
                continue
            key, _, value = line.partition(": ")
            fields[key] = value
        if "data" in fields:
            events.append({"id": fields["id"], "event": fields["event"], "data": json.loads(fields["data"])})
    return events


def test_start_fire_read_and_todo(service: tuple[httpx.Client, Engine]) -> None:
    client, _ = service
    started = client.post("/cases/grid_case", json={"data": {}}, headers=as_("grid.li"))
    assert started.status_code == 201
    case = started.json()
    assert (case["state"], case["created_by"], case["revision"]) == ("reported", "grid.li", 1)
    todo = client.get("/todo", headers=as_("community.wu")).json()
    assert [(i["case"]["id"], i["actions"]) for i in todo["items"]] == [(case["id"], ["accept"])]
    assert client.get("/todo", headers=as_("grid.li")).json()["items"] == []
    fired = client.post(f"/cases/{case['id']}/events/accept", json={}, headers=as_("community.wu"))
    assert fired.status_code == 200 and fired.json()["state"] == "handling"
    read = client.get(f"/cases/{case['id']}", headers=as_("grid.li")).json()
    assert [(h["event"], h["actor"]) for h in read["history"]] == [("start", "grid.li"), ("accept", "community.wu")]
    assert read["actions"] == ["settle"]


def test_refusals_map_to_http_statuses(service: tuple[httpx.Client, Engine]) -> None:
    client, _ = service
    assert client.get("/todo").status_code == 401  # not through the SSO proxy
    assert client.get("/todo", headers=as_("stranger")).status_code == 403  # no post in the directory
    case = client.post("/cases/grid_case", json={}, headers=as_("grid.li")).json()
    denied = client.post(f"/cases/{case['id']}/events/accept", json={}, headers=as_("grid.li"))
    assert denied.status_code == 403 and denied.json()["error"] == "PermissionDenied"
    client.post(f"/cases/{case['id']}/events/accept", json={}, headers=as_("community.wu"))
    wrong_state = client.post(f"/cases/{case['id']}/events/accept", json={}, headers=as_("community.wu"))
    assert wrong_state.status_code == 409 and wrong_state.json()["allowed"] == ["settle"]
    stale = client.post(f"/cases/{case['id']}/events/settle", json={"expected_revision": 1}, headers=as_("grid.li"))
    assert stale.status_code == 409 and stale.headers["Retry-After"] == "0"
    assert stale.json()["error"] == "ConcurrentModification" and stale.json()["retry"] is True
    assert stale.json()["current_revision"] == 2
    bad = client.get("/feed", params={"after": "not-a-cursor", "follow": "false"}, headers=as_("grid.li"))
    assert bad.status_code == 422 and bad.json()["error"] == "InvalidData"
    assert client.get("/cases/nope", headers=as_("grid.li")).status_code == 404
    assert client.post("/cases/no_such_flow", json={}, headers=as_("grid.li")).status_code == 404


def test_the_feed_as_server_sent_events_resumes_from_last_event_id(service: tuple[httpx.Client, Engine]) -> None:
    client, _ = service
    case = client.post("/cases/grid_case", json={}, headers=as_("grid.li")).json()
    client.post(f"/cases/{case['id']}/events/accept", json={}, headers=as_("community.wu"))
    response = client.get("/feed", params={"follow": "false"}, headers=as_("grid.li"))
    assert response.headers["content-type"].startswith("text/event-stream")
    events = sse(response.text)
    assert [(e["event"], e["data"]["event"]) for e in events] == [("start", "start"), ("fire", "accept")]
    assert events[0]["data"]["id"] == f"{case['id']}:1"
    client.post(f"/cases/{case['id']}/events/settle", json={}, headers=as_("grid.li"))
    resumed = client.get(
        "/feed", params={"follow": "false"}, headers={**as_("grid.li"), "Last-Event-ID": events[-1]["id"]}
    )
    assert [e["data"]["event"] for e in sse(resumed.text)] == ["settle"]
    only = client.get("/feed", params={"follow": "false", "kind": "start"}, headers=as_("grid.li"))
    assert [e["event"] for e in sse(only.text)] == ["start"]


def test_a_following_stream_delivers_what_commits_while_it_is_open(service: tuple[httpx.Client, Engine]) -> None:
    client, engine = service
    got: list[dict[str, Any]] = []
    with client.stream("GET", "/feed", headers=as_("grid.li")) as stream:
        case = engine.start("grid_case", actor=engine.actor("grid.li"))
        buffer = ""
        for chunk in stream.iter_text():
            buffer += chunk
            got = sse(buffer)
            if got:
                break
    assert [e["data"]["id"] for e in got] == [f"{case.id}:1"]

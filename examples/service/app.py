"""A worked web service over govflow (政务服务示例): FastAPI, identity from the SSO proxy.

Run it (after ``pip install 'govflow[postgres]' fastapi uvicorn``)::

    GOVFLOW_DATABASE_URL=postgresql://… uvicorn --factory examples.service.app:app_from_env --port 8000

Deployment assumption: the service sits behind the intranet's single-sign-on proxy, which
authenticates the person and sets ``X-Remote-User`` (the person's directory id) on every request
it forwards, and strips any such header a client sent. The service trusts that header and nothing
else, so it must not be reachable except through the proxy. The person's roles come from the
organisation directory (`Engine.actor`), never from the request (decision 12).

The engine is synchronous: every endpoint that calls it is a plain ``def``, which FastAPI runs in
its thread pool, so a slow database never blocks the event loop. The feed's Server-Sent Events
stream is ``async`` and calls the engine through `run_in_threadpool`. One `Engine` serves the
whole process; with PostgreSQL its connection pool (``max_size``) should be at least the thread
pool's size (40 by default in AnyIO) or requests queue for connections.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from govflow import Actor, Engine
from govflow.audit import AuditEvent
from govflow.errors import (
    ConcurrentModification,
    DirectoryError,
    GovflowError,
    GuardRejected,
    InstanceNotFound,
    InvalidData,
    JustificationRequired,
    PermissionDenied,
    StorageError,
    TransitionNotAllowed,
    UnknownEvent,
    UnknownWorkflow,
)
from govflow.instance import Instance

IDENTITY_HEADER = "X-Remote-User"
"""Set by the SSO proxy: the authenticated person's directory id."""

STATUS: list[tuple[type[GovflowError], int]] = [
    (PermissionDenied, 403),
    (DirectoryError, 403),
    (TransitionNotAllowed, 409),
    (ConcurrentModification, 409),
    (InvalidData, 422),
    (GuardRejected, 422),
    (JustificationRequired, 422),
    (InstanceNotFound, 404),
    (UnknownWorkflow, 404),
    (UnknownEvent, 404),
    (StorageError, 503),
]
"""Which HTTP status each refusal maps to (the first match wins; any other `GovflowError` is 400)."""


class StartBody(BaseModel):
    """Starting a case: its data."""

    data: dict[str, Any] = Field(default_factory=dict)


class FireBody(BaseModel):
    """Firing an event: its payload, a justification for a 原则上 rule, and the revision the
    caller read (the fire is refused with 409 if the case moved on meanwhile)."""

    payload: dict[str, Any] | None = None
    justification: str | None = None
    expected_revision: int | None = None


def instance_json(inst: Instance) -> dict[str, Any]:
    """An instance as the API returns it."""
    return {
        "id": inst.id,
        "workflow": inst.workflow,
        "version": inst.workflow_version,
        "state": inst.state,
        "revision": inst.revision,
        "unit": inst.unit,
        "data": inst.data,
        "created_by": inst.created_by,
        "created_at": inst.created_at.isoformat(),
        "updated_at": inst.updated_at.isoformat(),
    }


def event_json(e: AuditEvent) -> dict[str, Any]:
    """One history entry."""
    return {
        "seq": e.seq,
        "event": e.event,
        "source": e.source,
        "dest": e.dest,
        "actor": e.actor,
        "at": e.at.isoformat(),
        "payload": e.payload,
        "justification": e.justification,
    }


def caller(request: Request, x_remote_user: Annotated[str | None, Header()] = None) -> Actor:
    """The person the SSO proxy vouches for, with their roles from the directory."""
    if not x_remote_user:
        raise HTTPException(401, f"no {IDENTITY_HEADER} header: requests must come through the SSO proxy")
    engine: Engine = request.app.state.engine
    return engine.actor(x_remote_user)  # DirectoryError (403) for someone without a post


Caller = Annotated[Actor, Depends(caller)]


def create_app(engine: Engine, *, poll_seconds: float = 1.0) -> FastAPI:
    """The service over `engine` (which needs a directory: identities are mapped through it)."""
    app = FastAPI(title="govflow service", version="1")
    app.state.engine = engine

    @app.exception_handler(GovflowError)
    async def refused(request: Request, exc: GovflowError) -> JSONResponse:
        status = next((code for kind, code in STATUS if isinstance(exc, kind)), 400)
        body: dict[str, Any] = {"error": type(exc).__name__, "message": str(exc)}
        headers: dict[str, str] = {}
        if isinstance(exc, ConcurrentModification):
            body.update(retry=True, current_revision=exc.actual)
            headers["Retry-After"] = "0"  # reload the case and decide again; nothing was written
        if isinstance(exc, GuardRejected | JustificationRequired):
            body["reasons"] = list(exc.reasons)
        if isinstance(exc, TransitionNotAllowed):
            body["allowed"] = list(exc.valid)
        return JSONResponse(body, status_code=status, headers=headers)

    @app.post("/cases/{workflow}", status_code=201)
    def start(workflow: str, body: StartBody, actor: Caller) -> dict[str, Any]:
        """Start a case (立案/发起)."""
        return instance_json(engine.start(workflow, actor=actor, data=body.data))

    @app.post("/cases/{case_id}/events/{event}")
    def fire(case_id: str, event: str, body: FireBody, actor: Caller) -> dict[str, Any]:
        """Fire an event on a case (办理)."""
        inst = engine.fire(
            case_id,
            event,
            actor=actor,
            payload=body.payload,
            justification=body.justification,
            expected_revision=body.expected_revision,
        )
        return instance_json(inst)

    @app.get("/cases/{case_id}")
    def read(case_id: str, actor: Caller) -> dict[str, Any]:
        """A case with its history and what the caller may do on it now."""
        inst = engine.get(case_id)
        return {
            **instance_json(inst),
            "history": [event_json(e) for e in engine.history(case_id)],
            "actions": engine.available(case_id, actor),
        }

    @app.get("/todo")
    def todo(actor: Caller, workflow: str | None = None) -> dict[str, Any]:
        """The caller's 待办: cases waiting for them, with the events they may fire."""
        inbox = engine.inbox(actor, workflow)
        return {
            "person": actor.id,
            "items": [{"case": instance_json(i.instance), "actions": list(i.events)} for i in inbox],
            "problems": inbox.problems,
        }

    @app.get("/feed")
    async def feed(
        actor: Caller,
        request: Request,
        after: str | None = None,
        workflow: str | None = None,
        kind: Annotated[list[str] | None, Query()] = None,
        follow: bool = True,
        last_event_id: Annotated[str | None, Header()] = None,
    ) -> StreamingResponse:
        """The feed as Server-Sent Events: ``id`` is the cursor (a reconnecting browser sends it
        back as ``Last-Event-ID`` and resumes there), ``event`` the kind, ``data`` the event as
        JSON. With ``follow=false`` the stream ends once it has caught up."""
        cursor = last_event_id or after
        engine.feed(cursor, limit=1)  # a bad cursor is refused (422) before the stream starts

        async def events() -> AsyncIterator[str]:
            position = cursor
            while True:
                page = await run_in_threadpool(engine.feed, position, limit=100, workflow=workflow, kind=kind)
                for e in page.events:
                    yield f"id: {e.position}\nevent: {e.kind}\ndata: {json.dumps(e.json(), ensure_ascii=False)}\n\n"
                position = page.cursor
                if page.events:
                    continue
                if not follow or await request.is_disconnected():
                    return
                yield ": keep-alive\n\n"
                await asyncio.sleep(poll_seconds)

        return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})

    return app


def app_from_env() -> FastAPI:
    """The app over the database in ``GOVFLOW_DATABASE_URL`` with the reference workflows and the
    directory stored there (``govflow directory load``)."""
    from govflow.cli import postgres_url
    from govflow.loading import load_modules, reference_modules
    from govflow.storage import PostgresStorage, SQLiteStorage, Storage

    url = os.environ.get("GOVFLOW_DATABASE_URL", "sqlite:///govflow.db")
    pg = postgres_url(url)
    storage: Storage = PostgresStorage(pg, max_size=40) if pg else SQLiteStorage(url.removeprefix("sqlite:///"))
    return create_app(Engine(storage=storage, workflows=load_modules(reference_modules())))

"""The reference core as a Starlette app: sync protocol v1 over the core's own store.

Endpoints (JSON, UTF-8; documented in docs/protocol.md):

- ``GET /v1/health`` → ``{"status": "ok", "version", "protocol": 1, "cursor", "store_id"}``
- ``GET /v1/changes?cursor=C&limit=N`` → ``{"changes": [...], "cursor", "more"}``
- ``GET /v1/stats`` → ``{"entities", "cursor", "min_cursor", "store_id", "actions"}``
- ``POST /v1/actions`` → an agent action, exactly once per ``Idempotency-Key``
- ``GET /v1/events`` → server-sent events (``change`` when the feed head moves)
- ``GET /v1/openapi.json`` → the OpenAPI document of all of the above
- ``GET /v1/me`` and ``GET /v1/audit/reveals`` (auditors): ``core.security_routes``

SQLite work runs in the thread pool (one connection per thread), so a long page never stalls
the event loop. A page of the feed is written by splicing each record's stored JSON text into
the response: records are never decoded and encoded again on the way out; it is compressed
with zstd when the client accepts it (``core.feed_encoding``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import orjson
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from workbench.core import cursors
from workbench.core.acd_model import AcdConfig
from workbench.core.action_route import actions_endpoint
from workbench.core.auth import DEMO_IDENTITY, BearerAuth, Identity
from workbench.core.call_routes import CallCenter
from workbench.core.callback_book import CallbackConfig
from workbench.core.cursors import Cursor
from workbench.core.demo import DEFAULT_AS_OF, DEFAULT_BORROWERS, DEFAULT_SEED
from workbench.core.events import (
    HEARTBEAT_S,
    POLL_S,
    RING_SIZE,
    EventHub,
    EventStreamResponse,
    parse_last_event_id,
)
from workbench.core.feed_encoding import encoded
from workbench.core.openapi import openapi_document
from workbench.core.portfolio import Progress, open_portfolio
from workbench.core.security_routes import security_routes
from workbench.core.storage import CoreStore
from workbench.core.wallboard_routes import WallboardService
from workbench.domain.alerts import AlertRules

PROTOCOL = 1
DEFAULT_LIMIT = 500
MAX_LIMIT = 5000
STORE_ID_HEADER = "Workbench-Store-Id"
Clock = Callable[[], datetime]


def _version() -> str:
    try:
        return version("workbench")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0+unknown"


class BadRequest(Exception):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def error(status: int, code: str, message: str, **headers: str) -> JSONResponse:
    """The one shape of an error answer: ``{"error": code, "message": text}``."""
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)


def parse_cursor(raw: str | None) -> Cursor:
    """A cursor this core issued (``workbench.core.cursors``); absent or ``"0"`` = the start."""
    try:
        return cursors.parse_cursor(raw)
    except ValueError as exc:
        raise BadRequest("bad_cursor", str(exc)) from None


def parse_limit(raw: str | None) -> int:
    """Changes per page: default 500; larger asks are served 5,000 at a time."""
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise BadRequest(
            "bad_limit", f"limit must be a whole number from 1 to {MAX_LIMIT}, got {raw!r}"
        )
    return min(int(raw), MAX_LIMIT)


def render_page(store: CoreStore, cursor: Cursor, limit: int) -> bytes:
    """The JSON body of one feed page; raises ``BadRequest`` (410) for a cursor it cannot serve.

    The bounds and the page are read in one transaction, so a compaction running at the same
    time cannot remove a tombstone between the check and the read. The page's cursor is
    issued in the current compaction generation.
    """
    with store.read():
        head, horizon, generation = store.head(), store.min_cursor(), store.generation()
        problem = cursors.cursor_problem(cursor, head, horizon, generation)
        if problem is not None:
            raise BadRequest(problem, _cursor_message(problem, cursor, head, horizon), 410)
        rows, next_seq, more = store.changes_raw(cursor.seq, limit, utf8=True)
    next_cursor = cursors.format_cursor(generation, next_seq)
    quote = orjson.dumps
    parts = [
        b'{"seq":%d,"entity":%b,"op":"delete","id":%b,"data":null}'
        % (seq, quote(entity), quote(id_))
        if deleted
        else b'{"seq":%d,"entity":%b,"op":"upsert","id":%b,"data":%b}'
        % (seq, quote(entity), quote(id_), data)
        for seq, entity, id_, deleted, data in rows
    ]
    tail = b'],"cursor":"%b","more":%b}' % (next_cursor.encode(), b"true" if more else b"false")
    return b'{"changes":[' + b",".join(parts) + tail


def _page_answer(
    store: CoreStore, cursor: Cursor, limit: int, accept_encoding: str | None
) -> tuple[bytes, dict[str, str]]:
    """A page's body as the client accepts it (``feed_encoding``), and its headers."""
    return encoded(render_page(store, cursor, limit), accept_encoding)


def _cursor_message(problem: str, cursor: Cursor, head: int, horizon: int) -> str:
    shown = cursors.format_cursor(cursor.generation, cursor.seq)
    if problem == "cursor_gone":
        return (
            f"cursor {shown} is older than this core's compaction horizon ({horizon}): "
            "deletions before it are forgotten; sync again from the start"
        )
    return (
        f"cursor {shown} is not from this core's feed (head {head}, maybe another or a "
        "rebuilt store); sync again from the start"
    )


def create_app(
    store_path: str | Path,
    *,
    borrowers: int = DEFAULT_BORROWERS,
    seed: int = DEFAULT_SEED,
    as_of: date = DEFAULT_AS_OF,
    progress: Progress | None = None,
    **options,
) -> Starlette:
    """The core app over the store at ``store_path``, generating the demo portfolio if needed.

    Raises ``PortfolioMismatch`` when the file holds a portfolio of other parameters.
    ``app.state.store`` is the open ``CoreStore`` (tests inject records through it);
    ``options`` go to ``build_app`` (tokens, clock, heartbeat_s, ring_size, poll_s).
    """
    store = open_portfolio(store_path, borrowers, seed, as_of, progress=progress)
    return build_app(store, **options)


def build_app(
    store: CoreStore,
    *,
    tokens: dict[str, Identity] | None = None,
    clock: Clock | None = None,
    heartbeat_s: float = HEARTBEAT_S,
    ring_size: int = RING_SIZE,
    poll_s: float = POLL_S,
    acd: AcdConfig | None = None,
    acd_clock: Clock | None = None,
    callbacks: CallbackConfig | None = None,
    demo_identity: Identity | None = None,
    alerts: AlertRules | None = None,
) -> Starlette:
    """The protocol v1 app over an already open store.

    ``tokens`` (from ``auth.load_tokens``) turns bearer tokens on; without it every caller is
    the demo agent A001. ``clock`` is the core's "now" (escalation snapshots, key ages);
    ``heartbeat_s``, ``ring_size`` and ``poll_s`` tune ``/v1/events`` (tests shorten them).
    ``acd`` sets up the simulated call centre (``call_routes``; ``acd_clock`` is its clock,
    the wall clock by default; ``callbacks`` its callback rules); ``app.state.calls`` is its
    ``CallCenter`` (``.callbacks`` its ``CallbackDesk``); ``app.state.wallboard`` the
    supervisor's ``WallboardService`` (``GET /v1/wallboard``, ``queue.stats`` events).
    ``app.state.events`` is the ``EventHub``: ``close()`` it to end every open stream.
    ``await app.state.shutdown()`` is what the lifespan does on exit (stop the call centre's
    and the wallboard's ticks, end the streams, close the store); an app driven without its
    lifespan (an in-process ASGI transport) whose routes started the ticks must end with it
    rather than ``store.close()``, which would close a connection a tick thread may be using.
    ``demo_identity``: who every caller is without ``tokens`` (default agent A001, role agent;
    the embedded demo desk run with ``--role supervisor`` makes it a supervisor).
    ``alerts``: the wallboard's alert thresholds (``domain.alerts``; built-in defaults without).
    """
    app_version = _version()
    now = clock or (lambda: datetime.now(UTC))
    store_id = store.store_id()
    hub = EventHub(store.head, ring_size=ring_size, heartbeat_s=heartbeat_s, poll_s=poll_s)
    store.add_listener(hub.on_head)
    calls = CallCenter(store, hub, acd, clock=acd_clock, callbacks=callbacks)
    wallboard = WallboardService(calls, rules=alerts)

    async def health(request: Request) -> Response:
        head = await run_in_threadpool(store.head_cursor)
        return JSONResponse(
            {
                "status": "ok",
                "version": app_version,
                "protocol": PROTOCOL,
                "cursor": head,
                "store_id": store_id,
            }
        )

    async def changes(request: Request) -> Response:
        accept = request.headers.get("accept-encoding")
        try:
            cursor = parse_cursor(request.query_params.get("cursor"))
            limit = parse_limit(request.query_params.get("limit"))
            body, headers = await run_in_threadpool(_page_answer, store, cursor, limit, accept)
        except BadRequest as exc:
            return error(exc.status, exc.code, exc.message, **{STORE_ID_HEADER: store_id})
        headers[STORE_ID_HEADER] = store_id
        return Response(body, media_type="application/json", headers=headers)

    async def stats(request: Request) -> Response:
        return JSONResponse(await run_in_threadpool(store.stats))

    async def events(request: Request) -> Response:
        last = parse_last_event_id(request.headers.get("last-event-id"))
        return EventStreamResponse(hub.stream(last))

    document = openapi_document(app_version)

    async def openapi(request: Request) -> Response:
        return JSONResponse(document)

    async def shutdown() -> None:
        # Ticks first: once both have stopped no worker thread of theirs is inside the store,
        # so closing its connections cannot pull one out from under a running query.
        await wallboard.stop()
        await calls.stop()
        hub.close()
        store.close()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with calls.running(), wallboard.running():
            yield
        await shutdown()

    app = Starlette(
        routes=[
            Route("/v1/health", health, methods=["GET"]),
            Route("/v1/changes", changes, methods=["GET"]),
            Route("/v1/stats", stats, methods=["GET"]),
            Route("/v1/actions", actions_endpoint(store, now), methods=["POST"]),
            Route("/v1/events", events, methods=["GET"]),
            Route("/v1/openapi.json", openapi, methods=["GET"]),
            *calls.routes(),
            *wallboard.routes(),
            *security_routes(store),
        ],
        middleware=[
            Middleware(BearerAuth, tokens=tokens, anonymous=demo_identity or DEMO_IDENTITY)
        ],
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
        lifespan=lifespan,
    )
    app.state.store = store
    app.state.events = hub
    app.state.calls = calls
    app.state.wallboard = wallboard
    app.state.shutdown = shutdown
    return app


async def _http_error(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 500)
    codes: dict[int, Callable[[], tuple[str, str]]] = {
        404: lambda: ("not_found", f"no such endpoint: {request.url.path}"),
        405: lambda: ("method_not_allowed", f"{request.method} is not allowed here"),
    }
    code, message = codes.get(status, lambda: ("http_error", str(getattr(exc, "detail", ""))))()
    return error(status, code, message)


async def _server_error(request: Request, exc: Exception) -> Response:
    return error(500, "internal", "the core failed to answer this request; try again later")

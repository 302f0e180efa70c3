"""The reference core as a Starlette app: sync protocol v1 over the core's own store.

Endpoints (JSON, UTF-8; documented in docs/protocol.md):

- ``GET /v1/health`` → ``{"status": "ok", "version", "protocol": 1, "cursor"}``
- ``GET /v1/changes?cursor=C&limit=N`` → ``{"changes": [...], "cursor", "more"}``
- ``GET /v1/stats`` → ``{"entities": {entity: count}, "cursor"}``
- ``GET /v1/openapi.json`` → the OpenAPI document of the above

SQLite work runs in the thread pool (one connection per thread), so a long page never stalls
the event loop. A page of the feed is written by splicing each record's stored JSON text into
the response: records are never decoded and encoded again on the way out.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import orjson
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from workbench.core.demo import DEFAULT_AS_OF, DEFAULT_BORROWERS, DEFAULT_SEED
from workbench.core.openapi import openapi_document
from workbench.core.portfolio import Progress, open_portfolio
from workbench.core.storage import CoreStore

PROTOCOL = 1
DEFAULT_LIMIT = 500
MAX_LIMIT = 5000
_MAX_CURSOR_DIGITS = 18  # keeps a cursor inside SQLite's signed 64-bit integers


def _version() -> str:
    try:
        return version("workbench")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0+unknown"


class BadRequest(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def error(status: int, code: str, message: str) -> JSONResponse:
    """The one shape of an error answer: ``{"error": code, "message": text}``."""
    return JSONResponse({"error": code, "message": message}, status_code=status)


def parse_cursor(raw: str | None) -> int:
    """A cursor is the decimal ``seq`` of the last change seen; absent or ``"0"`` = the start."""
    if raw is None or raw == "":
        return 0
    if not (raw.isascii() and raw.isdigit()) or len(raw) > _MAX_CURSOR_DIGITS:
        raise BadRequest(
            "bad_cursor", f"cursor must be a cursor returned by this core, got {raw!r}"
        )
    return int(raw)


def parse_limit(raw: str | None) -> int:
    """Changes per page: default 500; larger asks are served 5,000 at a time."""
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise BadRequest(
            "bad_limit", f"limit must be a whole number from 1 to {MAX_LIMIT}, got {raw!r}"
        )
    return min(int(raw), MAX_LIMIT)


def render_page(store: CoreStore, cursor: int, limit: int) -> bytes | None:
    """The JSON body of one feed page, or None when ``cursor`` is ahead of this core's head."""
    if cursor and cursor > store.head():
        return None
    rows, next_cursor, more = store.changes_raw(cursor, limit)
    parts = []
    for seq, entity, id_, deleted, data in rows:
        head = f'{{"seq":{seq},"entity":{_quote(entity)},'
        if deleted:
            parts.append(f'{head}"op":"delete","id":{_quote(id_)},"data":null}}')
        else:
            parts.append(f'{head}"op":"upsert","id":{_quote(id_)},"data":{data}}}')
    tail = f'],"cursor":"{next_cursor}","more":{"true" if more else "false"}}}'
    return ('{"changes":[' + ",".join(parts) + tail).encode()


def _quote(text: str) -> str:
    return orjson.dumps(text).decode()


def create_app(
    store_path: str | Path,
    *,
    borrowers: int = DEFAULT_BORROWERS,
    seed: int = DEFAULT_SEED,
    as_of: date = DEFAULT_AS_OF,
    progress: Progress | None = None,
) -> Starlette:
    """The core app over the store at ``store_path``, generating the demo portfolio if needed.

    Raises ``PortfolioMismatch`` when the file holds a portfolio of other parameters.
    ``app.state.store`` is the open ``CoreStore`` (tests inject records through it).
    """
    store = open_portfolio(store_path, borrowers, seed, as_of, progress=progress)
    return build_app(store)


def build_app(store: CoreStore) -> Starlette:
    """The protocol v1 app over an already open store."""
    app_version = _version()

    async def health(request: Request) -> Response:
        head = await run_in_threadpool(store.head)
        return JSONResponse(
            {"status": "ok", "version": app_version, "protocol": PROTOCOL, "cursor": str(head)}
        )

    async def changes(request: Request) -> Response:
        try:
            cursor = parse_cursor(request.query_params.get("cursor"))
            limit = parse_limit(request.query_params.get("limit"))
        except BadRequest as exc:
            return error(400, exc.code, exc.message)
        body = await run_in_threadpool(render_page, store, cursor, limit)
        if body is None:
            return error(
                410,
                "cursor_unknown",
                f"cursor {cursor} is ahead of this core's feed; sync again from the start",
            )
        return Response(body, media_type="application/json")

    async def stats(request: Request) -> Response:
        return JSONResponse(await run_in_threadpool(store.stats))

    document = openapi_document(app_version)

    async def openapi(request: Request) -> Response:
        return JSONResponse(document)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        store.close()

    app = Starlette(
        routes=[
            Route("/v1/health", health, methods=["GET"]),
            Route("/v1/changes", changes, methods=["GET"]),
            Route("/v1/stats", stats, methods=["GET"]),
            Route("/v1/openapi.json", openapi, methods=["GET"]),
        ],
        exception_handlers={HTTPException: _http_error},
        lifespan=lifespan,
    )
    app.state.store = store
    return app


async def _http_error(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 500)
    codes: dict[int, Callable[[], tuple[str, str]]] = {
        404: lambda: ("not_found", f"no such endpoint: {request.url.path}"),
        405: lambda: ("method_not_allowed", f"{request.method} is not allowed here"),
    }
    code, message = codes.get(status, lambda: ("http_error", str(getattr(exc, "detail", ""))))()
    return error(status, code, message)

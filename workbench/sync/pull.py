"""Pull the core's change feed into the cache, one page and its cursor per transaction.

Example (a thread of the desk runs it under its own event loop)::

    result = asyncio.run(pull_from(path, "http://127.0.0.1:8765"))

or with an open client (the embedded demo passes ``transport=httpx.ASGITransport(app)``)::

    async with make_client(url, transport=transport) as client:
        result = await pull(path, client, progress=lambda done, total: ...)
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from workbench.store import apply as store_apply
from workbench.store.apply import BadRecordHandler
from workbench.store.db import connect
from workbench.store.records import RecordError
from workbench.sync.client import SyncError, get_json, make_client

Progress = Callable[[int, int | None], None]
"""``progress(applied_so_far, total_estimate)``; the estimate is None when unknown."""


@dataclass(frozen=True, slots=True)
class PullResult:
    applied: int  # changes applied by this pull
    pages: int
    cursor: str | None  # the cursor stored after the last page
    seconds: float
    total_estimate: int | None = None  # what /v1/stats suggested at the start


async def pull(
    conn_or_path: Any,
    client: httpx.AsyncClient,
    *,
    page_size: int = 1000,
    progress: Progress | None = None,
    on_bad_record: BadRecordHandler | None = None,
) -> PullResult:
    """Apply pages of ``/v1/changes`` from the stored cursor until the core says ``more=false``.

    ``conn_or_path`` is an open cache connection, or a path (opened and closed here, so the
    connection belongs to the calling thread). Raises :class:`SyncError` for any failure of the
    core, or for a record the cache cannot store (unless ``on_bad_record`` takes it); every
    page applied before the failure stays applied, with its cursor.
    """
    if isinstance(conn_or_path, str | os.PathLike):
        conn = connect(conn_or_path)
        try:
            return await pull(
                conn, client, page_size=page_size, progress=progress, on_bad_record=on_bad_record
            )
        finally:
            conn.close()
    conn = conn_or_path
    started = time.perf_counter()
    cursor = store_apply.get_cursor(conn)
    total = await _estimate(client, cursor)
    applied = pages = 0
    if progress:
        progress(0, total)
    pending = _prefetch(client, cursor, page_size)
    try:
        while pending is not None:
            page = await pending
            cursor = page["cursor"]
            # While this page is being stored, the core already prepares the next one.
            pending = _prefetch(client, cursor, page_size) if page["more"] else None
            try:
                applied += store_apply.apply_page(
                    conn, page["changes"], cursor, on_bad_record=on_bad_record
                )
            except RecordError as exc:
                raise SyncError(f"the core sent a record the cache cannot store: {exc}") from exc
            pages += 1
            if progress:
                progress(applied, total)
    finally:
        if pending is not None:
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError, SyncError):
                await pending
    return PullResult(applied, pages, cursor, time.perf_counter() - started, total)


def _prefetch(client: httpx.AsyncClient, cursor: str | None, page_size: int) -> asyncio.Task:
    return asyncio.ensure_future(_fetch_page(client, cursor, page_size))


async def _fetch_page(client: httpx.AsyncClient, cursor: str | None, limit: int) -> dict:
    params = {"limit": limit} if cursor is None else {"cursor": cursor, "limit": limit}
    return _checked_page(await get_json(client, "/v1/changes", params), client, cursor)


async def pull_from(
    path: str | os.PathLike[str],
    base_url: str,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    token: str | None = None,
    page_size: int = 1000,
    progress: Progress | None = None,
) -> PullResult:
    """Open a client for ``base_url`` and :func:`pull` into the cache at ``path``."""
    async with make_client(base_url, transport=transport, token=token) as client:
        return await pull(path, client, page_size=page_size, progress=progress)


async def _estimate(client: httpx.AsyncClient, cursor: str | None) -> int | None:
    """Records to expect: the core's row count on a first sync, unknown when resuming."""
    if cursor is not None:
        return None
    stats = await get_json(client, "/v1/stats")
    entities = stats.get("entities") if isinstance(stats, dict) else None
    if not isinstance(entities, dict):
        raise SyncError(f"{client.base_url}/v1/stats has no entity counts: is it a workbench core?")
    return sum(v for v in entities.values() if isinstance(v, int))


def _checked_page(page: Any, client: httpx.AsyncClient, before: str | None) -> dict[str, Any]:
    ok = (
        isinstance(page, dict)
        and isinstance(page.get("changes"), list)
        and isinstance(page.get("more"), bool)
        and (page.get("cursor") is None or isinstance(page.get("cursor"), str | int))
    )
    if not ok:
        raise SyncError(
            f"{client.base_url}/v1/changes answered a page without changes/cursor/more: "
            "is it a workbench core speaking protocol v1?"
        )
    if page["cursor"] is not None:
        page["cursor"] = str(page["cursor"])
    if page["more"] and (not page["changes"] or page["cursor"] == before):
        raise SyncError(f"{client.base_url}/v1/changes said more=true but did not move on")
    return page

"""Pull the core's change feed into the cache, one page and its cursor per transaction.

Example (a thread of the desk runs it under its own event loop)::

    result = asyncio.run(pull_from(path, "http://127.0.0.1:8765"))

or with an open client (the embedded demo passes ``transport=httpx.ASGITransport(app)``)::

    async with make_client(url, transport=transport) as client:
        result = await pull(path, client, progress=lambda done, total: ...)

A pull resumes from the stored cursor. Records that fail validation are quarantined
(``store.quarantine``) and the rest of their page applied. When the core answers 410 (it no
longer knows the cursor) or turns out to be another core (its ``store_id`` differs from the one
the cache was filled from), the cache starts over (``store.resync.start_over``: the outbox and
every unconfirmed local change are kept) and the pull continues from the first change.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from workbench.store import apply as store_apply
from workbench.store import keys
from workbench.store.apply import BadRecordHandler
from workbench.store.db import connect, write_transaction
from workbench.store.quarantine import quarantine_change
from workbench.store.records import RecordError
from workbench.store.resync import STORE_ID, start_over
from workbench.sync.client import (
    DEADLINE,
    Answer,
    CursorGone,
    SyncError,
    decoded,
    get_answer,
    get_json,
    make_client,
)
from workbench.sync.gcpause import paused_gc

Progress = Callable[[int, int | None], None]
"""``progress(applied_so_far, total_estimate)``; the estimate is None when unknown."""
LAST_PULL_AT = "last_pull_at"
PAGE_SIZE = 5000
"""Changes asked for per page: the reference core's maximum; per-request overhead is ~3 µs a
record at 1,000 a page and ~1 µs at 5,000 (a page is still applied in one transaction)."""
_MAX_CURSOR_CHARS = 64
CHANGES = "/v1/changes"
SYNC_CACHE_KB = 64 * 1024
"""Page cache of the connection a pull writes through (the readers' stay at ``store.db``'s):
the upserts of a pull and the reads of the records they replace land on random pages of a
multi-GB cache, and the B-tree's inner pages stay cached from one pull to the next. Not more:
the desk's follower pulls inside the desk's process (its memory aim is 200 MB)."""
WAL_CHECKPOINT_PAGES = 16_384
"""WAL pages (64 MB) after which a commit of the pull copies them back into the cache file,
instead of SQLite's 1,000: one pull of 1,000 changes dirties a few thousand pages, and each
checkpoint costs a sync of the file however few pages it copies."""


@dataclass(frozen=True, slots=True)
class PullResult:
    applied: int  # changes applied by this pull
    pages: int
    cursor: str | None  # the cursor stored after the last page
    seconds: float
    total_estimate: int | None = None  # what /v1/stats suggested at the start
    started_over: str | None = None  # why the cache was refilled from scratch, if it was
    storing: Storing | None = None  # this side's part of ``seconds``


@dataclass(frozen=True, slots=True)
class Storing:
    """The time a pull spent on its own side once each answer was in: decoding the pages,
    checking and writing them (search keys, commits) — not the core's or the network's."""

    seconds: float  # wall
    cpu_seconds: float  # of the pulling thread


async def pull(
    conn_or_path: Any,
    client: httpx.AsyncClient,
    *,
    page_size: int = PAGE_SIZE,
    progress: Progress | None = None,
    on_bad_record: BadRecordHandler | None = quarantine_change,
    deadline: float = DEADLINE,
) -> PullResult:
    """Apply pages of ``/v1/changes`` from the stored cursor until the core says ``more=false``.

    ``conn_or_path`` is an open cache connection, or a path (opened and closed here, so the
    connection belongs to the calling thread). Raises :class:`SyncError` for any failure of the
    core; every page applied before the failure stays applied, with its cursor. Bad records go
    to ``on_bad_record`` (default: the quarantine; None makes them fail the pull). Each request
    must be answered in full within ``deadline`` seconds.
    """
    if isinstance(conn_or_path, str | os.PathLike):
        conn = connect(conn_or_path)
        try:
            return await pull(
                conn,
                client,
                page_size=page_size,
                progress=progress,
                on_bad_record=on_bad_record,
                deadline=deadline,
            )
        finally:
            conn.close()
    conn = conn_or_path
    started = time.perf_counter()
    _tune(conn)
    fetch = _Fetcher(client, page_size, deadline)
    cursor = store_apply.get_cursor(conn)
    # The first page is asked for while the core's identity is checked (one round trip less);
    # it is only applied once the core is known to be the cache's.
    early = fetch.prefetch(cursor) if cursor is not None else None
    try:
        reason = await _check_identity(conn, fetch)
    except BaseException:
        await _discard(early)
        raise
    if reason is not None:
        await _discard(early)
        early = None
    try:
        counts = await _pull_pages(conn, fetch, progress, on_bad_record, early)
    except CursorGone:
        start_over(conn)
        reason = "cursor_gone"
        try:
            counts = await _pull_pages(conn, fetch, progress, on_bad_record)
        except CursorGone as exc:  # a page of the refill itself was refused: no loop
            raise SyncError(
                "the core refused a page of a full sync as too old (410): its compaction "
                "horizon is ahead of the pages it serves; try again later"
            ) from exc
    applied, pages, cursor, total, storing = counts
    with write_transaction(conn):
        store_apply.set_state(conn, LAST_PULL_AT, _utc_now())
    seconds = time.perf_counter() - started
    return PullResult(applied, pages, cursor, seconds, total, reason, Storing(*storing))


def _tune(conn) -> None:
    """The pulling connection's page cache and checkpoint interval (see the constants)."""
    conn.execute(f"PRAGMA cache_size = -{SYNC_CACHE_KB}")
    conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES}")


@dataclass(frozen=True, slots=True)
class _Fetcher:
    """The requests of one pull: the client, its page size and deadline."""

    client: httpx.AsyncClient
    page_size: int
    deadline: float

    async def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return await get_json(self.client, path, params, deadline=self.deadline)

    def prefetch(self, cursor: str | None) -> asyncio.Task:
        return asyncio.ensure_future(self.page(cursor))

    async def page(self, cursor: str | None) -> Answer:
        params: dict[str, Any] = {"limit": self.page_size}
        if cursor is not None:
            params["cursor"] = cursor
        return await get_answer(self.client, CHANGES, params, deadline=self.deadline)

    def read(self, answer: Answer, before: str | None) -> dict[str, Any]:
        """The page of an answer of :meth:`page` asked for from the cursor ``before``."""
        return _checked_page(decoded(self.client, CHANGES, answer), self.client, before)


async def _discard(task: asyncio.Task | None) -> None:
    """Cancel a prefetched page and wait for it, without swallowing our own cancellation."""
    if task is None:
        return
    task.cancel()
    await asyncio.wait([task])
    if not task.cancelled():
        task.exception()  # retrieved: a failed prefetch is not worth a warning


async def _pull_pages(conn, fetch: _Fetcher, progress, on_bad_record, early=None):
    """Apply pages from the stored cursor until the core has no more (``early``: the first
    page, already asked for from that cursor)."""
    cursor = store_apply.get_cursor(conn)
    staged = keys.is_staging(conn)
    if cursor is None and not staged:  # a first sync: search keys are built at its end
        with write_transaction(conn):
            keys.begin_staging(conn)
        staged = True
    total = await _estimate(fetch, cursor)
    applied = pages = 0
    if progress:
        progress(0, total)
    pending = early if early is not None else fetch.prefetch(cursor)
    storing = [0.0, 0.0]  # wall, CPU
    try:
        while pending is not None:
            answer = await pending
            wall, cpu = time.perf_counter(), time.thread_time()
            # A page is decoded, stored and dropped with the collector paused: its objects are
            # freed by reference counting before the collector could walk them.
            with paused_gc():
                page = fetch.read(answer, cursor)
                del answer
                before, cursor = cursor, page["cursor"]
                # While this page is being stored, the core already prepares the next one.
                pending = fetch.prefetch(cursor) if page["more"] else None
                if page["changes"] or cursor != before:
                    try:
                        applied += store_apply.apply_page(
                            conn,
                            page["changes"],
                            cursor,
                            on_bad_record=on_bad_record,
                            stage_keys=staged,
                        )
                    except RecordError as exc:
                        raise SyncError(
                            f"the core sent a record the cache cannot store: {exc}"
                        ) from exc
                del page
            storing[0] += time.perf_counter() - wall
            storing[1] += time.thread_time() - cpu
            pages += 1
            if progress:
                progress(applied, total)
    finally:
        await _discard(pending)
    if staged:  # caught up: the cache is complete, so its search keys can be built
        wall, cpu = time.perf_counter(), time.thread_time()
        with paused_gc():
            keys.finish_staging(conn)
        storing[0] += time.perf_counter() - wall
        storing[1] += time.thread_time() - cpu
    return applied, pages, cursor, total, storing


async def _check_identity(conn, fetch: _Fetcher) -> str | None:
    """Start over when the core is not the one the cache was filled from; remember its id."""
    health = await fetch.get("/v1/health")
    store_id = health.get("store_id") if isinstance(health, dict) else None
    if not isinstance(store_id, str) or not store_id or len(store_id) > 200:
        return None  # a core without an identity: nothing to compare
    known = store_apply.get_state(conn, STORE_ID)
    if known == store_id:
        return None
    if known is None:  # a new cache, or one filled before cores had ids: know it from now on
        with write_transaction(conn):
            store_apply.set_state(conn, STORE_ID, store_id)
        return None
    start_over(conn, store_id=store_id)
    return "different_core"


async def pull_from(
    path: str | os.PathLike[str],
    base_url: str,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    token: str | None = None,
    page_size: int = PAGE_SIZE,
    progress: Progress | None = None,
) -> PullResult:
    """Open a client for ``base_url`` and :func:`pull` into the cache at ``path``."""
    async with make_client(base_url, transport=transport, token=token) as client:
        return await pull(path, client, page_size=page_size, progress=progress)


async def _estimate(fetch: _Fetcher, cursor: str | None) -> int | None:
    """Records to expect: the core's row count on a first sync, unknown when resuming."""
    if cursor is not None:
        return None
    stats = await fetch.get("/v1/stats")
    entities = stats.get("entities") if isinstance(stats, dict) else None
    if not isinstance(entities, dict):
        where = fetch.client.base_url
        raise SyncError(f"{where}/v1/stats has no entity counts: is it a workbench core?")
    return sum(v for v in entities.values() if type(v) is int and v >= 0)


def _checked_page(page: Any, client: httpx.AsyncClient, before: str | None) -> dict[str, Any]:
    ok = (
        isinstance(page, dict)
        and isinstance(page.get("changes"), list)
        and isinstance(page.get("more"), bool)
        and (page.get("cursor") is None or type(page.get("cursor")) in (str, int))
    )
    if not ok:
        raise SyncError(
            f"{client.base_url}/v1/changes answered a page without changes/cursor/more: "
            "is it a workbench core speaking protocol v1?"
        )
    cursor = page["cursor"]
    if cursor is None:
        cursor = before  # an empty feed: nothing seen yet
    elif len(cursor := str(cursor)) > _MAX_CURSOR_CHARS:
        raise SyncError(f"{client.base_url}/v1/changes answered an absurd cursor")
    page["cursor"] = cursor
    if page["more"] and (not page["changes"] or cursor == before):
        raise SyncError(f"{client.base_url}/v1/changes said more=true but did not move on")
    return page


def _utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

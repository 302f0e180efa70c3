"""Push the outbox to the core: ``POST /v1/actions`` with each action's ``Idempotency-Key``.

Order. A borrower's actions go one after another, oldest first: the second waits until the
first has been answered. Different borrowers are independent and go side by side.

What each answer does to an action:

- 200/201 with the core's ``{"id", "seq", …}`` → **confirmed**, with the core's answer, in one
  statement. (200 is the replay of a key the core already applied: the first answer again.)
- connection failure, timeout (whole-request deadline), 5xx, 408, 409 (the core is still
  working on that key), 429, or a 2xx that is garbled or cut short → **retried** later with
  exponential backoff and full jitter (``Retry-After`` is honoured); the same key and the same
  body bytes are sent again, so an action the core applied but whose answer was lost is
  applied once and confirmed by the replay. The borrower's later actions wait behind it.
- 401 → pushing stops at once (no retry storm): :attr:`PushResult.unauthorized` is set and the
  action stays pending, untouched, until a valid token is given.
- any other 4xx (invalid action, unknown borrower, 403 acting as another agent, idempotency
  mismatch …) → **parked** with the core's reason: it needs a person. It does not block other
  borrowers, and — a decision — not the same borrower's later actions either: each action of
  protocol v1 stands on its own (none refers to the record of another), so holding a borrower's
  promise back because a note before it was refused would only lose time.

Example::

    async with make_client(url, token=token) as client:
        result = await push(conn, client)
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from workbench.store import outbox
from workbench.store.db import connect, write_transaction
from workbench.store.outbox import OutboxEntry
from workbench.sync.client import (
    Answer,
    SyncError,
    Unreachable,
    body_hint,
    parse_json,
    request,
    token_rejected_message,
)

ACTIONS_PATH = "/v1/actions"
DEADLINE = 30.0  # seconds for one whole POST
BACKOFF_BASE = 1.0
BACKOFF_CAP = 300.0
MAX_RETRY_AFTER = 3600.0
CONCURRENCY = 4
_RETRY_STATUSES = {408, 409, 425, 429}

Clock = Callable[[], float]


@dataclass(slots=True)
class PushResult:
    sent: int = 0  # requests made
    confirmed: int = 0
    parked: int = 0
    retrying: int = 0  # actions that failed this round and will be tried again
    unauthorized: bool = False
    errors: list[str] = field(default_factory=list)  # one line per failed try (no personal data)


class _Stop(Exception):
    """401: stop every borrower's queue."""


async def push(
    conn_or_path: Any,
    client: httpx.AsyncClient,
    *,
    concurrency: int = CONCURRENCY,
    deadline: float = DEADLINE,
    clock: Clock = time.time,
    rng: Callable[[], float] = random.random,
    due_only: bool = True,
) -> PushResult:
    """Send every pending action that is due (every pending one when not ``due_only``: a
    person asked for a sync now); return what happened (never raises SyncError)."""
    if isinstance(conn_or_path, str | os.PathLike):
        conn = connect(conn_or_path)
        try:
            return await push(
                conn,
                client,
                concurrency=concurrency,
                deadline=deadline,
                clock=clock,
                rng=rng,
                due_only=due_only,
            )
        finally:
            conn.close()
    conn = conn_or_path
    result = PushResult()
    queues: dict[str, list[OutboxEntry]] = {}
    for entry in outbox.pending_entries(conn):
        queues.setdefault(entry.borrower_id, []).append(entry)
    gate = asyncio.Semaphore(concurrency)
    stop = asyncio.Event()

    async def borrower_queue(entries: list[OutboxEntry]) -> None:
        async with gate:
            for entry in entries:
                if stop.is_set() or (due_only and entry.next_attempt_at > clock()):
                    return
                outcome = await _send(conn, client, entry, deadline, clock, rng, result)
                if outcome == "stop":
                    stop.set()
                    return
                if outcome == "retry":
                    return

    await asyncio.gather(*(borrower_queue(entries) for entries in queues.values()))
    return result


async def _send(conn, client, entry: OutboxEntry, deadline, clock, rng, result) -> str:
    """One try of one action; returns ``confirmed``, ``parked``, ``retry`` or ``stop``."""
    result.sent += 1
    headers = {"Idempotency-Key": entry.key, "Content-Type": "application/json"}
    try:
        answer = await request(
            client,
            "POST",
            ACTIONS_PATH,
            content=outbox.body_of(conn, entry.key),
            headers=headers,
            deadline=deadline,
            max_body=1024 * 1024,
        )
    except Unreachable as exc:
        return _retry(conn, entry, str(exc), None, clock, rng, result)
    status = answer.status_code
    if status in (200, 201):
        ack = _acknowledgement(answer, entry)
        if ack is None:
            return _retry(conn, entry, "the core's answer was garbled", None, clock, rng, result)
        seq = ack.get("seq")
        with write_transaction(conn):
            outbox.mark_confirmed(
                conn,
                entry.key,
                response=ack,
                core_seq=seq if type(seq) is int else None,
                confirmed_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            )
        result.confirmed += 1
        return "confirmed"
    if status == 401:
        result.unauthorized = True
        result.errors.append(token_rejected_message(client))
        return "stop"
    if status >= 500 or status in _RETRY_STATUSES or status < 200 or 300 <= status < 400:
        error = f"the core answered {status}" + body_hint(answer)
        return _retry(conn, entry, error, _retry_after(answer, clock), clock, rng, result)
    reason = _reason(answer)
    with write_transaction(conn):
        outbox.mark_parked(conn, entry.key, reason=reason, response=_json_or_none(answer))
    result.parked += 1
    result.errors.append(f"{entry.type} {entry.record_id} parked: {reason}")
    return "parked"


def _retry(conn, entry, error, retry_after, clock, rng, result) -> str:
    delay = backoff(entry.attempts, rng)
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
    with write_transaction(conn):
        outbox.mark_retry(conn, entry.key, error=error, next_attempt_at=clock() + delay)
    result.retrying += 1
    result.errors.append(f"{entry.type} {entry.record_id}: {error}")
    return "retry"


def backoff(attempts: int, rng: Callable[[], float] = random.random) -> float:
    """Seconds before the next try: full jitter over ``base · 2^attempts``, capped."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** min(attempts, 30))
    return max(0.05, rng() * ceiling)


def _acknowledgement(answer: Answer, entry: OutboxEntry) -> dict[str, Any] | None:
    try:
        ack = parse_json(answer.content)
    except ValueError:
        return None
    if not isinstance(ack, dict) or ack.get("id") not in (None, entry.record_id):
        return None
    return {k: ack[k] for k in ("action_id", "status", "entity", "id", "seq") if k in ack}


def _retry_after(answer: Answer, clock: Clock) -> float | None:
    value = answer.headers.get("retry-after")
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - clock())
    except (TypeError, ValueError):
        return None


def _reason(answer: Answer) -> str:
    """The core's own words for a refusal (``message``, else ``error``), on one line."""
    data = _json_or_none(answer)
    if isinstance(data, dict):
        words = data.get("message") or data.get("error")
        if isinstance(words, str) and words.strip():
            return f"{answer.status_code}: " + " ".join(words.split())[:500]
    return f"the core answered {answer.status_code}" + body_hint(answer)


def _json_or_none(answer: Answer) -> Any:
    try:
        data = parse_json(answer.content)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


async def push_to(
    path: str | os.PathLike[str],
    base_url: str,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    token: str | None = None,
    due_only: bool = True,
) -> PushResult:
    """Open a client for ``base_url`` and :func:`push` the outbox of the cache at ``path``."""
    from workbench.sync.client import make_client

    async with make_client(base_url, transport=transport, token=token) as client:
        return await push(path, client, due_only=due_only)


__all__ = ["PushResult", "SyncError", "backoff", "push", "push_to"]

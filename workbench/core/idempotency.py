"""``POST /v1/actions`` exactly once per ``Idempotency-Key``, in two transactions.

1. **Reserve** (short ``BEGIN IMMEDIATE``): an unknown key is inserted ``in_progress`` with the
   agent, the SHA-256 of the canonical body and a random owner token, and committed. A known
   key answers at once: another body → 422 ``idempotency_mismatch``; ``done`` → the first
   response again (200); ``in_progress`` → 409 ``in_progress`` (retry later).
2. **Apply** (one ``BEGIN IMMEDIATE``): check the action against the store, write its effect,
   store the response and mark the key ``done``, all or nothing. A crash can never leave an
   effect without its key, nor a ``done`` key without its effect.

A request that finds its action invalid in step 2 (unknown borrower, …) releases the key, so
the same key and body get the same 422 again. A reservation left by a crashed worker (the
effect never committed) is taken over after ``STALE_AFTER_S``; the slow original then finds
it is no longer the owner and changes nothing. Keys are kept ``KEEP_DAYS`` (≥ 30) days.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson

from workbench.core.actions import Action, InvalidAction, format_time
from workbench.core.effects import apply_action
from workbench.core.storage import CoreStore

STALE_AFTER_S = 30.0
KEEP_DAYS = 30


@dataclass(frozen=True, slots=True)
class Outcome:
    """An HTTP answer: status and JSON body (``replayed`` for a stored first response)."""

    status: int
    body: dict[str, Any]
    replayed: bool = False


def payload_hash(body: Any) -> str:
    """SHA-256 of the canonical JSON of the whole body (sorted keys, no spaces)."""
    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


def reserve(store: CoreStore, key: str, agent_id: str, digest: str, now: datetime) -> Outcome | str:
    """Step 1: the owner token of a new reservation, or the answer for a known key."""
    owner = secrets.token_hex(8)
    with store.write() as w:
        row = w.conn.execute(
            "SELECT payload_hash, state, reserved_at, response FROM idempotency WHERE key = ?",
            (key,),
        ).fetchone()
        if row is not None:
            answer = _known(key, digest, *row)
            if answer is not None:
                return answer
            w.conn.execute("DELETE FROM idempotency WHERE key = ?", (key,))  # stale: take over
        w.conn.execute(
            "INSERT INTO idempotency (key, agent_id, payload_hash, state, owner, reserved_at,"
            " created_at) VALUES (?, ?, ?, 'in_progress', ?, ?, ?)",
            (key, agent_id, digest, owner, time.time(), format_time(now)),
        )
    return owner


def _known(
    key: str, digest: str, stored: str, state: str, reserved_at: float, response: str | None
) -> Outcome | None:
    """The answer for a key already in the table, or None when its reservation went stale."""
    if stored != digest:
        return Outcome(
            422,
            _error(
                "idempotency_mismatch",
                f"Idempotency-Key {key} was already used with a different body; "
                "a new action needs a new key",
            ),
        )
    if state == "done":
        return Outcome(200, orjson.loads(response), replayed=True)
    if time.time() - reserved_at < STALE_AFTER_S:
        return Outcome(
            409,
            _error(
                "in_progress",
                f"the action with Idempotency-Key {key} is being applied; retry shortly",
            ),
        )
    return None


def apply(store: CoreStore, key: str, owner: str, action: Action, now: datetime) -> Outcome:
    """Step 2: the effect, the stored response and ``done``, in one transaction."""
    try:
        with store.write() as w:
            state = w.conn.execute(
                "SELECT state, owner, response FROM idempotency WHERE key = ?", (key,)
            ).fetchone()
            if state is None or state[1] != owner:  # taken over after we stalled
                return _lost(key, state)
            try:
                entity, id_, seq = apply_action(w, action, now)
            except InvalidAction as exc:
                w.conn.execute("DELETE FROM idempotency WHERE key = ?", (key,))
                return Outcome(422, _error("invalid_action", str(exc)))
            body = {"action_id": key, "status": "applied", "entity": entity, "id": id_, "seq": seq}
            w.conn.execute(
                "UPDATE idempotency SET state = 'done', owner = NULL, status = 201, response = ?"
                " WHERE key = ?",
                (orjson.dumps(body).decode(), key),
            )
            w.conn.execute(
                "INSERT INTO action_counts (type, applied) VALUES (?, 1)"
                " ON CONFLICT (type) DO UPDATE SET applied = applied + 1",
                (action.type,),
            )
        return Outcome(201, body)
    except BaseException:
        release(store, key, owner)
        raise


def _lost(key: str, state: tuple | None) -> Outcome:
    if state is not None and state[0] == "done":
        return Outcome(200, orjson.loads(state[2]), replayed=True)
    return Outcome(409, _error("in_progress", f"the action with key {key} is being applied"))


def release(store: CoreStore, key: str, owner: str) -> None:
    """Drop our reservation after a failure, so a retry need not wait for it to go stale."""
    try:
        with store.write() as w:
            w.conn.execute(
                "DELETE FROM idempotency WHERE key = ? AND owner = ? AND state = 'in_progress'",
                (key, owner),
            )
    except sqlite3.Error:
        pass  # it goes stale and is taken over


def purge(store: CoreStore, now: datetime, keep_days: int = KEEP_DAYS) -> int:
    """Forget keys created more than ``keep_days`` ago; returns how many."""
    cutoff = format_time(now - timedelta(days=keep_days))
    with store.write() as w:
        return w.conn.execute("DELETE FROM idempotency WHERE created_at < ?", (cutoff,)).rowcount


def _error(code: str, message: str) -> dict[str, str]:
    return {"error": code, "message": message}

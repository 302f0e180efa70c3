"""The outbox: agent actions on their way to the core, kept in the cache until confirmed.

One row per action (table ``outbox``, schema v2):

- ``key`` — the ``Idempotency-Key`` (a UUID4 chosen when the action was taken);
- ``type``, ``borrower_id``, ``record_id`` (the id of the record the action creates);
- ``body`` — the JSON text exactly as it is POSTed to ``/v1/actions``, byte for byte on every
  attempt, so a retry is always the same request;
- ``entity``/``record`` — the provisional record shown in the cache until the core's version
  arrives in the feed with the same id (None for actions without one, e.g. ``reveal_audit``);
- ``status`` — ``pending`` (to send), ``confirmed`` (the core applied it: ``response`` and
  ``core_seq`` hold its answer), ``parked`` (the core refused it: ``last_error`` says why; it
  needs a person), ``discarded`` (a parked action a person dropped; the row is kept);
- ``attempts``, ``next_attempt_at`` (Unix time of the earliest next try), ``last_error``;
- ``created_at``, ``confirmed_at`` — UTC ISO-8601.

The action and its provisional record are written in the caller's write transaction
(``store.actions``); every status change here is one statement, so it is atomic on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from workbench.store.apply import put_records

PENDING, CONFIRMED, PARKED, DISCARDED = "pending", "confirmed", "parked", "discarded"
UNCONFIRMED = (PENDING, PARKED)

_COLUMNS = (
    "n, key, type, borrower_id, entity, record_id, status, attempts, next_attempt_at, "
    "last_error, core_seq, created_at, confirmed_at"
)


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """One action in the outbox, without its body (which may hold personal data)."""

    n: int  # local order: a borrower's actions are sent in this order
    key: str
    type: str
    borrower_id: str
    entity: str | None
    record_id: str
    status: str
    attempts: int
    next_attempt_at: float
    last_error: str | None
    core_seq: int | None
    created_at: str
    confirmed_at: str | None


@dataclass(frozen=True, slots=True)
class OutboxCounts:
    pending: int = 0
    parked: int = 0
    confirmed: int = 0


def enqueue(
    conn,
    *,
    key: str,
    action_type: str,
    borrower_id: str,
    body: dict[str, Any],
    created_at: str,
    entity: str | None = None,
    record: dict[str, Any] | None = None,
) -> OutboxEntry:
    """Add an action and show its provisional ``record``; call inside a write transaction."""
    if record is not None and entity is not None:
        put_records(conn, entity, {record["id"]: record})
    conn.execute(
        "INSERT INTO outbox(key, type, borrower_id, entity, record_id, body, record, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            key,
            action_type,
            borrower_id,
            entity,
            body["id"],
            encode_body(body),
            orjson.dumps(record).decode() if record is not None else None,
            created_at,
        ),
    )
    found = get(conn, key)
    assert found is not None
    return found


def encode_body(body: dict[str, Any]) -> str:
    """The body's JSON text as it is sent (compact, UTF-8, keys in the order given)."""
    return orjson.dumps(body).decode()


def get(conn, key: str) -> OutboxEntry | None:
    """One action by its idempotency key."""
    row = conn.execute(f"SELECT {_COLUMNS} FROM outbox WHERE key = ?", (key,)).fetchone()
    return OutboxEntry(*row) if row else None


def body_of(conn, key: str) -> bytes:
    """The exact request body of an action."""
    row = conn.execute("SELECT body FROM outbox WHERE key = ?", (key,)).fetchone()
    if row is None:
        raise KeyError(key)
    return row[0].encode()


def pending_entries(conn) -> list[OutboxEntry]:
    """Every pending action, oldest first (due or not)."""
    rows = conn.execute(f"SELECT {_COLUMNS} FROM outbox WHERE status = ? ORDER BY n", (PENDING,))
    return [OutboxEntry(*row) for row in rows]


def next_attempt_at(conn) -> float | None:
    """When the earliest pending action may be tried (Unix time), None when none is pending."""
    row = conn.execute(
        "SELECT min(next_attempt_at) FROM outbox WHERE status = ?", (PENDING,)
    ).fetchone()
    return row[0]


def mark_confirmed(
    conn, key: str, *, response: dict[str, Any], core_seq: int | None, confirmed_at: str
) -> bool:
    """The core applied the action: keep its answer. False if it was no longer pending."""
    cur = conn.execute(
        "UPDATE outbox SET status = ?, response = ?, core_seq = ?, confirmed_at = ?, "
        "attempts = attempts + 1, last_error = NULL WHERE key = ? AND status = ?",
        (CONFIRMED, orjson.dumps(response).decode(), core_seq, confirmed_at, key, PENDING),
    )
    return cur.rowcount == 1


def mark_retry(conn, key: str, *, error: str, next_attempt_at: float) -> None:
    """A try failed in a way worth repeating: count it and say when to try again."""
    conn.execute(
        "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? "
        "WHERE key = ? AND status = ?",
        (error[:1000], next_attempt_at, key, PENDING),
    )


def retry_now(conn) -> int:
    """Make every pending action due at once (the core is back after an outage)."""
    cur = conn.execute("UPDATE outbox SET next_attempt_at = 0 WHERE status = ?", (PENDING,))
    return cur.rowcount


def mark_parked(conn, key: str, *, reason: str, response: dict[str, Any] | None = None) -> None:
    """The core refused the action for good: it waits for a person ("needs attention")."""
    conn.execute(
        "UPDATE outbox SET status = ?, attempts = attempts + 1, last_error = ?, response = ? "
        "WHERE key = ? AND status = ?",
        (
            PARKED,
            reason[:1000],
            orjson.dumps(response).decode() if response is not None else None,
            key,
            PENDING,
        ),
    )


def retry_parked(conn, key: str) -> bool:
    """Send a parked action again (same key, same body), e.g. after the core was fixed."""
    cur = conn.execute(
        "UPDATE outbox SET status = ?, next_attempt_at = 0 WHERE key = ? AND status = ?",
        (PENDING, key, PARKED),
    )
    return cur.rowcount == 1


def discard(conn, key: str) -> bool:
    """Drop a parked action: its provisional record goes, the row stays as ``discarded``.

    Call inside a write transaction.
    """
    entry = get(conn, key)
    if entry is None or entry.status != PARKED:
        return False
    if entry.entity is not None:
        put_records(conn, entry.entity, {entry.record_id: None})
    conn.execute("UPDATE outbox SET status = ? WHERE key = ?", (DISCARDED, key))
    return True


def pending_ids(conn, borrower_id: str) -> dict[str, str]:
    """Record ids of a borrower's unconfirmed actions → ``pending`` or ``parked``.

    The desk shows these records as 待确认 / needs attention; every other record is the core's.
    """
    rows = conn.execute(
        "SELECT record_id, status FROM outbox "
        "WHERE borrower_id = ? AND status IN (?, ?) AND entity IS NOT NULL",
        (borrower_id, *UNCONFIRMED),
    )
    return dict(rows.fetchall())


def counts(conn) -> OutboxCounts:
    """How many actions are pending, parked and confirmed."""
    found = dict(conn.execute("SELECT status, count(*) FROM outbox GROUP BY status").fetchall())
    return OutboxCounts(found.get(PENDING, 0), found.get(PARKED, 0), found.get(CONFIRMED, 0))


def entries(conn, *, recent_confirmed: int = 20) -> list[OutboxEntry]:
    """Pending and parked actions (oldest first), then the newest confirmed ones."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM outbox WHERE status IN (?, ?) ORDER BY n", UNCONFIRMED
    ).fetchall()
    rows += conn.execute(
        f"SELECT {_COLUMNS} FROM outbox WHERE status = ? ORDER BY n DESC LIMIT ?",
        (CONFIRMED, recent_confirmed),
    ).fetchall()
    return [OutboxEntry(*row) for row in rows]


def reapply_unconfirmed(conn) -> int:
    """Show the provisional record of every unconfirmed action again (after the entity tables
    were cleared for a full re-sync); call inside a write transaction. Returns how many."""
    rows = conn.execute(
        "SELECT entity, record FROM outbox WHERE status IN (?, ?) AND record IS NOT NULL "
        "ORDER BY n",
        UNCONFIRMED,
    ).fetchall()
    for entity, record in rows:
        data = orjson.loads(record)
        put_records(conn, entity, {data["id"]: data})
    return len(rows)

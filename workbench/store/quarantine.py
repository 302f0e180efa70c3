"""Feed records the cache refused: kept with their raw JSON and the reason, for a person.

A record that fails ``store.records.check`` (unknown entity, missing field, wrong type, bad date,
absurd size …) must not stop the sync: ``store.apply`` hands it to :func:`quarantine_change`
inside the page's transaction, stores the rest of the page and moves the cursor on. The raw JSON
is cut to :data:`RAW_CAP` characters and only the newest :data:`KEEP` rows are kept, so a
hostile core cannot fill the disk through this table.

Example::

    apply_page(conn, changes, cursor, on_bad_record=quarantine_change)
    quarantined_count(conn)  # → 1
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

RAW_CAP = 4096
KEEP = 100_000
_FIELD_CAP = 200


@dataclass(frozen=True, slots=True)
class QuarantinedRecord:
    seq: str | None
    entity: str | None
    record_id: str | None
    reason: str
    received_at: str
    raw: str


def quarantine_change(conn, change: Any, error: Exception) -> None:
    """Keep one refused change (call inside the page's write transaction)."""
    get = change.get if isinstance(change, dict) else (lambda _name: None)
    row = conn.execute(
        "INSERT INTO quarantine(seq, entity, record_id, raw, reason, received_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (
            _short(get("seq")),
            _short(get("entity")),
            _short(get("id")),
            raw_json(change),
            str(getattr(error, "reason", error))[:1000],
            datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        ),
    )
    if row.lastrowid and row.lastrowid % 1000 == 0:
        conn.execute("DELETE FROM quarantine WHERE n <= ?", (row.lastrowid - KEEP,))


def raw_json(value: Any) -> str:
    """The JSON text of a value, cut to :data:`RAW_CAP` characters."""
    try:
        text = orjson.dumps(value).decode()
    except (TypeError, orjson.JSONEncodeError):
        text = json.dumps(value, ensure_ascii=False, default=repr)
    return text if len(text) <= RAW_CAP else text[:RAW_CAP] + "…"


def quarantined_count(conn) -> int:
    """How many refused records the cache keeps."""
    return conn.execute("SELECT count(*) FROM quarantine").fetchone()[0]


def recent_quarantined(conn, limit: int = 50) -> list[QuarantinedRecord]:
    """The newest refused records, newest first."""
    rows = conn.execute(
        "SELECT seq, entity, record_id, reason, received_at, raw FROM quarantine "
        "ORDER BY n DESC LIMIT ?",
        (limit,),
    )
    return [QuarantinedRecord(*row) for row in rows]


def _short(value: Any) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else raw_json(value)
    return text[:_FIELD_CAP]

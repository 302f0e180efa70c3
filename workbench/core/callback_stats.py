"""The core's callback figures: its call log and callback records through ``domain``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from workbench.core.storage import CoreStore
from workbench.domain.callback_figures import AbandonedCall, callback_figures
from workbench.domain.callback_work import callback_from_json, parse_at


def core_figures(store: CoreStore, acd: Any, now: datetime) -> dict[str, Any]:
    """``{"as_of", "queues": {queue_id: figures}, "total": figures}`` over the whole book."""
    with store.read() as conn:
        exists = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'callback_sources'"
        ).fetchone()
        calls = (
            conn.execute(
                "SELECT source, queue_id, at, callback_id FROM callback_sources WHERE kind = 'call'"
            ).fetchall()
            if exists
            else []
        )
        rows = conn.execute(
            "SELECT data FROM records WHERE entity = 'callback' AND deleted = 0"
        ).fetchall()
    callbacks = [callback_from_json(orjson.loads(data)) for (data,) in rows]
    abandoned = [AbandonedCall(s, q, parse_at(at), cid) for s, q, at, cid in calls]
    figures = callback_figures(callbacks, now, abandoned)
    total = figures.pop("*")
    return {
        "as_of": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "queues": {q: f.as_dict() for q, f in figures.items()},
        "total": total.as_dict(),
    }

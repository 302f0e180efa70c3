"""The figures and the checks of a simulated day (``workbench.core.simulate``)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from workbench.core.callback_stats import core_figures
from workbench.domain.callback_work import callback_from_json, parse_at
from workbench.domain.calls import CallState
from workbench.domain.compliance import in_window
from workbench.domain.metrics import CallRecord, QueueConfig, total_figures

SHANGHAI = ZoneInfo("Asia/Shanghai")


def call_records(sim, end: datetime) -> list[CallRecord]:
    """Every inbound call of the day as ``metrics`` sees it, with its callback's times."""
    with sim.store.read() as conn:
        sources = dict(
            conn.execute(
                "SELECT source, callback_id FROM callback_sources WHERE kind = 'call'"
            ).fetchall()
        )
        rows = conn.execute("SELECT data FROM records WHERE entity = 'callback' AND deleted = 0")
        callbacks = {cb.id: cb for cb in (callback_from_json(orjson.loads(d)) for (d,) in rows)}
    calls = list(sim.acd.finished_log or []) + [
        c for c in sim.acd.calls.values() if c.state not in (CallState.ENDED, CallState.ABANDONED)
    ]
    out = []
    for call in calls:
        if call.direction != "in":
            continue
        abandoned = call.ended_at if call.state == CallState.ABANDONED else None
        waited_to = call.answered_at or abandoned or end
        cb = callbacks.get(sources.get("call:" + call.call_id) or "")
        first = None
        if cb is not None and abandoned is not None:
            tries = [parse_at(s.at) for s in cb.history if s.kind in ("dialed", "attempt")]
            later = [t for t in tries if t >= abandoned]
            first = min(later) if later else None
        out.append(
            CallRecord(
                queue_id=call.queue_id,
                offered_at=call.arrived_at,
                answered_at=call.answered_at,
                abandoned_at=abandoned,
                ended_at=call.ended_at,
                wait_s=(waited_to - call.arrived_at).total_seconds(),
                known_number=bool(call.borrower_ids),
                callback_created_at=abandoned if cb is not None else None,
                first_attempt_at=first,
            )
        )
    return out


def attempt_checks(sim) -> dict[str, int]:
    """Outbound attempts outside the window, and over the daily caps (should all be 0)."""
    policy = sim.cfg.callbacks.contact
    with sim.store.read() as conn:
        rows = conn.execute(
            "SELECT borrower_id, number, at, connected, collection FROM outbound_attempts"
        ).fetchall()
    zones = {bid: _zone_of(sim.store, bid) for bid in {r[0] for r in rows}}
    outside = 0
    unanswered: Counter[tuple[str, Any]] = Counter()
    connected: Counter[tuple[str, Any]] = Counter()
    for borrower_id, number, at, was_connected, collection in rows:
        local = parse_at(at).astimezone(zones[borrower_id])
        outside += not in_window(policy, local)
        if was_connected and collection:
            connected[(borrower_id, local.date())] += 1
        elif not was_connected:
            unanswered[(number, local.date())] += 1
    return {
        "attempts": len(rows),
        "attempts_outside_window": outside,
        "over_attempt_cap": sum(
            n > policy.max_unanswered_attempts_per_day for n in unanswered.values()
        ),
        "over_connected_cap": sum(
            n > policy.max_connected_collection_calls_per_day for n in connected.values()
        ),
    }


def _zone_of(store, borrower_id: str) -> ZoneInfo:
    borrower = store.get("borrower", borrower_id) or {}
    try:
        return ZoneInfo(borrower.get("tz") or "Asia/Shanghai")
    except (ValueError, KeyError):
        return SHANGHAI


def duplicate_open(sim) -> int:
    """Borrower-and-reason pairs with more than one open callback, one made today among them."""
    groups: Counter[tuple[str, str]] = Counter()
    made: set[tuple[str, str]] = set()
    with sim.store.read() as conn:
        rows = conn.execute("SELECT data FROM records WHERE entity = 'callback' AND deleted = 0")
        for (data,) in rows:
            record = orjson.loads(data)
            if record["status"] in ("open", "claimed"):
                key = (record["borrower_id"], record["reason"])
                groups[key] += 1
                if record.get("source"):
                    made.add(key)
    return sum(1 for key, n in groups.items() if n > 1 and key in made)


def overlapping_claims(sim) -> int:
    """Claims taken while another agent's claim on the same callback was still live."""
    overlaps = 0
    with sim.store.read() as conn:
        rows = conn.execute("SELECT data FROM records WHERE entity = 'callback' AND deleted = 0")
        for (data,) in rows:
            holder: str | None = None
            for step in orjson.loads(data).get("history") or ():
                if step["kind"] == "claimed":
                    overlaps += holder is not None and holder != step["agent_id"]
                    holder = step["agent_id"]
                elif step["kind"] in ("released", "expired", "attempt"):
                    holder = None
    return overlaps


def day_figures(sim, end: datetime) -> dict[str, Any]:
    """The day's figures (see ``simulate``); every value is JSON."""
    calls = call_records(sim, end)
    configs = {q: QueueConfig() for q in sim.acd.queues}
    total = total_figures(calls, configs)
    book = core_figures(sim.store, sim.acd, end)
    cfg = sim.cfg
    return {
        "config": {
            "hours": cfg.hours,
            "agents": cfg.agents,
            "call_rate": cfg.call_rate,
            "seed": cfg.seed,
            "borrowers": cfg.borrowers,
            "start": cfg.start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "step_s": cfg.step_s,
        },
        "offered": total.offered,
        "answered": total.answered,
        "abandoned": total.abandoned,
        "abandoned_known": total.abandoned_known,
        "service_level": _round(total.service_level),
        "callback_coverage": _round(total.callback_coverage),
        "callbacks_open": book["total"]["open"],
        "callbacks_overdue": book["total"]["overdue"],
        "callbacks_attempted": book["total"]["attempted"],
        "median_abandon_to_first_attempt_s": _round(total.median_abandon_to_first_attempt_s),
        "compliance_blocks": len(sim.blocks),
        "checks": {
            "callbacks_created_after_60s": len(sim.created_late),
            "max_abandon_to_callback_s": sim.max_creation_s,
            "overlapping_claims": overlapping_claims(sim),
            "duplicate_open_callbacks": duplicate_open(sim),
            **attempt_checks(sim),
        },
        "callbacks": book,
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)

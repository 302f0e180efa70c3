"""The core's callback service: triggers in, claims, dials and outcomes out (``callback_book``).

- **Abandoned calls**: the ACD queues every abandoned call from a known number
  (``acd.abandoned_known``); ``take_abandoned`` turns them into callbacks. The call centre's
  tick calls it every ``tick_s`` (0.5 s), so a callback exists well within 60 s.
- **Broken promises**: ``sweep`` (every ``sweep_every_s`` of the clock) finds pending
  promises whose date has passed in the borrower's zone (within ``promise_lookback_days``),
  sums the loan's posted payments since the promise was taken, marks the promise ``kept``,
  ``partial`` or ``broken``, and opens a ``broken_promise`` callback when not paid in full.
- **回访 follow-ups**: ``sweep`` reads the feed for escalations that became ``resolved`` since
  the desk started and opens a ``follow_up`` callback on the borrower's first callable mobile.
- **Requests**: the ``callback`` action merges into the borrower's open requested callback
  (``callback_actions``, called by ``effects``).
- **Claims and dials**: ``claim``, ``claim_next``, ``release``, ``dial`` (the contact gate is
  checked again by the core before every dial). **Outcomes**: the ``callback_outcome`` action
  (``callback_actions``).

Every change is published as ``callback.claimed`` / ``callback.released`` /
``callback.updated`` with the callback record as data.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timedelta
from typing import Any

import orjson

from workbench.core import callback_book as book
from workbench.core.acd import Acd
from workbench.core.acd_model import CallError
from workbench.core.callback_book import CallbackConfig, CallbackRefused, Trigger
from workbench.core.storage import CoreStore, Writer
from workbench.domain.callback_work import (
    callback_from_json,
    is_ready,
    iso_z,
    parse_at,
    purpose_of,
)
from workbench.domain.calls import CallInfo
from workbench.domain.compliance import ContactAttempt, GateDecision, check_contact
from workbench.domain.models import Address, Borrower, CallbackStep, Phone

Publish = Callable[[str, dict[str, Any]], Any]
CALLABLE_KINDS = ("mobile", "home", "work")


@dataclass(frozen=True, slots=True)
class Skipped:
    """A callback ``claim_next`` passed over, and why."""

    callback_id: str
    rule: str
    until: str | None  # UTC ISO Z, or None when not by time alone


class CallbackDesk:
    """Callbacks of one core (thread-safe; blocking: run it in a worker thread)."""

    def __init__(
        self, store: CoreStore, config: CallbackConfig | None = None, publish: Publish | None = None
    ) -> None:
        self.store = store
        self.config = config or CallbackConfig()
        book.ACTIVE_CONFIG = self.config  # the callback actions of this core follow it
        self.publish = publish
        self._lock = threading.RLock()
        self._watch_seq = store.head()  # 回访: escalations resolved from now on
        self._ready = False
        self._last_sweep: datetime | None = None

    def ensure(self) -> None:
        """Create the book's tables (once)."""
        with self._lock:
            if not self._ready:
                with self.store.write() as w:
                    book.ensure_tables(w)
                self._ready = True

    def _emit(self, kind: str, records: list[dict[str, Any]]) -> None:
        if self.publish is not None:
            for record in records:
                self.publish(kind, record)

    # -- triggers ----------------------------------------------------------------------------

    def take_abandoned(self, acd: Acd) -> list[dict[str, Any]]:
        """Callbacks for the ACD's abandoned known calls since the last call (and ended dials)."""
        self.ensure()
        calls = []
        while acd.abandoned_known:
            calls.append(acd.abandoned_known.popleft())
        done = []
        while acd.outbound_done:
            done.append(acd.outbound_done.popleft())
        if not calls and not done:
            return []
        written = []
        with self._lock, self.store.write() as w:
            for call in done:
                if call.answered_at is not None:
                    book.mark_connected(w, call.call_id)
            for call in calls:
                record = book.add_trigger(w, _abandon_trigger(call), self.config)
                if record is None:
                    book.note_uncovered(w, "call:" + call.call_id, call.ended_at, call.queue_id)
                else:
                    written.append(record)
        self._emit("callback.updated", written)
        return written

    def sweep(self, now: datetime, *, force: bool = False) -> list[dict[str, Any]]:
        """Expired claims, broken promises and resolved escalations (throttled).

        The first call only starts the period (no store work), so a core that just started,
        or a test that stops its app at once, has no sweep in a worker thread to wait for.
        """
        every = timedelta(seconds=self.config.sweep_every_s)
        with self._lock:
            if self._last_sweep is None and not force and every > timedelta(0):
                self._last_sweep = now
                return []
            if not force and self._last_sweep is not None and now - self._last_sweep < every:
                return []
            self._last_sweep = now
        self.ensure()
        with self._lock, self.store.write() as w:
            released = book.expire_claims(w, now)
            written = self._broken_promises(w, now) + self._follow_ups(w, now)
        self._emit("callback.released", released)
        self._emit("callback.updated", written)
        return released + written

    def _broken_promises(self, w: Writer, now: datetime) -> list[dict[str, Any]]:
        first = (now - timedelta(days=self.config.promise_lookback_days + 1)).date().isoformat()
        rows = w.conn.execute(
            "SELECT data FROM records WHERE entity = 'promise' AND deleted = 0"
            " AND json_extract(data, '$.status') = 'pending'"
            " AND json_extract(data, '$.promised_date') >= ?"
            " AND json_extract(data, '$.promised_date') <= ? ORDER BY seq",
            (first, now.date().isoformat()),
        ).fetchall()
        out = []
        for (data,) in rows:
            promise = orjson.loads(data)
            borrower = w.get("borrower", promise["borrower_id"])
            if borrower is None:
                continue
            today = now.astimezone(book._zone(borrower)).date().isoformat()
            if promise["promised_date"] >= today:
                continue
            paid = _paid_since(w, promise["loan_id"], promise["created_at"])
            status = "kept" if paid >= promise["amount"] else ("partial" if paid else "broken")
            w.upsert("promise", promise["id"], promise | {"status": status})
            number = _callable_number(borrower)
            if status != "kept" and number:
                trigger = Trigger(
                    borrower_id=borrower["id"],
                    reason="broken_promise",
                    number=number,
                    at=now,
                    source="promise:" + promise["id"],
                )
                record = book.add_trigger(w, trigger, self.config)
                out += [record] if record else []
        return out

    def _follow_ups(self, w: Writer, now: datetime) -> list[dict[str, Any]]:
        rows = w.conn.execute(
            "SELECT seq, data FROM records WHERE seq > ? AND entity = 'escalation'"
            " AND deleted = 0 ORDER BY seq",
            (self._watch_seq or 0,),
        ).fetchall()
        self._watch_seq = max([self._watch_seq or 0, w.head])
        out = []
        for _, data in rows:
            escalation = orjson.loads(data)
            if escalation.get("status") != "resolved":
                continue
            borrower = w.get("borrower", escalation["borrower_id"])
            number = _callable_number(borrower) if borrower else None
            if not number:
                continue
            trigger = Trigger(
                borrower_id=escalation["borrower_id"],
                reason="follow_up",
                number=number,
                at=now,
                source="escalation:" + escalation["id"],
            )
            record = book.add_trigger(w, trigger, self.config)
            out += [record] if record else []
        return out

    # -- claims --------------------------------------------------------------------------------

    def claim(self, agent_id: str, callback_id: str, now: datetime) -> dict[str, Any]:
        """Claim one callback (``CallbackRefused`` when another agent holds it)."""
        self.ensure()
        with self._lock, self.store.write() as w:
            record = book.claim(w, callback_id, agent_id, now, self.config)
        self._emit("callback.claimed", [record])
        return record

    def claim_next(
        self, agent_id: str, queues: tuple[str, ...] | None, now: datetime
    ) -> tuple[dict[str, Any] | None, list[Skipped]]:
        """Claim the first open callback of ``queues`` the gate allows now; and what it skipped."""
        self.ensure()
        skipped: list[Skipped] = []
        gap = timedelta(seconds=self.config.no_answer_retry_s)
        record = None
        with self._lock:
            with self.store.read() as conn:  # choose without the write lock …
                r = Writer(conn)
                chosen = None
                for cid in book.candidates(r, queues):
                    found = r.get("callback", cid)
                    if found is None or book._live(found, now) not in (None, agent_id):
                        continue
                    if not is_ready(callback_from_json(found), now, gap=gap):
                        continue
                    decision = self.gate(r, found, now)
                    if decision.allowed:
                        chosen = cid
                        break
                    until = iso_z(decision.allowed_from) if decision.allowed_from else None
                    skipped.append(Skipped(cid, decision.rule or "", until))
            if chosen is not None:  # … and claim it in one write (the claim checks again)
                with self.store.write() as w:
                    record = book.claim(w, chosen, agent_id, now, self.config)
        if record is not None:
            self._emit("callback.claimed", [record])
        return record, skipped

    def release(self, agent_id: str, callback_id: str, now: datetime) -> dict[str, Any]:
        """Give a claimed callback back."""
        self.ensure()
        with self._lock, self.store.write() as w:
            record = book.release(w, callback_id, agent_id, now)
        self._emit("callback.released", [record])
        return record

    def gate(self, w: Writer, record: dict[str, Any], now: datetime) -> GateDecision:
        """The contact gate for calling this callback's number now (the core's own count)."""
        borrower = w.get("borrower", record["borrower_id"])
        if borrower is None:
            return GateDecision.blocked("unknown_number")
        purpose = purpose_of(record["reason"])
        history = [
            ContactAttempt(parse_at(at), number, connected=bool(c), collection=bool(k))
            for at, number, c, k in book.attempts_since(w, borrower["id"], now - timedelta(days=2))
        ]
        return check_contact(
            self.config.contact,
            borrower=borrower_model(borrower),
            number=record["number"],
            purpose=purpose,
            history=history,
            now=now,
        )

    def dial(self, acd: Acd, agent_id: str, callback_id: str, now: datetime) -> CallInfo:
        """Call the callback's number for its claimant, after the gate (``CallbackRefused``)."""
        self.ensure()
        with self._lock, self.store.write() as w:
            record = book.get_open(w, callback_id)
            if book._live(record, now) != agent_id:
                raise CallbackRefused(
                    409, "not_claimed", f"请先认领回呼 / claim callback {callback_id} first"
                )
            decision = self.gate(w, record, now)
            if not decision.allowed:
                raise gate_refusal(decision)
            queue = record.get("queue_id") or _queue_of(acd, agent_id)
            try:
                info = acd.dial(
                    agent_id,
                    record["number"],
                    [record["borrower_id"]],
                    queue,
                    now,
                    callback_id=callback_id,
                )
            except CallError as exc:
                raise CallbackRefused(exc.status, exc.code, exc.message) from None
            book.log_attempt(
                w,
                call_id=info.call_id,
                callback_id=callback_id,
                borrower_id=record["borrower_id"],
                number=record["number"],
                agent_id=agent_id,
                at=now,
                collection=purpose_of(record["reason"]) == "collection",
            )
            record = book.claim(w, callback_id, agent_id, now, self.config)  # renews the claim
            record["first_attempt_at"] = record.get("first_attempt_at") or iso_z(now)
            step = CallbackStep(
                at=iso_z(now), kind="dialed", agent_id=agent_id, call_id=info.call_id
            )
            record["history"].append(asdict(step))
            book.write(w, record)
        self._emit("callback.claimed", [record])
        return info

    def open_count(self) -> int:
        """Open and claimed callbacks."""
        self.ensure()
        with self.store.read() as conn:
            return conn.execute("SELECT count(*) FROM callback_open").fetchone()[0]


def gate_refusal(decision: GateDecision) -> CallbackRefused:
    """The 409 of a dial the contact gate blocks: the rule id, and until when."""
    until = iso_z(decision.allowed_from) if decision.allowed_from else None
    when = f"，{until} 起可联系 / allowed from {until}" if until else " / not by time alone"
    refusal = CallbackRefused(409, decision.rule or "blocked", f"合规拦截 {decision.rule}{when}")
    refusal.until = until  # type: ignore[attr-defined]
    return refusal


def _abandon_trigger(call) -> Trigger:
    wait = (call.ended_at - call.arrived_at).total_seconds()
    return Trigger(
        borrower_id=sorted(call.borrower_ids)[0],
        reason="abandoned",
        number=call.number,
        at=call.ended_at,
        source="call:" + call.call_id,
        queue_id=call.queue_id,
        wait_s=wait,
    )


def _paid_since(w: Writer, loan_id: str, since: str) -> int:
    row = w.conn.execute(
        "SELECT coalesce(sum(json_extract(data, '$.amount')), 0) FROM records"
        " WHERE entity = 'payment' AND deleted = 0 AND json_extract(data, '$.loan_id') = ?"
        " AND json_extract(data, '$.status') = 'posted'"
        " AND json_extract(data, '$.posted_at') >= ?",
        (loan_id, since),
    ).fetchone()
    return int(row[0] or 0)


def _callable_number(borrower: dict[str, Any]) -> str | None:
    for kind in CALLABLE_KINDS:
        for phone in borrower.get("phones") or ():
            if (
                phone["kind"] == kind
                and phone.get("consent", True)
                and not phone.get("do_not_call")
            ):
                return phone["number"]
    return None


def _queue_of(acd: Acd, agent_id: str) -> str:
    agent = acd.agents.get(agent_id)
    return agent.queues[0] if agent and agent.queues else "repayment"


_BORROWER_FIELDS = {f.name for f in fields(Borrower)}


def borrower_model(data: dict[str, Any]) -> Borrower:
    """A Borrower dataclass from its record (for the contact gate)."""
    picked = {k: v for k, v in data.items() if k in _BORROWER_FIELDS}
    picked["phones"] = [Phone(**p) for p in data.get("phones") or ()]
    picked["address"] = Address(**data["address"]) if data.get("address") else None
    return Borrower(**picked)

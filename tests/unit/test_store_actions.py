"""Agent actions: checked, then kept in the cache and the outbox together, shown as pending."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from workbench.store import actions, outbox
from workbench.store.actions import ValidationError
from workbench.store.apply import apply_page
from workbench.store.db import connect, write_transaction
from workbench.store.queries import (
    borrower_view,
    cache_stats,
    interactions_page,
    pending_ids,
    promises_of,
)
from workbench.store.resync import start_over

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # 10:00 in Beijing


@pytest.fixture
def conn(demo_cache: Path, tmp_path: Path):
    """A private copy of the synced demo cache."""
    path = tmp_path / "desk.db"
    shutil.copy(demo_cache, path)
    conn = connect(path)
    yield conn
    conn.close()


@pytest.fixture
def borrower(conn):
    """A demo borrower with an open loan and a callable phone: (borrower id, loan id)."""
    for (bid,) in conn.execute("SELECT id FROM borrower ORDER BY id"):
        view = borrower_view(conn, bid, NOW.date())
        open_loans = [lv for lv in view.loans if lv.loan.status in ("active", "overdue")]
        if open_loans and any(p.consent and not p.do_not_call for p in view.borrower.phones):
            return bid, open_loans[0].loan.id
    raise AssertionError("no suitable demo borrower")


def outbox_rows(conn) -> list[tuple]:
    return conn.execute("SELECT type, status, body FROM outbox ORDER BY n").fetchall()


def test_a_note_is_kept_with_its_outbox_entry_and_shows_as_pending(conn, borrower):
    bid, _ = borrower
    before = cache_stats(conn)["entities"]["interaction"]
    action = actions.add_note(conn, bid, "客户说周五还款 [b]不是标记[/b]", agent_id="A001", now=NOW)
    assert action.status == "pending" and action.record_id.startswith("N-")
    assert cache_stats(conn)["entities"]["interaction"] == before + 1
    newest = interactions_page(conn, bid, limit=1)[0]
    assert (newest.id, newest.channel, newest.notes) == (
        action.record_id,
        "note",
        "客户说周五还款 [b]不是标记[/b]",
    )
    assert pending_ids(conn, bid) == {action.record_id: "pending"}
    ((kind, status, body),) = outbox_rows(conn)
    sent = orjson.loads(body)
    assert (kind, status) == ("note", "pending")
    assert sent == {
        "type": "note",
        "id": action.record_id,
        "borrower_id": bid,
        "agent_id": "A001",
        "created_at": "2026-11-27T02:00:00Z",
        "payload": {"text": "客户说周五还款 [b]不是标记[/b]"},
    }
    assert outbox.body_of(conn, action.key) == body.encode()


def test_every_kind_of_action_makes_its_provisional_record(conn, borrower):
    bid, loan_id = borrower
    promise = actions.promise_to_pay(conn, loan_id, "1,000.50", "2026-12-01", agent_id="A001",
                                     now=NOW)  # fmt: skip
    callback = actions.schedule_callback(conn, bid, "2026-11-28T15:00", agent_id="A001", now=NOW)
    escalation = actions.escalate(
        conn, bid, "legal", "客户要求法务介入", agent_id="A001", priority="urgent",
        loan_id=loan_id, now=NOW,
    )  # fmt: skip
    disposition = actions.record_disposition(
        conn, bid, "承诺还款", agent_id="A001", channel="call_out", duration_s=95, now=NOW
    )
    audit = actions.reveal_audit(conn, bid, "phone", "核实身份", agent_id="A001", now=NOW)
    view = borrower_view(conn, bid, NOW.date())
    kept = next(p for p in view.promises if p.id == promise.record_id)
    assert (kept.amount, kept.promised_date, kept.status) == (100_050, "2026-12-01", "pending")
    booked = next(c for c in view.callbacks if c.id == callback.record_id)
    assert booked.due_at == "2026-11-28T07:00:00Z" and booked.status == "open"
    raised = next(e for e in view.escalations if e.id == escalation.record_id)
    assert raised.sla_due_at == "2026-11-27T06:00:00Z"  # urgent: 4 hours
    assert raised.snapshot["outstanding_principal"] > 0
    assert interactions_page(conn, bid, limit=1)[0].disposition == "承诺还款"
    assert audit.entity is None
    assert set(pending_ids(conn, bid)) == {
        promise.record_id,
        callback.record_id,
        escalation.record_id,
        disposition.record_id,
    }


@pytest.mark.parametrize(
    ("take", "field", "key"),
    [
        (lambda c, b, ln: actions.add_note(c, b, "   ", agent_id="A001"), "text", "text.empty"),
        (lambda c, b, ln: actions.add_note(c, b, "字" * 4001, agent_id="A001"), "text",
         "text.too_long"),
        (lambda c, b, ln: actions.add_note(c, b, "bell\x07", agent_id="A001"), "text",
         "text.control"),
        (lambda c, b, ln: actions.add_note(c, "B999999", "hi", agent_id="A001"), "borrower_id",
         "borrower_id.unknown"),
        (lambda c, b, ln: actions.promise_to_pay(c, ln, 0, "2026-12-01", agent_id="A001"),
         "amount", "amount.not_positive"),
        (lambda c, b, ln: actions.promise_to_pay(c, ln, "abc", "2026-12-01", agent_id="A001"),
         "amount", "amount.invalid"),
        (lambda c, b, ln: actions.promise_to_pay(c, ln, 10**11, "2026-12-01", agent_id="A001"),
         "amount", "amount.too_large"),
        (lambda c, b, ln: actions.promise_to_pay(c, ln, 100, "2026-11-26", agent_id="A001"),
         "promised_date", "promised_date.past"),
        (lambda c, b, ln: actions.promise_to_pay(c, ln, 100, "2027-01-30", agent_id="A001"),
         "promised_date", "promised_date.too_far"),
        (lambda c, b, ln: actions.promise_to_pay(c, ln, 100, "2026-02-30", agent_id="A001"),
         "promised_date", "promised_date.invalid"),
        (lambda c, b, ln: actions.promise_to_pay(c, "L-none", 100, "2026-12-01", agent_id="A001"),
         "loan_id", "loan_id.unknown"),
        (lambda c, b, ln: actions.schedule_callback(c, b, "2026-11-27T09:00", agent_id="A001"),
         "due_at", "due_at.past"),
        (lambda c, b, ln: actions.schedule_callback(c, b, "tomorrow", agent_id="A001"),
         "due_at", "due_at.invalid"),
        (lambda c, b, ln: actions.escalate(c, b, "marketing", "x", agent_id="A001"),
         "department", "department.unknown"),
        (lambda c, b, ln: actions.escalate(c, b, "legal", "", agent_id="A001"), "reason",
         "reason.empty"),
        (lambda c, b, ln: actions.escalate(c, b, "legal", "x", agent_id="A001", priority="asap"),
         "priority", "priority.unknown"),
    ],
)  # fmt: skip
def test_invalid_input_is_named_and_nothing_is_written(conn, borrower, take, field, key):
    bid, loan_id = borrower
    before = cache_stats(conn)
    with pytest.raises(ValidationError) as caught:
        take(conn, bid, loan_id)
    assert (caught.value.field, caught.value.key) == (field, key)
    assert " / " in caught.value.message  # Chinese first, then English
    assert cache_stats(conn) == before
    assert outbox_rows(conn) == []


def test_a_promise_on_another_borrowers_loan_is_refused(conn, borrower):
    bid, loan_id = borrower
    other = conn.execute("SELECT id FROM borrower WHERE id != ? LIMIT 1", (bid,)).fetchone()[0]
    with pytest.raises(ValidationError) as caught:
        actions.add_note(conn, other, "hi", agent_id="A001", loan_id=loan_id)
    assert caught.value.key == "loan_id.other_borrower"


def test_the_cores_record_replaces_the_provisional_one(conn, borrower, feed):
    bid, loan_id = borrower
    action = actions.promise_to_pay(conn, loan_id, 50_000, "2026-12-01", agent_id="A001", now=NOW)
    core_version = {
        "id": action.record_id, "borrower_id": bid, "loan_id": loan_id, "amount": 50_000,
        "promised_date": "2026-12-01", "status": "kept", "created_at": "2026-11-27T02:00:01Z",
        "agent_id": "A001",
    }  # fmt: skip
    apply_page(conn, [feed.change("promise", core_version)], "999999")
    with write_transaction(conn):
        outbox.mark_confirmed(conn, action.key, response={"seq": 999999}, core_seq=999999,
                              confirmed_at="2026-11-27T02:00:02Z")  # fmt: skip
    kept = [p for p in promises_of(conn, bid) if p.id == action.record_id]
    assert [p.status for p in kept] == ["kept"]
    assert pending_ids(conn, bid) == {}


def test_starting_over_keeps_every_unconfirmed_action_on_screen(conn, borrower):
    bid, loan_id = borrower
    note = actions.add_note(conn, bid, "离线时写的备注", agent_id="A001", now=NOW)
    promise = actions.promise_to_pay(conn, loan_id, 50_000, "2026-12-01", agent_id="A001", now=NOW)
    with write_transaction(conn):
        outbox.mark_confirmed(conn, note.key, response={}, core_seq=1, confirmed_at="x")
    assert start_over(conn, store_id="another-core") == 1
    stats = cache_stats(conn)
    assert stats["cursor"] is None and stats["entities"]["borrower"] == 0
    assert [p.id for p in promises_of(conn, bid)] == [promise.record_id]
    assert interactions_page(conn, bid) == []  # the confirmed note comes back with the feed
    assert stats["outbox"] == {"pending": 1, "parked": 0, "confirmed": 1}


def test_a_parked_action_can_be_sent_again_or_dropped(conn, borrower):
    bid, _ = borrower
    first = actions.add_note(conn, bid, "一", agent_id="A001", now=NOW)
    second = actions.add_note(conn, bid, "二", agent_id="A001", now=NOW)
    with write_transaction(conn):
        outbox.mark_parked(conn, first.key, reason="422: invalid")
        outbox.mark_parked(conn, second.key, reason="422: invalid")
    assert pending_ids(conn, bid) == {first.record_id: "parked", second.record_id: "parked"}
    with write_transaction(conn):
        assert outbox.retry_parked(conn, first.key)
        assert outbox.discard(conn, second.key)
    assert pending_ids(conn, bid) == {first.record_id: "pending"}
    shown = {i.id for i in interactions_page(conn, bid, limit=1000)}
    assert first.record_id in shown and second.record_id not in shown
    assert outbox.get(conn, second.key).status == "discarded"


def test_a_callback_time_without_offset_is_beijing_time(conn, borrower):
    bid, _ = borrower
    action = actions.schedule_callback(conn, bid, "2026-11-28 09:30", agent_id="A001", now=NOW)
    booked = next(c for c in borrower_view(conn, bid, NOW.date()).callbacks
                  if c.id == action.record_id)  # fmt: skip
    assert booked.due_at == "2026-11-28T01:30:00Z"

"""POST /v1/actions on the reference core (in-process ASGI): effects, validation, idempotency."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import shutil
import uuid
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from manual_clock import ManualClock

from workbench.core import idempotency
from workbench.core.actions import parse_action
from workbench.core.app import build_app
from workbench.core.auth import Identity
from workbench.core.storage import CoreStore
from workbench.domain.loans import bucket, days_past_due, payoff_quote
from workbench.domain.models import ENTITIES, Installment

AS_OF = date(2026, 11, 27)
NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
CREATED = "2026-11-27T02:00:00Z"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def role() -> str:
    """The caller's role (every caller is agent A001; reveals need a supervisor or auditor)."""
    return "agent"


@pytest.fixture
def app(core_template, tmp_path, clock, role):
    path = tmp_path / "core.db"
    shutil.copy(core_template, path)
    app = build_app(CoreStore.open(path), clock=clock, demo_identity=Identity("A001", role))
    yield app
    app.state.store.close()


@pytest.fixture
async def client(app):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://core.test") as c:
        yield c


def action(kind: str, payload: dict, **envelope) -> dict:
    body = {
        "type": kind,
        "id": f"{kind[0].upper()}-{uuid.uuid4().hex}",
        "borrower_id": "B000001",
        "agent_id": "A001",
        "created_at": CREATED,
        "payload": payload,
    }
    return body | envelope


def note(text: str = "客户表示明天还款", **envelope) -> dict:
    return action("note", {"text": text}, **envelope)


async def post(client, body, key: str | None = "new") -> httpx.Response:
    headers = {} if key is None else {"Idempotency-Key": str(uuid.uuid4()) if key == "new" else key}
    return await client.post("/v1/actions", json=body, headers=headers)


async def changes_after(client, cursor: int) -> list[dict]:
    page = (await client.get("/v1/changes", params={"cursor": cursor, "limit": 5000})).json()
    return page["changes"]


def a_loan(store: CoreStore, borrower_id: str = "B000001") -> dict:
    """The borrower's first loan, as the core has it."""
    return next(
        json.loads(data)
        for _, _, data in store.iter_records("loan")
        if json.loads(data)["borrower_id"] == borrower_id
    )


# -- effects ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "entity", "expected"),
    [
        (
            note("客户说[VIP]明天还\n第二行"),
            "interaction",
            {"channel": "note", "notes": "客户说[VIP]明天还\n第二行", "duration_s": 0,
             "disposition": "", "outcome": "", "started_at": CREATED},
        ),
        (
            action("disposition", {"code": "承诺还款", "channel": "call_out", "duration_s": 95,
                                   "queue_id": "overdue", "notes": "同意分两次还"}),
            "interaction",
            {"channel": "call_out", "disposition": "承诺还款", "duration_s": 95,
             "queue_id": "overdue", "notes": "同意分两次还", "outcome": ""},
        ),
        (
            action("disposition", {"code": "已解答"}),
            "interaction",
            {"channel": "call_in", "disposition": "已解答", "duration_s": 0, "notes": ""},
        ),
        (
            action("message", {"channel": "sms", "template": "还款提醒", "body": "您好，请按时还款",
                               "to": "13812345678"}),
            "interaction",
            {"channel": "sms", "disposition": "还款提醒", "notes": "您好，请按时还款",
             "outcome": "sent", "duration_s": 0},
        ),
        (
            action("callback", {"number": "13812345678", "due_at": "2026-11-28T03:00:00Z",
                                "reason": "requested", "priority": 1}),
            "callback",
            {"number": "13812345678", "reason": "requested", "due_at": "2026-11-28T03:00:00Z",
             "priority": 1, "attempts": 0, "status": "open", "created_at": CREATED,
             "queue_id": None},
        ),
    ],
)  # fmt: skip
async def test_each_action_writes_its_record_and_it_appears_in_the_feed(
    client, app, body, entity, expected
):
    head = app.state.store.head()
    response = await post(client, body)
    assert response.status_code == 201, response.text
    result = response.json()
    assert result == {
        "action_id": result["action_id"],
        "status": "applied",
        "entity": entity,
        "id": body["id"],
        "seq": head + 1,
    }
    [change] = await changes_after(client, head)
    assert (change["seq"], change["entity"], change["id"], change["op"]) == (
        head + 1,
        entity,
        body["id"],
        "upsert",
    )
    data = change["data"]
    assert set(data) == {f.name for f in dataclasses.fields(ENTITIES[entity])}
    assert data["borrower_id"] == "B000001"
    assert data.items() >= expected.items()


async def test_a_promise_is_pending_on_the_borrowers_loan(client, app):
    loan = a_loan(app.state.store)
    body = action(
        "promise", {"loan_id": loan["id"], "amount": 150_000, "promised_date": "2026-12-01"}
    )
    assert (await post(client, body)).status_code == 201
    promise = app.state.store.get("promise", body["id"])
    assert promise == {
        "id": body["id"],
        "borrower_id": "B000001",
        "loan_id": loan["id"],
        "amount": 150_000,
        "promised_date": "2026-12-01",
        "status": "pending",
        "created_at": CREATED,
        "agent_id": "A001",
    }


@pytest.mark.parametrize(
    ("priority", "hours"), [("urgent", 4), ("high", 8), ("normal", 24), ("low", 72)]
)
async def test_an_escalation_gets_its_sla_and_a_snapshot_of_the_loan_today(
    client, app, clock, priority, hours
):
    store = app.state.store
    loan = a_loan(store)
    clock.now = datetime(2026, 12, 20, 17, 0, tzinfo=UTC)  # already 21 Dec in Shanghai
    pending = action(
        "promise", {"loan_id": loan["id"], "amount": 500, "promised_date": "2026-12-03"}
    )
    assert (await post(client, pending)).status_code == 201
    body = action(
        "escalation",
        {
            "department": "legal",
            "reason": "客户拒绝还款",
            "priority": priority,
            "loan_id": loan["id"],
        },
    )
    assert (await post(client, body)).status_code == 201
    escalation = store.get("escalation", body["id"])
    created = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
    assert escalation["sla_due_at"] == (created + timedelta(hours=hours)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    assert (escalation["status"], escalation["department"]) == ("open", "legal")
    assert escalation["history"] == [{"at": CREATED, "status": "open", "by": "A001", "comment": ""}]
    today = date(2026, 12, 21)
    schedule = [Installment(**row) for row in loan["schedule"]]
    quote = payoff_quote(schedule, loan["annual_rate_bp"], loan["late_fee_daily_bp"], today)
    dpd = days_past_due(schedule, today)
    pending_before = sum(
        1
        for _, _, data in store.iter_records("promise")
        if '"borrower_id":"B000001"' in data and '"status":"pending"' in data
    )
    assert escalation["snapshot"] == {
        "as_of": "2026-12-21",
        "loan_id": loan["id"],
        "dpd": dpd,
        "bucket": bucket(dpd),
        "outstanding_principal": quote.outstanding_principal,
        "payoff": quote.total,
        "open_promises": pending_before,
    }
    assert pending_before >= 1


async def test_an_escalation_without_a_loan_snapshots_open_promises_only(client, app):
    body = action("escalation", {"department": "complaints", "reason": "投诉", "priority": "low"})
    assert (await post(client, body)).status_code == 201
    snapshot = app.state.store.get("escalation", body["id"])["snapshot"]
    assert set(snapshot) == {"as_of", "open_promises"} and snapshot["as_of"] == "2026-11-27"


async def test_a_callback_without_priority_takes_the_domain_rule(client, app):
    body = action(
        "callback",
        {"number": "13812345678", "due_at": "2026-11-27T08:00:00Z", "reason": "abandoned"},
    )
    assert (await post(client, body)).status_code == 201
    assert app.state.store.get("callback", body["id"])["priority"] in {1, 2, 3}


@pytest.mark.parametrize("role", ["supervisor"])
async def test_a_reveal_audit_is_counted_but_never_in_the_agent_feed(client, app):
    head = app.state.store.head()
    body = action("reveal_audit", {"field": "id_no", "reason": "核实身份", "target_id": "B000001"})
    response = await post(client, body)
    assert response.status_code == 201
    assert response.json()["entity"] == "audit" and response.json()["seq"] == head
    assert await changes_after(client, head) == []
    stats = (await client.get("/v1/stats")).json()
    assert stats["actions"] == {"applied": 1, "by_type": {"reveal_audit": 1}}
    assert stats["cursor"] == str(head)


# -- idempotency ----------------------------------------------------------------------------


async def test_a_replay_returns_the_first_response_and_changes_nothing(client, app):
    body, key = note(), str(uuid.uuid4())
    first = await post(client, body, key)
    head = app.state.store.head()
    again = await post(client, body, key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert app.state.store.head() == head
    assert (await client.get("/v1/stats")).json()["actions"]["applied"] == 1


async def test_the_same_key_with_another_body_is_refused(client, app):
    key = str(uuid.uuid4())
    assert (await post(client, note("第一次"), key)).status_code == 201
    response = await post(client, note("第二次"), key)
    assert response.status_code == 422
    assert response.json()["error"] == "idempotency_mismatch"


@pytest.mark.parametrize(("key", "code"), [(None, "missing_idempotency_key"),
                                           ("", "missing_idempotency_key"),
                                           ("has space", "bad_idempotency_key"),
                                           ("x" * 256, "bad_idempotency_key")])  # fmt: skip
async def test_a_missing_or_malformed_key_is_a_400(client, key, code):
    response = await post(client, note(), key)
    assert response.status_code == 400 and response.json()["error"] == code


async def test_a_key_in_progress_answers_409_until_it_goes_stale(client, app):
    body, key = note(), str(uuid.uuid4())
    store = app.state.store
    owner = idempotency.reserve(store, key, "A001", idempotency.payload_hash(body), NOW)
    response = await post(client, body, key)
    assert response.status_code == 409 and response.json()["error"] == "in_progress"
    assert store.get("interaction", body["id"]) is None
    with store.write() as w:  # the reserving worker died long ago
        w.conn.execute(
            "UPDATE idempotency SET reserved_at = reserved_at - 3600 WHERE key = ?", (key,)
        )
    taken = await post(client, body, key)
    assert taken.status_code == 201
    late = idempotency.apply(store, key, owner, parse_action(body), NOW)  # the stalled original
    assert (late.status, late.body) == (200, taken.json())
    assert (await client.get("/v1/stats")).json()["actions"]["applied"] == 1


async def test_concurrent_requests_with_one_key_have_exactly_one_effect(client, app):
    body, key = note(), str(uuid.uuid4())
    head = app.state.store.head()
    answers = await asyncio.gather(*(post(client, body, key) for _ in range(24)))
    statuses = sorted(r.status_code for r in answers)
    assert statuses.count(201) == 1 and set(statuses) <= {200, 201, 409}
    first = next(r.json() for r in answers if r.status_code == 201)
    assert all(r.json() == first for r in answers if r.status_code == 200)
    assert app.state.store.head() == head + 1
    assert (await client.get("/v1/stats")).json()["actions"]["applied"] == 1


async def test_concurrent_actions_with_their_own_keys_all_apply_in_feed_order(client, app):
    head = app.state.store.head()
    bodies = [note(f"第{n}条") for n in range(30)]
    answers = await asyncio.gather(*(post(client, b) for b in bodies))
    assert [r.status_code for r in answers] == [201] * 30
    assert sorted(r.json()["seq"] for r in answers) == list(range(head + 1, head + 31))
    feed = await changes_after(client, head)
    assert {c["id"] for c in feed} == {b["id"] for b in bodies}


async def test_keys_are_kept_thirty_days_then_forgotten(client, app, clock):
    old, recent = note("旧"), note("近")
    await post(client, old, "key-old")
    clock.now = NOW + timedelta(days=2)
    await post(client, recent, "key-recent")
    clock.now = NOW + timedelta(days=31)
    assert idempotency.purge(app.state.store, clock.now) == 1
    assert (await post(client, recent, "key-recent")).status_code == 200
    replayed = await post(client, old, "key-old")  # forgotten: applied again, and refused
    assert replayed.status_code == 422 and "already exists" in replayed.json()["message"]


# -- refusals -------------------------------------------------------------------------------

BAD = [
    ({"type": "nap"}, "type must be one of"),
    ({"created_at": "2026-11-27 02:00:00"}, "created_at must be a UTC time"),
    ({"created_at": "2026-11-27T10:00:00+08:00"}, "created_at must be a UTC time"),
    ({"id": "bad id"}, "id must be 1 to 100 letters"),
    ({"payload": []}, "payload must be a JSON object"),
    ({"payload": {"text": ""}}, "payload.text must be 1 to 4000 characters"),
    ({"payload": {"text": "x" * 4001}}, "payload.text must be 1 to 4000 characters"),
    ({"payload": {"text": "red\x1b[31m"}}, "control character"),
    ({"payload": {"text": "hi", "colour": "red"}}, "unknown field payload.colour"),
    ({"payload": {}}, "payload.text is required"),
    ({"extra": 1}, "unknown field extra"),
    ({"borrower_id": None}, "borrower_id is required"),
]


@pytest.mark.parametrize(("change", "reason"), BAD)
async def test_a_malformed_action_is_a_422_with_its_reason(client, change, reason):
    response = await post(client, note() | change)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_action"
    assert reason in response.json()["message"]


@pytest.mark.parametrize(
    ("kind", "payload", "reason"),
    [
        ("promise", {"loan_id": "L000001-1", "amount": 0, "promised_date": "2026-12-01"},
         "payload.amount must be from 1"),
        ("promise", {"loan_id": "L000001-1", "amount": True, "promised_date": "2026-12-01"},
         "payload.amount must be a whole number"),
        ("promise", {"loan_id": "L000001-1", "amount": 100, "promised_date": "2026-13-01"},
         "payload.promised_date must be an ISO date"),
        ("promise", {"loan_id": "L000001-1", "amount": 100, "promised_date": "2026-11-20"},
         "payload.promised_date must be from 2026-11-27"),
        ("promise", {"loan_id": "L000002-1", "amount": 100, "promised_date": "2026-12-01"},
         "is not a loan of borrower B000001"),
        ("promise", {"loan_id": "L404", "amount": 100, "promised_date": "2026-12-01"},
         "unknown loan L404"),
        ("callback", {"number": "138-1234", "due_at": CREATED, "reason": "requested"},
         "payload.number must be 5 to 20 digits"),
        ("callback", {"number": "13812345678", "due_at": "2028-01-01T00:00:00Z",
                      "reason": "requested"}, "payload.due_at must be from"),
        ("callback", {"number": "13812345678", "due_at": CREATED, "reason": "bored"},
         "payload.reason must be one of abandoned, requested"),
        ("escalation", {"department": "sales", "reason": "x", "priority": "high"},
         "payload.department must be one of"),
        ("disposition", {"code": "已解答", "channel": "sms"}, "payload.channel must be one of"),
        ("disposition", {"code": "已解答", "queue_id": "nowhere"}, "unknown queue nowhere"),
        ("message", {"channel": "sms", "template": "t", "body": "b", "to": "a@b.cn"},
         "payload.to must be a phone number"),
        ("message", {"channel": "email", "template": "t", "body": "b", "to": "13812345678"},
         "payload.to must be an email address"),
    ],
)  # fmt: skip
async def test_each_payload_is_checked(client, kind, payload, reason):
    response = await post(client, action(kind, payload))
    assert response.status_code == 422, response.text
    assert reason in response.json()["message"]


@pytest.mark.parametrize("role", ["supervisor"])
async def test_a_reveal_of_an_unknown_field_is_refused(client):
    body = action("reveal_audit", {"field": "password", "reason": "x", "target_id": "B000001"})
    response = await post(client, body)
    assert response.status_code == 422, response.text
    assert "payload.field must be one of id_no, phone, debit_card" in response.json()["message"]


async def test_unknown_borrower_and_reused_ids_are_refused_and_the_key_is_released(client, app):
    key = str(uuid.uuid4())
    ghost = note(borrower_id="B999999")
    for _ in range(2):  # the same answer again: the key was not kept
        response = await post(client, ghost, key)
        assert response.status_code == 422 and "unknown borrower B999999" in response.text
    first = note()
    assert (await post(client, first)).status_code == 201
    again = await post(client, note(id=first["id"]))
    assert again.status_code == 422 and "already exists" in again.json()["message"]
    demo_record = note(id="I000001-0001")
    assert (await post(client, demo_record)).status_code == 422


async def test_bodies_that_are_not_json_or_too_large_are_422(client):
    headers = {"Idempotency-Key": "k1", "Content-Type": "application/json"}
    response = await client.post("/v1/actions", content=b"{not json", headers=headers)
    assert response.status_code == 422 and "not valid JSON" in response.json()["message"]
    big = note("长" * 3000) | {"payload": {"text": "x" * 70_000}}
    response = await post(client, big)
    assert response.status_code == 422 and "larger than" in response.json()["message"]


async def test_the_demo_identity_is_agent_a001_and_cannot_act_as_another(client, app):
    response = await post(client, note(agent_id="A002"))
    assert response.status_code == 403
    assert response.json() == {
        "error": "forbidden",
        "message": "agent A001 cannot act as agent A002",
    }

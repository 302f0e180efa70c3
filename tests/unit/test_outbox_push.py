"""Pushing the outbox: order per borrower, independence between borrowers, what each answer of
the core does to an action. The core here is an ``httpx.MockTransport`` speaking the contract."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import httpx
import orjson
import pytest

from workbench.store import actions, outbox
from workbench.store.apply import apply_page
from workbench.store.db import connect
from workbench.sync.client import make_client
from workbench.sync.push import BACKOFF_CAP, backoff, push

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
T0 = 1_800_000_000.0  # the push clock (Unix seconds)


@pytest.fixture
def conn(cache_path: Path, feed):
    conn = connect(cache_path)
    apply_page(conn, [feed.borrower("B1"), feed.borrower("B2", name="李娜")], "c2")
    yield conn
    conn.close()


def note(conn, borrower_id: str, text: str):
    return actions.add_note(conn, borrower_id, text, agent_id="A001", now=NOW)


class FakeCore:
    """Answers POST /v1/actions from a script: ``answers[text]`` is a list of responses given
    on successive tries of the note with that text (the last one repeats); default 201."""

    def __init__(self, answers: dict[str, list] | None = None) -> None:
        self.answers = answers or {}
        self.requests: list[httpx.Request] = []
        self.tries: dict[str, int] = defaultdict(int)
        self.seq = 100

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        body = orjson.loads(request.content)
        text = body["payload"]["text"]
        script = self.answers.get(text, [])
        n = self.tries[text]
        self.tries[text] += 1
        answer = script[min(n, len(script) - 1)] if script else "ok"
        if callable(answer):
            answer = await answer()
        if answer == "ok":
            self.seq += 1
            ack = {"action_id": request.headers["idempotency-key"], "status": "applied",
                   "entity": "interaction", "id": body["id"], "seq": self.seq}  # fmt: skip
            return httpx.Response(201, json=ack)
        return answer

    def texts(self) -> list[str]:
        return [orjson.loads(r.content)["payload"]["text"] for r in self.requests]


async def run_push(conn, core: FakeCore, *, at: float = T0, **kw):
    async with make_client("http://core", transport=httpx.MockTransport(core)) as client:
        return await push(conn, client, clock=lambda: at, rng=lambda: 0.5, **kw)


async def test_each_action_is_sent_once_with_its_key_and_its_exact_body(conn):
    first, second = note(conn, "B1", "一"), note(conn, "B1", "二")
    core = FakeCore()
    result = await run_push(conn, core)
    assert (result.sent, result.confirmed) == (2, 2)
    assert core.texts() == ["一", "二"]
    for request, action in zip(core.requests, (first, second), strict=True):
        assert request.headers["idempotency-key"] == action.key
        assert request.headers["content-type"] == "application/json"
        assert request.content == outbox.body_of(conn, action.key)
    kept = outbox.get(conn, second.key)
    assert (kept.status, kept.core_seq, kept.attempts) == ("confirmed", 102, 1)
    assert (await run_push(conn, core)).sent == 0  # nothing pending any more


async def test_a_borrowers_later_actions_wait_for_the_first_others_go_on(conn):
    note(conn, "B1", "first")
    waiting = note(conn, "B1", "second")
    other = note(conn, "B2", "other")
    core = FakeCore({"first": [httpx.Response(503, text="busy")]})
    result = await run_push(conn, core)
    assert sorted(core.texts()) == ["first", "other"]
    assert (result.confirmed, result.retrying) == (1, 1)
    assert outbox.get(conn, other.key).status == "confirmed"
    assert outbox.get(conn, waiting.key).attempts == 0
    failed = next(e for e in outbox.pending_entries(conn) if e.record_id != waiting.record_id)
    assert failed.attempts == 1 and "503" in failed.last_error
    assert failed.next_attempt_at == T0 + backoff(0, lambda: 0.5)


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(500, json={"error": "internal"}),
        httpx.Response(409, json={"error": "in_progress"}),
        httpx.Response(429, json={"error": "slow_down"}),
        httpx.Response(201, content=b'{"action_id": "x", "sta'),  # cut short
        httpx.Response(201, content=b"<html>proxy</html>"),  # garbled
        httpx.ConnectError("refused"),
    ],
    ids=["500", "409", "429", "truncated", "garbled", "connect"],
)
async def test_failures_worth_repeating_are_retried_with_the_same_key(conn, answer):
    action = note(conn, "B1", "n")

    async def fail():
        if isinstance(answer, Exception):
            raise answer
        return answer

    core = FakeCore({"n": [fail, "ok"]})
    assert (await run_push(conn, core)).retrying == 1
    entry = outbox.get(conn, action.key)
    assert entry.status == "pending" and entry.attempts == 1
    assert (await run_push(conn, core, at=T0 + 0.1)).sent == 0  # not due yet
    assert (await run_push(conn, core, at=entry.next_attempt_at)).confirmed == 1  # on its timer
    assert [r.headers["idempotency-key"] for r in core.requests] == [action.key] * 2
    assert core.requests[0].content == core.requests[1].content


async def test_retry_after_is_honoured(conn):
    action = note(conn, "B1", "n")
    core = FakeCore({"n": [httpx.Response(429, headers={"Retry-After": "120"})]})
    await run_push(conn, core)
    assert outbox.get(conn, action.key).next_attempt_at == T0 + 120


async def test_a_refused_action_is_parked_with_the_cores_reason_and_blocks_nobody(conn):
    refused = note(conn, "B1", "bad")
    later = note(conn, "B1", "later")
    other = note(conn, "B2", "other")
    reason = {"error": "invalid_action", "message": "payload.text contains a control character"}
    core = FakeCore({"bad": [httpx.Response(422, json=reason)]})
    result = await run_push(conn, core)
    assert (result.parked, result.confirmed) == (1, 2)
    parked = outbox.get(conn, refused.key)
    assert parked.status == "parked"
    assert parked.last_error == "422: payload.text contains a control character"
    assert outbox.get(conn, later.key).status == "confirmed"  # the decision: keep going
    assert outbox.get(conn, other.key).status == "confirmed"
    assert (await run_push(conn, core, at=T0 + 10_000)).sent == 0  # parked is never retried


async def test_a_rejected_token_stops_pushing_at_once(conn):
    for n in range(3):
        note(conn, "B1", f"b1-{n}")
        note(conn, "B2", f"b2-{n}")
    core = FakeCore({f"{b}-0": [httpx.Response(401, json={"error": "unauthorized"})]
                     for b in ("b1", "b2")})  # fmt: skip
    result = await run_push(conn, core, concurrency=1)
    assert result.unauthorized and result.sent == 1
    assert "token rejected" in result.errors[-1]
    assert {e.attempts for e in outbox.pending_entries(conn)} == {0}  # untouched


async def test_a_whole_request_deadline_ends_a_stalled_answer(conn):
    action = note(conn, "B1", "slow")

    async def stall():
        await asyncio.sleep(5)

    core = FakeCore({"slow": [stall]})
    started = asyncio.get_running_loop().time()
    result = await run_push(conn, core, deadline=0.2)
    assert asyncio.get_running_loop().time() - started < 2
    assert result.retrying == 1
    assert "did not answer within 0.2 s" in outbox.get(conn, action.key).last_error


def test_backoff_is_full_jitter_over_a_doubling_capped_ceiling():
    assert backoff(0, lambda: 1.0) == 1.0
    assert backoff(3, lambda: 1.0) == 8.0
    assert backoff(30, lambda: 1.0) == BACKOFF_CAP
    assert backoff(3, lambda: 0.25) == 2.0
    assert backoff(3, lambda: 0.0) == 0.05  # never a busy loop

"""The simulated ACD with a fixed seed and a fake clock: arrivals, patience, offers, colleagues."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from workbench.core.acd import Acd, AcdConfig, CallError
from workbench.core.acd_phones import PhoneIndex

T0 = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
QUEUES = {"repayment": True, "overdue": True, "complaints": False}


def agents(*specs: tuple[str, str, list[str]]) -> list[dict]:
    return [{"id": aid, "name": aid, "role": role, "queues": qs} for aid, role, qs in specs]


def phones() -> PhoneIndex:
    index = PhoneIndex()
    for n in range(1, 51):
        index.set_borrower(f"B{n:06d}", [f"138{n:08d}"])
    index.set_borrower("B000099", ["13800000001", "13900000099"])  # shares B000001's number
    return index


def make(config: AcdConfig, staff: list[dict] | None = None) -> Acd:
    staff = staff or agents(("A001", "agent", ["repayment", "overdue", "complaints"]))
    return Acd(config, queues=QUEUES, agents=staff, start=T0, phones=phones())


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def kinds(acd: Acd) -> list[str]:
    return [kind for kind, _ in acd.emitted]


def test_arrivals_follow_the_rate() -> None:
    acd = make(AcdConfig(call_rate=6.0, patience_s=30.0, seed=1))
    acd.advance(at(3600))
    arrivals = kinds(acd).count("call.queued")
    assert 300 <= arrivals <= 420  # 360 expected in an hour at 6 per minute


def test_most_callers_are_known_borrowers_and_numbers_match_all_owners() -> None:
    acd = make(AcdConfig(call_rate=6.0, seed=2))
    acd.advance(at(3600))
    calls = [d for k, d in acd.emitted if k == "call.queued"]
    known = [c for c in calls if c["borrower_ids"]]
    assert 0.78 <= len(known) / len(calls) <= 0.92
    for call in calls:
        assert call["borrower_ids"] == acd.phones.lookup(call["number"])
        assert len(call["number"]) == 11
    shared = acd.inject("13800000001", "repayment", at(3601))
    assert shared.borrower_ids == ["B000001", "B000099"]
    assert acd.inject("17700000000", "overdue", at(3602)).borrower_ids == []


def test_waiting_callers_abandon_after_their_patience() -> None:
    acd = make(AcdConfig(call_rate=0.0, seed=3))  # A001 is offline: nobody answers
    call = acd.inject("13800000005", "repayment", at(10), patience_s=45)
    acd.advance(at(54))
    assert acd.calls[call.call_id].state == "queued"
    acd.advance(at(56))
    ended = acd.calls[call.call_id]
    assert ended.state == "abandoned"
    assert ended.info().ended_at == "2026-11-27T02:00:55Z"
    assert kinds(acd)[-1] == "call.abandoned"


def test_offers_go_to_the_longest_idle_available_agent() -> None:
    staff = agents(
        ("A001", "agent", ["repayment"]),
        ("A002", "agent", ["repayment"]),
        ("A003", "agent", ["overdue"]),
    )
    acd = make(AcdConfig(humans=("A001", "A002", "A003")), staff)
    acd.set_state("A002", "available", at(5), acw_done=True)
    acd.set_state("A003", "available", at(6), acw_done=True)
    acd.set_state("A001", "available", at(8), acw_done=True)
    first = acd.inject("13800000001", "repayment", at(10))
    assert first.state == "offered" and first.agent_id == "A002"  # idle since 5, A003 unskilled
    second = acd.inject("13800000002", "repayment", at(11))
    assert second.agent_id == "A001"
    third = acd.inject("13800000003", "repayment", at(12))
    assert third.state == "queued"  # everyone skilled is ringing
    acd.command("A002", first.call_id, "reject", at(13))
    assert acd.calls[third.call_id].agent_id == "A002"  # the waiting call, not the refused one
    assert acd.calls[first.call_id].state == "queued"


def test_an_offer_nobody_answers_goes_back_to_the_queue() -> None:
    acd = make(AcdConfig(offer_timeout_s=20, missed_offer_state="break"))
    acd.set_state("A001", "available", at(0), acw_done=True)
    call = acd.inject("13800000007", "repayment", at(1))
    acd.advance(at(22))
    assert acd.calls[call.call_id].state == "queued"
    assert acd.agents["A001"].state == "break"
    queued = [d for k, d in acd.emitted if k == "call.queued"][-1]
    assert queued["previous_agent_id"] == "A001"


def test_a_call_from_offer_to_after_call_work() -> None:
    acd = make(AcdConfig())
    acd.set_state("A001", "available", at(0), acw_done=True)
    call = acd.inject("13800000008", "repayment", at(1))
    acd.command("A001", call.call_id, "answer", at(4))
    acd.command("A001", call.call_id, "hold", at(30))
    held = acd.command("A001", call.call_id, "resume", at(42))
    assert held.hold_s == 12 and held.state == "active"
    ended = acd.command("A001", call.call_id, "end", at(90))
    assert ended.state == "ended" and ended.answered_at == "2026-11-27T02:00:04Z"
    assert acd.agents["A001"].state == "after_call"
    assert acd.acw_pending("A001") == call.call_id
    with pytest.raises(CallError) as refused:
        acd.set_state("A001", "available", at(91), acw_done=False)
    assert refused.value.code == "acw_disposition_required" and refused.value.status == 409
    assert acd.set_state("A001", "available", at(92), acw_done=True).state == "available"
    assert kinds(acd)[-1] == "agent.state"


def test_commands_name_what_is_wrong() -> None:
    staff = agents(("A001", "agent", ["repayment"]), ("A002", "agent", ["repayment"]))
    acd = make(AcdConfig(humans=("A001", "A002")), staff)
    acd.set_state("A001", "available", at(0), acw_done=True)
    call = acd.inject("13800000009", "repayment", at(1))
    cases = [
        (("A001", "nope", "answer"), 404, "unknown_call"),
        (("A002", call.call_id, "answer"), 403, "not_your_call"),
        (("A001", call.call_id, "hold"), 409, "wrong_state"),
        (("A001", call.call_id, "fly"), 404, "not_found"),
    ]
    for args, status, code in cases:
        with pytest.raises(CallError) as failed:
            acd.command(*args, at(2))
        assert (failed.value.status, failed.value.code) == (status, code)
        assert failed.value.message
    with pytest.raises(CallError, match="unknown agent state"):
        acd.set_state("A001", "napping", at(3), acw_done=True)
    acd.command("A001", call.call_id, "answer", at(3))
    with pytest.raises(CallError) as busy:
        acd.set_state("A001", "break", at(4), acw_done=True)
    assert busy.value.code == "wrong_state"


def test_queues_without_required_dispositions_and_unknown_callers_free_the_agent() -> None:
    acd = make(AcdConfig())
    acd.set_state("A001", "available", at(0), acw_done=True)
    for number, queue in (("13800000010", "complaints"), ("17700000001", "repayment")):
        call = acd.inject(number, queue, acd.now)
        acd.command("A001", call.call_id, "answer", acd.now)
        acd.command("A001", call.call_id, "end", acd.now + timedelta(seconds=30))
        assert acd.acw_pending("A001") is None
        acd.set_state("A001", "available", acd.now, acw_done=False)
    linked = acd.inject("17700000002", "repayment", acd.now)
    acd.link(linked.call_id, ["B000003"])
    acd.command("A001", linked.call_id, "answer", acd.now)
    acd.command("A001", linked.call_id, "end", acd.now)
    assert acd.acw_pending("A001") == linked.call_id


def test_colleagues_keep_the_queues_moving() -> None:
    staff = agents(*((f"A{n:03d}", "agent", ["repayment", "overdue"]) for n in range(1, 6)))
    acd = make(AcdConfig(call_rate=1.0, patience_s=300, seed=5), staff)
    acd.advance(at(3 * 3600))
    done = kinds(acd)
    assert done.count("call.answered") > 100
    assert done.count("call.ended") >= done.count("call.answered") - 4
    assert all(acd.agents[a].state == "offline" for a in ["A001"])  # the person never logged in


def test_the_same_seed_gives_the_same_day_whatever_the_step() -> None:
    staff = agents(*((f"A{n:03d}", "agent", ["repayment", "overdue"]) for n in range(1, 4)))
    coarse = make(AcdConfig(call_rate=3.0, patience_s=60, seed=9), staff)
    fine = make(AcdConfig(call_rate=3.0, patience_s=60, seed=9), staff)
    coarse.advance(at(7200))
    for second in range(0, 7201, 7):
        fine.advance(at(second))
    fine.advance(at(7200))
    assert list(coarse.emitted) == list(fine.emitted)
    other = make(AcdConfig(call_rate=3.0, patience_s=60, seed=10), staff)
    other.advance(at(7200))
    assert list(other.emitted) != list(coarse.emitted)


def test_a_person_taking_over_a_colleague_ends_its_scripted_work() -> None:
    staff = agents(("A001", "agent", ["repayment"]), ("A002", "agent", ["repayment"]))
    acd = make(AcdConfig(talk_mean_s=600, min_talk_s=600), staff)
    call = acd.inject("13800000011", "repayment", at(1))
    acd.advance(at(30))
    assert acd.calls[call.call_id].state == "active"
    status, calls = acd.status("A002", at(31))
    assert status.state == "offline" and calls == []
    assert acd.calls[call.call_id].state == "ended"


def test_a_desk_restarted_in_after_call_work_gets_the_ended_call_back() -> None:
    acd = make(AcdConfig())
    acd.set_state("A001", "available", at(0), acw_done=True)
    call = acd.inject("13800000008", "repayment", at(1))
    acd.command("A001", call.call_id, "answer", at(4))
    acd.command("A001", call.call_id, "end", at(60))
    status, calls = acd.status("A001", at(61))
    assert status.state == "after_call" and status.call_id == call.call_id
    assert [(c.call_id, c.state) for c in calls] == [(call.call_id, "ended")]
    acd.set_state("A001", "available", at(62), acw_done=True)
    assert acd.status("A001", at(63))[1] == []  # wrapped up: nothing left to show

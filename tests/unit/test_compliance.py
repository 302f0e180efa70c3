"""The contact gate: window, daily caps and the permanent rules, each naming itself."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from workbench.domain.compliance import (
    RULE_ORDER,
    ContactAttempt,
    ContactPolicy,
    check_contact,
    next_allowed_slots,
)
from workbench.domain.models import Address, Borrower, Phone

SHANGHAI = ZoneInfo("Asia/Shanghai")
URUMQI = ZoneInfo("Asia/Urumqi")  # UTC+6: two hours behind Beijing time on the wall clock
MOBILE = "13812345678"
SPOUSE = "13987654321"
POLICY = ContactPolicy()


def borrower(tz: str = "Asia/Shanghai", flags: list[str] | None = None, **phone_kw) -> Borrower:
    return Borrower(
        id="B1",
        name="张伟",
        id_no="110101199003071234",
        gender="M",
        birth_date="1990-03-07",
        phones=[Phone(MOBILE, "mobile", **phone_kw), Phone(SPOUSE, "spouse")],
        address=Address("北京市", "北京市", "朝阳区", "建国路1号"),
        tz=tz,
        employer="某公司",
        risk_grade="B",
        flags=flags or [],
    )


def local(hour: int, minute: int = 0, zone: ZoneInfo = SHANGHAI, day: int = 27) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=zone)


def gate(b: Borrower, now: datetime, purpose: str = "collection", number=MOBILE, **kw):
    return check_contact(POLICY, borrower=b, number=number, purpose=purpose, now=now, **kw)


@pytest.mark.parametrize(
    ("hour", "minute", "allowed"),
    [(21, 59, True), (22, 0, False), (7, 59, False), (8, 0, True)],
)
@pytest.mark.parametrize("zone", [SHANGHAI, URUMQI])
def test_window_edges_in_the_borrowers_zone(hour, minute, allowed, zone):
    # The clock is injected in UTC, as the desk's clock is; the window is the borrower's.
    now = local(hour, minute, zone).astimezone(UTC)
    decision = gate(borrower(zone.key), now)
    assert decision.allowed is allowed
    if not allowed:
        assert decision.rule == "contact_window"
        assert decision.reason_params["start"] == "08:00"
        assert decision.reason_params["tz"] == zone.key


def test_window_reopens_at_the_next_local_0800():
    late = gate(borrower(), local(22, 0))
    early = gate(borrower(), local(7, 59))
    assert late.allowed_from == local(8, 0, day=28)
    assert early.allowed_from == local(8, 0)


def test_urumqi_borrower_is_judged_on_urumqi_time_not_beijing_time():
    # 23:30 in Beijing is 21:30 in Urumqi: still inside the Urumqi borrower's window.
    now = local(23, 30, SHANGHAI)
    assert gate(borrower("Asia/Urumqi"), now).allowed
    assert gate(borrower("Asia/Shanghai"), now).rule == "contact_window"
    # 09:30 in Beijing is 07:30 in Urumqi: too early there; allowed at 08:00 Urumqi.
    blocked = gate(borrower("Asia/Urumqi"), local(9, 30, SHANGHAI))
    assert blocked.rule == "contact_window"
    assert blocked.allowed_from == local(8, 0, URUMQI)


def test_unknown_zone_falls_back_to_beijing_time():
    assert gate(borrower("Mars/Olympus"), local(22, 30)).rule == "contact_window"


def connected_collection_call(hour: int, day: int = 27) -> ContactAttempt:
    return ContactAttempt(local(hour, day=day), SPOUSE, connected=True, collection=True)


def test_fourth_connected_collection_call_of_the_day_is_blocked():
    b = borrower()
    history = [connected_collection_call(h) for h in (9, 11, 14)]
    assert gate(b, local(15), history=history[:2]).allowed
    decision = gate(b, local(15), history=history)
    assert decision.rule == "daily_connected_cap"
    assert decision.reason_params == {"count": 3, "limit": 3}
    assert decision.allowed_from == local(8, 0, day=28)
    # A service call is not a collection call: the cap does not apply to it.
    assert gate(b, local(15), purpose="service", history=history).allowed


def test_connected_cap_counts_the_borrowers_local_day_only():
    # Yesterday's calls, and inbound calls today, do not count.
    history = [connected_collection_call(h, day=26) for h in (9, 11, 14, 16)]
    history.append(
        ContactAttempt(local(10), MOBILE, outbound=False, connected=True, collection=True)
    )
    assert gate(borrower(), local(15), history=history).allowed


def test_seventh_unanswered_attempt_on_a_number_is_blocked():
    b = borrower()
    history = [ContactAttempt(local(9, 10 * i), MOBILE) for i in range(6)]
    assert gate(b, local(12), history=history[:5]).allowed
    decision = gate(b, local(12), purpose="service", history=history)
    assert decision.rule == "daily_attempts_cap"
    assert decision.reason_params["count"] == 6
    assert decision.reason_params["number"] == "138****5678"  # masked even in the reason
    assert decision.allowed_from == local(8, 0, day=28)
    # Another number of the same borrower still has its own six attempts.
    other = borrower()
    other.phones.append(Phone("13700001111", "work"))
    assert gate(other, local(12), number="13700001111", history=history).allowed


def test_messages_are_not_capped_but_keep_to_the_window():
    history = [connected_collection_call(h) for h in (9, 11, 14)]
    assert gate(borrower(), local(15), kind="sms", history=history).allowed
    assert gate(borrower(), local(23), kind="sms", purpose="message").rule == "contact_window"


def test_do_not_call_number_is_blocked_for_good():
    decision = gate(borrower(do_not_call=True), local(10))
    assert (decision.allowed, decision.rule, decision.allowed_from) == (False, "do_not_call", None)
    assert decision.reason_params == {"number": "138****5678"}


@pytest.mark.parametrize(
    ("flags", "purpose", "rule"),
    [
        (["deceased"], "service", "deceased"),
        (["cease_contact"], "service", "cease_contact"),
        (["legal_hold"], "collection", "legal_hold"),
        (["legal_hold"], "service", "legal_hold"),
    ],
)
def test_account_flags_block_with_their_rule(flags, purpose, rule):
    decision = gate(borrower(flags=flags), local(10), purpose=purpose)
    assert (decision.allowed, decision.rule, decision.allowed_from) == (False, rule, None)


def test_legal_hold_lets_legal_through():
    assert gate(borrower(flags=["legal_hold"]), local(10), purpose="legal").allowed


def test_no_collection_talk_with_a_spouse_but_service_is_fine():
    b = borrower()
    assert gate(b, local(10), number=SPOUSE).rule == "third_party"
    assert gate(b, local(10), number=SPOUSE, purpose="service").allowed


def test_number_without_consent_or_not_on_file_is_blocked():
    assert gate(borrower(consent=False), local(10)).rule == "no_consent"
    assert gate(borrower(), local(10), number="13600000000").rule == "unknown_number"
    lenient = ContactPolicy(allow_unlisted_numbers=True)
    assert check_contact(
        lenient, borrower=borrower(), number="13600000000", purpose="service", now=local(10)
    ).allowed


def test_most_permanent_rule_is_named_first():
    # Deceased, DNC and out of window at once: the permanent reason is the one shown.
    decision = gate(borrower(flags=["deceased"], do_not_call=True), local(23))
    assert decision.rule == "deceased"
    assert RULE_ORDER.index("do_not_call") < RULE_ORDER.index("contact_window")


def test_limits_are_configuration():
    policy = ContactPolicy(
        window_start=time(9), window_end=time(20), max_connected_collection_calls_per_day=1
    )
    b = borrower()
    assert check_contact(policy, borrower=b, number=MOBILE, purpose="service", now=local(20)).rule
    one = [connected_collection_call(9)]
    decision = check_contact(
        policy, borrower=b, number=MOBILE, purpose="collection", history=one, now=local(10)
    )
    assert decision.rule == "daily_connected_cap"
    assert decision.allowed_from == local(9, 0, day=28)
    with pytest.raises(ValueError):
        ContactPolicy(window_start=time(22), window_end=time(8))


def test_bad_input_is_refused_clearly():
    with pytest.raises(ValueError, match="aware"):
        gate(borrower(), datetime(2026, 11, 27, 10))
    with pytest.raises(ValueError, match="purpose"):
        gate(borrower(), local(10), purpose="gossip")


def test_next_allowed_slots_stay_inside_the_window():
    slots = next_allowed_slots(POLICY, borrower(), local(21, 10), n=3)
    assert slots == [local(21, 30), local(8, 0, day=28), local(8, 30, day=28)]
    early = next_allowed_slots(POLICY, borrower(), local(3, 0), n=1, step=timedelta(minutes=15))
    assert early == [local(8, 0)]
    # On the grid already: that very time is offered.
    assert next_allowed_slots(POLICY, borrower(), local(10, 30), n=1) == [local(10, 30)]


def test_next_allowed_slots_use_the_borrowers_zone():
    now = local(23, 50, SHANGHAI)  # 21:50 in Urumqi
    slots = next_allowed_slots(POLICY, borrower("Asia/Urumqi"), now, n=2)
    assert slots == [local(8, 0, URUMQI, day=28), local(8, 30, URUMQI, day=28)]
    slots = next_allowed_slots(POLICY, borrower("Asia/Urumqi"), now, n=1, step=timedelta(minutes=5))
    assert slots == [local(21, 50, URUMQI)]

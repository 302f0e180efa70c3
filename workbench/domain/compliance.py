"""The contact gate: may this agent contact this borrower on this number, now, for this purpose?

Every outbound call, callback and collections message passes ``check_contact`` first. It answers
with a ``GateDecision``: allowed, or the stable id of the rule that blocks it, the values a
message needs, and when contact becomes allowed again (``None`` when it never will by itself).

Rules, checked in this order — most permanent first, so the explanation an agent sees is the
one that matters longest:

1. ``deceased``          borrower flagged deceased: no contact at all (the estate is legal's,
                         handled outside the desk).
2. ``cease_contact``     borrower asked the lender to stop contacting them: no contact at all.
3. ``unknown_number``    the number is not one of the borrower's phones (link it first), unless
                         the policy allows unlisted numbers.
4. ``do_not_call``       the number is marked do-not-call: no contact on it.
5. ``no_consent``        the number's holder has not consented to contact.
6. ``legal_hold``        the account is on legal hold: only purpose ``legal`` may contact.
7. ``third_party``       spouse / relative numbers: no collection talk with third parties.
8. ``contact_window``    outside 08:00–22:00 in the borrower's local time (applies to every
                         outbound contact, not only collection); allowed again at the next
                         window start.
9. ``daily_connected_cap``  collection calls: at most 3 connected collection calls per borrower
                         per local calendar day, across all agents and numbers.
10. ``daily_attempts_cap``  calls: at most 6 unanswered outbound attempts per number per local
                         calendar day, whatever their purpose.

Caps are counted from outbound contacts in ``history`` whose time falls on the same calendar
day as ``now`` in the borrower's zone; a capped borrower or number is allowed again at the
window start of the next local day. Inbound calls never count: the borrower calling us is not
a contact attempt. "Collection" means a purpose in ``ContactPolicy.collection_purposes``
(``collection`` and ``legal`` by default); a callback about a broken promise is a collection
contact and should be checked with purpose ``collection``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from workbench.domain.models import Borrower, Flag, Phone
from workbench.domain.pii import mask_phone

DEFAULT_TZ = "Asia/Shanghai"

PURPOSES = frozenset({"collection", "service", "callback", "message", "legal"})

RULE_ORDER: tuple[str, ...] = (
    "deceased",
    "cease_contact",
    "unknown_number",
    "do_not_call",
    "no_consent",
    "legal_hold",
    "third_party",
    "contact_window",
    "daily_connected_cap",
    "daily_attempts_cap",
)
"""Every rule id ``check_contact`` can name, in the order it checks them."""


@dataclass(frozen=True, slots=True)
class ContactPolicy:
    """The limits of the gate. Configuration, not constants: every field can be overridden."""

    window_start: time = time(8, 0)  # first allowed local minute (inclusive)
    window_end: time = time(22, 0)  # first forbidden local minute (exclusive)
    max_connected_collection_calls_per_day: int = 3  # per borrower
    max_unanswered_attempts_per_day: int = 6  # per number
    third_party_kinds: frozenset[str] = frozenset({"spouse", "relative"})
    collection_purposes: frozenset[str] = frozenset({"collection", "legal"})
    allow_unlisted_numbers: bool = False

    def __post_init__(self) -> None:
        if not self.window_start < self.window_end:
            raise ValueError("contact window must start before it ends on the same day")
        if self.max_connected_collection_calls_per_day < 0:
            raise ValueError("max_connected_collection_calls_per_day must be ≥ 0")
        if self.max_unanswered_attempts_per_day < 0:
            raise ValueError("max_unanswered_attempts_per_day must be ≥ 0")


POLICY_SETTINGS = (
    "window_start",
    "window_end",
    "max_connected_collection_calls_per_day",
    "max_unanswered_attempts_per_day",
    "allow_unlisted_numbers",
)
"""The keys of the ``[contact]`` table of ``config.toml`` (times as ``"HH:MM"``)."""


def policy_from_settings(table: dict[str, object]) -> tuple[ContactPolicy, list[str]]:
    """A policy from a settings table, and what is wrong in it (those keys keep the default).

    Example: ``{"window_end": "21:00", "max_unanswered_attempts_per_day": 4}``.
    """
    values: dict[str, object] = {}
    problems: list[str] = []
    for key, value in table.items():
        parsed = _setting(key, value)
        if parsed is None:
            problems.append(f"contact.{key} = {value!r}")
        else:
            values[key] = parsed
    try:
        return ContactPolicy(**values), problems
    except ValueError as exc:  # e.g. a window that ends before it starts
        return ContactPolicy(), [*problems, f"contact: {exc}"]


def _setting(key: str, value: object) -> object | None:
    if key in ("window_start", "window_end") and isinstance(value, str):
        try:
            return time.fromisoformat(value.strip())
        except ValueError:
            return None
    if key.startswith("max_") and key in POLICY_SETTINGS:
        ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 100
        return value if ok else None
    if key == "allow_unlisted_numbers" and isinstance(value, bool):
        return value
    return None


@dataclass(frozen=True, slots=True)
class ContactAttempt:
    """One past contact, as the caller counts it from the cache's interaction history."""

    at: datetime  # aware
    number: str | None  # None for contacts not on a phone number (email, letter, visit)
    kind: str = "call"  # call | sms | email | app_chat | letter | visit
    outbound: bool = True
    connected: bool = False
    collection: bool = False

    def __post_init__(self) -> None:
        _require_aware(self.at, "ContactAttempt.at")


@dataclass(frozen=True, slots=True)
class GateDecision:
    """The gate's answer. ``rule`` is one of ``RULE_ORDER`` when blocked, else None."""

    allowed: bool
    rule: str | None = None
    reason_params: dict[str, object] = field(default_factory=dict)
    allowed_from: datetime | None = None  # aware, borrower's zone; None = not by time alone

    @classmethod
    def ok(cls) -> GateDecision:
        return cls(allowed=True)

    @classmethod
    def blocked(
        cls, rule: str, allowed_from: datetime | None = None, **params: object
    ) -> GateDecision:
        return cls(allowed=False, rule=rule, reason_params=params, allowed_from=allowed_from)


def borrower_zone(borrower: Borrower) -> ZoneInfo:
    """The borrower's time zone; ``Asia/Shanghai`` when missing or unknown."""
    try:
        return ZoneInfo(borrower.tz or DEFAULT_TZ)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TZ)


def check_contact(
    policy: ContactPolicy,
    *,
    borrower: Borrower,
    number: str | None,
    purpose: str,
    kind: str = "call",
    history: Iterable[ContactAttempt] = (),
    now: datetime,
) -> GateDecision:
    """Decide whether an outbound contact may happen now; the first rule that blocks wins.

    Example: a collection call at 22:01 Beijing time is blocked by ``contact_window`` with
    ``allowed_from`` 08:00 the next morning; ``number=None`` is for contacts not on a phone.
    """
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}; expected one of {sorted(PURPOSES)}")
    _require_aware(now, "now")
    zone = borrower_zone(borrower)
    local = now.astimezone(zone)
    flags = set(borrower.flags)
    phone = _find_phone(borrower, number)
    masked = mask_phone(number) if number else None

    if Flag.DECEASED in flags:
        return GateDecision.blocked("deceased")
    if Flag.CEASE_CONTACT in flags:
        return GateDecision.blocked("cease_contact")
    if number is not None and phone is None and not policy.allow_unlisted_numbers:
        return GateDecision.blocked("unknown_number", number=masked)
    if phone is not None and phone.do_not_call:
        return GateDecision.blocked("do_not_call", number=masked)
    if phone is not None and not phone.consent:
        return GateDecision.blocked("no_consent", number=masked)
    if Flag.LEGAL_HOLD in flags and purpose != "legal":
        return GateDecision.blocked("legal_hold", department="legal")
    collection = purpose in policy.collection_purposes
    if phone is not None and collection and phone.kind in policy.third_party_kinds:
        return GateDecision.blocked("third_party", number=masked, kind=phone.kind)
    return _check_time_rules(policy, zone, local, number, kind, collection, history)


def _check_time_rules(
    policy: ContactPolicy,
    zone: ZoneInfo,
    local: datetime,
    number: str | None,
    kind: str,
    collection: bool,
    history: Iterable[ContactAttempt],
) -> GateDecision:
    """The rules that lift by themselves: the window and the daily caps."""
    window = {
        "start": policy.window_start.strftime("%H:%M"),
        "end": policy.window_end.strftime("%H:%M"),
        "tz": zone.key,
    }
    if not in_window(policy, local):
        nxt = next_window_start(policy, local)
        return GateDecision.blocked(
            "contact_window", nxt, local_time=local.strftime("%H:%M"), **window
        )
    if kind != "call":
        return GateDecision.ok()
    today = [
        a for a in history if a.outbound and a.kind == "call" and _day(a.at, zone) == local.date()
    ]
    tomorrow = _window_start_on(policy, local.date() + timedelta(days=1), zone)
    if collection:
        limit = policy.max_connected_collection_calls_per_day
        count = sum(1 for a in today if a.connected and a.collection)
        if count >= limit:
            return GateDecision.blocked("daily_connected_cap", tomorrow, count=count, limit=limit)
    if number is not None:
        limit = policy.max_unanswered_attempts_per_day
        count = sum(1 for a in today if not a.connected and a.number == number)
        if count >= limit:
            return GateDecision.blocked(
                "daily_attempts_cap", tomorrow, count=count, limit=limit, number=mask_phone(number)
            )
    return GateDecision.ok()


def in_window(policy: ContactPolicy, local: datetime) -> bool:
    """True when the local wall-clock time is inside [window_start, window_end)."""
    return policy.window_start <= local.time() < policy.window_end


def next_window_start(policy: ContactPolicy, local: datetime) -> datetime:
    """The next window opening at or after ``local`` (today's if still to come, else tomorrow's)."""
    zone = local.tzinfo
    today_start = _window_start_on(policy, local.date(), zone)
    if local < today_start:
        return today_start
    return _window_start_on(policy, local.date() + timedelta(days=1), zone)


def next_allowed_slots(
    policy: ContactPolicy,
    borrower: Borrower,
    now: datetime,
    n: int = 8,
    step: timedelta = timedelta(minutes=30),
) -> list[datetime]:
    """The next ``n`` times at or after ``now``, on a ``step`` grid, inside the contact window.

    Times are in the borrower's zone. Only the window is considered (caps and permanent rules
    are the gate's job when the time comes). The grid is counted from local midnight and
    restarts at each window opening, so a 30-minute step offers 08:00, 08:30, … 21:30.
    """
    _require_aware(now, "now")
    if step <= timedelta(0):
        raise ValueError("step must be positive")
    zone = borrower_zone(borrower)
    local = now.astimezone(zone)
    midnight = datetime.combine(local.date(), time(0), tzinfo=zone)
    steps = -((midnight - local) // step)  # ceiling division on timedeltas
    slot = midnight + steps * step
    slots: list[datetime] = []
    while len(slots) < n:
        if in_window(policy, slot):
            slots.append(slot)
            slot += step
        else:
            slot = next_window_start(policy, slot)
    return slots


def _window_start_on(policy: ContactPolicy, day: date, zone: tzinfo | None) -> datetime:
    return datetime.combine(day, policy.window_start, tzinfo=zone)


def _day(at: datetime, zone: ZoneInfo) -> date:
    return at.astimezone(zone).date()


def _find_phone(borrower: Borrower, number: str | None) -> Phone | None:
    if number is None:
        return None
    return next((p for p in borrower.phones if p.number == number), None)


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime (with a time zone)")

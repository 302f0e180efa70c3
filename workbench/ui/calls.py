"""The desk's view of telephony: this agent's state, its call and its after-call work.

``DeskCalls`` is an immutable snapshot; :func:`apply_event` folds one ``CallEvent`` from the
sync into it (events of other agents' calls are ignored). Nothing here touches Textual, so the
rules are tested as plain functions; ``ui.call_desk`` drives screens from the result.

Timers use the desk's clock. A phase starts at the core's timestamp when that lies in the
recent past by the desk's clock, else when the desk learnt of it (a desk whose clock is fixed
for a drill, or a core whose clock differs, still shows sensible, ticking timers).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from workbench.domain.calls import AgentState, CallEvent, CallInfo, CallState
from workbench.domain.pii import mask_id_no

if TYPE_CHECKING:
    from workbench.domain.models import Borrower

TRUST_WINDOW = timedelta(hours=12)
"""A core timestamp older than this (or in the future) by the desk's clock is not used."""

LIVE_CALL_STATES = frozenset({CallState.OFFERED, CallState.ACTIVE, CallState.HELD})


@dataclass(frozen=True, slots=True)
class WrapUp:
    """After-call work for one ended call: the disposition still to record (or recorded)."""

    call: CallInfo
    borrower_id: str | None
    since: datetime
    saved: bool = False


@dataclass(frozen=True, slots=True)
class DeskCalls:
    """What the call bar shows and the call keys act on."""

    agent_state: str = AgentState.OFFLINE
    agent_since: datetime | None = None
    call: CallInfo | None = None  # this agent's offered, active or held call
    call_since: datetime | None = None  # offered: ringing since; active/held: answered at
    held_since: datetime | None = None
    borrower_id: str | None = None  # whom the call is about: matched, picked or linked
    wrap: WrapUp | None = None
    known: bool = False  # the sync has told us anything about telephony

    @property
    def ringing(self) -> bool:
        """A call is offered to this agent and not answered yet."""
        return self.call is not None and self.call.state == CallState.OFFERED

    @property
    def talking(self) -> bool:
        """A call is answered (active or held)."""
        return self.call is not None and self.call.state in (CallState.ACTIVE, CallState.HELD)

    @property
    def held(self) -> bool:
        """The answered call is on hold."""
        return self.call is not None and self.call.state == CallState.HELD

    @property
    def in_wrap_up(self) -> bool:
        """The agent is in after-call work."""
        return self.agent_state == AgentState.AFTER_CALL


def parse_ts(value: str | None) -> datetime | None:
    """A UTC ISO time (``…Z``) as an aware datetime; None when absent or unreadable."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def started(value: str | None, now: datetime) -> datetime:
    """When a phase began: the core's time ``value`` if it is plausible by ``now``, else now."""
    ts = parse_ts(value)
    if ts is None or ts > now or now - ts > TRUST_WINDOW:
        return now
    return ts


def seconds_since(moment: datetime | None, now: datetime) -> int:
    """Whole seconds from ``moment`` to ``now`` (0 when unknown or in the future)."""
    if moment is None:
        return 0
    return max(0, int((now - moment).total_seconds()))


def clock_text(seconds: int) -> str:
    """``75`` → ``01:15``; an hour or more → ``1:02:03``."""
    hours, rest = divmod(max(0, seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def waited_s(calls: DeskCalls, now: datetime) -> int:
    """How long the ringing caller has waited: queue time before the offer plus ringing."""
    call = calls.call
    if call is None:
        return 0
    arrived, offered = parse_ts(call.arrived_at), parse_ts(call.offered_at)
    queued = int((offered - arrived).total_seconds()) if arrived and offered else 0
    return max(0, queued) + seconds_since(calls.call_since, now)


def apply_event(calls: DeskCalls, event: CallEvent, *, agent_id: str, now: datetime) -> DeskCalls:
    """``calls`` after ``event``; events about other agents and their calls change nothing."""
    if event.type == "snapshot":
        return _snapshot(calls, event, agent_id, now)
    if event.type == "agent.state":
        agent = event.agent
        if agent is None or agent.agent_id != agent_id:
            return calls
        return _agent_state(calls, agent.state, agent.since, now)
    if event.call is not None and event.type.startswith("call."):
        return _call_event(calls, event.type, event.call, agent_id, now)
    return calls


def _agent_state(calls: DeskCalls, state: str, since: str, now: datetime) -> DeskCalls:
    same = state == calls.agent_state and calls.agent_since is not None
    moment = calls.agent_since if same else started(since, now)
    wrap = calls.wrap if state == AgentState.AFTER_CALL else None
    return replace(calls, agent_state=state, agent_since=moment, wrap=wrap, known=True)


def _call_event(
    calls: DeskCalls, kind: str, call: CallInfo, agent_id: str, now: datetime
) -> DeskCalls:
    mine = call.agent_id == agent_id
    current = calls.call is not None and calls.call.call_id == call.call_id
    if not mine and not current:
        return calls
    calls = replace(calls, known=True)
    if kind in ("call.ended", "call.abandoned") or call.state in (
        CallState.ENDED,
        CallState.ABANDONED,
    ):
        return _finished(calls, call, now)
    if not mine or call.state not in LIVE_CALL_STATES:  # offer withdrawn: back in the queue
        return replace(calls, call=None, call_since=None, held_since=None, borrower_id=None)
    if not current:
        borrower = call.borrower_ids[0] if len(call.borrower_ids) == 1 else None
        since = now if call.state == CallState.OFFERED else started(call.answered_at, now)
        held = now if call.state == CallState.HELD else None
        return replace(
            calls, call=call, call_since=since, held_since=held, borrower_id=borrower, wrap=None
        )
    since = calls.call_since
    if calls.ringing and call.state != CallState.OFFERED:
        since = started(call.answered_at, now)
    held = (calls.held_since or now) if call.state == CallState.HELD else None
    return replace(calls, call=call, call_since=since, held_since=held)


def _finished(calls: DeskCalls, call: CallInfo, now: datetime) -> DeskCalls:
    was_talking = calls.talking or call.answered_at is not None
    cleared = replace(calls, call=None, call_since=None, held_since=None, borrower_id=None)
    if not was_talking:  # the caller hung up while it rang: nothing to wrap up
        return cleared
    wrap = WrapUp(call=call, borrower_id=calls.borrower_id, since=started(call.ended_at, now))
    return replace(cleared, wrap=wrap)


def _snapshot(calls: DeskCalls, event: CallEvent, agent_id: str, now: datetime) -> DeskCalls:
    if event.agent is not None and event.agent.agent_id == agent_id:
        calls = _agent_state(calls, event.agent.state, event.agent.since, now)
    calls = replace(calls, known=True)
    live = [c for c in event.calls if c.agent_id == agent_id and c.state in LIVE_CALL_STATES]
    if not live:
        if calls.call is not None:
            calls = replace(calls, call=None, call_since=None, held_since=None, borrower_id=None)
        return _wrap_from_snapshot(calls, event, now)
    return _call_event(calls, "call.snapshot", live[0], agent_id, now)


def _wrap_from_snapshot(calls: DeskCalls, event: CallEvent, now: datetime) -> DeskCalls:
    """A desk (re)started during after-call work: the ended call, if the core lists it."""
    agent = event.agent
    if calls.wrap is not None or not calls.in_wrap_up or agent is None or not agent.call_id:
        return calls
    ended = next((c for c in event.calls if c.call_id == agent.call_id), None)
    if ended is None:
        return calls
    borrower = ended.borrower_ids[0] if len(ended.borrower_ids) == 1 else None
    since = calls.agent_since or now
    return replace(calls, wrap=WrapUp(call=ended, borrower_id=borrower, since=since))


def with_borrower(calls: DeskCalls, borrower_id: str) -> DeskCalls:
    """The agent picked (or linked) ``borrower_id`` as the caller."""
    if calls.call is not None:
        return replace(calls, borrower_id=borrower_id)
    if calls.wrap is not None and not calls.wrap.saved:
        return replace(calls, wrap=replace(calls.wrap, borrower_id=borrower_id))
    return calls


def wrap_saved(calls: DeskCalls, call_id: str) -> DeskCalls:
    """The disposition of ``call_id`` is recorded."""
    if calls.wrap is None or calls.wrap.call.call_id != call_id:
        return calls
    return replace(calls, wrap=replace(calls.wrap, saved=True))


def call_duration_s(wrap: WrapUp) -> int:
    """Talk time of an ended call (answer to end, hold included), from the core's times."""
    answered, ended = parse_ts(wrap.call.answered_at), parse_ts(wrap.call.ended_at)
    if answered is None or ended is None:
        return 0
    return max(0, min(86_400, int((ended - answered).total_seconds())))


@dataclass(frozen=True, slots=True)
class Caller:
    """A borrower on the calling number, as the pop lists them (PII masked)."""

    name: str
    id_no: str  # masked
    city: str
    phone_kind: str  # how the number is on their record: mobile, spouse, … ("" if not)


def caller_of(borrower: Borrower, number: str) -> Caller:
    """The pick-list line of ``borrower`` for a call from ``number``."""
    kind = next((p.kind for p in borrower.phones if p.number == number), "")
    return Caller(
        name=borrower.name,
        id_no=mask_id_no(borrower.id_no),
        city=borrower.address.city,
        phone_kind=kind,
    )

"""The supervisor's live wallboard: per-queue figures kept current from the call events.

``Board`` takes the events of the call centre one by one (``call.*`` with a ``CallInfo``,
``agent.state`` with an ``AgentStatus``, as ``domain.calls`` defines them) and keeps, per
queue, a ``metrics.Tally`` of today's inbound calls (so an update costs the calls that changed,
not the day), the calls waiting now, and how many agents working the queue are available, on
a call or in after-call work. ``rows(now)`` gives one ``QueueRow`` per queue and the total;
``changed(now)`` only the rows whose figures moved since it was last asked (the core sends
those as ``queue.stats`` events every second).

The figures are the formulas of ``domain.metrics`` (its ``Tally`` sums what ``queue_figures``
sums). "Today" is the day in ``zone`` (Asia/Shanghai): at midnight the counts restart, calls
still in hand carry on.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from workbench.domain.calls import AgentState, CallState
from workbench.domain.metrics import TOTAL, CallRecord, QueueConfig, QueueFigures, Tally
from workbench.domain.pii import mask_phone

ZONE = ZoneInfo("Asia/Shanghai")
WAITING_STATES = frozenset({CallState.QUEUED.value, CallState.OFFERED.value})
STAFF_STATES = ("available", "on_call", "after_call")
TREND_POINTS = 60


def parse_at(value: str | None) -> datetime | None:
    """A UTC ISO ``…Z`` timestamp as an aware datetime (None stays None)."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def iso_z(at: datetime) -> str:
    """An aware datetime as UTC ISO-8601 ending in ``Z`` (whole seconds)."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(slots=True)
class LiveCall:
    """One inbound call as the board follows it."""

    call_id: str
    queue_id: str
    arrived_at: datetime
    known: bool
    number: str = ""
    borrower_ids: tuple[str, ...] = ()
    state: str = CallState.QUEUED.value
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    hold_s: float = 0.0
    agent_id: str | None = None
    acw_s: float = 0.0
    counted: CallRecord | None = None  # the version in its queue's tally

    def record(self) -> CallRecord:
        """The call as ``metrics`` counts it."""
        abandoned = self.ended_at if self.state == CallState.ABANDONED.value else None
        answered = self.answered_at
        end = self.ended_at if answered is not None else None
        wait_from = answered or abandoned
        wait = (wait_from - self.arrived_at).total_seconds() if wait_from else 0.0
        talk = max(0.0, (end - answered).total_seconds() - self.hold_s) if end and answered else 0.0
        return CallRecord(
            self.queue_id,
            self.arrived_at,
            answered_at=answered,
            abandoned_at=abandoned,
            ended_at=end,
            wait_s=max(0.0, wait),
            talk_s=talk,
            hold_s=self.hold_s,
            acw_s=self.acw_s,
            known_number=self.known,
        )


@dataclass(slots=True)
class AgentRow:
    """An agent on the board: state since when, the queues it works, its call."""

    agent_id: str
    queues: tuple[str, ...]
    state: str = AgentState.OFFLINE.value
    since: datetime | None = None
    call_id: str | None = None


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One line of the queue pane: today's figures and the queue as it stands now."""

    figures: QueueFigures
    waiting: int
    longest_wait_s: float
    available: int
    on_call: int
    after_call: int
    threshold_s: float | None = None

    @property
    def queue_id(self) -> str:
        return self.figures.queue_id

    def as_dict(self) -> dict[str, Any]:
        """The row as JSON (``/v1/wallboard``, ``queue.stats``, ``workbench wallboard``)."""
        f = self.figures
        return {
            "queue_id": f.queue_id,
            "waiting": self.waiting,
            "longest_wait_s": round(self.longest_wait_s),
            "offered": f.offered,
            "answered": f.answered,
            "abandoned": f.abandoned,
            "short_abandoned": f.short_abandoned,
            "service_level": _round(f.service_level),
            "threshold_s": self.threshold_s,
            "target_pct": f.target_pct,
            "asa_s": _round(f.asa_s, 1),
            "aht_s": _round(f.aht_s, 1),
            "abandon_rate": _round(f.abandon_rate),
            "available": self.available,
            "on_call": self.on_call,
            "after_call": self.after_call,
        }


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


@dataclass(slots=True)
class _Queue:
    config: QueueConfig
    tally: Tally = field(default_factory=Tally)
    waiting: dict[str, datetime] = field(default_factory=dict)
    staff: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STAFF_STATES, 0))


class Board:
    """Today's queues and agents, updated event by event (not thread-safe: one owner)."""

    def __init__(
        self,
        queues: Mapping[str, QueueConfig],
        agents: Mapping[str, Iterable[str]],
        *,
        zone: ZoneInfo = ZONE,
    ) -> None:
        self.zone = zone
        self.queues = {qid: _Queue(cfg) for qid, cfg in queues.items()}
        self.agents = {aid: AgentRow(aid, tuple(qs)) for aid, qs in agents.items()}
        self.calls: dict[str, LiveCall] = {}
        self.day: str | None = None
        self._dirty: set[str] = set(self.queues) | {TOTAL}
        self._sent: dict[str, dict[str, Any]] = {}
        self._dirty_agents: set[str] = set()
        self._sent_agents: dict[str, tuple[Any, ...]] = {}
        self.trend: deque[tuple[str, int, float | None]] = deque(maxlen=TREND_POINTS)

    # -- events ---------------------------------------------------------------------------------

    def apply(self, kind: str, data: Mapping[str, Any]) -> None:
        """Take one event of the call centre (other kinds are ignored)."""
        if kind == "agent.state":
            self._agent(data)
        elif kind.startswith("call.") and data.get("direction", "in") == "in":
            self._call(kind, data)

    def _call(self, kind: str, data: Mapping[str, Any]) -> None:
        queue = self.queues.get(data.get("queue_id", ""))
        if queue is None:
            return
        call = self.calls.get(data["call_id"])
        arrived = parse_at(data["arrived_at"])
        self._roll(arrived)
        if call is None:
            call = LiveCall(data["call_id"], data["queue_id"], arrived, bool(data["borrower_ids"]))
            self.calls[call.call_id] = call
        call.state = data["state"]
        call.answered_at = parse_at(data.get("answered_at"))
        call.ended_at = parse_at(data.get("ended_at"))
        call.hold_s = float(data.get("hold_s") or 0)
        if call.agent_id:
            self._dirty_agents.add(call.agent_id)
        call.agent_id = data.get("agent_id")
        if call.agent_id:
            self._dirty_agents.add(call.agent_id)
        call.known = bool(data["borrower_ids"])
        call.number, call.borrower_ids = data.get("number") or "", tuple(data["borrower_ids"])
        if call.state in WAITING_STATES:
            queue.waiting[call.call_id] = call.arrived_at
        else:
            queue.waiting.pop(call.call_id, None)
        self._count(call)
        if call.state == CallState.ABANDONED.value:
            self.calls.pop(call.call_id, None)

    def _count(self, call: LiveCall) -> None:
        queue = self.queues[call.queue_id]
        if call.counted is not None:
            queue.tally.remove(call.counted, queue.config)
        if self.day is not None and self._day_of(call.arrived_at) != self.day:
            call.counted = None  # yesterday's call: not in today's figures
        else:
            call.counted = call.record()
            queue.tally.add(call.counted, queue.config)
        self._dirty.update((call.queue_id, TOTAL))

    def _agent(self, data: Mapping[str, Any]) -> None:
        agent = self.agents.get(data["agent_id"])
        if agent is None:
            agent = self.agents[data["agent_id"]] = AgentRow(data["agent_id"], ())
        self._dirty_agents.add(agent.agent_id)
        before, before_call = agent.state, agent.call_id
        agent.state, agent.since = data["state"], parse_at(data["since"])
        agent.call_id = data.get("call_id")
        if before == AgentState.AFTER_CALL.value and agent.state != before and before_call:
            self._acw_done(before_call, agent.since)
        if before != agent.state:
            for qid in agent.queues:
                queue = self.queues.get(qid)
                if queue is None:
                    continue
                if before in queue.staff:
                    queue.staff[before] -= 1
                if agent.state in queue.staff:
                    queue.staff[agent.state] += 1
                self._dirty.update((qid, TOTAL))

    def _acw_done(self, call_id: str, at: datetime | None) -> None:
        call = self.calls.pop(call_id, None)
        if call is None or call.ended_at is None or at is None:
            return
        call.acw_s = max(0.0, (at - call.ended_at).total_seconds())
        self._count(call)

    def _day_of(self, at: datetime) -> str:
        return at.astimezone(self.zone).date().isoformat()

    def _roll(self, now: datetime) -> None:
        """A new day: today's counts restart (calls still in hand are counted again)."""
        day = self._day_of(now)
        if self.day == day:
            return
        if self.day is not None and day < self.day:
            return
        self.day = day
        for queue in self.queues.values():
            queue.tally = Tally()
        for call in self.calls.values():
            call.counted = None
            if self._day_of(call.arrived_at) == day:
                self._count(call)
        self._dirty.update(self.queues)
        self._dirty.add(TOTAL)

    # -- figures --------------------------------------------------------------------------------

    def row(self, queue_id: str, now: datetime) -> QueueRow:
        """One queue's row (``TOTAL``: every queue summed, each call by its own queue's rules)."""
        if queue_id == TOTAL:
            return self._total(now)
        queue = self.queues[queue_id]
        oldest = min(queue.waiting.values(), default=None)
        return QueueRow(
            queue.tally.figures(queue_id, target_pct=queue.config.target_pct),
            waiting=len(queue.waiting),
            longest_wait_s=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
            available=queue.staff["available"],
            on_call=queue.staff["on_call"],
            after_call=queue.staff["after_call"],
            threshold_s=queue.config.threshold_s,
        )

    def _total(self, now: datetime) -> QueueRow:
        total = Tally()
        for queue in self.queues.values():
            for name in Tally.__slots__:
                setattr(total, name, getattr(total, name) + getattr(queue.tally, name))
        oldest = min(
            (min(q.waiting.values()) for q in self.queues.values() if q.waiting), default=None
        )
        staff = {state: 0 for state in STAFF_STATES}
        for agent in self.agents.values():
            if agent.state in staff:
                staff[agent.state] += 1
        return QueueRow(
            total.figures(TOTAL),
            waiting=sum(len(q.waiting) for q in self.queues.values()),
            longest_wait_s=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
            available=staff["available"],
            on_call=staff["on_call"],
            after_call=staff["after_call"],
        )

    def rows(self, now: datetime) -> list[QueueRow]:
        """Every queue's row (sorted by id), then the total."""
        self._roll(now)
        return [self.row(qid, now) for qid in sorted(self.queues)] + [self.row(TOTAL, now)]

    def changed(self, now: datetime) -> list[dict[str, Any]]:
        """The rows (as JSON) that differ from the last call's, waiting queues always looked at."""
        self._roll(now)
        look = set(self._dirty) | {q for q, queue in self.queues.items() if queue.waiting}
        if look:
            look.add(TOTAL)
        self._dirty.clear()
        out = []
        for qid in sorted(look, key=lambda q: (q == TOTAL, q)):
            row = self.row(qid, now).as_dict()
            if self._sent.get(qid) != row:
                self._sent[qid] = row
                out.append(row)
        return out

    def sample(self, now: datetime) -> None:
        """Add a trend point: total waiting and service level now."""
        total = self._total(now)
        self.trend.append((iso_z(now), total.waiting, total.figures.service_level))

    def changed_agents(self, now: datetime) -> list[dict[str, Any]]:
        """The agents (as JSON) whose state, call or queue changed since they were last sent
        (time in state alone is no change: the view counts it from ``since``)."""
        names, self._dirty_agents = sorted(self._dirty_agents), set()
        out = []
        for aid in names:
            agent = self.agents.get(aid)
            if agent is None:
                continue
            row = agent_json(agent, self.calls.get(agent.call_id or ""), now)
            key = (row["state"], row["since"], row["call_id"], row["queue_id"], row["number"])
            if self._sent_agents.get(aid) != key:
                self._sent_agents[aid] = key
                out.append(row)
        return out

    def agent_rows(self, now: datetime) -> list[dict[str, Any]]:
        """Each agent: state, seconds in it, its call's queue and length (no number: PII)."""
        out = []
        for aid in sorted(self.agents):
            agent = self.agents[aid]
            call = self.calls.get(agent.call_id or "")
            out.append(agent_json(agent, call, now))
        return out


def agent_json(agent: AgentRow, call: LiveCall | None, now: datetime) -> dict[str, Any]:
    """An agent row as JSON: the caller's number masked, the borrower by id only."""
    start = call.answered_at or call.arrived_at if call else None
    return {
        "agent_id": agent.agent_id,
        "state": agent.state,
        "since": iso_z(agent.since) if agent.since else None,
        "state_s": round((now - agent.since).total_seconds()) if agent.since else None,
        "call_started_at": iso_z(start) if start else None,
        "call_id": agent.call_id,
        "queue_id": call.queue_id if call else None,
        "call_s": round((now - start).total_seconds()) if start and call.ended_at is None else None,
        "number": mask_phone(call.number) if call and call.number else None,
        "borrower_id": call.borrower_ids[0] if call and call.borrower_ids else None,
    }

"""The simulated call centre's settings and its mutable calls and agents (see ``acd``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from workbench.domain.calls import AgentState, AgentStatus, CallInfo, CallState

DEFAULT_QUEUE_WEIGHTS = {"repayment": 0.4, "overdue": 0.35, "lien_release": 0.15, "complaints": 0.1}


@dataclass(slots=True)
class AcdConfig:
    """How the simulated ACD behaves. Times in seconds; every draw comes from ``seed``.

    ``call_rate`` is calls per minute over all queues (Poisson arrivals; 0 = no arrivals);
    ``patience_s`` the mean of the callers' exponential patience; ``known_share`` the share of
    calls from a borrower's known number. An offer not answered in ``offer_timeout_s`` goes
    back to the queue and the agent moves to ``missed_offer_state``. ``colleagues`` scripted
    agents (None: every agent of role ``agent`` not in ``humans``) answer after a ring of
    ``ring_s``, talk for an exponential ``talk_mean_s`` (at least ``min_talk_s``), then do
    after-call work for ``acw_s``; ``break_share`` of their calls are followed by a break of
    ``break_s``. ``humans`` are the agents driven through the API (the desk); any agent that
    calls the API becomes one.
    """

    call_rate: float = 0.0
    patience_s: float = 120.0
    known_share: float = 0.85
    offer_timeout_s: float = 20.0
    missed_offer_state: str = AgentState.AVAILABLE
    colleagues: int | None = None
    humans: tuple[str, ...] = ("A001",)
    ring_s: tuple[float, float] = (2.0, 6.0)
    talk_mean_s: float = 150.0
    min_talk_s: float = 20.0
    acw_s: tuple[float, float] = (15.0, 45.0)
    break_share: float = 0.05
    break_s: float = 300.0
    queue_weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_QUEUE_WEIGHTS))
    seed: int = 0
    tick_s: float = 0.5
    keep_log: bool = False  # keep every finished call in ``finished_log`` (simulated days)
    answer_share: float = 0.6  # borrowers who pick up an outbound call …
    pickup_s: tuple[float, float] = (4.0, 20.0)  # … after ringing this long
    no_answer_s: float = 30.0  # an outbound call nobody picks up ends after this


class CallError(Exception):
    """A call command the ACD refuses: ``status`` (404/403/409/422), ``code`` and a message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def iso(moment: datetime) -> str:
    """``2026-11-27T02:00:00Z`` (whole seconds, UTC)."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.replace(microsecond=0, tzinfo=None).isoformat() + "Z"


@dataclass(slots=True)
class Call:
    """A call as the ACD tracks it; ``info()`` is its wire form."""

    call_id: str
    queue_id: str
    number: str
    borrower_ids: list[str]
    arrived_at: datetime
    patience_until: datetime
    direction: str = "in"
    state: str = CallState.QUEUED
    offered_at: datetime | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    agent_id: str | None = None
    hold_s: float = 0.0
    hold_started: datetime | None = None
    offers: int = 0  # offers made so far: a timer of an older offer is stale
    passed_by: set[str] = field(default_factory=set)  # agents who refused or missed it
    callback_id: str | None = None  # an outbound call placed for this callback

    def held_seconds(self, now: datetime) -> int:
        """Seconds on hold so far (the running hold included)."""
        running = (now - self.hold_started).total_seconds() if self.hold_started else 0.0
        return int(self.hold_s + running)

    def info(self, now: datetime | None = None) -> CallInfo:
        """The call's wire object as of ``now``."""
        return CallInfo(
            call_id=self.call_id,
            queue_id=self.queue_id,
            number=self.number,
            borrower_ids=list(self.borrower_ids),
            direction=self.direction,
            state=str(self.state),
            arrived_at=iso(self.arrived_at),
            offered_at=iso(self.offered_at) if self.offered_at else None,
            answered_at=iso(self.answered_at) if self.answered_at else None,
            ended_at=iso(self.ended_at) if self.ended_at else None,
            agent_id=self.agent_id,
            hold_s=self.held_seconds(now or self.ended_at or self.arrived_at),
            callback_id=self.callback_id,
        )


@dataclass(slots=True)
class AgentSlot:
    """An agent as the ACD tracks it: its state, its call, when it last became idle."""

    agent_id: str
    queues: tuple[str, ...]
    human: bool
    state: str
    since: datetime
    idle_since: datetime
    call_id: str | None = None  # offered (while available), active, or in after-call work
    epoch: int = 0  # bumped on every change: a colleague's timer of an older epoch is stale
    scripted: bool = False

    def status(self) -> AgentStatus:
        """The agent's wire object."""
        return AgentStatus(self.agent_id, str(self.state), iso(self.since), self.call_id)

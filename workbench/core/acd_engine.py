"""The simulation half of the ACD: arrivals, patience, offers and scripted colleagues.

See ``workbench.core.acd`` for the whole picture; ``Acd`` adds the desk's commands to this.
"""

from __future__ import annotations

import heapq
import threading
from collections import deque
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from random import Random
from typing import Any

from workbench.core.acd_model import AcdConfig, AgentSlot, Call, CallError
from workbench.core.acd_phones import PhoneIndex
from workbench.domain.calls import (
    AgentState,
    CallInfo,
    CallState,
    agent_to_json,
    call_to_json,
)

Publish = Callable[[str, dict[str, Any]], Any]
KEEP_FINISHED = 1000  # finished calls remembered (their commands answer 409, not 404)
_OPEN = (CallState.QUEUED, CallState.OFFERED)
_DONE = (CallState.ENDED, CallState.ABANDONED)


class AcdEngine:
    """The simulated call centre without the desk's commands; public methods are thread-safe."""

    def __init__(
        self,
        config: AcdConfig,
        *,
        queues: dict[str, bool],
        agents: Iterable[dict[str, Any]],
        start: datetime,
        phones: PhoneIndex | None = None,
        publish: Publish | None = None,
    ) -> None:
        """``queues``: queue id → disposition required; ``agents``: Agent records."""
        self.config = config
        self.queues = dict(queues)
        self.phones = phones or PhoneIndex()
        self.publish = publish
        self.now = start
        self.emitted: deque[tuple[str, dict[str, Any]]] = deque(maxlen=1000)
        self.calls: dict[str, Call] = {}
        self._waiting: dict[str, Call] = {}  # the calls in state queued
        self.agents: dict[str, AgentSlot] = {}
        self._rng = Random(config.seed)
        self._lock = threading.RLock()
        self._timers: list[tuple[datetime, int, str, str, int]] = []
        self._serial = 0
        self._finished: deque[str] = deque()
        self._run = start.strftime("%y%m%d%H%M%S")
        self._next_arrival = self._after_gap(start)
        self._add_agents(list(agents), start)
        self.abandoned_known: deque[Call] = deque()  # drained by the callback desk
        self.finished_log: list[Call] | None = [] if config.keep_log else None

    # -- set-up -------------------------------------------------------------------------------

    def _add_agents(self, records: list[dict[str, Any]], start: datetime) -> None:
        humans = set(self.config.humans)
        candidates = sorted(
            r["id"] for r in records if r["role"] == "agent" and r["id"] not in humans
        )
        count = len(candidates) if self.config.colleagues is None else self.config.colleagues
        scripted = set(candidates[: max(0, count)])
        for n, record in enumerate(sorted(records, key=lambda r: r["id"])):
            aid = record["id"]
            works = aid in scripted
            since = start - timedelta(seconds=len(records) - n) if works else start
            self.agents[aid] = AgentSlot(
                agent_id=aid,
                queues=tuple(record["queues"]),
                human=aid in humans,
                state=AgentState.AVAILABLE if works else AgentState.OFFLINE,
                since=since,
                idle_since=since,
                scripted=works,
            )

    # -- driving ------------------------------------------------------------------------------

    def advance(self, now: datetime) -> None:
        """Run everything scheduled up to ``now`` (in time order); ``now`` never goes back."""
        with self._lock:
            self._advance(now)

    def _advance(self, now: datetime) -> None:
        while True:
            due, arrival = self._next_due()
            if due is None or due > now:
                break
            self.now = max(self.now, due)
            if arrival:
                self._next_arrival = self._after_gap(due)
                self._arrive(due)
            else:
                self._fire(due)
            self._dispatch(due)
        self.now = max(self.now, now)
        self._dispatch(self.now)

    def _next_due(self) -> tuple[datetime | None, bool]:
        """The time of the next happening, and whether it is an arrival."""
        top = self._timers[0][0] if self._timers else None
        arrival = self._next_arrival
        if top is None or (arrival is not None and arrival <= top):
            return arrival, arrival is not None
        return top, False

    def _fire(self, due: datetime) -> None:
        _, _, kind, key, token = heapq.heappop(self._timers)
        if kind == "patience":
            call = self.calls.get(key)
            if call is not None and call.state in _OPEN:
                self._abandon(call, due)
        elif kind == "offer":
            call = self.calls.get(key)
            if call and call.state == CallState.OFFERED and call.offers == token:
                self._missed_offer(call, due)
        elif kind == "colleague":
            agent = self.agents.get(key)
            if agent is not None and agent.scripted and agent.epoch == token:
                self._colleague_step(agent, due)
        else:
            self._fire_more(kind, key, token, due)

    def _fire_more(self, kind: str, key: str, token: int, due: datetime) -> None:
        """Timers of subclasses (outbound calls)."""

    def _schedule(self, at: datetime, kind: str, key: str, token: int = 0) -> None:
        self._serial += 1
        heapq.heappush(self._timers, (at, self._serial, kind, key, token))

    def _after_gap(self, moment: datetime) -> datetime | None:
        rate = self.config.call_rate
        if rate <= 0:
            return None
        return moment + timedelta(seconds=self._rng.expovariate(rate / 60.0))

    # -- calls arriving and leaving -----------------------------------------------------------

    def _arrive(self, at: datetime) -> None:
        queue = self._pick_queue()
        if queue is None:
            return
        number = None
        if self._rng.random() < self.config.known_share:
            number = self.phones.sample(self._rng)
        if number is None:
            number = self._unknown_number()
        self._new_call(number, queue, at, self._rng.expovariate(1 / self.config.patience_s))

    def _pick_queue(self) -> str | None:
        names = sorted(self.queues)
        if not names:
            return None
        weights = [self.config.queue_weights.get(q, 0.0) for q in names]
        if sum(weights) <= 0:
            weights = [1.0] * len(names)
        return self._rng.choices(names, weights)[0]

    def _unknown_number(self) -> str:
        while True:
            number = f"1{self._rng.choice('3456789')}{self._rng.randrange(10**9):09d}"
            if not self.phones.lookup(number):
                return number

    def _new_call(self, number: str, queue_id: str, at: datetime, patience_s: float) -> Call:
        self._serial += 1
        call = Call(
            call_id=f"K{self._run}-{self._serial:06d}",
            queue_id=queue_id,
            number=number,
            borrower_ids=self.phones.lookup(number),
            arrived_at=at,
            patience_until=at + timedelta(seconds=patience_s),
        )
        self.calls[call.call_id] = call
        self._waiting[call.call_id] = call
        self._schedule(call.patience_until, "patience", call.call_id)
        self._emit_call("call.queued", call)
        return call

    def inject(
        self,
        number: str,
        queue_id: str,
        now: datetime,
        *,
        patience_s: float = 3600.0,
    ) -> CallInfo:
        """A call from ``number`` enters ``queue_id`` at ``now`` (scripted scenarios, tests)."""
        with self._lock:
            if queue_id not in self.queues:
                raise CallError(404, "unknown_queue", f"没有队列 / no queue {queue_id}")
            self._advance(now)
            call = self._new_call(number, queue_id, self.now, patience_s)
            self._dispatch(self.now)
            return call.info(self.now)

    def refresh_numbers(self) -> None:
        """Calls still in hand take the current owners of their numbers (after a link)."""
        with self._lock:
            held = {a.call_id for a in self.agents.values() if a.call_id}
            for call in self.calls.values():
                if call.state in _DONE and call.call_id not in held:
                    continue
                owners = self.phones.lookup(call.number)
                if not set(owners) <= set(call.borrower_ids):
                    call.borrower_ids = sorted(set(call.borrower_ids) | set(owners))

    def _abandon(self, call: Call, at: datetime) -> None:
        agent = self.agents.get(call.agent_id) if call.agent_id else None
        self._finish(call, CallState.ABANDONED, at)
        self._emit_call("call.abandoned", call)
        if call.borrower_ids:
            self.abandoned_known.append(call)
        if agent is not None:
            agent.call_id = None
            agent.epoch += 1
            self._emit_agent(agent)

    def _finish(self, call: Call, state: str, at: datetime) -> None:
        if call.hold_started is not None:
            call.hold_s += (at - call.hold_started).total_seconds()
            call.hold_started = None
        call.state, call.ended_at = state, at
        self._waiting.pop(call.call_id, None)
        self._finished.append(call.call_id)
        if self.finished_log is not None:
            self.finished_log.append(call)
        while len(self._finished) > KEEP_FINISHED:
            self.calls.pop(self._finished.popleft(), None)

    def _requeue(self, call: Call, agent: AgentSlot, at: datetime) -> None:
        """An offer that was refused or not answered: the call waits again (keeps its place)."""
        call.state, call.agent_id, call.offered_at = CallState.QUEUED, None, None
        call.passed_by.add(agent.agent_id)  # not offered to them again
        self._waiting[call.call_id] = call
        agent.call_id, agent.idle_since = None, at
        agent.epoch += 1
        self._emit_call("call.queued", call, previous_agent_id=agent.agent_id)

    def _missed_offer(self, call: Call, at: datetime) -> None:
        agent = self.agents[call.agent_id]
        self._requeue(call, agent, at)
        if agent.state != self.config.missed_offer_state:
            agent.state, agent.since = self.config.missed_offer_state, at
        self._emit_agent(agent)

    # -- offering -----------------------------------------------------------------------------

    def _dispatch(self, at: datetime) -> None:
        """Offer waiting calls, oldest first, each to the longest-idle agent who can take it."""
        if not self._waiting:
            return
        idle = [
            a
            for a in self.agents.values()
            if a.state == AgentState.AVAILABLE and a.call_id is None and (a.human or a.scripted)
        ]
        waiting = sorted(self._waiting.values(), key=lambda c: (c.arrived_at, c.call_id))
        for call in waiting:
            if not idle:
                return
            able = (
                a for a in idle if call.queue_id in a.queues and a.agent_id not in call.passed_by
            )
            agent = min(able, key=lambda a: (a.idle_since, a.agent_id), default=None)
            if agent is not None:
                idle.remove(agent)
                self._offer(call, agent, at)

    def _offer(self, call: Call, agent: AgentSlot, at: datetime) -> None:
        call.state, call.agent_id, call.offered_at = CallState.OFFERED, agent.agent_id, at
        self._waiting.pop(call.call_id, None)
        call.offers += 1
        agent.call_id = call.call_id
        agent.epoch += 1
        self._emit_call("call.offered", call)
        if agent.scripted:
            low, high = self.config.ring_s
            ring = timedelta(seconds=self._rng.uniform(low, high))
            self._schedule(at + ring, "colleague", agent.agent_id, agent.epoch)
        else:
            wait = timedelta(seconds=self.config.offer_timeout_s)
            self._schedule(at + wait, "offer", call.call_id, call.offers)

    # -- scripted colleagues ------------------------------------------------------------------

    def _colleague_step(self, agent: AgentSlot, at: datetime) -> None:
        call = self.calls.get(agent.call_id) if agent.call_id else None
        cfg = self.config
        if agent.state == AgentState.AVAILABLE and call and call.state == CallState.OFFERED:
            self._answer(call, agent, at)
            talk = max(cfg.min_talk_s, self._rng.expovariate(1 / cfg.talk_mean_s))
            self._schedule(at + timedelta(seconds=talk), "colleague", agent.agent_id, agent.epoch)
        elif agent.state == AgentState.ON_CALL and call is not None:
            self._end(call, agent, at)
            acw = self._rng.uniform(*cfg.acw_s)
            self._schedule(at + timedelta(seconds=acw), "colleague", agent.agent_id, agent.epoch)
        elif agent.state == AgentState.AFTER_CALL and self._rng.random() < cfg.break_share:
            self._set(agent, AgentState.BREAK, at)
            pause = timedelta(seconds=cfg.break_s)
            self._schedule(at + pause, "colleague", agent.agent_id, agent.epoch)
        elif agent.state in (AgentState.AFTER_CALL, AgentState.BREAK):
            self._set(agent, AgentState.AVAILABLE, at)

    # -- changes shared by people and colleagues ----------------------------------------------

    def _answer(self, call: Call, agent: AgentSlot, at: datetime) -> None:
        call.state, call.answered_at = CallState.ACTIVE, at
        self._emit_call("call.answered", call)
        self._set(agent, AgentState.ON_CALL, at, call_id=call.call_id)

    def _end(self, call: Call, agent: AgentSlot, at: datetime) -> None:
        self._finish(call, CallState.ENDED, at)
        self._emit_call("call.ended", call)
        self._set(agent, AgentState.AFTER_CALL, at, call_id=call.call_id)

    def _set(self, agent: AgentSlot, state: str, at: datetime, *, call_id: str | None = None):
        agent.state, agent.since, agent.call_id = state, at, call_id
        agent.epoch += 1
        if state == AgentState.AVAILABLE:
            agent.idle_since = at
        self._emit_agent(agent)

    # -- events -------------------------------------------------------------------------------

    def _emit_call(self, kind: str, call: Call, **extra: Any) -> None:
        self._emit(kind, call_to_json(call.info(self.now)) | extra)

    def _emit_agent(self, agent: AgentSlot) -> None:
        self._emit("agent.state", agent_to_json(agent.status()))

    def _emit(self, kind: str, data: dict[str, Any]) -> None:
        self.emitted.append((kind, data))
        if self.publish is not None:
            self.publish(kind, data)

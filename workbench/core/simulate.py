"""A day in a minute: the reference core's ACD on an accelerated clock, worked by scripted agents.

``simulate_day(SimConfig(...))`` builds a small demo portfolio in a scratch folder, adds ``agents``
agents skilled for every queue, and runs the ACD from ``start`` for ``hours`` in steps of
``step_s`` seconds of simulated time. Every agent is scripted and works through the same core
services the endpoints use: ACD commands (answer, end, set_state) for inbound calls and, when
no inbound call waits for it, the callback desk (``claim_next`` → ``dial`` → after the call an
outcome through ``effects.apply_action`` — the ``callback_outcome`` action's own code). The
callback desk takes abandoned calls every step and sweeps every minute, as the serving core's
tick does.

Figures: offered, answered, abandoned, service level (``domain.metrics``), callback coverage,
open and overdue callbacks, median abandonment-to-first-attempt (``domain.callback_figures``),
compliance blocks (distinct callback × rule a dial or a claim was refused for), and checks
(callbacks created later than 60 s after their abandonment, attempts outside the contact
window or over the daily caps, claims that overlapped). Same config, same figures.
"""

from __future__ import annotations

import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from random import Random
from typing import Any
from zoneinfo import ZoneInfo

from workbench.core.acd import Acd
from workbench.core.acd_model import AcdConfig, CallError
from workbench.core.actions import parse_action
from workbench.core.callback_book import CallbackConfig, CallbackRefused
from workbench.core.callback_desk import CallbackDesk
from workbench.core.effects import apply_action
from workbench.core.portfolio import open_portfolio
from workbench.core.sim_checks import day_figures
from workbench.core.staff import QUEUE_IDS
from workbench.core.storage import CoreStore
from workbench.domain.calls import AgentState, CallState

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEXT_AGAIN_S = 30  # an agent who found no callback to make presses "next" again after this


@dataclass(frozen=True, slots=True)
class SimConfig:
    """One simulated day; ``start`` defaults to 09:00 Beijing time on ``day``."""

    hours: float = 8.0
    agents: int = 6
    call_rate: float = 2.0  # calls per minute
    seed: int = 1
    step_s: float = 5.0
    borrowers: int = 300
    day: date = date(2026, 11, 27)
    start_local: time = time(9, 0)
    patience_s: float = 120.0
    talk_mean_s: float = 150.0
    acw_s: float = 20.0
    callbacks: CallbackConfig = field(default_factory=CallbackConfig)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.day, self.start_local, tzinfo=SHANGHAI).astimezone(UTC)


@dataclass(slots=True)
class _Agent:
    """What a scripted agent is in the middle of."""

    agent_id: str
    busy_until: datetime | None = None  # talk or after-call work ends
    callback_id: str | None = None  # the callback of its outbound call
    outbound: str | None = None  # that call's id
    idle_until: datetime | None = None  # found nothing to call back: asks again from then


class Simulation:
    """The ACD, the callback desk and the scripted agents over one store."""

    def __init__(self, cfg: SimConfig, store: CoreStore) -> None:
        self.cfg = cfg
        self.store = store
        self.rng = Random(cfg.seed)
        ids = [f"S{n:03d}" for n in range(1, cfg.agents + 1)]
        with store.write() as w:
            for aid in ids:
                record = {"id": aid, "name": f"模拟{aid}", "role": "agent", "queues": QUEUE_IDS}
                w.upsert("agent", aid, record)
        agents = [r for r in _records(store, "agent") if r["id"] in ids]
        queues = {q["id"]: True for q in _records(store, "queue")}
        acd_cfg = AcdConfig(
            call_rate=cfg.call_rate,
            patience_s=cfg.patience_s,
            colleagues=0,
            humans=tuple(ids),
            talk_mean_s=cfg.talk_mean_s,
            seed=cfg.seed,
            keep_log=True,
        )
        from workbench.core.acd_phones import PhoneIndex

        self.acd = Acd(
            acd_cfg,
            queues=queues,
            agents=agents,
            start=cfg.start,
            phones=PhoneIndex.from_store(store),
        )
        self.desk = CallbackDesk(store, cfg.callbacks)
        self.agents = [_Agent(aid) for aid in ids]
        self.created_late: list[float] = []  # seconds from abandonment to the callback, > 60
        self.max_creation_s = 0.0
        self.blocks: set[tuple[str, str]] = set()
        self.claims: list[tuple[str, str, datetime]] = []  # (callback, agent, claimed at)

    def run(self) -> dict[str, Any]:
        """Run the day; returns its figures."""
        now, end = self.cfg.start, self.cfg.start + timedelta(hours=self.cfg.hours)
        for agent in self.agents:
            self.acd.set_state(agent.agent_id, AgentState.AVAILABLE, now, acw_done=True)
        step = timedelta(seconds=self.cfg.step_s)
        while now < end:
            now += step
            self.acd.advance(now)
            self._take_callbacks(now)
            self.desk.sweep(now)
            for agent in self.agents:
                self._work(agent, now)
            self._take_callbacks(now)
        return day_figures(self, end)

    def _take_callbacks(self, now: datetime) -> None:
        pending = list(self.acd.abandoned_known)
        self.desk.take_abandoned(self.acd)
        for call in pending:
            delay = (now - call.ended_at).total_seconds()
            self.max_creation_s = max(self.max_creation_s, delay)
            if delay > 60:
                self.created_late.append(delay)

    # -- one scripted agent ------------------------------------------------------------------------

    def _work(self, agent: _Agent, now: datetime) -> None:
        slot = self.acd.agents[agent.agent_id]
        call = self.acd.calls.get(slot.call_id) if slot.call_id else None
        if slot.state == AgentState.AVAILABLE and call and call.state == CallState.OFFERED:
            self._command(agent, call.call_id, "answer", now)
            agent.busy_until = now + self._talk()
        elif slot.state == AgentState.ON_CALL and call is not None:
            self._on_call(agent, call, now)
        elif slot.state == AgentState.AFTER_CALL:
            if agent.busy_until is None or now >= agent.busy_until:
                self._wrap_up(agent, now)
        elif slot.state == AgentState.AVAILABLE and call is None and not self._waiting(slot):
            self._next_callback(agent, now)

    def _on_call(self, agent: _Agent, call, now: datetime) -> None:
        if call.direction == "out" and call.state == CallState.OFFERED:
            return  # ringing at the borrower's end
        if call.direction == "out" and agent.busy_until is None:
            agent.busy_until = now + self._talk()
        if agent.busy_until is not None and now >= agent.busy_until:
            self._command(agent, call.call_id, "end", now)
            agent.busy_until = now + timedelta(seconds=self.cfg.acw_s)

    def _wrap_up(self, agent: _Agent, now: datetime) -> None:
        if agent.callback_id is not None:
            call = self.acd.calls.get(agent.outbound or "")
            answered = call is not None and call.answered_at is not None
            self._outcome(agent, answered, now)
        agent.busy_until = agent.callback_id = agent.outbound = None
        self.acd.set_state(agent.agent_id, AgentState.AVAILABLE, now, acw_done=True)

    def _outcome(self, agent: _Agent, answered: bool, now: datetime) -> None:
        record = self.store.get("callback", agent.callback_id or "")
        if record is None or record["status"] not in ("open", "claimed"):
            return
        outcome = "no_answer"
        if answered:
            outcome = self.rng.choices(["reached", "promised", "wrong_number"], [6, 3, 1])[0]
        payload: dict[str, Any] = {
            "callback_id": record["id"],
            "outcome": outcome,
            "call_id": agent.outbound,
        }
        if answered and record["reason"] == "follow_up":
            payload["satisfaction"] = self.rng.randint(3, 5)
        body = {
            "type": "callback_outcome",
            "id": f"O-{uuid.UUID(int=self.rng.getrandbits(128)).hex}",
            "borrower_id": record["borrower_id"],
            "agent_id": agent.agent_id,
            "created_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "payload": payload,
        }
        with self.store.write() as w:
            apply_action(w, parse_action(body), now)

    def _next_callback(self, agent: _Agent, now: datetime) -> None:
        if agent.idle_until is not None and now < agent.idle_until:
            return
        slot = self.acd.agents[agent.agent_id]
        record, skipped = self.desk.claim_next(agent.agent_id, slot.queues, now)
        self.blocks |= {(s.callback_id, s.rule) for s in skipped}
        if record is None:
            agent.idle_until = now + timedelta(seconds=NEXT_AGAIN_S)
            return
        agent.idle_until = None
        self.claims.append((record["id"], agent.agent_id, now))
        try:
            info = self.desk.dial(self.acd, agent.agent_id, record["id"], now)
        except CallbackRefused as exc:
            self.blocks.add((record["id"], exc.code))
            self.desk.release(agent.agent_id, record["id"], now)
            return
        agent.callback_id, agent.outbound, agent.busy_until = record["id"], info.call_id, None

    # -- helpers -----------------------------------------------------------------------------------

    def _waiting(self, slot) -> bool:
        return any(
            c.state == CallState.QUEUED and c.queue_id in slot.queues
            for c in self.acd._waiting.values()
        )

    def _talk(self) -> timedelta:
        return timedelta(seconds=max(20.0, self.rng.expovariate(1 / self.cfg.talk_mean_s)))

    def _command(self, agent: _Agent, call_id: str, verb: str, now: datetime) -> None:
        try:
            self.acd.command(agent.agent_id, call_id, verb, now)
        except CallError:
            agent.busy_until = None  # the caller hung up first


def _records(store: CoreStore, entity: str) -> list[dict[str, Any]]:
    import orjson

    return [orjson.loads(data) for _, _, data in store.iter_records(entity)]


def simulate_day(cfg: SimConfig, folder: str | Path | None = None) -> dict[str, Any]:
    """Run one simulated day in ``folder`` (a temporary one by default); its figures."""
    with tempfile.TemporaryDirectory(prefix="wb-sim-") as scratch:
        path = Path(folder or scratch) / f"sim-{cfg.borrowers}-{cfg.seed}.db"
        if path.exists():
            path.unlink()
        store = open_portfolio(path, cfg.borrowers, cfg.seed, cfg.day)
        try:
            return Simulation(cfg, store).run()
        finally:
            store.close()

"""A simulated ACD (automatic call distributor): calls arrive, wait, are offered, answered, end.

The simulation is a pure step function over an injected clock: ``acd.advance(now)`` runs every
scheduled happening up to ``now`` in time order — arrivals (Poisson at ``call_rate`` per
minute), callers abandoning when their patience runs out, offers nobody answered, the scripted
colleagues' answers, hang-ups and breaks — and after each one offers waiting calls (oldest
first) to the longest-idle available agent skilled for the queue. The asyncio task of the
app (``acd_runner``) only ticks it with the wall clock; a test or an accelerated "simulate a
day" drives it with any clock, in steps of any size, and gets the same calls for the same seed.

People at a desk drive their agent through the commands (``answer``, ``hold``, ``resume``,
``end``, ``reject``, ``set_state``); each one first advances to its ``now``. Every change is
published as an event (``call.*`` with a ``CallInfo``, ``agent.state`` with an
``AgentStatus``) through ``publish(type, data)``.

Leaving after-call work needs the call's disposition when its queue requires one and the
caller is a known borrower (an unknown caller nobody linked has no record to write it on).
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

from workbench.core.acd_engine import AcdEngine
from workbench.core.acd_model import AcdConfig, AgentSlot, Call, CallError
from workbench.domain.calls import AgentState, AgentStatus, CallInfo, CallState, can_request

__all__ = ["Acd", "AcdConfig", "CallError"]


class Acd(AcdEngine):
    """The simulated call centre with the commands of the people at desks (thread-safe)."""

    # -- the desk's commands ------------------------------------------------------------------

    def status(self, agent_id: str, now: datetime) -> tuple[AgentStatus, list[CallInfo]]:
        """The agent's state and its open calls (offered, active, held), plus the ended call
        it is wrapping up while in after-call work; makes it a person."""
        with self._lock:
            self._advance(now)
            agent = self._person(agent_id)
            calls = [
                c.info(self.now)
                for c in self.calls.values()
                if c.agent_id == agent_id and c.state not in (CallState.ENDED, CallState.ABANDONED)
            ]
            wrapping = self.calls.get(agent.call_id) if agent.call_id else None
            if (
                agent.state == AgentState.AFTER_CALL
                and wrapping is not None
                and wrapping.agent_id == agent_id
                and wrapping.state == CallState.ENDED
            ):  # a desk restarted in after-call work gets its wrap-up back
                calls.append(wrapping.info(self.now))
            return agent.status(), sorted(calls, key=lambda c: c.call_id)

    def command(self, agent_id: str, call_id: str, verb: str, now: datetime) -> CallInfo:
        """``answer | hold | resume | end | reject`` on one call; raises ``CallError``."""
        allowed = {
            "answer": (CallState.OFFERED,),
            "reject": (CallState.OFFERED,),
            "hold": (CallState.ACTIVE,),
            "resume": (CallState.HELD,),
            "end": (CallState.ACTIVE, CallState.HELD),
        }
        if verb not in allowed:
            raise CallError(404, "not_found", f"no such call command: {verb}")
        with self._lock:
            self._advance(now)
            agent = self._person(agent_id)
            call = self.calls.get(call_id)
            if call is None:
                raise CallError(404, "unknown_call", f"没有这个呼叫 / no call {call_id}")
            if call.direction == "out":
                allowed = {"end": (CallState.OFFERED, CallState.ACTIVE, CallState.HELD)} | {
                    v: allowed[v] for v in ("hold", "resume")
                }
            if call.agent_id != agent_id:
                raise CallError(
                    403, "not_your_call", f"呼叫 {call_id} 不是你的 / call {call_id} is not yours"
                )
            if call.state not in allowed.get(verb, ()):
                raise CallError(
                    409,
                    "wrong_state",
                    f"呼叫状态为 {call.state}，不能{verb} / cannot {verb} a call that is "
                    f"{call.state}",
                )
            getattr(self, f"_do_{verb}")(call, agent, self.now)
            self._dispatch(self.now)
            return call.info(self.now)

    def _do_answer(self, call: Call, agent: AgentSlot, at: datetime) -> None:
        self._answer(call, agent, at)

    def _do_reject(self, call: Call, agent: AgentSlot, at: datetime) -> None:
        self._requeue(call, agent, at)
        self._emit_agent(agent)

    def _do_hold(self, call: Call, agent: AgentSlot, at: datetime) -> None:
        call.state, call.hold_started = CallState.HELD, at
        self._emit_call("call.held", call)

    def _do_resume(self, call: Call, agent: AgentSlot, at: datetime) -> None:
        call.hold_s += (at - call.hold_started).total_seconds() if call.hold_started else 0.0
        call.state, call.hold_started = CallState.ACTIVE, None
        self._emit_call("call.resumed", call)

    def _do_end(self, call: Call, agent: AgentSlot, at: datetime) -> None:
        self._end(call, agent, at)
        if call.direction == "out":
            self.outbound_done.append(call)

    # -- outbound calls (callbacks) -----------------------------------------------------------

    @property
    def outbound_done(self) -> deque[Call]:
        """Outbound calls that ended (drained by the callback desk)."""
        done = getattr(self, "_outbound_done", None)
        if done is None:
            done = self._outbound_done = deque()
        return done

    def dial(
        self,
        agent_id: str,
        number: str,
        borrower_ids: list[str],
        queue_id: str,
        now: datetime,
        *,
        callback_id: str | None = None,
    ) -> CallInfo:
        """Place an outbound call from an available agent; it rings at the borrower.

        Events as for inbound calls: ``call.offered`` (``direction`` "out", ringing), then
        ``call.answered`` when the borrower picks up (``answer_share`` of calls, after
        ``pickup_s``), or ``call.ended`` unanswered after ``no_answer_s``. The agent is
        ``on_call`` from the dial and may ``end`` the call at any time (also while ringing).
        """
        with self._lock:
            self._advance(now)
            agent = self._person(agent_id)
            if agent.state != AgentState.AVAILABLE or agent.call_id is not None:
                raise CallError(
                    409,
                    "busy",
                    f"坐席状态为 {agent.state}，不能外呼 / cannot dial while {agent.state}",
                )
            self._serial += 1
            at = self.now
            call = Call(
                call_id=f"K{self._run}-{self._serial:06d}",
                queue_id=queue_id,
                number=number,
                borrower_ids=sorted(borrower_ids),
                arrived_at=at,
                patience_until=at,
                direction="out",
                state=CallState.OFFERED,
                offered_at=at,
                agent_id=agent_id,
                offers=1,
                callback_id=callback_id,
            )
            self.calls[call.call_id] = call
            self._emit_call("call.offered", call)
            self._set(agent, AgentState.ON_CALL, at, call_id=call.call_id)
            rng = self._outbound_rng()
            if rng.random() < self.config.answer_share:
                pickup = timedelta(seconds=rng.uniform(*self.config.pickup_s))
                self._schedule(at + pickup, "out_pickup", call.call_id)
            else:
                self._schedule(
                    at + timedelta(seconds=self.config.no_answer_s), "out_none", call.call_id
                )
            return call.info(at)

    def _outbound_rng(self):
        rng = getattr(self, "_out_rng", None)
        if rng is None:
            from random import Random

            rng = self._out_rng = Random(self.config.seed * 7919 + 1)
        return rng

    def _fire_more(self, kind: str, key: str, token: int, due: datetime) -> None:
        call = self.calls.get(key)
        if call is None or call.direction != "out" or call.state != CallState.OFFERED:
            return
        agent = self.agents.get(call.agent_id or "")
        if kind == "out_pickup":
            call.state, call.answered_at = CallState.ACTIVE, due
            self._emit_call("call.answered", call)
        elif kind == "out_none" and agent is not None:
            self._end(call, agent, due)
            self.outbound_done.append(call)

    def acw_pending(self, agent_id: str) -> str | None:
        """The call whose disposition the agent owes before leaving after-call work, if any."""
        with self._lock:
            agent = self.agents.get(agent_id)
            if agent is None or agent.state != AgentState.AFTER_CALL or not agent.call_id:
                return None
            call = self.calls.get(agent.call_id)
            if call is None or not call.borrower_ids:
                return None
            return call.call_id if self.queues.get(call.queue_id, True) else None

    def set_state(
        self, agent_id: str, target: str, now: datetime, *, acw_done: bool
    ) -> AgentStatus:
        """Switch a person's agent to ``target`` (available, break, offline).

        ``acw_done``: the disposition of the call in after-call work is recorded (only asked
        when ``acw_pending`` names a call).
        """
        if target not in {s.value for s in AgentState}:
            raise CallError(422, "invalid_state", f"未知状态 / unknown agent state {target!r}")
        with self._lock:
            self._advance(now)
            agent = self._person(agent_id)
            owed = self.acw_pending(agent_id) is not None
            if owed and not acw_done and target != agent.state:
                raise CallError(
                    409,
                    "acw_disposition_required",
                    "请先填写处理结果 / record the call's disposition before leaving "
                    "after-call work",
                )
            if not can_request(agent.state, target, acw_done=True):
                raise CallError(
                    409,
                    "wrong_state",
                    f"不能从 {agent.state} 切换到 {target} / cannot switch from {agent.state} "
                    f"to {target}",
                )
            offered = self.calls.get(agent.call_id) if agent.call_id else None
            if offered is not None and offered.state == CallState.OFFERED and target != agent.state:
                self._requeue(offered, agent, self.now)
            if target != agent.state:
                self._set(agent, target, self.now)
            self._dispatch(self.now)
            return agent.status()

    def link(self, call_id: str, borrower_ids: list[str]) -> None:
        """The caller of ``call_id`` proved to be these borrowers (a ``link_number`` action)."""
        with self._lock:
            call = self.calls.get(call_id)
            if call is not None:
                call.borrower_ids = sorted(set(call.borrower_ids) | set(borrower_ids))

    def _person(self, agent_id: str) -> AgentSlot:
        """The agent, now driven by a person (a scripted colleague hands over, offline)."""
        agent = self.agents.get(agent_id)
        if agent is None:
            raise CallError(404, "unknown_agent", f"没有坐席 / no agent {agent_id}")
        if not agent.human:
            agent.human = True
            if agent.scripted:
                agent.scripted = False
                call = self.calls.get(agent.call_id) if agent.call_id else None
                if call is not None and call.state == CallState.OFFERED:
                    self._requeue(call, agent, self.now)
                elif call is not None and call.state in (CallState.ACTIVE, CallState.HELD):
                    self._finish(call, CallState.ENDED, self.now)
                    self._emit_call("call.ended", call)
                self._set(agent, AgentState.OFFLINE, self.now)
        return agent

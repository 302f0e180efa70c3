"""Helpers for the desk's call tests: call events as the sync hands them, and a sync stand-in.

``TelephonySync`` stands in for the *network* side only: it has the sync's interface
(``status/start/poke/stop/control``) and records the commands the desk sends, so a test can
answer them with the events the core would broadcast. The desk itself is the real app.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from desk_pilot import NOW

from workbench.domain.calls import AgentStatus, CallCommand, CallEvent, CallInfo
from workbench.sync.status import SyncState, SyncStatus

AGENT = "A001"


def iso(moment: datetime) -> str:
    """UTC ISO with Z, as the core writes times."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class TelephonySync:
    """The sync's interface; ``control`` records what the desk asked for."""

    def __init__(self) -> None:
        self.commands: list[CallCommand] = []
        self.pokes = 0
        self._status = SyncStatus(SyncState.LIVE)

    @property
    def status(self) -> SyncStatus:
        return self._status

    def start(self) -> None:
        pass

    def poke(self) -> None:
        self.pokes += 1

    def stop(self) -> None:
        pass

    def control(self, cmd: CallCommand) -> None:
        self.commands.append(cmd)


def offered(
    borrower_ids: list[str],
    *,
    call_id: str = "CALL-1",
    number: str = "13812345678",
    queue_id: str = "repayment",
    waited_s: int = 35,
) -> CallInfo:
    """A call just offered to the desk's agent after ``waited_s`` seconds in the queue."""
    return CallInfo(
        call_id=call_id,
        queue_id=queue_id,
        number=number,
        borrower_ids=list(borrower_ids),
        direction="in",
        state="offered",
        arrived_at=iso(NOW - timedelta(seconds=waited_s)),
        offered_at=iso(NOW),
        agent_id=AGENT,
    )


def answered(call: CallInfo, at: datetime = NOW) -> CallInfo:
    return replace(call, state="active", answered_at=iso(at))


def held(call: CallInfo) -> CallInfo:
    return replace(call, state="held")


def ended(call: CallInfo, at: datetime) -> CallInfo:
    return replace(call, state="ended", ended_at=iso(at))


def call_event(kind: str, call: CallInfo) -> CallEvent:
    return CallEvent(type=f"call.{kind}", call=call)


def agent_event(state: str, since: datetime = NOW, call_id: str | None = None) -> CallEvent:
    return CallEvent(type="agent.state", agent=AgentStatus(AGENT, state, iso(since), call_id))

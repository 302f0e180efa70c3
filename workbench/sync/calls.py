"""The call centre side of the sync: call events to the desk, the desk's call commands to the core.

The :class:`Follower` owns one :class:`CallChannel` when it was given ``on_call_event``:

- events of ``/v1/events`` named ``call.*`` or ``agent.state`` become :class:`CallEvent` objects
  for the callback (``dispatch``); a client that cannot stream reads them from
  ``GET /v1/events/poll`` instead (``poll_loop``, which also reports ``change`` events so the
  follower pulls at once);
- on every (re)connect ``GET /v1/agents/me`` becomes one ``snapshot`` event (``snapshot``), so
  a desk that missed events while disconnected sees the agent's state and open calls again;
- ``run_command`` sends a :class:`CallCommand`; a refusal or a failure comes back as a
  ``CallEvent(type="error", message=...)`` with the core's own words, a success as the event the
  core broadcasts.

The callback runs in the sync's thread; it must be quick and thread-safe (the desk posts a
message to its app).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import httpx

from workbench.domain.callback_work import callback_from_json
from workbench.domain.calls import (
    AGENT_EVENT_TYPE,
    CALL_VERBS,
    CALLBACK_VERBS,
    CallCommand,
    CallEvent,
    agent_from_json,
    call_from_json,
)
from workbench.sync.client import (
    SyncError,
    get_json,
    parse_json,
    request,
    token_rejected_message,
)

CallEventCallback = Callable[[CallEvent], None]
POLL_PATH = "/v1/events/poll"
ME_PATH = "/v1/agents/me"
POLL_WAIT = 20.0  # seconds the core may hold a poll open (it allows up to 25)
COMMAND_DEADLINE = 15.0
log = logging.getLogger(__name__)


def is_call_event(kind: str) -> bool:
    """Whether an event of the core's stream is for the call centre (callbacks included)."""
    return kind.startswith(("call.", "callback.")) or kind == AGENT_EVENT_TYPE


def call_event(kind: str, data: dict[str, Any]) -> CallEvent:
    """The :class:`CallEvent` of one core event (``ValueError`` for a malformed one)."""
    if kind == AGENT_EVENT_TYPE:
        return CallEvent(kind, agent=agent_from_json(data))
    if kind.startswith("callback."):
        return CallEvent(kind, callback=callback_from_json(data))
    return CallEvent(kind, call=call_from_json(data))


class CallChannel:
    """Call events in, call commands out, for one follower (use on the follower's loop)."""

    def __init__(self, on_event: CallEventCallback) -> None:
        self.on_event = on_event

    def emit(self, event: CallEvent) -> None:
        """Hand one event to the desk (a failing callback never stops the sync)."""
        try:
            self.on_event(event)
        except Exception:
            log.exception("the call event callback failed on %s", event.type)

    def error(self, message: str) -> None:
        self.emit(CallEvent("error", message=message))

    def dispatch(self, kind: str, data: str | dict[str, Any]) -> None:
        """One core event (its data as JSON text or parsed) to the desk, if it is a call event."""
        if not is_call_event(kind):
            return
        try:
            parsed = parse_json(data.encode()) if isinstance(data, str) else data
            event = call_event(kind, parsed)
        except (ValueError, TypeError, AttributeError) as exc:
            log.warning("ignored a malformed %s event from the core: %s", kind, exc)
            return
        self.emit(event)

    async def snapshot(self, client: httpx.AsyncClient) -> bool:
        """``GET /v1/agents/me`` → one ``snapshot`` event; False (and an error event) on failure."""
        try:
            body = await get_json(client, ME_PATH, deadline=COMMAND_DEADLINE)
            agent = agent_from_json(body["agent"])
            calls = tuple(call_from_json(c) for c in body.get("calls") or ())
        except SyncError as exc:
            self.error(f"读取坐席状态失败 / cannot read the agent's state: {exc}")
            return False
        except (KeyError, TypeError, ValueError) as exc:
            self.error(f"坐席状态无法识别 / the core's agent state is malformed: {exc}")
            return False
        self.emit(CallEvent("snapshot", agent=agent, calls=calls))
        return True

    async def poll_loop(
        self, client: httpx.AsyncClient, on_change: Callable[[], None], *, wait: float = POLL_WAIT
    ) -> None:
        """Read ``/v1/events/poll`` for ever (run as a task; cancel it to stop)."""
        failures = 0
        while True:
            try:
                start = await get_json(client, POLL_PATH, deadline=COMMAND_DEADLINE)
                last = start["last_id"]
                if not await self.snapshot(client):
                    raise SyncError("no snapshot")
                failures = 0
                while True:
                    params = {"after": last, "wait": f"{wait:g}"}
                    page = await get_json(client, POLL_PATH, params, deadline=wait + 30)
                    last = page["last_id"]
                    for item in page["events"]:
                        if item["event"] in ("change", "reset"):
                            on_change()
                        if item["event"] == "reset":
                            await self.snapshot(client)
                        self.dispatch(item["event"], item["data"])
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the core is away or answered oddly: start again later
                failures += 1
                log.info("call events poll failed (%s); retrying", exc)
                await asyncio.sleep(min(30.0, 0.5 * 2 ** min(failures, 6)))

    async def run_command(self, client: httpx.AsyncClient, cmd: CallCommand) -> None:
        """Send one command; report a refusal or a failure as an ``error`` event."""
        try:
            path, body = command_request(cmd)
        except ValueError as exc:
            self.error(str(exc))
            return
        try:
            answer = await request(client, "POST", path, json=body, deadline=COMMAND_DEADLINE)
        except SyncError as exc:
            self.error(f"操作未送达 / {cmd.verb} did not reach the core: {exc}")
            return
        if answer.status_code < 300:
            return
        if answer.status_code == 401:
            self.error(token_rejected_message(client))
            return
        code, until = refusal_details(answer.content)
        message = refusal_message(cmd, answer.status_code, answer.content)
        self.emit(CallEvent("error", message=message, code=code, until=until))


def command_request(cmd: CallCommand) -> tuple[str, dict[str, Any] | None]:
    """The path and JSON body of a command (``ValueError`` with a reason when it is incomplete)."""
    if cmd.verb == "state":
        if not cmd.state:
            raise ValueError("切换状态需要目标状态 / a state command needs the state to switch to")
        return "/v1/agents/me/state", {"state": cmd.state}
    if cmd.verb == "claim_next":
        return "/v1/callbacks/next/claim", None
    if cmd.verb in CALLBACK_VERBS:
        if not cmd.callback_id:
            raise ValueError(f"{cmd.verb} 需要回呼编号 / {cmd.verb} needs a callback id")
        return f"/v1/callbacks/{cmd.callback_id}/{cmd.verb}", None
    if cmd.verb not in CALL_VERBS:
        raise ValueError(f"未知的呼叫操作 / unknown call command {cmd.verb!r}")
    if not cmd.call_id:
        raise ValueError(f"{cmd.verb} 需要呼叫编号 / {cmd.verb} needs a call id")
    return f"/v1/calls/{cmd.call_id}/{cmd.verb}", None


def refusal_details(content: bytes) -> tuple[str, str | None]:
    """The core's error code and, for a compliance refusal, until when (UTC ISO or None)."""
    try:
        body = parse_json(content)
    except ValueError:
        return "", None
    if not isinstance(body, dict):
        return "", None
    code = body.get("error") if isinstance(body.get("error"), str) else ""
    until = body.get("until") if isinstance(body.get("until"), str) else None
    return code, until


def refusal_message(cmd: CallCommand, status: int, content: bytes) -> str:
    """The core's reason for refusing a command, or a plain one when it gave none."""
    try:
        body = parse_json(content)
        message = body.get("message") if isinstance(body, dict) else None
    except ValueError:
        message = None
    if isinstance(message, str) and message.strip():
        return message.strip()
    if status >= 500:
        return f"核心出错 / the core failed on {cmd.verb} ({status}); try again"
    return f"核心拒绝了 {cmd.verb} / the core refused {cmd.verb} ({status})"

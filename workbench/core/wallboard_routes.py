"""The supervisor's wallboard on the core: ``GET /v1/wallboard`` and ``queue.stats`` events.

- ``GET /v1/wallboard`` (role supervisor only; any other role gets 403 ``supervisor_only``) →
  ``{"as_of", "queues": [row...], "total": row, "agents": [...], "escalations": {dept: {...}},
  "callbacks": {"backlog": {reason: {...}}, "feedback": {...}, "figures": {...}}, "alerts": [...],
  "thresholds": {...}, "trend": [...]}`` (rows: ``domain.wallboard.QueueRow.as_dict``;
  escalations, backlog and the 回访 feedback — scores and the latest comments, masked —:
  ``domain.supervision``; alerts and thresholds — the alert rules in the shape of the
  ``--alerts`` file —: ``domain.alerts``).
- Event ``queue.stats`` on ``/v1/events`` and ``/v1/events/poll``, at most every second while
  something moved: ``{"as_of", "rows": [changed rows], "agents": [changed agent rows],
  "alerts": [all active], "escalations"?: {...} (when they changed), "callbacks"?:
  {"backlog", "feedback"} (when they changed), "trend"?: [point]}``.

The board follows the call centre's own events (``call.*``, ``agent.state``) from the event
hub's ring, so an update costs the calls that changed; escalations and the callback backlog are
read again only when the feed moved. If the ring lost events (a burst larger than the ring in
one second) the board starts again from the ACD's calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from workbench.core.auth import identity_of
from workbench.core.ticking import Ticking
from workbench.domain.alerts import AlertBook, AlertRules, evaluate, rules_as_table
from workbench.domain.calls import agent_to_json, call_to_json
from workbench.domain.metrics import QueueConfig
from workbench.domain.models import Role
from workbench.domain.supervision import (
    callback_backlog,
    callback_feedback,
    escalations_by_department,
)
from workbench.domain.wallboard import Board, iso_z

if TYPE_CHECKING:
    from workbench.core.call_routes import CallCenter

log = logging.getLogger(__name__)
EVERY_S = 1.0
TREND_EVERY_S = 60.0
REFUSAL = "队列看板仅限主管角色 / the wallboard is for supervisors: this token's role is {role}"


def refuse(role: str) -> JSONResponse:
    """403 for a caller who is not a supervisor (a clear reason, both languages)."""
    return JSONResponse(
        {"error": "supervisor_only", "message": REFUSAL.format(role=role)}, status_code=403
    )


class WallboardService(Ticking):
    """The board of one app, the task that publishes ``queue.stats``, and the endpoint."""

    TASK_NAME = "wallboard"

    def __init__(
        self,
        center: CallCenter,
        *,
        rules: AlertRules | None = None,
        every_s: float = EVERY_S,
        trend_every_s: float = TREND_EVERY_S,
    ) -> None:
        self.center = center
        self.rules = rules or AlertRules()
        self.every_s = every_s
        self.trend_every_s = trend_every_s
        self.board: Board | None = None
        self.alerts = AlertBook()
        self.escalations: list[dict[str, Any]] = []
        self.callbacks: list[dict[str, Any]] = []
        self.follow_ups: list[dict[str, Any]] = []  # 回访 callbacks already attempted
        self._by_dept: dict[str, Any] = {}
        self._callbacks_sent: dict[str, Any] = {}
        self._seen = 0  # the hub's last event id the board took
        self._stale = True  # escalations and callbacks to read again
        self._sampled: datetime | None = None
        self._init_ticking()

    # -- the board ------------------------------------------------------------------------------

    def _build(self) -> Board:
        """A board over the store's queues and the ACD's agents and calls (blocking)."""
        acd = self.center.build()
        configs = {}
        for _, qid, data in self.center.store.iter_records("queue"):
            q = orjson.loads(data)
            configs[qid] = QueueConfig(
                q.get("sl_threshold_s", 20), q.get("short_abandon_s", 5), q.get("sl_target_pct", 80)
            )
        with acd._lock:
            self._seen = self.center.hub._now()[0]
            board = Board(configs, {a.agent_id: a.queues for a in acd.agents.values()})
            for call in sorted(acd.calls.values(), key=lambda c: (c.arrived_at, c.call_id)):
                board.apply("call." + str(call.state), call_to_json(call.info(acd.now)))
            for agent in acd.agents.values():
                board.apply("agent.state", agent_to_json(agent.status()))
        return board

    def _follow(self) -> bool:
        """Take the hub's new events; True when the feed moved (escalations may have changed)."""
        events = self.center.hub.after(self._seen)
        if events is None:  # the ring lost some: start again from the ACD
            self.board = self._build()
            return True
        moved = False
        for event in events:
            self._seen = event.id
            if event.type == "change":
                moved = True
            else:
                self.board.apply(event.type, event.data)
        return moved

    def _read_records(self) -> None:
        """Open escalations and callbacks from the store (blocking)."""
        with self.center.store.read() as conn:
            esc = conn.execute(
                "SELECT data FROM records WHERE entity = 'escalation' AND deleted = 0"
                " AND json_extract(data, '$.status') != 'resolved'"
            ).fetchall()
            cbs = conn.execute(
                "SELECT data FROM records WHERE entity = 'callback' AND deleted = 0"
                " AND json_extract(data, '$.status') IN ('open', 'claimed')"
            ).fetchall()
            fbs = conn.execute(
                "SELECT data FROM records WHERE entity = 'callback' AND deleted = 0"
                " AND json_extract(data, '$.reason') = 'follow_up'"
                " AND json_extract(data, '$.attempts') > 0"
            ).fetchall()
        self.escalations = [orjson.loads(d) for (d,) in esc]
        self.callbacks = [orjson.loads(d) for (d,) in cbs]
        self.follow_ups = [orjson.loads(d) for (d,) in fbs]

    def _callback_panes(self, now: datetime) -> dict[str, Any]:
        """The backlog by reason and the 回访 feedback (what the backlog pane shows)."""
        return {
            "backlog": callback_backlog(self.callbacks, now),
            "feedback": callback_feedback(self.follow_ups, now),
        }

    def round(self, now: datetime) -> dict[str, Any] | None:
        """One round (blocking): follow the events, re-read records if the feed moved, and the
        ``queue.stats`` payload when something changed (None when nothing did)."""
        if self.board is None:
            self.board = self._build()
        out: dict[str, Any] = {"as_of": iso_z(now)}
        if self._follow() or self._stale:
            self._read_records()
            self._stale = False
            panes = self._callback_panes(now)
            if panes != self._callbacks_sent:
                self._callbacks_sent = out["callbacks"] = panes
        rows = self.board.changed(now)
        if rows:
            out["rows"] = rows
        agents = self.board.changed_agents(now)
        if agents:
            out["agents"] = agents
        by_dept = escalations_by_department(self.escalations, now)
        if by_dept != self._by_dept:
            self._by_dept = out["escalations"] = by_dept
        all_rows = [r.as_dict() for r in self.board.rows(now)]
        raised, cleared = self.alerts.update(
            evaluate(all_rows, self.escalations, now, self.rules), iso_z(now)
        )
        if raised or cleared:
            out["alerts"] = [a.as_dict() for a in self.alerts.current()]
        if self._sampled is None or now - self._sampled >= timedelta(seconds=self.trend_every_s):
            self._sampled = now
            self.board.sample(now)
            out["trend"] = [list(self.board.trend[-1])]
        return out if len(out) > 1 else None

    def snapshot(self, now: datetime) -> dict[str, Any]:
        """Everything the supervisor view shows (blocking)."""
        self.round(now)
        board = self.board
        rows = [r.as_dict() for r in board.rows(now)]
        from workbench.core.callback_stats import core_figures

        figures = core_figures(self.center.store, self.center.acd, now)
        return {
            "as_of": iso_z(now),
            "queues": rows[:-1],
            "total": rows[-1],
            "agents": board.agent_rows(now),
            "escalations": escalations_by_department(self.escalations, now),
            "escalation_list": sorted(
                (_esc_row(e, now) for e in self.escalations), key=lambda e: e["sla_due_at"]
            ),
            "callbacks": self._callback_panes(now) | {"figures": figures},
            "alerts": [a.as_dict() for a in self.alerts.current()],
            "thresholds": rules_as_table(self.rules),
            "trend": [list(p) for p in board.trend],
        }

    # -- the task -------------------------------------------------------------------------------

    async def _tick(self) -> None:
        while True:
            try:
                stats = await self._in_thread(self.round, self.center.clock())
                if stats is not None:
                    self.center.hub.publish("queue.stats", stats)
            except Exception:
                log.exception("the wallboard failed a round")
            await asyncio.sleep(self.every_s)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """For the app's lifespan: publishes while the call centre runs on its own."""
        if self.center.config.call_rate > 0:
            self.start_task()
        try:
            yield
        finally:
            await self.stop()

    # -- endpoint -------------------------------------------------------------------------------

    def routes(self) -> list[Route]:
        return [Route("/v1/wallboard", self.wallboard, methods=["GET"])]

    async def wallboard(self, request: Request) -> Response:
        """``GET /v1/wallboard``: the supervisor's snapshot (403 for other roles)."""
        role = identity_of(request.scope).role
        if role != Role.SUPERVISOR.value:
            return refuse(role)
        await self.center.ready()
        self.start_task()
        body = await self._in_thread(self.snapshot, self.center.clock())
        return JSONResponse(body)


def _esc_row(esc: dict[str, Any], now: datetime) -> dict[str, Any]:
    """An open escalation for the drill-in list (no personal data beyond the borrower id)."""
    from workbench.domain.supervision import escalation_state

    return {
        "id": esc["id"],
        "department": esc["department"],
        "borrower_id": esc["borrower_id"],
        "priority": esc["priority"],
        "status": esc["status"],
        "created_at": esc["created_at"],
        "sla_due_at": esc["sla_due_at"],
        "agent_id": esc.get("agent_id"),
        "state": escalation_state(esc, now),
        "reason": esc.get("reason", ""),
        "history": esc.get("history", []),
    }

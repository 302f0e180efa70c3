"""What the supervisor view shows, kept from the core's snapshot and its ``queue.stats`` events.

No Textual here: the screen (``ui.screens.supervisor``) draws this. ``take_snapshot`` replaces
everything; ``take_stats`` merges one event (changed rows and agents, alerts, escalations,
the callback backlog and 回访 feedback, a trend point) and returns which panes changed, so
the screen redraws only those — and in the queue pane only the rows that changed.

``level(row, column)`` says how a figure stands against its queue's thresholds: ``bad``,
``warn`` or ``ok`` (``None``: not judged). The screen maps these to theme colours.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from workbench.domain.alerts import AlertConfigError, AlertRules, parse_alert_rules
from workbench.domain.metrics import TOTAL
from workbench.domain.wallboard import parse_at

TREND_POINTS = 60
ABANDON_WARN = 0.05
ABANDON_BAD = 0.10
SL_WARN_MARGIN = 0.05  # within 5 points above target: warn


@dataclass
class WallboardState:
    """The panes' data: queue rows by id, agents by id, escalations, backlog, alerts, trend."""

    rules: AlertRules = field(default_factory=AlertRules)
    queues: dict[str, dict[str, Any]] = field(default_factory=dict)
    agents: dict[str, dict[str, Any]] = field(default_factory=dict)
    escalations: dict[str, dict[str, Any]] = field(default_factory=dict)
    escalation_list: list[dict[str, Any]] = field(default_factory=list)
    backlog: dict[str, dict[str, int]] = field(default_factory=dict)
    callback_figures: dict[str, Any] = field(default_factory=dict)
    feedback: dict[str, Any] = field(default_factory=dict)  # 回访 scores and latest comments
    alerts: list[dict[str, Any]] = field(default_factory=list)
    waiting_trend: deque[int] = field(default_factory=lambda: deque(maxlen=TREND_POINTS))
    sl_trend: deque[float] = field(default_factory=lambda: deque(maxlen=TREND_POINTS))
    as_of: str | None = None
    changed_rows: set[str] = field(default_factory=set)
    changed_agents: set[str] = field(default_factory=set)
    received: float = 0.0  # monotonic time ``as_of`` arrived (durations move on from it)

    def take_snapshot(self, body: dict[str, Any]) -> None:
        """Replace everything with ``GET /v1/wallboard``'s answer."""
        self.as_of, self.received = body.get("as_of"), time.monotonic()
        self.queues = {row["queue_id"]: row for row in [*body["queues"], body["total"]]}
        self.agents = {a["agent_id"]: a for a in body.get("agents", [])}
        self.escalations = body.get("escalations", {})
        self.escalation_list = body.get("escalation_list", [])
        callbacks = body.get("callbacks", {})
        self.backlog = callbacks.get("backlog", {})
        self.callback_figures = callbacks.get("figures", {})
        self.feedback = callbacks.get("feedback", {})
        self.alerts = body.get("alerts", [])
        if "thresholds" in body:  # the core's rules colour the figures as its alerts judge them
            try:
                self.rules = parse_alert_rules(body["thresholds"], "wallboard")
            except AlertConfigError:
                self.rules = AlertRules()
        self.waiting_trend.clear()
        self.sl_trend.clear()
        for point in body.get("trend", []):
            self._point(point)
        self.changed_rows = set(self.queues)
        self.changed_agents = set(self.agents)

    def take_stats(self, data: dict[str, Any]) -> set[str]:
        """Merge one ``queue.stats`` event; returns the panes that changed."""
        panes: set[str] = set()
        if data.get("as_of"):
            self.as_of, self.received = data["as_of"], time.monotonic()
        for row in data.get("rows", []):
            self.queues[row["queue_id"]] = row
            self.changed_rows.add(row["queue_id"])
            panes.add("queues")
        for agent in data.get("agents", []):
            self.agents[agent["agent_id"]] = agent
            self.changed_agents.add(agent["agent_id"])
            panes.add("agents")
        if "escalations" in data:
            self.escalations = data["escalations"]
            panes.add("escalations")
        if "alerts" in data:
            self.alerts = data["alerts"]
            panes.add("alerts")
        if "callbacks" in data:
            self.backlog = data["callbacks"].get("backlog", self.backlog)
            self.feedback = data["callbacks"].get("feedback", self.feedback)
            panes.add("backlog")
        for point in data.get("trend", []):
            self._point(point)
            panes.add("trend")
        return panes

    def _point(self, point: list[Any]) -> None:
        _, waiting, sl = point
        self.waiting_trend.append(int(waiting))
        self.sl_trend.append(round((sl if sl is not None else 1.0) * 100, 1))

    def seconds_since(self, at: str | None, *, live: bool = False) -> float | None:
        """Seconds from ``at`` (UTC ISO Z) to the board's ``as_of`` (None when unknown);
        ``live`` adds the time since ``as_of`` arrived (the view's duration tick)."""
        if not at or not self.as_of:
            return None
        elapsed = time.monotonic() - self.received if live else 0.0
        return max(0.0, (parse_at(self.as_of) - parse_at(at)).total_seconds() + elapsed)

    def rows(self) -> list[dict[str, Any]]:
        """The queue rows by id, the total last."""
        ids = sorted(q for q in self.queues if q != TOTAL)
        return [self.queues[q] for q in ids] + (
            [self.queues[TOTAL]] if TOTAL in self.queues else []
        )

    def level(self, row: dict[str, Any], column: str) -> str | None:
        """``bad`` / ``warn`` / ``ok`` for a figure against its queue's thresholds."""
        limits = self.rules.for_queue(row["queue_id"])
        if column == "waiting":
            waiting = row["waiting"]
            if waiting > limits.waiting_max:
                return "bad"
            return "warn" if waiting > limits.waiting_max // 2 else "ok"
        if column == "service_level":
            sl, target = row.get("service_level"), row.get("target_pct")
            if sl is None or target is None:
                return None
            if sl * 100 < target:
                return "bad"
            return "warn" if sl * 100 < target + SL_WARN_MARGIN * 100 else "ok"
        if column == "abandon_rate":
            rate = row.get("abandon_rate")
            if rate is None:
                return None
            return "bad" if rate >= ABANDON_BAD else "warn" if rate >= ABANDON_WARN else "ok"
        if column == "longest_wait_s":
            threshold = row.get("threshold_s")
            if threshold is None:
                return None
            return "bad" if row["longest_wait_s"] > threshold else "ok"
        return None

    def row_level(self, row: dict[str, Any]) -> str:
        """The worst level of a row's judged figures (the queue's colour)."""
        levels = {self.level(row, c) for c in ("waiting", "service_level", "abandon_rate")}
        return "bad" if "bad" in levels else "warn" if "warn" in levels else "ok"

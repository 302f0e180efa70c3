"""The supervisor view: queues, agents, escalations, callback backlog, trends and alerts.

Opened for role supervisor (``WorkbenchApp.open_supervisor``). Its data comes from the core:
a snapshot, then ``queue.stats`` events, through the app's ``wallboard_feed`` factory (a
``sync.wallboard.WallboardFeed`` or anything with ``start``/``stop``, built with the view's
``feed_update``); the view never re-reads everything: the queue pane updates only the rows an
event changed. Colours come from the theme (``$error``, ``$warning``, ``$success``), so the
high-contrast theme applies; every figure also carries its value, never colour alone.

Escalations open by department (Enter) into ``EscalationScreen`` to acknowledge, reassign,
comment or resolve one through the outbox. The help screen shows the metric formulas.
"""

from __future__ import annotations

import threading
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Sparkline, Static

from workbench.domain.metrics import TOTAL
from workbench.ui.bindings import localize_bindings
from workbench.ui.i18n import t
from workbench.ui.wallboard_state import WallboardState
from workbench.ui.widgets.row_pane import RowPane

QUEUE_COLUMNS = (
    "queue_id",
    "waiting",
    "longest_wait_s",
    "offered",
    "answered",
    "abandoned",
    "service_level",
    "asa_s",
    "aht_s",
    "abandon_rate",
    "available",
    "on_call",
    "after_call",
)
QUEUE_WIDTHS = (14, 5, 9, 6, 6, 6, 14, 9, 9, 8, 5, 5, 5)
AGENT_WIDTHS = (8, 10, 8, 14, 9, 13)
AGENT_COLUMNS = ("agent_id", "state", "state_s", "queue_id", "call_s", "number")
ESC_COLUMNS = ("department", "open", "acknowledged", "overdue", "due_soon", "oldest_s")
DURATION_TICK_S = 5.0
LEVEL_VAR = {"bad": "error", "warn": "warning", "ok": "success"}


def figure(key: str, value: Any) -> str:
    """A figure as text: rates in %, seconds as m:ss, nothing yet as —."""
    if value is None:
        return "—"
    if key in ("service_level", "abandon_rate"):
        return f"{value * 100:.1f}%"
    if key.endswith("_s"):
        seconds = int(value)
        return f"{seconds // 60}:{seconds % 60:02d}"
    return str(value)


def score_text(value: float | None) -> str:
    """A 1–5 satisfaction score as ``4/5``, a mean as ``4.3/5``; nothing yet as —."""
    if value is None:
        return "—"
    return f"{value}/5" if isinstance(value, int) else f"{value:.1f}/5"


class SupervisorScreen(Screen[None]):
    """The supervisor's wallboard (see the module doc)."""

    DEFAULT_CSS = """
    SupervisorScreen #sv-title { height: 1; text-style: bold; color: $primary; }
    SupervisorScreen #sv-alerts { height: 2; color: $text-muted; }
    SupervisorScreen #sv-alerts.-alerting { color: $error; text-style: bold; }
    SupervisorScreen #queues { height: 1fr; min-height: 8; }
    SupervisorScreen #sv-middle { height: 1fr; }
    SupervisorScreen #agents { width: 1fr; }
    SupervisorScreen #escalations { width: 1fr; }
    SupervisorScreen #sv-bottom { height: 9; }
    SupervisorScreen #sv-backlog { width: 1fr; }
    SupervisorScreen #sv-trends { width: 1fr; }
    SupervisorScreen Sparkline { height: 2; }
    SupervisorScreen #trend-waiting > .sparkline--max-color { color: $error; }
    SupervisorScreen #trend-waiting > .sparkline--min-color { color: $success; }
    SupervisorScreen #trend-sl > .sparkline--max-color { color: $success; }
    SupervisorScreen #trend-sl > .sparkline--min-color { color: $error; }
    SupervisorScreen .sv-label { height: 1; color: $text-muted; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "key.back", id="supervisor.close"),
        Binding("enter", "drill", "key.supervisor_drill", id="supervisor.drill"),
        Binding("g", "focus('queues')", "key.supervisor_queues", id="supervisor.queues"),
        Binding("a", "focus('agents')", "key.supervisor_agents", id="supervisor.agents"),
        Binding("e", "focus('escalations')", "key.supervisor_escalations",
                id="supervisor.escalations"),
    ]  # fmt: skip

    DURATION_TICK_S: ClassVar[float] = DURATION_TICK_S

    def __init__(self) -> None:
        super().__init__()
        localize_bindings(self)
        self.state = WallboardState()
        self.feed: Any = None
        self.refused: str | None = None
        self.updates = 0
        self._palette: dict[str, str] | None = None

    def compose(self) -> ComposeResult:
        yield Static(t("supervisor.title"), id="sv-title")
        yield Static("", id="sv-alerts")
        titles = [t(f"supervisor.col.{key}") for key in QUEUE_COLUMNS]
        right = [key != "queue_id" for key in QUEUE_COLUMNS]
        yield RowPane(list(zip(titles, QUEUE_WIDTHS, strict=True)), right=right, id="queues")
        with Horizontal(id="sv-middle"):
            titles = [t(f"supervisor.agent.{key}") for key in AGENT_COLUMNS]
            yield RowPane(list(zip(titles, AGENT_WIDTHS, strict=True)), id="agents")
            yield DataTable(id="escalations", cursor_type="row")
        with Horizontal(id="sv-bottom"):
            yield Static("", id="sv-backlog")
            with Vertical(id="sv-trends"):
                yield Static(t("supervisor.trend_waiting"), classes="sv-label")
                yield Sparkline([], id="trend-waiting")
                yield Static(t("supervisor.trend_sl"), classes="sv-label")
                yield Sparkline([], id="trend-sl")
        yield Footer()

    def on_mount(self) -> None:
        escalations = self.query_one("#escalations", DataTable)
        for key in ESC_COLUMNS:
            escalations.add_column(t(f"supervisor.esc.{key}"), key=key)
        self.set_interval(self.DURATION_TICK_S, self._tick_durations)
        self.app.theme_changed_signal.subscribe(self, self._recolour)
        factory = getattr(self.app, "wallboard_feed", None)
        if factory is None:
            self.query_one("#sv-alerts", Static).update(t("supervisor.no_core"))
            return
        self.feed = factory(self.feed_update)
        self.feed.start()

    def on_unmount(self) -> None:
        if self.feed is not None:
            self.feed.stop(0.5)

    # -- updates (from the feed's thread) -------------------------------------------------------

    def feed_update(self, kind: str, payload: Any) -> None:
        """The feed's callback: safe from any thread (the UI's own included)."""
        if threading.get_ident() == self.app._thread_id:
            self.take(kind, payload)
        else:
            self.app.call_from_thread(self.take, kind, payload)

    def take(self, kind: str, payload: Any) -> None:
        """Apply one update on the UI thread."""
        self.updates += 1
        if kind == "snapshot":
            self.state.take_snapshot(payload)
            self.redraw({"queues", "agents", "escalations", "alerts", "trend", "backlog"})
        elif kind == "stats":
            self.redraw(self.state.take_stats(payload))
        elif kind == "refused":
            self.refused = str(payload)
            self.query_one("#sv-alerts", Static).update(t("supervisor.refused", reason=payload))
        elif kind == "error":
            self.query_one("#sv-alerts", Static).update(t("supervisor.error", reason=payload))

    def redraw(self, panes: set[str]) -> None:
        """Redraw the panes named (only the changed rows of the queue pane)."""
        if "queues" in panes:
            self._queues()
        if "agents" in panes:
            self._agents()
        if "escalations" in panes:
            self._escalations()
        if "alerts" in panes:
            self._alerts()
        if "trend" in panes:
            self.query_one("#trend-waiting", Sparkline).data = list(self.state.waiting_trend)
            self.query_one("#trend-sl", Sparkline).data = list(self.state.sl_trend)
        if "backlog" in panes:
            self._backlog()

    def _colour(self, level: str | None) -> str:
        if level is None:
            return ""
        if self._palette is None:  # the theme's colours, read once per theme
            self._palette = self.app.get_css_variables()
        return self._palette.get(LEVEL_VAR[level], "")

    def _recolour(self, _theme: object = None) -> None:
        """The theme changed (e.g. to high contrast): colour every row again."""
        self._palette = None
        self.state.changed_rows = set(self.state.queues)
        self.redraw({"queues", "escalations"})
        self.query_one("#queues", RowPane).restyle()

    def _queue_cells(self, row: dict[str, Any]) -> list[Text]:
        cells = []
        for key in QUEUE_COLUMNS:
            value = row.get(key)
            if key == "queue_id":
                text = t("supervisor.total") if value == TOTAL else str(value)
                level = self.state.row_level(row)
                cells.append(Text(text, style=f"bold {self._colour(level)}".strip()))
                continue
            if key == "service_level" and row.get("target_pct") is not None:
                shown = f"{figure(key, value)}/{row['target_pct']}%"
            else:
                shown = figure(key, value)
            colour = self._colour(self.state.level(row, key))
            cells.append(Text(shown, style=colour, justify="right"))
        return cells

    def _queues(self) -> None:
        pane = self.query_one("#queues", RowPane)
        changed, self.state.changed_rows = self.state.changed_rows, set()
        for row in self.state.rows():
            qid = row["queue_id"]
            if qid in changed or pane.cells(qid) is None:
                pane.set_row(qid, self._queue_cells(row))

    def _agent_cells(self, aid: str, *, live: bool = False) -> list[Any]:
        agent = self.state.agents[aid]
        since = self.state.seconds_since
        return [
            aid,
            t(f"supervisor.state.{agent['state']}"),
            figure("state_s", since(agent.get("since"), live=live)),
            agent.get("queue_id") or "",
            figure("call_s", since(agent.get("call_started_at"), live=live)),
            agent.get("number") or "",
        ]

    def _agents(self) -> None:
        pane = self.query_one("#agents", RowPane)
        changed, self.state.changed_agents = self.state.changed_agents, set()
        for aid in sorted(changed):
            pane.set_row(aid, self._agent_cells(aid))

    def _tick_durations(self) -> None:
        """Time in state and call length move on between events (every few seconds)."""
        pane = self.query_one("#agents", RowPane)
        for aid, agent in self.state.agents.items():
            if agent["state"] != "offline":
                pane.set_row(aid, self._agent_cells(aid, live=True))

    def _escalations(self) -> None:
        table = self.query_one("#escalations", DataTable)
        table.clear()
        for dept, row in self.state.escalations.items():
            overdue = Text(
                str(row["overdue"]), style=self._colour("bad" if row["overdue"] else "ok")
            )
            due = Text(
                str(row["due_soon"]), style=self._colour("warn" if row["due_soon"] else "ok")
            )
            cells = [t(f"supervisor.dept.{dept}"), str(row["open"]), str(row["acknowledged"]),
                     overdue, due, figure("oldest_s", row["oldest_s"])]  # fmt: skip
            table.add_row(*cells, key=dept)

    def _alerts(self) -> None:
        widget = self.query_one("#sv-alerts", Static)
        alerts = self.state.alerts
        if not alerts:
            widget.update(t("supervisor.no_alerts"))
            widget.set_class(False, "-alerting")
            return
        shown = [t(f"supervisor.alert.{a['rule']}", **a) for a in alerts[:4]]
        more = len(alerts) - len(shown)
        text = " · ".join(shown) + (t("supervisor.more", count=more) if more > 0 else "")
        widget.update(Text(t("supervisor.alerts", count=len(alerts)) + text))
        widget.set_class(True, "-alerting")

    def _backlog(self) -> None:
        lines = [t("supervisor.backlog_title")]
        for reason, row in self.state.backlog.items():
            lines.append(t("supervisor.backlog_row", reason=reason, **row))
        total = self.state.callback_figures.get("total") or {}
        coverage = total.get("coverage")
        lines.append(
            t(
                "supervisor.coverage",
                coverage=figure("service_level", coverage),
                overdue=total.get("overdue", "—"),
            )
        )
        lines.extend(self._feedback_lines())
        # comments are the borrower's words: plain Text, never markup; one line each
        text = Text("\n".join(lines), no_wrap=True, overflow="ellipsis")
        self.query_one("#sv-backlog", Static).update(text)

    def _feedback_lines(self) -> list[str]:
        """回访 satisfaction (today and overall) and the latest comments, by borrower id."""
        fb = self.state.feedback
        if not fb.get("scored") and not fb.get("latest"):
            return [t("supervisor.feedback_none")]
        lines = [
            t(
                "supervisor.feedback",
                today=score_text(fb.get("mean_today")),
                scored_today=fb.get("scored_today", 0),
                overall=score_text(fb.get("mean")),
                scored=fb.get("scored", 0),
            )
        ]
        for item in fb.get("latest", []):
            lines.append(
                t(
                    "supervisor.feedback_comment",
                    borrower_id=item.get("borrower_id", ""),
                    score=score_text(item.get("score")),
                    comment=item.get("comment", ""),
                )
            )
        return lines

    # -- actions --------------------------------------------------------------------------------

    def action_close(self) -> None:
        self.dismiss()

    def action_focus(self, pane: str) -> None:
        self.query_one(f"#{pane}").focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a department opens its escalations."""
        if event.data_table.id == "escalations":
            event.stop()
            self.action_drill()

    def action_drill(self) -> None:
        """Open the escalations of the department under the cursor."""
        table = self.query_one("#escalations", DataTable)
        if not self.state.escalations or table.cursor_row < 0:
            return
        dept = list(self.state.escalations)[min(table.cursor_row, len(self.state.escalations) - 1)]
        from workbench.ui.screens.escalations import EscalationScreen

        items = [e for e in self.state.escalation_list if e["department"] == dept]
        self.app.push_screen(EscalationScreen(dept, items))

    def help_sections(self) -> list[Any]:
        """The metric formulas (``domain.metrics``), for the help screen."""
        from workbench.ui.screens.help import HelpSection

        return [HelpSection(t("supervisor.help_formulas"), t("supervisor.formulas"))]

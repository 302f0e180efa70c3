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
AGENT_COLUMNS = ("agent_id", "state", "state_s", "queue_id", "call_s", "number")
ESC_COLUMNS = ("department", "open", "acknowledged", "overdue", "due_soon", "oldest_s")
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

    def __init__(self) -> None:
        super().__init__()
        localize_bindings(self)
        self.state = WallboardState()
        self.feed: Any = None
        self.refused: str | None = None
        self.updates = 0

    def compose(self) -> ComposeResult:
        yield Static(t("supervisor.title"), id="sv-title")
        yield Static("", id="sv-alerts")
        yield DataTable(id="queues", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="sv-middle"):
            yield DataTable(id="agents", cursor_type="row")
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
        queues = self.query_one("#queues", DataTable)
        for key in QUEUE_COLUMNS:
            queues.add_column(t(f"supervisor.col.{key}"), key=key)
        agents = self.query_one("#agents", DataTable)
        for key in AGENT_COLUMNS:
            agents.add_column(t(f"supervisor.agent.{key}"), key=key)
        escalations = self.query_one("#escalations", DataTable)
        for key in ESC_COLUMNS:
            escalations.add_column(t(f"supervisor.esc.{key}"), key=key)
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
        """The feed's callback: safe from any thread."""
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
        variables = self.app.get_css_variables()
        return variables.get(LEVEL_VAR[level], "")

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
        table = self.query_one("#queues", DataTable)
        changed, self.state.changed_rows = self.state.changed_rows, set()
        existing = {key.value for key in table.rows}
        rows = self.state.rows()
        if set(q["queue_id"] for q in rows) - existing and existing:
            table.clear()
            existing = set()
        for row in rows:
            qid = row["queue_id"]
            if qid not in existing:
                table.add_row(*self._queue_cells(row), key=qid)
            elif qid in changed:
                for key, cell in zip(QUEUE_COLUMNS, self._queue_cells(row), strict=True):
                    table.update_cell(qid, key, cell)

    def _agents(self) -> None:
        table = self.query_one("#agents", DataTable)
        table.clear()
        for aid in sorted(self.state.agents):
            agent = self.state.agents[aid]
            cells = [
                aid,
                t(f"supervisor.state.{agent['state']}"),
                figure("state_s", agent.get("state_s")),
                agent.get("queue_id") or "",
                figure("call_s", agent.get("call_s")),
                agent.get("number") or "",
            ]
            table.add_row(*cells, key=aid)

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
        self.query_one("#sv-backlog", Static).update(Text("\n".join(lines)))

    # -- actions --------------------------------------------------------------------------------

    def action_close(self) -> None:
        self.dismiss()

    def action_focus(self, pane: str) -> None:
        self.query_one(f"#{pane}", DataTable).focus()

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

"""One department's open escalations, to acknowledge, reassign, comment on or resolve.

Opened from the supervisor view (Enter on a department). Each update goes to the outbox
(``store.escalation_actions.update_escalation``, in a worker thread) and the sync delivers it;
the view shows the result when the core's record comes back. The text box carries the comment
(and, for reassign, the new department's code).
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Input, Static

from workbench.ui.bindings import localize_bindings
from workbench.ui.i18n import t

COLUMNS = ("id", "borrower_id", "priority", "status", "state", "sla_due_at", "reason")


class EscalationScreen(ModalScreen[None]):
    """A department's escalations and the supervisor's four actions on them."""

    DEFAULT_CSS = """
    EscalationScreen { align: center middle; }
    EscalationScreen #esc-box { width: 90%; height: 80%; border: round $primary;
        background: $surface; }
    EscalationScreen #esc-title { height: 1; text-style: bold; }
    EscalationScreen #esc-list { height: 1fr; }
    EscalationScreen #esc-status { height: 1; color: $success; }
    EscalationScreen #esc-status.-failed { color: $error; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "key.back", id="supervisor.esc_close"),
        Binding(
            "ctrl+a", "act('acknowledge')", "key.esc_ack", id="supervisor.esc_ack", priority=True
        ),
        Binding(
            "ctrl+r",
            "act('reassign')",
            "key.esc_reassign",
            id="supervisor.esc_reassign",
            priority=True,
        ),
        Binding(
            "ctrl+t",
            "act('comment')",
            "key.esc_comment",
            id="supervisor.esc_comment",
            priority=True,
        ),
        Binding(
            "ctrl+d",
            "act('resolve')",
            "key.esc_resolve",
            id="supervisor.esc_resolve",
            priority=True,
        ),
    ]

    def __init__(self, department: str, items: list[dict[str, Any]]) -> None:
        super().__init__()
        localize_bindings(self)
        self.department = department
        self.items = items
        self.sent: list[tuple[str, str]] = []  # (escalation id, verb) queued in the outbox

    def compose(self) -> ComposeResult:
        with Vertical(id="esc-box"):
            title = t("supervisor.esc_title", department=t(f"supervisor.dept.{self.department}"))
            yield Static(title, id="esc-title")
            yield DataTable(id="esc-list", cursor_type="row")
            yield Input(placeholder=t("supervisor.esc_placeholder"), id="esc-text")
            yield Static("", id="esc-status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#esc-list", DataTable)
        for key in COLUMNS:
            table.add_column(t(f"supervisor.esc_col.{key}"), key=key)
        for item in self.items:
            state = t(f"supervisor.esc_state.{item['state']}")
            cells = [item["id"], item["borrower_id"], item["priority"], item["status"], state,
                     item["sla_due_at"], item.get("reason", "")[:30]]  # fmt: skip
            table.add_row(*cells, key=item["id"])
        table.focus()

    def action_close(self) -> None:
        self.dismiss()

    def action_act(self, verb: str) -> None:
        """Queue ``verb`` on the escalation under the cursor (text box: comment/department)."""
        table = self.query_one("#esc-list", DataTable)
        if not self.items or table.cursor_row < 0:
            return
        item = self.items[min(table.cursor_row, len(self.items) - 1)]
        text = self.query_one("#esc-text", Input).value.strip()
        self._send(item["id"], verb, text)

    @work(thread=True, exclusive=False, group="escalation-update")
    def _send(self, escalation_id: str, verb: str, text: str) -> None:
        from workbench.store.escalation_actions import ValidationError, update_escalation
        from workbench.ui.cache import writing

        app: Any = self.app
        kwargs: dict[str, Any] = {"agent_id": app.agent_id}
        if verb == "reassign":
            kwargs["department"] = text
        elif text:
            kwargs["comment"] = text
        try:
            with writing(app.db_path) as conn:
                update_escalation(conn, escalation_id, verb, **kwargs)
        except ValidationError as exc:
            app.call_from_thread(self._show, str(exc), True)
            return
        self.sent.append((escalation_id, verb))
        app.call_from_thread(self._show, t(f"supervisor.esc_sent.{verb}", id=escalation_id), False)
        app.call_from_thread(app.push_now)

    def _show(self, message: str, failed: bool) -> None:
        status = self.query_one("#esc-status", Static)
        status.update(message)
        status.set_class(failed, "-failed")

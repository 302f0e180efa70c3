"""Escalate: one button per department, a reason, a priority and the SLA it gives.

Departments: supervisor 主管, risk control 风控, legal 法务, collections 催收, complaints 投诉,
operations 运营 (解押 / settlement certificates). The SLA due time shown is the core's table
(urgent 4 h, high 8 h, normal 24 h, low 72 h from now; docs/protocol.md); the core sets the
real one. The loan chosen (the one most behind, unless changed) goes with the escalation: the
service attaches its snapshot (DPD, principal, payoff, open promises), previewed here.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Button, Label, Select, Static, TextArea

from workbench.domain.models import Department
from workbench.domain.money import format_fen
from workbench.store.actions import PRIORITIES, SLA_ESTIMATE
from workbench.ui.format import DISPLAY_TZ, label
from workbench.ui.i18n import t
from workbench.ui.screens.forms.base import ActionForm, pick, refusal
from workbench.ui.screens.forms.choices import find_loan, loan_options, worst_loan

if TYPE_CHECKING:
    from workbench.store.actions import Action
    from workbench.store.queries import BorrowerView, LoanView

SLA_HOURS = SLA_ESTIMATE
"""The core's SLA by priority (docs/protocol.md), hours of wall clock."""


class EscalateScreen(ActionForm):
    """The escalation form (binding ``borrower.escalate``)."""

    FORM = "escalate"
    FIELDS: ClassVar[dict[str, str]] = {
        "department": "#departments",
        "reason": "#reason",
        "priority": "#priority",
        "loan_id": "#loan",
    }
    DEFAULT_CSS = """
    EscalateScreen #departments { height: 1; margin: 1 0; }
    EscalateScreen #departments Button { min-width: 6; width: auto; margin-right: 1; }
    EscalateScreen #departments Button.-chosen { background: $accent; color: $text; }
    EscalateScreen #reason { height: 5; width: 1fr; }
    """

    def __init__(self, view: BorrowerView, *, now: datetime) -> None:
        super().__init__(view, now=now)
        self.department: str | None = None

    def fields(self) -> ComposeResult:
        with Horizontal(classes="form-row"):
            yield Label(t("form.escalate.department"), classes="form-label")
            with Horizontal(id="departments"):
                for dept in Department:
                    text = t_department(dept.value)
                    yield Button(Content(text), id=f"dept-{dept.value}", compact=True)
        with Horizontal(classes="form-row"):
            yield Label(t("form.escalate.reason"), classes="form-label")
            yield TextArea(id="reason", soft_wrap=True, tab_behavior="focus")
        with Horizontal(classes="form-row"):
            yield Label(t("form.escalate.priority"), classes="form-label")
            options = [(Content(label("priority", p)), p) for p in PRIORITIES]
            yield Select(options, value="normal", allow_blank=False, id="priority")
        yield Static(Content(self._sla_text("normal")), id="sla", classes="form-value")
        worst = worst_loan(self.view, open_only=False)
        with Horizontal(classes="form-row"):
            yield Label(t("form.field.loan"), classes="form-label")
            yield Select(
                loan_options(self.view, open_only=False),
                prompt=t("form.escalate.no_loan"),
                value=worst.loan.id if worst else Select.BLANK,
                id="loan",
            )
        yield Static(Content(self._snapshot_text(worst)), id="snapshot", classes="form-info")

    # -- what is shown as it changes ----------------------------------------------------------

    def _sla_text(self, priority: str) -> str:
        hours = SLA_HOURS.get(priority, SLA_HOURS["normal"])
        due = (self.now + timedelta(hours=hours)).astimezone(DISPLAY_TZ)
        return t("form.escalate.sla", due=due.strftime("%Y-%m-%d %H:%M"), hours=hours)

    def _snapshot_text(self, lv: LoanView | None) -> str:
        if lv is None:
            return t("form.escalate.no_snapshot")
        promises = [
            p for p in self.view.promises if p.loan_id == lv.loan.id and p.status == "pending"
        ]
        return t(
            "form.escalate.snapshot",
            dpd=lv.dpd,
            principal=format_fen(lv.outstanding_principal),
            payoff=format_fen(lv.payoff.total),
            promises=len(promises),
        )

    @on(Button.Pressed, "#departments Button")
    def _department_pressed(self, event: Button.Pressed) -> None:
        self.choose(str(event.button.id).removeprefix("dept-"))
        self.set_focus(self.query_one("#reason", TextArea))

    def choose(self, department: str) -> None:
        """Make ``department`` the one escalated to (its button stays highlighted)."""
        self.department = department
        for button in self.query("#departments Button"):
            button.set_class(button.id == f"dept-{department}", "-chosen")
        self.query_one("#departments").remove_class("-invalid")

    @on(Select.Changed, "#priority")
    def _priority_changed(self, event: Select.Changed) -> None:
        self.query_one("#sla", Static).update(Content(self._sla_text(str(event.value))))

    @on(Select.Changed, "#loan")
    def _loan_changed(self, event: Select.Changed) -> None:
        snapshot = self._snapshot_text(find_loan(self.view, event.value))
        self.query_one("#snapshot", Static).update(Content(snapshot))

    # -- values -------------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        loan = self.query_one("#loan", Select).value
        return {
            "department": self.department,
            "reason": self.query_one("#reason", TextArea).text,
            "priority": self.query_one("#priority", Select).value,
            "loan_id": loan if isinstance(loan, str) else None,
        }

    def restore(self, values: dict[str, Any]) -> None:
        if values.get("department"):
            self.choose(values["department"])
        self.query_one("#reason", TextArea).load_text(values.get("reason", ""))
        pick(self, "#priority", values.get("priority"))
        pick(self, "#loan", values.get("loan_id") or Select.BLANK)

    def check(self) -> dict[str, Any]:
        values = self.values()
        if values["department"] is None:
            raise refusal("department", "department_required")
        return values

    def perform(self, conn: Any, prepared: dict[str, Any]) -> Action:
        from workbench.store.actions import escalate

        return escalate(
            conn,
            self.borrower.id,
            prepared["department"],
            prepared["reason"],
            agent_id=self.app.agent_id,
            priority=prepared["priority"],
            loan_id=prepared["loan_id"],
            now=self.now,
        )


def t_department(code: str) -> str:
    """A department's button label (operations names what it does: 解押 / 结清证明)."""
    return t("form.escalate.operations") if code == "operations" else label("department", code)

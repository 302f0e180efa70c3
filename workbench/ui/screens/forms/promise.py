"""Promise to pay: which loan, how much (yuan, as typed), by when.

The loan most behind is chosen first; the amount starts as what is overdue on it (else the
next installment). The amount must be more than zero and not far above what settles the loan;
the date today or later and within the horizon (30 days unless configured shorter: the core
allows no more). Every refusal names the limit it hit.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Input, Label, Select, Static

from workbench.domain.money import format_fen
from workbench.store import action_rules as rules
from workbench.ui.i18n import t
from workbench.ui.screens.forms.base import ActionForm, pick, refusal
from workbench.ui.screens.forms.choices import find_loan, loan_options, worst_loan

if TYPE_CHECKING:
    from datetime import datetime

    from workbench.store.actions import Action
    from workbench.store.queries import BorrowerView, LoanView


class PromiseScreen(ActionForm):
    """The promise-to-pay form (binding ``borrower.promise``)."""

    FORM = "promise"
    FIELDS: ClassVar[dict[str, str]] = {
        "loan_id": "#loan",
        "amount": "#amount",
        "promised_date": "#promised-date",
    }

    def __init__(
        self, view: BorrowerView, *, now: datetime, horizon_days: int | None = None
    ) -> None:
        super().__init__(view, now=now)
        limit = rules.PROMISE_HORIZON_DAYS
        self.horizon_days = min(horizon_days or limit, limit)
        self.today = rules.business_today(now)

    def fields(self) -> ComposeResult:
        worst = worst_loan(self.view)
        options = loan_options(self.view)
        with Horizontal(classes="form-row"):
            yield Label(t("form.field.loan"), classes="form-label")
            if options:
                yield Select(options, value=worst.loan.id, allow_blank=False, id="loan")
            else:
                yield Static(Content(t("form.no_open_loan")), id="loan", classes="form-info")
        yield Static(Content(self._owed_text(worst)), id="owed", classes="form-info")
        with Horizontal(classes="form-row"):
            yield Label(t("form.promise.amount"), classes="form-label")
            yield Input(_yuan(_suggested(worst)), placeholder="1,234.50", id="amount")
        with Horizontal(classes="form-row"):
            yield Label(t("form.promise.date"), classes="form-label")
            yield Input(placeholder=t("form.date_placeholder"), id="promised-date")
        last = self.today + timedelta(days=self.horizon_days)
        span = t("form.promise.range", today=self.today.isoformat(), last=last.isoformat())
        yield Static(Content(span), id="date-range", classes="form-info")

    def _owed_text(self, lv: LoanView | None) -> str:
        if lv is None:
            return ""
        nxt = lv.next_due
        return t(
            "form.promise.owed",
            overdue=format_fen(lv.overdue_amount),
            next=format_fen(lv.next_due_amount),
            next_date=nxt.due_date if nxt else "—",
            payoff=format_fen(lv.payoff.total),
        )

    @on(Select.Changed, "#loan")
    def _loan_changed(self, event: Select.Changed) -> None:
        lv = find_loan(self.view, event.value)
        self.query_one("#owed", Static).update(Content(self._owed_text(lv)))

    def values(self) -> dict[str, Any]:
        loan = self.query("#loan").first()
        return {
            "loan_id": loan.value if isinstance(loan, Select) else None,
            "amount": self.query_one("#amount", Input).value,
            "promised_date": self.query_one("#promised-date", Input).value,
        }

    def restore(self, values: dict[str, Any]) -> None:
        pick(self, "#loan", values.get("loan_id"))
        self.query_one("#amount", Input).value = values.get("amount", "")
        self.query_one("#promised-date", Input).value = values.get("promised_date", "")

    def check(self) -> tuple[str, int, date]:
        values = self.values()
        lv = find_loan(self.view, values["loan_id"])
        if lv is None:
            raise refusal("loan_id", "no_open_loan")
        if not values["amount"].strip():
            raise refusal("amount", "required", what=t("form.promise.amount"))
        fen = rules.parse_amount(values["amount"])
        rules.amount(fen, owed=lv.payoff.total)
        day = parse_day(values["promised_date"], self.today, field="promised_date")
        last = self.today + timedelta(days=self.horizon_days)
        if day < self.today:
            raise refusal("promised_date", "date_past", day=day.isoformat())
        if day > last:
            raise refusal(
                "promised_date", "date_too_far", days=self.horizon_days, last=last.isoformat()
            )
        return lv.loan.id, fen, day

    def perform(self, conn: Any, prepared: tuple[str, int, date]) -> Action:
        from workbench.store.actions import promise_to_pay

        loan_id, fen, day = prepared
        return promise_to_pay(conn, loan_id, fen, day, agent_id=self.app.agent_id, now=self.now)


def parse_day(text: str, today: date, *, field: str) -> date:
    """A date as typed: ``2026-12-05``, ``2026/12/05``, ``12-05`` (this year, or next when
    past), or ``+3`` (days from today)."""
    raw = text.strip().replace("/", "-").replace(".", "-")
    if not raw:
        raise refusal(field, "date_required")
    try:
        if raw.startswith("+"):
            return today + timedelta(days=int(raw[1:]))
        if raw.count("-") == 1:
            month, day = (int(part) for part in raw.split("-"))
            guess = date(today.year, month, day)
            return guess if guess >= today else date(today.year + 1, month, day)
        return date.fromisoformat(raw)
    except (ValueError, OverflowError):
        raise refusal(field, "date_invalid", value=text.strip()[:40]) from None


def _suggested(lv: LoanView | None) -> int:
    """What to promise, unless the agent types otherwise: the overdue amount, else the next."""
    if lv is None:
        return 0
    return lv.overdue_amount or lv.next_due_amount


def _yuan(fen: int) -> str:
    return format_fen(fen, symbol="") if fen > 0 else ""

"""Payoff quote as of a date: what settles a loan in full, and what it is made of.

``domain.loans.payoff_quote``: outstanding principal + overdue interest + interest accrued in
the current period + late fees (formula in that module). The date starts as today; it may be
any day from today to :data:`HORIZON_DAYS` ahead (a past date would ignore the payments made
since, so it is refused). The quote follows every change; nothing is written.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Input, Label, Select, Static

from workbench.domain.loans import PayoffQuote, payoff_quote
from workbench.domain.money import format_fen
from workbench.store.action_rules import ValidationError
from workbench.ui.i18n import t
from workbench.ui.screens.forms.base import ActionForm, explain, pick, refusal
from workbench.ui.screens.forms.choices import find_loan, loan_options, worst_loan
from workbench.ui.screens.forms.promise import parse_day

if TYPE_CHECKING:
    from datetime import datetime

    from workbench.store.queries import BorrowerView

HORIZON_DAYS = 90
PARTS = ("outstanding_principal", "overdue_interest", "accrued_interest", "late_fees")


class PayoffScreen(ActionForm):
    """The payoff-quote form (binding ``borrower.payoff``); Enter or Ctrl+S quotes again."""

    FORM = "payoff"
    FIELDS: ClassVar[dict[str, str]] = {"loan_id": "#loan", "as_of": "#as-of"}
    DEFAULT_CSS = """
    PayoffScreen #quote { height: auto; padding: 0 1; border: round $panel-lighten-2; }
    """

    def __init__(self, view: BorrowerView, *, now: datetime) -> None:
        super().__init__(view, now=now)
        self.today = view.as_of
        self.quote: PayoffQuote | None = None

    def fields(self) -> ComposeResult:
        worst = worst_loan(self.view)
        options = loan_options(self.view)
        with Horizontal(classes="form-row"):
            yield Label(t("form.field.loan"), classes="form-label")
            if options:
                yield Select(options, value=worst.loan.id, allow_blank=False, id="loan")
            else:
                yield Static(Content(t("form.no_open_loan")), id="loan", classes="form-info")
        with Horizontal(classes="form-row"):
            yield Label(t("form.payoff.as_of"), classes="form-label")
            yield Input(self.today.isoformat(), placeholder=t("form.date_placeholder"), id="as-of")
        yield Static(id="quote")

    def on_mount(self) -> None:
        super().on_mount()
        self.action_save()

    @on(Select.Changed, "#loan")
    @on(Input.Changed, "#as-of")
    @on(Input.Submitted, "#as-of")
    def _recalculate(self) -> None:
        self.action_save()

    def values(self) -> dict[str, Any]:
        loan = self.query("#loan").first()
        return {
            "loan_id": loan.value if isinstance(loan, Select) else None,
            "as_of": self.query_one("#as-of", Input).value,
        }

    def restore(self, values: dict[str, Any]) -> None:
        pick(self, "#loan", values.get("loan_id"))
        self.query_one("#as-of", Input).value = values.get("as_of", self.today.isoformat())

    def check(self) -> tuple[Any, date]:
        values = self.values()
        lv = find_loan(self.view, values["loan_id"])
        if lv is None:
            raise refusal("loan_id", "no_open_loan")
        day = parse_day(values["as_of"], self.today, field="as_of")
        last = self.today + timedelta(days=HORIZON_DAYS)
        if day < self.today:
            raise refusal("as_of", "quote_past", today=self.today.isoformat())
        if day > last:
            raise refusal("as_of", "date_too_far", days=HORIZON_DAYS, last=last.isoformat())
        return lv, day

    def action_save(self) -> None:
        """Quote again for the loan and date shown (nothing is written)."""
        try:
            lv, day = self.check()
        except ValidationError as exc:
            self.quote = None
            self.query_one("#quote", Static).update("")
            self.say(explain(exc, self.values()), "-error")
            return
        loan = lv.loan
        self.quote = payoff_quote(loan.schedule, loan.annual_rate_bp, loan.late_fee_daily_bp, day)
        self.say("")
        self.query_one("#quote", Static).update(Content(breakdown(self.quote)))

    def action_cancel(self) -> None:
        """Close (a quote keeps no draft: it is quick to ask again)."""
        self.dismiss(None)


def breakdown(quote: PayoffQuote) -> str:
    """The quote, one line per part, then the total."""
    lines = [t("form.payoff.heading", date=quote.as_of.isoformat())]
    for part in PARTS:
        lines.append(t(f"form.payoff.{part}", amount=format_fen(getattr(quote, part))))
    lines.append(t("form.payoff.total", amount=format_fen(quote.total)))
    return "\n".join(lines)

"""One loan contract: terms, what is owed next, how late, and what settles it today."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from workbench.domain.money import format_fen
from workbench.domain.pii import mask_card
from workbench.store.queries import LoanView
from workbench.ui.format import BUCKET_STYLES, dpd_text, label, plain, rate, safe
from workbench.ui.i18n import t

MUTED = "$text-muted"
SHOWN_BY_BADGE = ("active", "overdue")  # the DPD badge already says current or late


class LoanCard(Static):
    """A few lines per loan; the DPD bucket is coloured like the header badge."""

    def __init__(self, loan_view: LoanView, *, classes: str = "") -> None:
        super().__init__(_render(loan_view), classes=f"loan-card {classes}".strip())
        self.loan_view = loan_view

    def show(self, loan_view: LoanView) -> None:
        """Show another loan (or a newer reading of this one) in this card."""
        if loan_view != self.loan_view:
            self.loan_view = loan_view
            self.update(_render(loan_view))


def _render(view: LoanView) -> Content:
    loan = view.loan
    bucket_style = BUCKET_STYLES.get(view.bucket, BUCKET_STYLES["M4+"])
    terms = " · ".join(
        (
            label("product", loan.product),
            format_fen(loan.principal),
            rate(loan.annual_rate_bp),
            t("loan.term_value", n=loan.term_months),
            f"{plain(loan.start_date, 10)} → {plain(loan.maturity_date, 10)}",
        )
    )
    head = Content.assemble(
        (safe(loan.contract_no).plain, "bold"),
        "  ",
        (f" {dpd_text(view.dpd, view.bucket)} ", f"bold reverse {bucket_style}"),
    )
    if loan.status not in SHOWN_BY_BADGE:
        head = Content.assemble(head, "  ", (label("loan_status", loan.status), "bold"))
    owed = Content.assemble(
        (f"{t('loan.outstanding')} ", MUTED),
        (format_fen(view.outstanding_principal), "bold"),
        "   ",
        _next_due(view),
    )
    payoff = view.payoff
    settle = Content.assemble(
        (f"{t('loan.payoff')} ", MUTED),
        (format_fen(payoff.total), "bold $accent"),
        "   ",
        (f"{t('loan.card')} ", MUTED),
        safe(mask_card(loan.debit_card)),
    )
    parts = t(
        "loan.payoff_parts",
        principal=format_fen(payoff.outstanding_principal),
        overdue=format_fen(payoff.overdue_interest),
        accrued=format_fen(payoff.accrued_interest),
        fees=format_fen(payoff.late_fees),
    )
    breakdown = Content.styled(f"= {parts}", MUTED)
    return Content("\n").join([head, Content(terms), owed, settle, breakdown])


def _next_due(view: LoanView) -> Content:
    """What to ask for: the overdue total when late, else the next installment."""
    if view.next_due is None:
        return Content.assemble((f"{t('loan.next_due')} ", MUTED), t("loan.next_due_none"))
    if view.dpd > 0 and view.overdue_amount:
        return Content.assemble(
            (f"{t('loan.overdue_amount')} ", MUTED),
            (format_fen(view.overdue_amount), "bold $error"),
            (f" {t('loan.overdue_since', date=plain(view.next_due.due_date, 10))}", MUTED),
        )
    return Content.assemble(
        (f"{t('loan.next_due')} ", MUTED),
        safe(view.next_due.due_date),
        " ",
        (format_fen(view.next_due_amount), "bold"),
    )

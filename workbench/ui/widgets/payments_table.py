"""Payments received (or failed), newest first."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from workbench.domain.money import format_fen
from workbench.store.queries import BorrowerView
from workbench.ui.format import label, local_time, plain
from workbench.ui.i18n import t

COLUMNS = ("posted_at", "contract", "channel", "amount", "status")
STATUS_STYLES = {"posted": "green", "failed": "bold red", "reversed": "yellow"}


class PaymentsTable(DataTable):
    """One row per payment; a borrower has at most a few hundred, so rows are added at once."""

    def __init__(self, view: BorrowerView, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.view = view

    def on_mount(self) -> None:
        self._add_rows()

    def show(self, view: BorrowerView) -> None:
        """Show a newer reading of the borrower's payments, the cursor where it was."""
        if view.payments == self.view.payments and view.loans == self.view.loans:
            self.view = view
            return
        self.view = view
        row = self.cursor_row
        self._add_rows()
        if self.row_count:
            self.move_cursor(row=min(row, self.row_count - 1), animate=False)

    def _add_rows(self) -> None:
        """The columns (as wide as these payments need, whatever was shown before), then
        one row per payment."""
        self.clear(columns=True)
        for key in COLUMNS:
            self.add_column(t(f"payments.col.{key}"), key=key)
        contracts = {lv.loan.id: lv.loan.contract_no for lv in self.view.loans}
        self.add_rows(
            (
                Text(local_time(p.posted_at)),
                Text(plain(contracts.get(p.loan_id, p.loan_id), 24)),
                Text(label("pay_channel", p.channel)),
                Text(format_fen(p.amount), justify="right", style="bold"),
                Text(label("pay_status", p.status), style=STATUS_STYLES.get(p.status, "")),
            )
            for p in self.view.payments
        )

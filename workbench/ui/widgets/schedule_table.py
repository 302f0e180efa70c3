"""The repayment schedule of one loan: paid, overdue and upcoming installments marked."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from workbench.domain.loans import amount_due
from workbench.domain.models import Installment
from workbench.domain.money import format_fen
from workbench.store.queries import BorrowerView, LoanView
from workbench.ui.format import plain
from workbench.ui.i18n import t

COLUMNS = ("n", "due_date", "principal", "interest", "total", "paid", "paid_date", "status")
STATUS_STYLES = {"paid": "green", "overdue": "bold red", "current": "bold", "upcoming": "dim"}


def installment_status(inst: Installment, as_of: date, next_n: int | None) -> str:
    """paid | overdue | current (the next one due, not yet late) | upcoming."""
    if amount_due(inst) == 0:
        return "paid"
    if inst.due_date < as_of.isoformat():
        return "overdue"
    return "current" if inst.n == next_n else "upcoming"


class ScheduleTable(DataTable):
    """All installments of one loan (a few dozen rows), the first loan's until ``show`` picks
    another; the cursor starts on the next one due, shown at the top with those to come."""

    def __init__(self, view: BorrowerView, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.view = view

    class Mounted(Message):
        """The table is in the DOM (it mounts lazily): the screen says which loan to show."""

    def on_mount(self) -> None:
        if self.view.loans:
            self.show(self.view.loans[0], self.view.as_of)
        else:
            self._add_columns()
        self.post_message(self.Mounted())

    def _add_columns(self) -> None:
        for key in COLUMNS:
            self.add_column(t(f"schedule.col.{key}"), key=key)

    def show(self, view: LoanView, as_of: date, *, due_at_top: bool = True) -> None:
        """Fill the table with ``view``'s schedule as of ``as_of`` (the columns as wide as this
        schedule needs, whatever was shown before). The cursor goes to the installment due
        next: at the top, those to come below it, when ``due_at_top`` (the table is about to
        be shown); else scrolled just into view (another loan in the table on screen)."""
        self.clear(columns=True)
        self._add_columns()
        next_n = view.next_due.n if view.next_due else None
        cursor = 0
        for row, inst in enumerate(view.loan.schedule):
            status = installment_status(inst, as_of, next_n)
            if inst.n == next_n:
                cursor = row
            self.add_row(*_cells(inst, status), key=str(inst.n))
        if self.row_count:
            self.move_cursor(row=cursor, animate=False, scroll=not due_at_top)
            if due_at_top:
                self.call_after_refresh(self._scroll_to_row, cursor)  # the rows measured

    def _scroll_to_row(self, row: int) -> None:
        """Put ``row`` at the top, or scroll to the end when fewer rows follow it than fit:
        the installment due next, then the ones still to come."""
        self.scroll_to(y=row, animate=False, immediate=True)


def _money(fen: int, style: str = "") -> Text:
    return Text(format_fen(fen), style=style, justify="right")


def _cells(inst: Installment, status: str) -> tuple[Text, ...]:
    paid = inst.paid_principal + inst.paid_interest
    style = STATUS_STYLES[status]
    return (
        Text(str(inst.n), justify="right"),
        Text(plain(inst.due_date, 10), style="bold red" if status == "overdue" else ""),
        _money(inst.principal),
        _money(inst.interest),
        _money(inst.principal + inst.interest, "bold"),
        _money(paid, "green" if paid else "dim"),
        Text(plain(inst.paid_date, 10), style="dim"),
        Text(t(f"schedule.{status}"), style=style),
    )

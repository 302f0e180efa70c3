"""Lookup results: one row per borrower, Enter opens the unified view."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from workbench.ui.bindings import localize_bindings
from workbench.ui.format import BUCKET_CLASSES, label, plain
from workbench.ui.i18n import t

if TYPE_CHECKING:
    from workbench.store.queries import LookupHit

COLUMN_KEYS = ("name", "id_no", "phone", "city", "matched", "bucket")
_BUCKET_STYLES = {
    "M0": "green",
    "M1": "yellow",
    "M2": "dark_orange",
    "M3": "red",
    "M4+": "bold red",
}


class ResultsTable(DataTable):
    """The borrowers a lookup found; row keys are borrower ids."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "key.open", id="desk.open"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        localize_bindings(self)
        self._label_widths: dict[str | None, int] = {}

    def on_mount(self) -> None:
        self._add_columns()

    def _add_columns(self) -> None:
        for key in COLUMN_KEYS:
            self.add_column(t(f"desk.col.{key}"), key=key)
        self._label_widths = {
            key.value: column.content_width for key, column in self.columns.items()
        }

    def update(self, hits: list[LookupHit]) -> None:
        """Show a newer reading of the same lookup: the same borrowers are updated in place
        (cursor and scroll untouched); a different list replaces the rows."""
        listed = [row_key.value for row_key in self.rows]
        if listed != [hit.borrower_id for hit in hits]:
            self.show(hits, keep=self.borrower_at_cursor())
            return
        for hit in hits:
            for key, cell in zip(COLUMN_KEYS, _row(hit), strict=True):
                self.update_cell(hit.borrower_id, key, cell, update_width=True)

    def show(self, hits: list[LookupHit], *, keep: str | None = None) -> None:
        """Replace the rows with ``hits`` (at most a lookup's limit) and highlight the first,
        or the row of borrower ``keep`` when it is still listed."""
        # The columns stay; their widths go back to their titles', so they fit these rows,
        # not earlier, longer ones.
        self.clear()
        for column in self.columns.values():
            column.content_width = self._label_widths.get(column.key.value, 0)
        for hit in hits:
            self.add_row(*_row(hit), key=hit.borrower_id)
        if hits:
            ids = [hit.borrower_id for hit in hits]
            self.move_cursor(row=ids.index(keep) if keep in ids else 0)

    def action_cursor_up(self) -> None:
        """Up from the first row goes back to the search box."""
        if self.cursor_row <= 0:
            self.screen.focus_previous()
        else:
            super().action_cursor_up()

    def borrower_at_cursor(self) -> str | None:
        """The borrower id of the highlighted row, if any."""
        if not self.row_count:
            return None
        row_key, _ = self.coordinate_to_cell_key((self.cursor_row, 0))
        return row_key.value


def _row(hit: LookupHit) -> tuple[Text, ...]:
    bucket = hit.worst_bucket if hit.worst_bucket in BUCKET_CLASSES else "M4+"
    return (
        Text(plain(hit.name, 32), style="bold"),
        Text(plain(hit.masked_id_no, 20)),
        Text(plain(hit.masked_phone, 16)),
        Text(plain(hit.city, 12)),
        Text(label("match", hit.matched_by), style="dim"),
        Text(f"● {plain(hit.worst_bucket, 4)}", style=_BUCKET_STYLES[bucket]),
    )

"""The agent's callback worklist: by priority, due and overdue ticking, gate and claim per row.

Opened from anywhere by ``callback.list`` (F11); ``callback.next`` (F12) works the next
workable row (``ui.callback_desk``). Enter opens the highlighted borrower. Rows are read from
the cache in a thread (``store.callbacks.callback_worklist``), again when the cache changes
or a ``callback.*`` event arrives, and every ``RELOAD_S`` (gates move with the clock); the
due column ticks every second by the app's clock.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from workbench.ui.bindings import localize_bindings
from workbench.ui.callback_desk import skipped_text
from workbench.ui.callback_keys import CALLBACK_BINDINGS
from workbench.ui.callback_text import COLUMNS, WIDTHS, due_text, row_cells
from workbench.ui.format import plain
from workbench.ui.i18n import t
from workbench.ui.widgets.call_bar import CallBar
from workbench.ui.widgets.key_footer import KeyFooter
from workbench.ui.widgets.sync_bar import SyncBar


def key_of(app, binding) -> str:
    """The key the keymap gives ``binding`` now (``F12``, or Shift+F5's ``F17``…)."""
    from workbench.ui.keymap import as_bound

    return app.get_key_display(as_bound(app, binding)).upper()


if TYPE_CHECKING:
    from workbench.domain.callback_work import WorklistRow

RELOAD_S = 30.0
TICK_S = 1.0


class WorklistScreen(Screen):
    """The callback worklist of this agent (every open callback; others' claims greyed)."""

    DEFAULT_CSS = """
    WorklistScreen #worklist-status { height: auto; padding: 0 2; }
    WorklistScreen #worklist-status.-refused { color: $error; }
    WorklistScreen #worklist { height: 1fr; margin: 0 2 1 2; border: round $panel-lighten-2; }
    WorklistScreen #worklist:focus { border: round $primary; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "key.back", id="worklist.back"),
        Binding("enter", "open", "key.open", id="worklist.open"),
        Binding("w", "work", "key.callback_work", id="worklist.work"),
    ]

    def __init__(self) -> None:
        super().__init__(id="worklist-screen")
        localize_bindings(self)
        self.rows: list[WorklistRow] = []
        self.loaded = False
        self._loading = False
        self._again = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Content(t("callback.loading")), id="worklist-status")
        table: DataTable = DataTable(id="worklist", cursor_type="row", zebra_stripes=True)
        for key in COLUMNS:
            table.add_column(t(f"callback.col.{key}"), key=key, width=WIDTHS[key])
        yield table
        yield CallBar(id="call-bar")
        yield SyncBar(id="sync-bar")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.sub_title = t("callback.title")
        self.query_one(DataTable).focus()
        self.reload()
        self.set_interval(TICK_S, self.tick)
        self.set_interval(RELOAD_S, self.reload)

    # -- reading ------------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the worklist again (coalesced: one read at a time, one more if asked meanwhile)."""
        if self._loading:
            self._again = True
            return
        self._loading = True
        self.run_worker(self._load(), group="worklist-read", exit_on_error=False)

    def refresh_from_cache(self, *, feed: bool = True) -> None:
        """The cache changed (the app calls this on every open screen)."""
        self.reload()

    async def _load(self) -> None:
        from workbench.store.callbacks import callback_worklist
        from workbench.ui.cache import reading

        app = self.app

        def read() -> list[WorklistRow]:
            with reading(app.db_path) as conn:
                return callback_worklist(conn, app.agent_id, app.clock())  # type: ignore[attr-defined]

        try:
            rows = await asyncio.to_thread(read)
        except Exception as exc:
            self._status(t("callback.read_failed", detail=plain(str(exc), 120)), refused=True)
            return
        finally:
            self._loading = False
        self.show(rows)
        if self._again:
            self._again = False
            self.reload()

    # -- showing ------------------------------------------------------------------------------

    def show(self, rows: list[WorklistRow]) -> None:
        """Put ``rows`` in the table, keeping the highlighted callback where it is."""
        table = self.query_one(DataTable)
        keep = self.highlighted()
        now = self.app.clock()  # type: ignore[attr-defined]
        table.clear()
        for row in rows:
            table.add_row(*row_cells(row, now), key=row.id)
        self.rows = rows
        self.loaded = True
        if keep is not None and keep.id in table.rows:
            table.move_cursor(row=table.get_row_index(keep.id))
        self._status()

    def tick(self) -> None:
        """Due and overdue by the app's clock, every second."""
        table = self.query_one(DataTable)
        now = self.app.clock()  # type: ignore[attr-defined]
        for row in self.rows:
            text, style = due_text(row.due_at, now)
            table.update_cell(row.id, "due", Content.styled(text, style))

    def _status(self, extra: str | None = None, *, refused: bool = False) -> None:
        desk = getattr(self.app, "_callbacks", None)
        message = extra or (desk.last_message if desk is not None else "")
        overdue = sum(1 for r in self.rows if r.overdue)
        blocked = sum(1 for r in self.rows if not r.gate.allowed)
        head = t("callback.summary", n=len(self.rows), overdue=overdue, blocked=blocked)
        working = desk.row.id if desk is not None and desk.row is not None else ""
        if working:
            head += "  ·  " + t("callback.working", id=working)
        head += "  ·  " + t("callback.keys", next=key_of(self.app, CALLBACK_BINDINGS[1]))
        status = self.query_one("#worklist-status", Static)
        status.update(Content(head + (f"\n{message}" if message else "")))
        status.set_class(refused or (desk is not None and desk.last_refused), "-refused")

    def highlighted(self) -> WorklistRow | None:
        """The callback under the cursor."""
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    # -- keys -----------------------------------------------------------------------------------

    def action_back(self) -> None:
        self.dismiss()

    def action_open(self) -> None:
        row = self.highlighted()
        if row is not None:
            self.app.open_borrower(row.callback.borrower_id)  # type: ignore[attr-defined]

    def action_work(self) -> None:
        """Work the highlighted callback (claim, open, dial) instead of the next one."""
        row = self.highlighted()
        if row is None:
            return
        desk = self.app.callbacks  # type: ignore[attr-defined]
        if desk.busy:
            desk.tell(t("callback.working", id=desk.row.id), severity="warning")
        elif not row.gate.allowed:
            desk.tell(skipped_text([row]), severity="warning")
        else:
            desk.work(row)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

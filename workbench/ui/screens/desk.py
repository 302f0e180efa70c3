"""The desk: one search box, incremental results, Enter opens the borrower."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Header, Input, Static
from textual.worker import Worker, WorkerState, get_current_worker

from workbench.ui.bindings import localize_bindings
from workbench.ui.cache import reading
from workbench.ui.format import plain
from workbench.ui.i18n import t
from workbench.ui.widgets.call_bar import CallBar
from workbench.ui.widgets.results_table import ResultsTable
from workbench.ui.widgets.search_box import SearchBox
from workbench.ui.widgets.sync_bar import SyncBar

if TYPE_CHECKING:
    from workbench.store.queries import LookupHit

DEBOUNCE_S = 0.15
RESULT_LIMIT = 50


class DeskScreen(Screen):
    """Find a borrower by anything the caller can tell: phone, name, plate, contract…"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+f,slash", "focus_search", "key.search", id="desk.search"),
        Binding("down", "focus_results", "key.results", show=False, id="desk.results"),
        Binding("escape", "clear_search", "key.clear", id="desk.clear"),
    ]

    class SearchDone(Message):
        """A lookup finished; ``query`` is what was searched (it may be stale by now);
        ``again`` when it re-ran a shown query because the cache changed."""

        def __init__(self, query: str, hits: list[LookupHit], again: bool = False) -> None:
            super().__init__()
            self.query = query
            self.hits = hits
            self.again = again

    def __init__(self) -> None:
        super().__init__(id="desk")
        localize_bindings(self)
        self._timer: Timer | None = None
        self._shown_query: str | None = None  # the query the table currently answers
        self._hits: list[LookupHit] = []
        self._open_when_found = False
        self._debouncing = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="search-panel"):
            yield SearchBox(id="search")
            yield Static(Content(t("desk.hint")), id="search-status")
        yield ResultsTable(id="results")
        yield CallBar(id="call-bar")
        yield SyncBar(id="sync-bar")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(SearchBox).focus()
        self.warm_up()

    @work(thread=True, exclusive=True, group="warm-up", exit_on_error=False)
    def warm_up(self) -> None:
        """Load the query code and open the cache once, off the first frame's path, so the
        first search is as quick as the rest and a missing cache is reported at once."""
        import workbench.store.queries  # noqa: F401

        with reading(self.app.db_path):
            pass

    # -- searching ------------------------------------------------------------------------

    @property
    def shown_query(self) -> str | None:
        """The query the results list answers (None when the box is empty)."""
        return self._shown_query

    @property
    def is_searching(self) -> bool:
        """True while a search is scheduled or running."""
        running = any(
            w.node is self and w.group == "search" and not w.is_finished for w in self.workers
        )
        return self._debouncing or running

    @property
    def search_text(self) -> str:
        """What is in the search box, trimmed."""
        return self.query_one(SearchBox).value.strip()

    @on(Input.Changed, "#search")
    def _schedule_search(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._debouncing = False
        self._open_when_found = False
        if not self.search_text:
            self.workers.cancel_group(self, "search")
            self._show([], None)
            return
        self._debouncing = True
        self._timer = self.set_timer(DEBOUNCE_S, self._search_now)

    def _search_now(self) -> None:
        self._debouncing = False
        query = self.search_text
        if query:
            self._set_status(Content(t("desk.searching")))
            self.search(query)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def search(self, query: str, again: bool = False) -> None:
        """Run ``lookup`` for ``query`` in a thread; newer searches cancel older ones."""
        from workbench.store.queries import lookup

        worker = get_current_worker()
        with reading(self.app.db_path) as conn:
            hits = lookup(conn, query, limit=RESULT_LIMIT, as_of=self.app.as_of())
        if not worker.is_cancelled:
            self.post_message(self.SearchDone(query, hits, again))

    def refresh_from_cache(self, *, feed: bool = True) -> None:
        """The sync brought changes: run the shown query again (quietly, cursor kept)."""
        query = self._shown_query
        if feed and query and query == self.search_text and not self.is_searching:
            self.search(query, again=True)

    def on_desk_screen_search_done(self, message: SearchDone) -> None:
        if message.query != self.search_text:
            return  # the box has changed since: a newer search is on its way
        if message.again:
            if message.hits != self._hits:
                self._hits = message.hits
                self.query_one(ResultsTable).update(message.hits)
            return
        self._show(message.hits, message.query)
        if self._open_when_found and message.hits:
            self._open_when_found = False
            self._open(message.hits[0].borrower_id)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group in ("search", "warm-up") and event.state == WorkerState.ERROR:
            error = event.worker.error
            self._set_status(Content(t("error.cache", detail=plain(str(error), 200))), "error")

    def _show(self, hits: list[LookupHit], query: str | None) -> None:
        self._shown_query = query
        self._hits = hits
        self.query_one(ResultsTable).show(hits)
        if query is None:
            self._set_status(Content(t("desk.hint")))
        elif not hits:
            self._set_status(Content(t("desk.none", query=plain(query, 40))), "warning")
        elif len(hits) >= RESULT_LIMIT:
            self._set_status(Content(t("desk.found_many", count=len(hits))))
        else:
            self._set_status(Content(t("desk.found", count=len(hits))))

    def _set_status(self, content: Content, kind: str = "") -> None:
        status = self.query_one("#search-status", Static)
        status.update(content)
        status.set_class(kind == "error", "-error")
        status.set_class(kind == "warning", "-warning")

    # -- opening --------------------------------------------------------------------------

    @on(Input.Submitted, "#search")
    def _submit(self) -> None:
        table = self.query_one(ResultsTable)
        if self._shown_query == self.search_text and table.row_count:
            self._open(table.borrower_at_cursor())
        elif self.search_text:
            # Enter before the results arrived: search now and open the first hit.
            if self._timer is not None:
                self._timer.stop()
            self._open_when_found = True
            self._search_now()

    @on(DataTable.RowSelected, "#results")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self._open(event.row_key.value)

    def _open(self, borrower_id: str | None) -> None:
        if borrower_id:
            self.app.open_borrower(borrower_id)

    def on_key(self, event: events.Key) -> None:
        """Typing while the results have the focus goes on typing into the search box."""
        box = self.query_one(SearchBox)
        if event.is_printable and event.character and not box.has_focus:
            event.stop()
            event.prevent_default()
            self.set_focus(box)
            box.insert_text_at_cursor(event.character)

    # -- actions --------------------------------------------------------------------------

    def action_focus_search(self) -> None:
        """Put the cursor in the search box."""
        # set_focus, not focus(): it takes effect before the next key is handled, so fast
        # typists' keys land where they expect.
        self.set_focus(self.query_one(SearchBox))

    def action_focus_results(self) -> None:
        """Move from the search box into the results."""
        table = self.query_one(ResultsTable)
        if table.row_count:
            self.set_focus(table)

    def action_clear_search(self) -> None:
        """Empty the search box and start over."""
        box = self.query_one(SearchBox)
        box.value = ""
        self.set_focus(box)

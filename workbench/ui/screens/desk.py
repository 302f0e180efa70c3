"""The desk: one search box, incremental results, Enter opens the borrower."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Header, Input, Static
from textual.worker import Worker, WorkerState

from workbench.ui.bindings import localize_bindings
from workbench.ui.cache import close_readers, reader, reading
from workbench.ui.format import plain
from workbench.ui.i18n import t
from workbench.ui.widgets.call_bar import CallBar
from workbench.ui.widgets.key_footer import KeyFooter
from workbench.ui.widgets.results_table import ResultsTable
from workbench.ui.widgets.search_box import SearchBox
from workbench.ui.widgets.sync_bar import SyncBar

if TYPE_CHECKING:
    from workbench.store.queries import LookupHit

RESULT_PAGE = 20
"""Borrowers listed for a query at first: more than a screenful at 80×24, and what an agent
reads while the caller waits; going to the last row lists the next page."""
RESULT_MAX = 200  # past this, typing more is the way to the borrower
log = logging.getLogger(__name__)


def _nothing(conn: object) -> None:
    """A job that only opens the reader's connection (and loads the query code)."""
    import workbench.store.queries  # noqa: F401


async def _read_lookup_pages(db_path: Path) -> bool:
    """``store.queries.warm_lookup_pages`` in a thread of its own (a daemon: never holds up
    the desk's exit), interrupted when the desk goes; True when it read everything."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[bool] = loop.create_future()
    lock = threading.Lock()  # interrupting a connection being closed would crash the process
    open_conn: list[Any] = []

    def report(ok: bool) -> None:
        if not done.done():
            done.set_result(ok)

    def read() -> None:
        from workbench.store.queries import warm_lookup_pages

        ok = False
        try:
            with reading(db_path) as conn:
                conn.execute("PRAGMA cache_size = -1024")  # a scan: the OS keeps the pages
                with lock:
                    open_conn.append(conn)
                try:
                    warm_lookup_pages(conn)
                    ok = True
                finally:
                    with lock:
                        open_conn.clear()
        except Exception:  # only a head start: a search reads what it needs anyway
            log.debug("the start-up read of the lookup pages stopped", exc_info=True)
        with contextlib.suppress(RuntimeError):  # the desk's loop has already ended
            loop.call_soon_threadsafe(report, ok)

    threading.Thread(target=read, name="cache-warm-up", daemon=True).start()
    try:
        return await done
    except asyncio.CancelledError:
        with lock:
            for conn in open_conn:
                conn.interrupt()
        raise


_heap_frozen = False


def _freeze_startup_heap() -> None:
    """Once a process, when the desk has started: leave what start-up made (modules, the app,
    its widgets and styles, most of what lives as long as the process) out of the cyclic
    collector's full passes. Each full pass walked all of it: 100–150 ms with the UI stopped,
    a keystroke's results late by that much a few times a minute of typing. Reference
    counting still frees these objects; only cycles among them stay (``gc.freeze``)."""
    global _heap_frozen
    if not _heap_frozen:
        _heap_frozen = True
        gc.freeze()


class DeskScreen(Screen):
    """Find a borrower by anything the caller can tell: phone, name, plate, contract…"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+f,slash", "focus_search", "key.search", id="desk.search"),
        Binding("down", "focus_results", "key.results", show=False, id="desk.results"),
        Binding("escape", "clear_search", "key.clear", id="desk.clear"),
    ]

    def __init__(self) -> None:
        super().__init__(id="desk")
        localize_bindings(self)
        self._shown_query: str | None = None  # the query the table currently answers
        self._hits: list[LookupHit] = []
        self._open_when_found = False
        self._searching = False  # a search is running, or due when the running one ends
        self._search_token = 0
        self._limit = RESULT_PAGE  # borrowers listed for the shown query (pages of them)
        self._more = False  # the lookup found more borrowers than are listed
        self._pages_warm = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="search-panel"):
            yield SearchBox(id="search")
            yield Static(Content(t("desk.hint")), id="search-status")
        yield ResultsTable(id="results")
        yield CallBar(id="call-bar")
        yield SyncBar(id="sync-bar")
        yield KeyFooter()

    def on_mount(self) -> None:
        box = self.query_one(SearchBox)
        self.watch(box, "value", self._schedule_search, init=False)
        box.focus()
        self.warm_up()

    @work(exclusive=True, group="warm-up", exit_on_error=False)
    async def warm_up(self) -> None:
        """Open the readers' connections once, off the first frame's path, so the first search
        and the first borrower are as quick as the rest and a missing cache is reported at
        once; then read the pages every search reads (``store.queries.warm_lookup_pages``)."""
        from workbench.store.db import CacheError

        try:
            await asyncio.gather(
                reader(self.app, "search").run(_nothing), reader(self.app, "view").run(_nothing)
            )
        except CacheError as exc:  # said on the status line; searching says it again
            self._set_status(Content(t("error.cache", detail=plain(str(exc), 200))), "error")
            opened = False
        else:
            opened = True
        _freeze_startup_heap()
        if opened:  # then the pages every search reads, so the first ones are not cold
            self._pages_warm = await _read_lookup_pages(self.app.db_path)

    @property
    def pages_warm(self) -> bool:
        """Whether the start-up read of the lookups' pages has finished."""
        return self._pages_warm

    async def on_unmount(self) -> None:
        # The desk lives as long as the app: its end closes the readers' connections.
        await asyncio.to_thread(close_readers, self.app)

    # -- searching ------------------------------------------------------------------------

    @property
    def shown_query(self) -> str | None:
        """The query the results list answers (None when the box is empty)."""
        return self._shown_query

    @property
    def is_searching(self) -> bool:
        """True while a search is running or due (the box says more than the list answers)."""
        return self._searching

    @property
    def search_text(self) -> str:
        """What is in the search box, trimmed."""
        return self.query_one(SearchBox).value.strip()

    def _schedule_search(self) -> None:
        # Watched, not an ``Input.Changed`` handler: that message reaches the screen after the
        # box has drawn the key, so the lookup waited for the echo frame; this way the reader
        # thread looks up while the echo is drawn.
        self._open_when_found = False
        self._limit = RESULT_PAGE
        if not self.search_text:
            self.workers.cancel_group(self, "search")
            self._search_token += 1
            self._searching = False
            self._show([], None)
            return
        self._search_soon()

    def _search_now(self) -> None:
        if self.search_text:
            self._set_status(Content(t("desk.searching")))
            self._search_soon()

    def _search_soon(self) -> None:
        """Search for what the box says: at once when no search is running; otherwise the
        running one, when done, goes on with the newest text (keys typed meanwhile coalesce,
        and no result for a text already gone is drawn)."""
        if not self._searching:
            self._start_search(self.search_text)

    def _start_search(self, query: str, again: bool = False) -> None:
        self._searching = True
        self._search_token += 1
        self.search(query, again, self._search_token)

    @work(exclusive=True, group="search", exit_on_error=False)
    async def search(self, query: str, again: bool = False, token: int = 0) -> None:
        """Run ``lookup`` for ``query`` in the search reader's thread, then for whatever was
        typed meanwhile, until the list answers the box."""
        from workbench.store.queries import lookup

        try:
            while query:
                limit = self._limit
                hits = await reader(self.app, "search").run(
                    lookup, query, limit=limit + 1, as_of=self.app.as_of()
                )  # one more than is listed: whether there are more is then known
                more, hits = len(hits) > limit, hits[:limit]
                latest = self.search_text
                if latest == query:
                    self._searching = False  # before drawing: the frame shows the answer
                    self._more = more
                    self._done(query, hits, again)
                    return
                query, again = latest, False
        finally:
            if token == self._search_token:  # not a newer search's flag
                self._searching = False

    def refresh_from_cache(self, *, feed: bool = True) -> None:
        """The sync brought changes: run the shown query again (quietly, cursor kept)."""
        query = self._shown_query
        if feed and query and query == self.search_text and not self.is_searching:
            self._start_search(query, again=True)

    def list_more(self) -> bool:
        """List the next page of the shown query's borrowers (the list is full, and the agent
        went to its last row); False when there is no more to ask for."""
        query = self._shown_query
        if (
            not query
            or query != self.search_text
            or self.is_searching
            or not self._more
            or self._limit >= RESULT_MAX
        ):
            return False
        self._limit = min(self._limit + RESULT_PAGE, RESULT_MAX)
        self._start_search(query, again=True)
        return True

    @on(DataTable.RowHighlighted, "#results")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row == event.data_table.row_count - 1:
            self.list_more()

    def _done(self, query: str, hits: list[LookupHit], again: bool) -> None:
        if again:
            if hits != self._hits:
                self._hits = hits
                self.query_one(ResultsTable).update(hits)
            self._set_found(query, hits)
            return
        self._show(hits, query)
        if self._open_when_found and hits:
            self._open_when_found = False
            self._open(hits[0].borrower_id)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group in ("search", "warm-up") and event.state == WorkerState.ERROR:
            error = event.worker.error
            self._set_status(Content(t("error.cache", detail=plain(str(error), 200))), "error")

    def _show(self, hits: list[LookupHit], query: str | None) -> None:
        self._shown_query = query
        if hits != self._hits or not hits:  # a longer text often finds the same borrowers
            self.query_one(ResultsTable).show(hits)
        self._hits = hits
        self._set_found(query, hits)
        self._paint_soon()

    def _set_found(self, query: str | None, hits: list[LookupHit]) -> None:
        if query is None:
            self._set_status(Content(t("desk.hint")))
        elif not hits:
            self._set_status(Content(t("desk.none", query=plain(query, 40))), "warning")
        elif self._more and self._limit >= RESULT_MAX:
            self._set_status(Content(t("desk.found_many", count=len(hits))))
        elif self._more:
            self._set_status(Content(t("desk.found_page", count=len(hits))))
        else:
            self._set_status(Content(t("desk.found", count=len(hits))))

    def _paint_soon(self) -> None:
        """Draw the answer as soon as the screen has taken it in, not at its next frame tick.

        The screen draws at most 60 frames a second, and its tick after a late one (the key's
        own echo, drawn at once) comes one to two ticks later: 17–33 ms of waiting with the
        results ready. Here the changed widgets hand their repaint to the screen now, and a
        callback queued behind those messages draws the frame (Textual's own ``Pilot`` draws
        a frame the same way). Without those hooks the tick draws it, as before.
        """
        widgets = (self.query_one(ResultsTable), self.query_one("#search-status", Static))
        hand_over = [getattr(widget, "_check_refresh", None) for widget in widgets]
        if not callable(getattr(self, "_on_timer_update", None)) or not all(hand_over):
            return
        for check in hand_over:
            check()
        self.call_later(self._paint_now)

    def _paint_now(self) -> None:
        if self.is_current and self.is_attached:
            self._on_timer_update()

    def _set_status(self, content: Content, kind: str = "") -> None:
        status = self.query_one("#search-status", Static)
        # A one-line status replaced by another that fits the line keeps its size: repainting
        # it is enough (a layout pass over the whole screen each keystroke is not).
        room = status.content_size.width
        same_size = status.content_size.height == 1 and (
            "\n" not in content.plain and 0 < content.cell_length <= room
        )
        status.update(content, layout=not same_size)
        status.set_class(kind == "error", "-error")
        status.set_class(kind == "warning", "-warning")

    # -- opening --------------------------------------------------------------------------

    @on(Input.Submitted, "#search")
    def _submit(self) -> None:
        table = self.query_one(ResultsTable)
        if self._shown_query == self.search_text and table.row_count:
            self._open(table.borrower_at_cursor())
        elif self.search_text:
            # Enter before the results arrived: open the first hit when they come.
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

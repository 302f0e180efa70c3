"""The unified borrower view: everything about the caller on one screen."""

from __future__ import annotations

import asyncio
from concurrent.futures import Future
from concurrent.futures import wait as wait_for_future
from datetime import date
from typing import TYPE_CHECKING, ClassVar

from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Header, LoadingIndicator, Static, TabbedContent
from textual.worker import Worker, WorkerState

from workbench.domain.models import Interaction
from workbench.store.queries import BorrowerView
from workbench.ui.bindings import localize_bindings
from workbench.ui.cache import reader
from workbench.ui.format import plain
from workbench.ui.i18n import t
from workbench.ui.screens.borrower_reading import (
    READ_WAIT_S,
    SWITCH_PAINTED_S,
    Reading,
    StyleState,
    Switch,
    read_borrower,
    same_state,
    style_state,
)
from workbench.ui.widgets.borrower_body import BorrowerBody
from workbench.ui.widgets.call_bar import CallBar
from workbench.ui.widgets.followups_panel import FollowUpsPanel
from workbench.ui.widgets.history_detail import HistoryDetail
from workbench.ui.widgets.history_view import HistoryView
from workbench.ui.widgets.key_footer import KeyFooter
from workbench.ui.widgets.payments_table import PaymentsTable
from workbench.ui.widgets.schedule_table import ScheduleTable
from workbench.ui.widgets.sync_bar import SyncBar

if TYPE_CHECKING:
    from workbench.store.actions import Action

FORM_OF = {"escalation": "escalate", "reveal_audit": "reveal"}
"""Action type → the form that saves it, where the names differ."""


KEPT_SCREEN = "workbench-borrower"
"""The name the app's kept borrower view is installed under."""


class BorrowerScreen(Screen):
    """Header, profile and vehicle, loans, then tabs: history, schedule, payments, follow-ups."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "key.back", id="borrower.back"),
        Binding("ctrl+f,slash", "search", "key.search", id="borrower.search"),
        Binding("1", "tab('history')", "key.tab_history", id="borrower.tab-history"),
        Binding("2", "tab('schedule')", "key.tab_schedule", id="borrower.tab-schedule"),
        Binding("3", "tab('payments')", "key.tab_payments", id="borrower.tab-payments"),
        Binding("4", "tab('followups')", "key.tab_followups", id="borrower.tab-followups"),
        Binding("left_square_bracket", "loan(-1)", "key.prev_loan", id="borrower.prev-loan"),
        Binding("right_square_bracket", "loan(1)", "key.next_loan", id="borrower.next-loan"),
        Binding("n", "note", "key.note", id="borrower.note"),
        Binding("p", "form('promise')", "key.promise", id="borrower.promise"),
        Binding("c", "form('callback')", "key.callback", id="borrower.callback"),
        Binding("e", "form('escalate')", "key.escalate", id="borrower.escalate"),
        Binding("m", "form('message')", "key.message", id="borrower.message"),
        Binding("q", "form('payoff')", "key.payoff", id="borrower.payoff"),
        Binding("v", "form('reveal')", "key.reveal", id="borrower.reveal"),
    ]

    class Read(Message):
        """Reading number ``generation`` of borrower ``borrower_id``: the view (None when no
        such borrower exists), ``marks`` (records the core has not confirmed yet) and the
        history ``pages`` read with it; ``newest`` puts the history cursor on the newest."""

        def __init__(
            self,
            generation: int,
            borrower_id: str,
            view: BorrowerView | None,
            marks: dict[str, str],
            pages: dict[int, list[Interaction]],
            newest: bool,
        ) -> None:
            super().__init__()
            self.generation = generation
            self.borrower_id = borrower_id
            self.view = view
            self.marks = marks
            self.pages = pages
            self.newest = newest
            self.switch: Switch | None = None  # ended once it is shown

    def __init__(self, borrower_id: str, as_of: date) -> None:
        super().__init__(classes="borrower-screen")
        localize_bindings(self)
        self.borrower_id = borrower_id
        self.as_of = as_of
        self.view: BorrowerView | None = None
        self.loan_index = 0
        self._generation = 0  # readings asked for; only the latest one is shown
        self._push_after_refresh = False
        self._body: BorrowerBody | None = None  # the view's layout, once mounted
        self._styled_for: StyleState | None = None  # see on_screen_resume
        self._hidden = False  # the body is hidden while another borrower is read
        self._switch: Switch | None = None  # the last one begun (ended at the latest on unmount)

    @classmethod
    def for_borrower(cls, app: App, borrower_id: str, as_of: date) -> BorrowerScreen:
        """The screen to push for ``borrower_id``: the app's one kept borrower view (its layout
        stays mounted), switched to them; a new screen when the kept one is under a form."""
        if not app.is_screen_installed(KEPT_SCREEN):
            kept = cls(borrower_id, as_of)
            app.install_screen(kept, KEPT_SCREEN)
            return kept
        kept = app.get_screen(KEPT_SCREEN)
        if not isinstance(kept, cls) or kept in app.screen_stack:
            return cls(borrower_id, as_of)
        kept.show_borrower(borrower_id, as_of)
        return kept

    def show_borrower(self, borrower_id: str, as_of: date) -> None:
        """Show ``borrower_id`` as of ``as_of`` (the screen is being pushed again)."""
        if borrower_id == self.borrower_id and as_of == self.as_of and self.view is not None:
            self.refresh_from_cache()  # the same caller again: shown at once, read again
            return
        self.borrower_id, self.as_of = borrower_id, as_of
        self.view = None
        self.loan_index = 0
        self._push_after_refresh = False
        if self.is_mounted:
            self.load(wait=READ_WAIT_S, switching=True)

    @property
    def is_ready(self) -> bool:
        """True once the view is shown and the history lines on screen have been read."""
        if self.view is None or self._body is None:
            return False
        shown = self._body.history
        return shown.borrower_id == self.borrower_id and not shown.is_loading

    def compose(self) -> ComposeResult:
        yield Header()
        yield Vertical(LoadingIndicator(), id="borrower-body")
        yield CallBar(id="call-bar")
        yield SyncBar(id="sync-bar")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.load(wait=READ_WAIT_S)

    def on_unmount(self) -> None:
        if self._switch is not None:  # the app ended before the reading was shown
            self._switch.end()

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        # Textual restyles every widget of a screen it pushes (most of the cost of opening a
        # borrower); only a change of the app's CSS, theme or classes since calls for it.
        if same_state(self._styled_for, style_state(self.app)):
            event.refresh_styles = False

    def on_screen_suspend(self) -> None:
        self._styled_for = style_state(self.app)

    def load(self, *, wait: float = 0.0, switching: bool = False) -> None:
        """Read the unified view (and its first history lines) and show it, waiting ``wait``
        seconds for the reading here so that it is shown before anything else is asked of the
        screen; ``switching``: the last borrower's view must never be painted again."""
        self._generation += 1
        self._read(self._generation, self.borrower_id, [0], True, wait, switching=switching)

    def _read(
        self,
        generation: int,
        borrower_id: str,
        pages: list[int],
        newest: bool,
        wait: float = 0,
        *,
        switching: bool = False,
    ) -> None:
        """Read in the view reader's thread; post the reading back if still the latest."""
        switch = Switch(self.app, hold_frames=switching) if wait else None
        self._switch = switch or self._switch
        future = reader(self.app, "view").submit(read_borrower, borrower_id, self.as_of, pages)
        if wait and wait_for_future([future], timeout=wait).done and not future.exception():
            self.workers.cancel_group(self, "borrower")  # an older reading is of no use now
            read = self.Read(generation, borrower_id, *future.result(), newest)
            read.switch = switch  # nothing painted until it is shown (the screen's next thing)
            self.post_message(read)
            return
        if switch is not None:
            switch.end()
        if switching:
            self._hide_body(True)  # not the last borrower's data meanwhile
        self._await_reading(generation, borrower_id, future, newest)

    @work(exclusive=True, group="borrower", exit_on_error=False)
    async def _await_reading(
        self, generation: int, borrower_id: str, future: Future[Reading], newest: bool
    ) -> None:
        view, marks, read = await asyncio.wrap_future(future)
        if generation == self._generation:
            self.post_message(self.Read(generation, borrower_id, view, marks, read, newest))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.ERROR or event.worker.group != "borrower":
            return
        detail = t("error.cache", detail=plain(str(event.worker.error), 200))
        self._hide_body(False)
        if self.view is not None:  # a refresh failed: what is shown stays
            self._push_if_asked()
            self.notify(detail, severity="error", markup=False)
        else:
            self._show_message(detail, "error")

    async def on_borrower_screen_read(self, message: Read) -> None:
        switch = message.switch
        try:
            await self._show_reading(message)
            if switch is not None:
                # The widgets given another borrower's text ask for their new layout when
                # they next run: let them, so that the first frame is laid out already.
                await asyncio.sleep(0)
        finally:
            if switch is not None:
                switch.painting()
                self.call_after_refresh(switch.painted)
                self.set_timer(SWITCH_PAINTED_S, switch.painted)  # should no frame come

    async def _show_reading(self, message: Read) -> None:
        if message.generation != self._generation or message.borrower_id != self.borrower_id:
            return  # an older reading, or another borrower's
        holder = self.query_one("#borrower-body")
        self._hide_body(False)
        view = message.view
        if view is None:  # no such borrower (or deleted at the core meanwhile)
            self.view = None
            self._show_message(t("borrower.not_found", id=plain(self.borrower_id, 40)), "warning")
            self._push_if_asked()
            return
        body = self._body
        if body is None:
            await holder.remove_children()
            body = BorrowerBody(
                view, self.app.db_path, marks=message.marks, pages=message.pages, id="borrower"
            )
            await holder.mount(body)
            if not body.is_attached or not self.query("#schedule-caption"):
                return  # the app is closing meanwhile
            self._body = body
            self.view = view
            self._after_mount()
            self._push_if_asked()
            return
        switching = body.view.borrower.id != view.borrower.id
        with self.app.batch_update():
            loans_changed = await body.show(
                view, message.marks, message.pages, newest=message.newest
            )
            self.view = view
            if switching:
                self._after_mount()
            elif loans_changed:
                self._show_loan(self.loan_index)
        self.refresh_bindings()
        self._push_if_asked()

    # -- keeping up with the cache --------------------------------------------------------

    def refresh_from_cache(self, *, feed: bool = True, newest: bool = False) -> None:
        """Read the view again (the sync brought changes, or an action was taken) and show it
        in place; ``newest`` puts the history cursor on the newest interaction."""
        if self.view is None or self._body is None:
            self.load()  # still reading (the reading may predate the change), or a message
            return
        self._generation += 1
        pages = self._body.history.pages_to_reload(newest=newest)
        self._read(self._generation, self.borrower_id, pages, newest)

    def _push_if_asked(self) -> None:
        """Deliver a just-written action once its pending mark is on screen."""
        if self._push_after_refresh:
            self._push_after_refresh = False
            self.app.push_now()

    def _after_mount(self) -> None:
        self.app.sub_title = t("app.as_of", date=self.as_of.isoformat())
        self._show_loan(0)
        self.refresh_bindings()
        if self._body is not None:
            self.set_focus(self._body.history)

    def _hide_body(self, hidden: bool) -> None:
        """Hide what is shown while another borrower is read (the layout, the focus and the
        keys stay, so nothing is laid out or rebuilt twice)."""
        if hidden != self._hidden:
            self._hidden = hidden
            self.query_one("#borrower-body").styles.visibility = "hidden" if hidden else "visible"

    def _show_message(self, text: str, kind: str) -> None:
        body = self.query_one("#borrower-body")
        self._hide_body(False)
        self._body = None
        body.remove_children()
        body.mount(Static(Content(text), classes=f"screen-message -{kind}"))

    # -- history --------------------------------------------------------------------------

    @on(HistoryView.Highlighted)
    def _history_highlighted(self, message: HistoryView.Highlighted) -> None:
        details = [self._body.detail] if self._body is not None else self.query(HistoryDetail)
        for detail in details:
            detail.show(message.index, message.total, message.item, message.mark)

    def _show_loan(self, index: int) -> None:
        """Select loan ``index`` (its card, and the schedule tab's installments)."""
        if self._body is not None:
            self.loan_index = self._body.select_loan(index)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # While another borrower is read the keys stay as they were (the actions wait for
        # the view), so the footer is not rebuilt twice for one borrower.
        body = self._body
        shown = self.view or (body.view if body is not None else None)
        if action == "loan":
            return shown is not None and len(shown.loans) > 1
        if action in ("tab", "note", "form"):
            return shown is not None
        return True

    def action_note(self) -> None:
        """Write a note on this borrower (it shows at once as pending)."""
        from workbench.ui.screens.note import NoteScreen

        if self.view is not None:
            self.app.push_screen(NoteScreen(self.borrower_id, self.view.borrower.name), self._noted)

    def _noted(self, saved: bool | None) -> None:
        if saved:
            self.notify(t("note.saved"), markup=False)
            self._push_after_refresh = True
            self.refresh_from_cache(feed=False, newest=True)

    def action_form(self, name: str) -> None:
        """Open an action form (``screens.forms``): promise, callback, escalate, message,
        payoff, reveal. What it saves shows at once as pending."""
        from workbench.ui.screens.forms import make_form

        if self.view is not None:
            self.app.push_screen(make_form(name, self.view, self.app.clock()), self._acted)

    def _acted(self, action: Action | None) -> None:
        if action is not None:
            self.notify(t(f"form.{FORM_OF.get(action.type, action.type)}.saved"), markup=False)
            self._push_after_refresh = True
            self.refresh_from_cache(feed=False, newest=action.entity == "interaction")

    def action_loan(self, step: int) -> None:
        """Show the previous (-1) or next (1) loan's schedule."""
        if self.view is not None:
            self._show_loan(self.loan_index + step)

    def action_tab(self, name: str) -> None:
        """Switch to one of the tabs and put the focus in it."""
        if self._body is not None:
            self._body.before_showing(f"tab-{name}")
        tabs = self.query_one(TabbedContent)
        tabs.active = f"tab-{name}"
        target = {
            "history": HistoryView,
            "schedule": ScheduleTable,
            "payments": PaymentsTable,
            "followups": FollowUpsPanel,
        }[name]
        self._focus_first(target)

    def _focus_first(self, target: type, retries: int = 5) -> None:
        """Focus the first ``target``; a lazy tab mounts a frame later, so try again then."""
        found = self.query(target)
        if found:
            self.set_focus(found.first())
        elif retries:
            self.call_after_refresh(self._focus_first, target, retries - 1)

    def action_back(self) -> None:
        """Back to the search, which keeps what was typed."""
        self.app.pop_screen()

    def action_search(self) -> None:
        """Back to the search with the cursor in the box."""
        self.app.back_to_search()

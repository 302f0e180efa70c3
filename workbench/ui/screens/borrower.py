"""The unified borrower view: everything about the caller on one screen."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, LoadingIndicator, Static, TabbedContent
from textual.worker import Worker, WorkerState, get_current_worker

from workbench.domain.models import Interaction
from workbench.store.queries import BorrowerView, borrower_view, interactions_page, pending_ids
from workbench.ui.bindings import localize_bindings
from workbench.ui.cache import reading
from workbench.ui.format import plain
from workbench.ui.i18n import t
from workbench.ui.widgets.borrower_body import BorrowerBody
from workbench.ui.widgets.call_bar import CallBar
from workbench.ui.widgets.followups_panel import FollowUpsPanel
from workbench.ui.widgets.history_detail import HistoryDetail
from workbench.ui.widgets.history_view import PAGE, HistoryView
from workbench.ui.widgets.loan_panel import LoanPanel
from workbench.ui.widgets.payments_table import PaymentsTable
from workbench.ui.widgets.schedule_table import ScheduleTable
from workbench.ui.widgets.sync_bar import SyncBar

if TYPE_CHECKING:
    from workbench.store.actions import Action

FORM_OF = {"escalation": "escalate", "reveal_audit": "reveal"}
"""Action type → the form that saves it, where the names differ."""


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

    class Loaded(Message):
        """The borrower's view was read (``view`` is None when no such borrower exists);
        ``marks``: the borrower's records the core has not confirmed yet."""

        def __init__(self, view: BorrowerView | None, marks: dict[str, str]) -> None:
            super().__init__()
            self.view = view
            self.marks = marks

    class Refreshed(Message):
        """The view was read again after the cache changed (reading number ``generation``)."""

        def __init__(
            self,
            generation: int,
            view: BorrowerView | None,
            marks: dict[str, str],
            pages: dict[int, list[Interaction]],
            newest: bool,
        ) -> None:
            super().__init__()
            self.generation = generation
            self.view = view
            self.marks = marks
            self.pages = pages
            self.newest = newest

    def __init__(self, borrower_id: str, as_of: date) -> None:
        super().__init__(classes="borrower-screen")
        localize_bindings(self)
        self.borrower_id = borrower_id
        self.as_of = as_of
        self.view: BorrowerView | None = None
        self.loan_index = 0
        self._generation = 0  # readings asked for; only the latest one is shown
        self._push_after_refresh = False
        self._stale = False

    @property
    def is_ready(self) -> bool:
        """True once the view is shown and the history lines on screen have been read."""
        if self.view is None:
            return False
        history = self.query(HistoryView)
        return bool(history) and not history.first().is_loading

    def compose(self) -> ComposeResult:
        yield Header()
        yield Vertical(LoadingIndicator(), id="borrower-body")
        yield CallBar(id="call-bar")
        yield SyncBar(id="sync-bar")
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="borrower", exit_on_error=False)
    def load(self) -> None:
        """Read the unified view in a thread and post it back."""
        with reading(self.app.db_path) as conn:
            view = borrower_view(conn, self.borrower_id, self.as_of)
            marks = pending_ids(conn, self.borrower_id) if view is not None else {}
        self.post_message(self.Loaded(view, marks))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.ERROR:
            return
        detail = t("error.cache", detail=plain(str(event.worker.error), 200))
        if event.worker.group == "borrower-refresh":
            self._push_if_asked()
            self.notify(detail, severity="error", markup=False)
        else:
            self._show_message(detail, "error")

    async def on_borrower_screen_loaded(self, message: Loaded) -> None:
        if message.view is None:
            self._show_message(t("borrower.not_found", id=plain(self.borrower_id, 40)), "warning")
            return
        self.view = message.view
        body = self.query_one("#borrower-body")
        await body.remove_children()
        await body.mount(
            BorrowerBody(message.view, self.app.db_path, marks=message.marks, id="borrower")
        )
        if self.query(BorrowerBody):  # not when the app is closing meanwhile
            self._after_mount()
            if self._stale:
                self._stale = False
                self.refresh_from_cache()

    # -- keeping up with the cache --------------------------------------------------------

    def refresh_from_cache(self, *, feed: bool = True, newest: bool = False) -> None:
        """Read the view again (the sync brought changes, or an action was taken) and show it
        in place; ``newest`` puts the history cursor on the newest interaction."""
        if not self.query(BorrowerBody):
            if self.query(LoadingIndicator):
                self._stale = True  # the first reading may predate the change: read again
            else:  # a message is shown: the borrower may exist now
                self.load()
            return
        self._generation += 1
        pages = self.query_one(HistoryView).pages_to_reload(newest=newest)
        self._reload(self._generation, pages, newest)

    @work(thread=True, exclusive=True, group="borrower-refresh", exit_on_error=False)
    def _reload(self, generation: int, pages: list[int], newest: bool) -> None:
        worker = get_current_worker()
        with reading(self.app.db_path) as conn:
            view = borrower_view(conn, self.borrower_id, self.as_of)
            marks = pending_ids(conn, self.borrower_id) if view is not None else {}
            read = {
                page: interactions_page(conn, self.borrower_id, offset=page * PAGE, limit=PAGE)
                for page in pages
            }
        if not worker.is_cancelled:
            self.post_message(self.Refreshed(generation, view, marks, read, newest))

    async def on_borrower_screen_refreshed(self, message: Refreshed) -> None:
        if message.generation != self._generation or not self.query(BorrowerBody):
            return
        if message.view is None:  # deleted at the core meanwhile
            self.view = None
            self._show_message(t("borrower.not_found", id=plain(self.borrower_id, 40)), "warning")
            self._push_if_asked()
            return
        self.view = message.view
        body = self.query_one(BorrowerBody)
        with self.app.batch_update():
            loans_changed = await body.show(
                message.view, message.marks, message.pages, newest=message.newest
            )
            if loans_changed:
                self._show_loan(self.loan_index)
        self.refresh_bindings()
        self._push_if_asked()

    def _push_if_asked(self) -> None:
        """Deliver a just-written action once its pending mark is on screen."""
        if self._push_after_refresh:
            self._push_after_refresh = False
            self.app.push_now()

    def _after_mount(self) -> None:
        self.app.sub_title = t("app.as_of", date=self.as_of.isoformat())
        self._show_loan(0)
        self.refresh_bindings()
        self.set_focus(self.query_one(HistoryView))

    def _show_message(self, text: str, kind: str) -> None:
        body = self.query_one("#borrower-body")
        body.remove_children()
        body.mount(Static(Content(text), classes=f"screen-message -{kind}"))

    # -- history --------------------------------------------------------------------------

    @on(HistoryView.Highlighted)
    def _history_highlighted(self, message: HistoryView.Highlighted) -> None:
        detail = self.query_one(HistoryDetail)
        detail.show(message.index, message.total, message.item, message.mark)

    # -- loans ----------------------------------------------------------------------------

    def _show_loan(self, index: int) -> None:
        if self.view is None or not self.view.loans:
            self.query_one("#schedule-caption", Static).update(Content(t("loan.none")))
            return
        self.loan_index = index % len(self.view.loans)
        loan_view = self.view.loans[self.loan_index]
        caption = t(
            "schedule.caption",
            contract=plain(loan_view.loan.contract_no, 32),
            index=self.loan_index + 1,
            count=len(self.view.loans),
        )
        self.query_one("#schedule-caption", Static).update(Content(caption))
        for table in self.query(ScheduleTable):  # none until the lazy tab has mounted
            table.show(loan_view, self.as_of)
        self.query_one(LoanPanel).select(self.loan_index)

    @on(ScheduleTable.Mounted)
    def _schedule_mounted(self) -> None:
        self._show_loan(self.loan_index)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "loan":
            return self.view is not None and len(self.view.loans) > 1
        if action in ("tab", "note", "form"):
            return self.view is not None
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
        self._show_loan(self.loan_index + step)

    def action_tab(self, name: str) -> None:
        """Switch to one of the tabs and put the focus in it."""
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

"""The unified borrower view: everything about the caller on one screen."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, LoadingIndicator, Static, TabbedContent
from textual.worker import Worker, WorkerState

from workbench.store.queries import BorrowerView, borrower_view
from workbench.ui.bindings import localize_bindings
from workbench.ui.cache import reading
from workbench.ui.format import plain
from workbench.ui.i18n import t
from workbench.ui.widgets.borrower_body import BorrowerBody
from workbench.ui.widgets.followups_panel import FollowUpsPanel
from workbench.ui.widgets.history_detail import HistoryDetail
from workbench.ui.widgets.history_view import HistoryView
from workbench.ui.widgets.loan_panel import LoanPanel
from workbench.ui.widgets.payments_table import PaymentsTable
from workbench.ui.widgets.schedule_table import ScheduleTable


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
    ]

    class Loaded(Message):
        """The borrower's view was read (``view`` is None when no such borrower exists)."""

        def __init__(self, view: BorrowerView | None) -> None:
            super().__init__()
            self.view = view

    def __init__(self, borrower_id: str, as_of: date) -> None:
        super().__init__(classes="borrower-screen")
        localize_bindings(self)
        self.borrower_id = borrower_id
        self.as_of = as_of
        self.view: BorrowerView | None = None
        self.loan_index = 0

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
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="borrower", exit_on_error=False)
    def load(self) -> None:
        """Read the unified view in a thread and post it back."""
        with reading(self.app.db_path) as conn:
            view = borrower_view(conn, self.borrower_id, self.as_of)
        self.post_message(self.Loaded(view))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            detail = plain(str(event.worker.error), 200)
            self._show_message(t("error.cache", detail=detail), "error")

    async def on_borrower_screen_loaded(self, message: Loaded) -> None:
        if message.view is None:
            self._show_message(t("borrower.not_found", id=plain(self.borrower_id, 40)), "warning")
            return
        self.view = message.view
        body = self.query_one("#borrower-body")
        await body.remove_children()
        await body.mount(BorrowerBody(message.view, self.app.db_path, id="borrower"))
        if self.query(BorrowerBody):  # not when the app is closing meanwhile
            self._after_mount()

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
        self.query_one(HistoryDetail).show(message.index, message.total, message.item)

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
        if action == "tab":
            return self.view is not None
        return True

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

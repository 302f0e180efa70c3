"""After-call work: the wrap-up form (a disposition code from the call's queue, a short note).

The code is recorded through the store's action path (``store.call_actions.
record_call_disposition``: queue, talk time, channel ``call_in`` and the call's id, which lets
the core end the after-call work), so it is in the borrower's history at once as 待确认 /
pending. Enter saves and asks to become available; Ctrl+S
only saves (more after-call work to do); Esc leaves the form for later (F8 brings it back).
The desk does not let the agent leave after-call work before a code is saved when the queue
requires one (``Queue.disposition_required``, default yes).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from workbench.domain import pii
from workbench.ui import calls as rules
from workbench.ui.bindings import localize_bindings
from workbench.ui.cache import writing
from workbench.ui.call_keys import key_names
from workbench.ui.format import plain
from workbench.ui.i18n import t
from workbench.ui.screens.call_pop import see_through

if TYPE_CHECKING:
    from workbench.store.action_rules import ValidationError
    from workbench.ui.call_desk import CallDesk

NOTES_MAX = 500


def code_options(codes: list[str]) -> list[Option]:
    """The codes as options, the first nine numbered for the digit keys."""
    return [
        Option(Content(f"{i}. {plain(code, 40)}" if i < 10 else f"   {plain(code, 40)}"))
        for i, code in enumerate(codes, 1)
    ]


class WrapUpScreen(ModalScreen[None]):
    """The wrap-up form of call ``call_id``."""

    DEFAULT_CSS = """
    WrapUpScreen {
        align: center middle;
    }
    #wrap-up {
        width: 76;
        height: auto;
        max-height: 90%;
        padding: 0 2 1 2;
        border: round $warning;
        border-title-color: $warning;
        border-title-style: bold;
        background: $surface;
    }
    #wrap-summary { margin: 1 0; }
    #wrap-codes { height: auto; max-height: 14; }
    #wrap-notes { margin-top: 1; }
    #wrap-error { height: auto; min-height: 1; color: $text-muted; }
    #wrap-error.-error { color: $error; text-style: bold; }
    #wrap-error.-warning { color: $warning; text-style: bold; }
    #wrap-hint { color: $text-muted; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "save(True)", "key.wrap_save_ready", priority=True, id="wrap.save-ready"),
        Binding("ctrl+s", "save(False)", "key.wrap_save", priority=True, id="wrap.save"),
        Binding("escape", "later", "key.wrap_later", id="wrap.later"),
        Binding("tab", "app.focus_next", "key.next_field", show=False, id="wrap.next"),
    ]

    class Saved(Message):
        """The disposition is in the cache and the outbox."""

        def __init__(self, then_available: bool) -> None:
            super().__init__()
            self.then_available = then_available

    class Refused(Message):
        """The service refused the disposition; nothing was written."""

        def __init__(self, error: ValidationError) -> None:
            super().__init__()
            self.error = error

    def __init__(self, call_id: str, *, warn: bool = False) -> None:
        super().__init__(classes="wrap-up-screen")
        localize_bindings(self)
        self.call_id = call_id
        self.saving = False
        self._warn = warn

    @property
    def desk(self) -> CallDesk:
        """The app's call logic."""
        return self.app.calls

    @property
    def codes(self) -> list[str]:
        """The disposition codes of the call's queue, in the queue's order."""
        wrap = self.desk.state.wrap
        queue = self.desk.queues.get(wrap.call.queue_id) if wrap is not None else None
        return list(queue.dispositions) if queue is not None else []

    @property
    def error(self) -> str:
        """The message line's text ("" when none)."""
        return str(self.query_one("#wrap-error", Static).render())

    def compose(self) -> ComposeResult:
        with Vertical(id="wrap-up"):
            yield Static(id="wrap-summary")
            yield OptionList(*code_options(self.codes), id="wrap-codes")
            notes = t("wrap.notes_placeholder")
            yield Input(placeholder=notes, max_length=NOTES_MAX, id="wrap-notes")
            yield Static(id="wrap-error")
            yield Static(Content(t("wrap.hint", **key_names(self.app))), id="wrap-hint")

    def on_mount(self) -> None:
        see_through(self, 0.6)
        box = self.query_one("#wrap-up")
        box.border_title = Content(t("wrap.title"))
        self._summary()
        codes = self.query_one(OptionList)
        codes.highlighted = None
        if self.desk.wrap_borrower() is None and not self.desk.disposition_owed():
            self._say(t("wrap.unknown_caller", **key_names(self.app)), "-warning")
        elif not codes.option_count:
            self._say(t("wrap.no_codes"), "-warning")
        self.warn(self._warn)
        self.set_focus(codes)

    def _summary(self) -> None:
        wrap = self.desk.state.wrap
        if wrap is None:
            return
        bid = self.desk.wrap_borrower()
        name = t("wrap.no_borrower")
        if bid:
            name = plain(self.desk.borrower_name(bid) or bid, 20)
        text = t(
            "wrap.summary",
            number=pii.mask_phone(wrap.call.number),
            queue=self.desk.queue_name(wrap.call.queue_id),
            talk=rules.clock_text(rules.call_duration_s(wrap)),
            name=name,
        )
        self.query_one("#wrap-summary", Static).update(Content(text))

    def warn(self, on: bool) -> None:
        """Say that a code is needed before leaving after-call work."""
        if on:
            self._say(t("wrap.required"), "-warning")

    def on_key(self, event: events.Key) -> None:
        """Digits 1–9 choose the code with that number."""
        codes = self.query_one(OptionList)
        if event.character and event.character in "123456789" and codes.has_focus:
            index = int(event.character) - 1
            if index < codes.option_count:
                event.stop()
                codes.highlighted = index

    @on(OptionList.OptionSelected, "#wrap-codes")
    def _code_chosen(self) -> None:
        self.set_focus(self.query_one(Input))

    # -- saving -------------------------------------------------------------------------------

    def action_save(self, then_available: bool) -> None:
        """Record the highlighted code (once), then maybe become available."""
        if self.saving:
            return
        wrap = self.desk.state.wrap
        if wrap is None or wrap.call.call_id != self.call_id:
            self.dismiss(None)
            return
        if wrap.saved:
            self.dismiss(None)
            if then_available:
                self.desk.command("available")
            return
        codes = self.query_one(OptionList)
        borrower_id = self.desk.wrap_borrower()
        if codes.highlighted is None or borrower_id is None:
            if not self.desk.disposition_owed():  # nothing owed: leave without a record
                self.dismiss(None)
                if then_available:
                    self.desk.command("available")
                return
            if codes.highlighted is None:
                self._say(t("wrap.pick_code"), "-error")
                self.set_focus(codes)
            else:
                self._say(t("wrap.need_borrower", **key_names(self.app)), "-error")
            return
        code = self.codes[codes.highlighted]
        notes = self.query_one(Input).value.strip()
        self.saving = True
        self._say(t("wrap.saving"), "")
        self.save(borrower_id, code, notes, then_available)

    @work(thread=True, exclusive=True, group="wrap-save", exit_on_error=False)
    def save(self, borrower_id: str, code: str, notes: str, then_available: bool) -> None:
        """Take the disposition through ``store.call_actions.record_call_disposition``."""
        from workbench.store.action_rules import ValidationError
        from workbench.store.call_actions import record_call_disposition

        call = self.desk.disposition_kwargs()
        with writing(self.app.db_path) as conn:
            try:
                record_call_disposition(
                    conn, borrower_id, code, agent_id=self.app.agent_id, notes=notes, **call
                )
            except ValidationError as exc:
                self.post_message(self.Refused(exc))
                return
        self.post_message(self.Saved(then_available))

    def on_wrap_up_screen_saved(self, message: Saved) -> None:
        self.dismiss(None)
        self.app.notify(t("wrap.saved"), markup=False)
        self.desk.disposition_saved(self.call_id, then_available=message.then_available)

    def on_wrap_up_screen_refused(self, message: Refused) -> None:
        from workbench.ui.screens.note import validation_text

        self.saving = False
        self._say(validation_text(message.error), "-error")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "wrap-save" and event.state == WorkerState.ERROR:
            self.saving = False
            detail = plain(str(event.worker.error), 200)
            self._say(t("wrap.failed", detail=detail), "-error")

    def action_later(self) -> None:
        """Close the form; after-call work goes on (F8 opens it again)."""
        if not self.saving:
            self.dismiss(None)

    def _say(self, text: str, kind: str) -> None:
        line = self.query_one("#wrap-error", Static)
        line.update(Content(text))
        line.set_class(kind == "-error", "-error")
        line.set_class(kind == "-warning", "-warning")

"""The frame every action form shares: title, fields, one explaining line, Ctrl+S and Esc.

A form checks what it can at once (the contact window, its own horizon), then hands its values
to a ``store.actions`` service in a thread worker (the cache's one writer may be busy with the
sync). What either refuses is said under the fields in the agent's language, the field at fault
is marked and focused, and nothing typed is lost. Saved, the action is in the cache and the
outbox in one transaction: it shows at once as 待确认 (pending) and the sync delivers it.

Esc closes a form at once; what was typed is kept as a draft (in memory, per borrower and
form) and filled in again when the same form is opened for the same borrower. A saved form
drops its draft. Esc never undoes a saved action.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input, Select, Static, TextArea
from textual.widgets.select import InvalidSelectValueError
from textual.worker import Worker, WorkerState

from workbench.domain.money import format_fen
from workbench.store.action_rules import ValidationError
from workbench.ui.bindings import localize_bindings
from workbench.ui.cache import writing
from workbench.ui.format import plain
from workbench.ui.i18n import t, t_or

if TYPE_CHECKING:
    from workbench.store.actions import Action
    from workbench.store.queries import BorrowerView

MONEY_PARAMS = frozenset({"owed", "limit", "amount"})
"""Parameters of a refusal that are fen and are shown as yuan."""

DRAFTS: dict[tuple[str, str, str], dict[str, Any]] = {}
"""Unsaved form values by (cache path, borrower id, form name); memory only, never written."""


class ActionForm(ModalScreen["Action | None"]):
    """One action on the borrower; dismissed with the ``Action`` once it is kept, or None."""

    FORM: ClassVar[str] = "form"
    """The form's name: catalog keys ``form.<FORM>.*`` and the draft's key."""

    FIELDS: ClassVar[Mapping[str, str]] = {}
    """Service field name → selector of the widget that holds it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "key.save", priority=True, id="form.save"),
        Binding("escape", "cancel", "key.cancel", id="form.cancel"),
    ]

    DEFAULT_CSS = """
    ActionForm {
        align: center middle;
        background: $background 60%;
    }
    ActionForm #form {
        width: 96;
        height: auto;
        max-height: 95%;
        padding: 0 2;
        border: round $primary;
        background: $surface;
    }
    ActionForm #form-title { text-style: bold; margin-bottom: 1; }
    ActionForm .form-row { height: auto; }
    ActionForm .form-label { width: 14; padding: 1 1 0 0; color: $text-muted; }
    ActionForm .form-row > Input, ActionForm .form-row > Select { width: 1fr; }
    ActionForm .form-info { color: $text-muted; height: auto; }
    ActionForm .form-value { color: $text; text-style: bold; height: auto; }
    ActionForm Input.-invalid, ActionForm TextArea.-invalid { border: tall $error; }
    ActionForm Select.-invalid > SelectCurrent { border: tall $error; }
    ActionForm .form-row > Horizontal.-invalid { background: $error 25%; }
    ActionForm #form-error { height: auto; min-height: 1; color: $text-muted; }
    ActionForm #form-error.-error { color: $error; text-style: bold; }
    ActionForm #form-error.-warning { color: $warning; }
    ActionForm #form-hint { color: $text-muted; }
    """

    class Saved(Message):
        """The service kept the action (``action`` is what the outbox holds)."""

        def __init__(self, action: Action) -> None:
            super().__init__()
            self.action = action

    class Refused(Message):
        """The service refused the action; nothing was written."""

        def __init__(self, error: ValidationError) -> None:
            super().__init__()
            self.error = error

    def __init__(self, view: BorrowerView, *, now: datetime) -> None:
        super().__init__(classes="action-form")
        localize_bindings(self)
        self.view = view
        self.borrower = view.borrower
        self.now = now
        self.saving = False
        self._initial: dict[str, Any] = {}

    # -- what a form provides -----------------------------------------------------------------

    def fields(self) -> ComposeResult:
        """The form's own widgets, between the title and the explaining line."""
        yield from ()

    def values(self) -> dict[str, Any]:
        """What is entered now, as plain values (kept as the draft)."""
        return {}

    def restore(self, values: dict[str, Any]) -> None:
        """Fill the widgets from a draft made by :meth:`values`."""

    def check(self) -> Any:
        """The desk's own checks (UI thread); raise ``ValidationError``; return what
        :meth:`perform` needs."""
        return self.values()

    def perform(self, conn: Any, prepared: Any) -> Action:
        """Call the service (in a thread, with a read-write connection)."""
        raise NotImplementedError

    def saved(self, action: Action) -> None:
        """The action is kept: by default, close the form with it."""
        self.dismiss(action)

    # -- the frame ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Static(Content(self.form_title()), id="form-title")
            yield from self.fields()
            yield Static(id="form-error")
            yield Static(Content(t(f"form.{self.FORM}.hint")), id="form-hint")

    def form_title(self) -> str:
        """The title line (the borrower's name is untrusted: made plain)."""
        return t(f"form.{self.FORM}.title", name=plain(self.borrower.name, 32))

    def on_mount(self) -> None:
        for widget in self.query("Input, TextArea"):
            if self.app.is_headless and isinstance(widget, Input | TextArea):
                widget.cursor_blink = False
        self._initial = self.values()
        draft = DRAFTS.get(self._draft_key())
        if draft:
            self.restore(draft)
            self.say(t("form.draft_restored"), "-warning")
        self.call_after_refresh(self._focus_first)

    def _focus_first(self) -> None:
        focusable = focus_widgets(self.query_one("#form"))
        if focusable:
            self.set_focus(focusable[0])

    def _draft_key(self) -> tuple[str, str, str]:
        return (str(self.app.db_path), self.borrower.id, self.FORM)

    @property
    def error(self) -> str:
        """The explaining line's text ("" when none)."""
        return str(self.query_one("#form-error", Static).render())

    def say(self, text: str, kind: str = "") -> None:
        """Show ``text`` (plain, never markup) on the explaining line."""
        line = self.query_one("#form-error", Static)
        line.update(Content(text))
        line.set_class(kind == "-error", "-error")
        line.set_class(kind == "-warning", "-warning")

    def refuse(self, error: ValidationError) -> None:
        """Explain a refusal, mark the field at fault and put the cursor in it."""
        self.say(explain(error, self.values()), "-error")
        for widget in self.query(".-invalid"):
            widget.remove_class("-invalid")
        selector = self.FIELDS.get(error.field)
        if selector and self.query(selector):
            widget = self.query_one(selector)
            widget.add_class("-invalid")
            target = widget if widget.focusable else next(iter(focus_widgets(widget)), None)
            if target is not None:
                self.set_focus(target)

    # -- saving -----------------------------------------------------------------------------

    def action_save(self) -> None:
        """Check, then keep the action (once: a second Ctrl+S while saving does nothing)."""
        if self.saving:
            return
        try:
            prepared = self.check()
        except ValidationError as exc:
            self.refuse(exc)
            return
        self.saving = True
        self.say(t("form.saving"))
        self._save(prepared)

    @work(thread=True, exclusive=True, group="form-save", exit_on_error=False)
    def _save(self, prepared: Any) -> None:
        with writing(self.app.db_path) as conn:
            try:
                action = self.perform(conn, prepared)
            except ValidationError as exc:
                self.post_message(self.Refused(exc))
                return
        self.post_message(self.Saved(action))

    def on_action_form_saved(self, message: Saved) -> None:
        self.saving = False
        DRAFTS.pop(self._draft_key(), None)
        self._initial = self.values()
        self.saved(message.action)

    def on_action_form_refused(self, message: Refused) -> None:
        self.saving = False
        self.refuse(message.error)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "form-save" and event.state == WorkerState.ERROR:
            self.saving = False  # what was entered is still here: the agent can try again
            detail = plain(str(event.worker.error), 200)
            self.say(t("form.failed", detail=detail), "-error")

    # -- leaving ------------------------------------------------------------------------------

    def action_cancel(self) -> None:
        """Close; what was typed and not saved is kept as this form's draft."""
        if self.saving:
            return
        values = self.values()
        if values != self._initial:
            DRAFTS[self._draft_key()] = values
        self.dismiss(None)


def explain(error: ValidationError, typed: Mapping[str, Any] | None = None) -> str:
    """A refusal in the agent's language; the service's own bilingual text for codes the
    catalog does not know. Amounts are shown in yuan; ``{value}`` is what was typed."""
    params: dict[str, Any] = {
        name: format_fen(value) if name in MONEY_PARAMS and isinstance(value, int) else value
        for name, value in error.params.items()
    }
    params.setdefault("value", plain(str((typed or {}).get(error.field, "")), 40))
    try:
        return t_or(f"action.error.{error.key}", error.message, **params)
    except (KeyError, IndexError, ValueError):
        return error.message


def refusal(field: str, key: str, **params: Any) -> ValidationError:
    """A desk-side refusal (``form.error.<key>`` in the catalog) of the same shape as the
    services' own."""
    return ValidationError(field, f"form.{key}", t(f"form.error.{key}", **params), **params)


def pick(form: ActionForm, selector: str, value: Any) -> None:
    """Choose ``value`` in the Select at ``selector`` when it is still one of its options
    (a draft may name a loan settled or a slot passed since); otherwise leave it."""
    found = form.query(selector)
    if not found or not isinstance(found.first(), Select) or value is None:
        return
    with suppress(InvalidSelectValueError):
        found.first(Select).value = value


def focus_widgets(root: Widget) -> list[Widget]:
    """The focusable widgets under ``root``, in order."""
    return [w for w in root.query("*") if w.focusable]

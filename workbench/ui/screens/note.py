"""A note on the borrower: type, Ctrl+S, and it is in the history at once as 待确认 (pending).

The note goes through the same service as ``workbench act note`` (``store.actions.add_note``),
in a thread worker (the cache's one writer may be busy with the sync). What the service refuses
(empty, too long, control characters) is shown in the form, in the agent's language, and the
text stays as typed. Enter starts a new line; Esc with text asks once more before dropping it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea
from textual.worker import Worker, WorkerState

from workbench.store.action_rules import NOTE_MAX
from workbench.ui.bindings import localize_bindings
from workbench.ui.cache import writing
from workbench.ui.format import plain
from workbench.ui.i18n import t, t_or

if TYPE_CHECKING:
    from workbench.store.action_rules import ValidationError
    from workbench.store.actions import Action


class NoteScreen(ModalScreen[bool]):
    """The note form; dismissed with True once the note is in the cache and the outbox."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "key.save", priority=True, id="note.save"),
        Binding("escape", "cancel", "key.cancel", id="note.cancel"),
    ]

    class Saved(Message):
        """The note was written (``action`` is what the outbox holds)."""

        def __init__(self, action: Action) -> None:
            super().__init__()
            self.action = action

    class Refused(Message):
        """The service refused the note; nothing was written."""

        def __init__(self, error: ValidationError) -> None:
            super().__init__()
            self.error = error

    def __init__(self, borrower_id: str, borrower_name: str) -> None:
        super().__init__(classes="note-screen")
        localize_bindings(self)
        self.borrower_id = borrower_id
        self.borrower_name = borrower_name
        self.saving = False
        self._discard_armed = False

    def compose(self) -> ComposeResult:
        with Vertical(id="note-form"):
            title = t("note.title", name=plain(self.borrower_name, 32))
            yield Static(Content(title), id="note-title")
            yield TextArea(id="note-text", soft_wrap=True, tab_behavior="focus")
            yield Static(id="note-error")
            with Horizontal(id="note-foot"):
                yield Static(Content(t("note.hint")), id="note-hint")
                yield Static(Content(t("note.count", n=0, limit=NOTE_MAX)), id="note-count")

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        if self.app.is_headless:
            area.cursor_blink = False
        self.set_focus(area)

    @property
    def text(self) -> str:
        """What is typed so far, exactly."""
        return self.query_one(TextArea).text

    @property
    def error(self) -> str:
        """The message shown under the text ("" when none)."""
        return str(self.query_one("#note-error", Static).render())

    @on(TextArea.Changed)
    def _changed(self) -> None:
        self._discard_armed = False
        count = self.query_one("#note-count", Static)
        count.update(Content(t("note.count", n=len(self.text), limit=NOTE_MAX)))
        count.set_class(len(self.text) > NOTE_MAX, "-over")

    # -- saving -----------------------------------------------------------------------------

    def action_save(self) -> None:
        """Write the note (once: a second Ctrl+S while saving does nothing)."""
        if self.saving:
            return
        self.saving = True
        self._say(t("note.saving"), "")
        self.save(self.text)

    @work(thread=True, exclusive=True, group="note-save", exit_on_error=False)
    def save(self, text: str) -> None:
        """Take the note through ``store.actions.add_note`` in a thread."""
        from workbench.store.actions import ValidationError, add_note

        with writing(self.app.db_path) as conn:
            try:
                action = add_note(conn, self.borrower_id, text, agent_id=self.app.agent_id)
            except ValidationError as exc:
                self.post_message(self.Refused(exc))
                return
        self.post_message(self.Saved(action))

    def on_note_screen_saved(self, message: Saved) -> None:
        self.dismiss(True)

    def on_note_screen_refused(self, message: Refused) -> None:
        self.saving = False
        self._say(validation_text(message.error), "-error")
        self.set_focus(self.query_one(TextArea))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "note-save" and event.state == WorkerState.ERROR:
            self.saving = False  # the text is still here: the agent can try again
            detail = plain(str(event.worker.error), 200)
            self._say(t("note.failed", detail=detail), "-error")

    # -- leaving ------------------------------------------------------------------------------

    def action_cancel(self) -> None:
        """Close without saving; with text typed, only on a second Esc."""
        if self.saving:
            return
        if self.text.strip() and not self._discard_armed:
            self._discard_armed = True
            self._say(t("note.discard"), "-warning")
            return
        self.dismiss(False)

    def _say(self, text: str, kind: str) -> None:
        line = self.query_one("#note-error", Static)
        line.update(Content(text))
        line.set_class(kind == "-error", "-error")
        line.set_class(kind == "-warning", "-warning")


def validation_text(error: ValidationError) -> str:
    """The service's refusal in the agent's language (its own bilingual text for codes the
    catalog does not know)."""
    try:
        return t_or(f"action.error.{error.key}", error.message, **error.params)
    except (KeyError, IndexError, ValueError):
        return error.message

"""The outcome of a callback attempt: reached, no answer, wrong number, promised, call back
later (a new time inside the contact window); 回访 follow-ups also take a satisfaction score
(1–5) and a comment.

Recorded through the outbox (``store.callbacks.record_callback_outcome``), so it is pending in
the borrower's follow-ups at once; with the call's id it is the call's wrap-up too. Digits
1–5 choose the outcome, Ctrl+S (or Enter on the list) saves, Esc leaves it for later (the
wrap-up key reopens it).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from workbench.domain.callback_work import OUTCOMES
from workbench.domain.models import CallbackReason
from workbench.ui.bindings import localize_bindings
from workbench.ui.format import DISPLAY_TZ, label, plain
from workbench.ui.i18n import t
from workbench.ui.screens.call_pop import see_through

if TYPE_CHECKING:
    from workbench.domain.callback_work import WorklistRow


class OutcomeScreen(ModalScreen[None]):
    """The outcome form of the callback ``row`` (after its call ``call_id``, if any)."""

    DEFAULT_CSS = """
    OutcomeScreen { align: center middle; }
    #outcome-form {
        width: 76; height: auto; max-height: 90%; padding: 0 2 1 2;
        border: round $warning; background: $surface;
    }
    #outcome-form OptionList { height: auto; max-height: 7; }
    #outcome-error { color: $error; height: auto; }
    #outcome-form .-hidden { display: none; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "key.save", id="outcome.save"),
        Binding("escape", "later", "key.outcome_later", id="outcome.later"),
        *[
            Binding(str(n), f"pick({n - 1})", "key.outcome_pick", show=False, id=f"outcome.pick{n}")
            for n in range(1, len(OUTCOMES) + 1)
        ],
    ]

    def __init__(self, row: WorklistRow, *, call_id: str | None, answered: bool) -> None:
        super().__init__(id="outcome-screen")
        localize_bindings(self)
        self.row = row
        self.call_id = call_id
        self.answered = answered
        self.saving = False
        self.follow_up = row.reason == CallbackReason.FOLLOW_UP

    def compose(self) -> ComposeResult:
        row = self.row
        with Vertical(id="outcome-form") as form:
            form.border_title = t(
                "callback.outcome_title", reason=label("callback_reason", row.reason)
            )
            who = plain(row.borrower_name or row.callback.borrower_id, 20)
            yield Static(Content(f"{who}  {row.number_masked}  ·  {row.id}"))
            options = [
                Option(f"{n}  {t(f'callback.outcome.{code}')}", id=code)
                for n, code in enumerate(OUTCOMES, start=1)
            ]
            yield OptionList(*options, id="outcome")
            yield Label(t("callback.later_label"), id="due-label", classes="-hidden")
            yield Input(placeholder=t("callback.later_placeholder"), id="due", classes="-hidden")
            if self.follow_up:
                yield Label(t("callback.score_label"))
                yield Input(placeholder="1–5", id="score", max_length=1)
                yield Label(t("callback.comment_label"))
                yield Input(id="comment", max_length=500)
            yield Static("", id="outcome-error")
            yield Static(Content(t("callback.outcome_hint")), classes="hint")

    def on_mount(self) -> None:
        see_through(self, 0.6)
        options = self.query_one(OptionList)
        options.highlighted = 0 if self.answered else OUTCOMES.index("no_answer")
        options.focus()

    # -- choosing ----------------------------------------------------------------------------

    @property
    def outcome(self) -> str:
        """The outcome highlighted in the list."""
        index = self.query_one(OptionList).highlighted
        return OUTCOMES[index or 0]

    def action_pick(self, index: int) -> None:
        self.query_one(OptionList).highlighted = index

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        later = self.outcome == "call_back_later"
        for widget in (self.query_one("#due-label"), self.query_one("#due")):
            widget.set_class(not later, "-hidden")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if self.outcome == "call_back_later" and not self.query_one("#due", Input).value:
            self.query_one("#due", Input).focus()
        elif self.follow_up and not self.query_one("#score", Input).value:
            self.query_one("#score", Input).focus()
        else:
            self.action_save()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    # -- saving ------------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        """What the form holds, as ``record_callback_outcome`` keyword arguments."""
        out: dict[str, Any] = {"outcome": self.outcome, "call_id": self.call_id}
        if self.outcome == "call_back_later":
            out["due_at"] = self._due()
        if self.follow_up:
            score = self.query_one("#score", Input).value.strip()
            out["satisfaction"] = int(score) if score.isdigit() else (score or None)
            out["comment"] = self.query_one("#comment", Input).value.strip()
        return out

    def _due(self) -> Any:
        from workbench.ui.screens.forms.callback import parse_local_time

        text = self.query_one("#due", Input).value.strip()
        if not text:
            return None
        local_now = self.app.clock().astimezone(DISPLAY_TZ)  # type: ignore[attr-defined]
        return parse_local_time(text, local_now)

    def action_save(self) -> None:
        if self.saving:
            return
        try:
            values = self.values()
        except ValueError as exc:
            self._error(getattr(exc, "message", str(exc)))
            return
        self.saving = True
        self.run_worker(self._save(values), group="outcome-save", exclusive=True)

    async def _save(self, values: dict[str, Any]) -> None:
        from workbench.store.callbacks import record_callback_outcome
        from workbench.ui.cache import writing

        app = self.app

        def write() -> None:
            with writing(app.db_path) as conn:  # type: ignore[attr-defined]
                score = values.get("satisfaction")
                if isinstance(score, str):
                    from workbench.store.action_rules import ValidationError

                    raise ValidationError(
                        "satisfaction", "satisfaction.range", t("callback.score_bad")
                    )
                record_callback_outcome(
                    conn,
                    self.row.id,
                    agent_id=app.agent_id,  # type: ignore[attr-defined]
                    now=app.clock(),  # type: ignore[attr-defined]
                    **values,
                )

        try:
            await asyncio.to_thread(write)
        except ValueError as exc:
            self.saving = False
            self._error(getattr(exc, "message", str(exc)))
            return
        app.notify(t("callback.outcome_saved"), markup=False)
        self.dismiss(None)
        app.callbacks.outcome_saved(self.call_id)  # type: ignore[attr-defined]

    def _error(self, text: str) -> None:
        self.query_one("#outcome-error", Static).update(Content(plain(text, 300)))

    def action_later(self) -> None:
        self.dismiss(None)

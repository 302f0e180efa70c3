"""The screen pop: who is calling, from which queue, how long they waited; one key answers.

It floats over the screen the desk opened for the caller: the matched borrower's unified view,
or the search when the number is unknown. Several borrowers on one number → a pick list (Enter
opens the one chosen behind the call). Esc hides the pop; the call bar keeps ringing and the
call keys (``call.answer`` …) work from every screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.color import Color
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from workbench.domain import pii
from workbench.ui import calls as rules
from workbench.ui.bindings import localize_bindings
from workbench.ui.call_keys import key_names
from workbench.ui.format import label, plain
from workbench.ui.i18n import t

if TYPE_CHECKING:
    from workbench.ui.call_desk import CallDesk

TICK_S = 1.0


def see_through(screen: ModalScreen, alpha: float) -> None:
    """Let the screen below show through ``screen`` (the app's stylesheet paints every
    ``Screen`` solid, and a widget's default CSS never wins over it)."""
    base = screen.app.get_css_variables().get("background", "#121212")
    screen.styles.background = Color.parse(base).with_alpha(alpha)


class CallPopScreen(ModalScreen[None]):
    """The pop of call ``call_id`` (closed by the desk when it is answered or gone)."""

    DEFAULT_CSS = """
    CallPopScreen {
        align: center bottom;
    }
    #call-pop {
        width: 84;
        height: auto;
        max-height: 70%;
        margin-bottom: 3;
        padding: 0 2;
        border: round $accent;
        border-title-color: $accent;
        border-title-style: bold;
        background: $surface;
    }
    #call-pop-number { text-style: bold; }
    #call-pop-who { margin-top: 1; }
    #call-pop-who.-unknown { color: $warning; }
    #call-pop-list { height: auto; max-height: 10; margin-top: 1; }
    #call-pop-hint { color: $text-muted; margin-top: 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "answer", "key.call_answer", id="call-pop.answer"),
        Binding("escape", "hide", "key.call_hide", id="call-pop.hide"),
    ]

    def __init__(self, call_id: str) -> None:
        super().__init__(classes="call-pop-screen")
        localize_bindings(self)
        self.call_id = call_id
        self.closing = False

    @property
    def desk(self) -> CallDesk:
        """The app's call logic."""
        return self.app.calls

    @property
    def picking(self) -> bool:
        """The number matches several borrowers and none is chosen yet."""
        s = self.desk.state
        return s.call is not None and len(s.call.borrower_ids) > 1 and not s.borrower_id

    def compose(self) -> ComposeResult:
        with Vertical(id="call-pop"):
            yield Static(id="call-pop-number")
            yield Static(id="call-pop-who")
            if self.picking:
                yield OptionList(*self._options(), id="call-pop-list")
            yield Static(id="call-pop-hint")

    def on_mount(self) -> None:
        see_through(self, 0.35)
        self.refresh_view()
        self.set_interval(TICK_S, self.refresh_view)
        if self.picking:
            self.set_focus(self.query_one(OptionList))

    def _options(self) -> list[Option]:
        call = self.desk.state.call
        ids = call.borrower_ids if call is not None else []
        options = []
        for bid in ids:
            who = self.desk.callers.get(bid)
            if who is None:
                text = plain(bid, 20)
            else:
                kind = label("phone_kind", who.phone_kind) if who.phone_kind else ""
                text = "  ".join(
                    part
                    for part in (plain(who.name, 16), who.id_no, plain(who.city, 12), kind)
                    if part
                )
            options.append(Option(Content(text), id=bid))
        return options

    def names_read(self) -> None:
        """The desk has read the callers' names and the queue: show them."""
        lists = self.query("#call-pop-list")
        if lists:
            options = lists.first(OptionList)
            highlighted = options.highlighted
            options.clear_options()
            options.add_options(self._options())
            options.highlighted = highlighted
        self.refresh_view()

    def refresh_view(self) -> None:
        """Show the call as it is now (waiting time ticks while it rings)."""
        s = self.desk.state
        call = s.call
        if call is None or call.call_id != self.call_id:
            self.close()
            return
        box = self.query_one("#call-pop")
        ringing = s.ringing
        title = t(
            "call.pop_title" if ringing else "call.pop_title_talking",
            queue=self.desk.queue_name(call.queue_id),
        )
        box.border_title = Content(title)  # a str would be read as markup: the queue's name is not
        waited = rules.clock_text(rules.waited_s(s, self.app.clock()))
        number = t("call.pop_number", number=pii.mask_phone(call.number), waited=waited)
        self.query_one("#call-pop-number", Static).update(Content(number))
        who = self.query_one("#call-pop-who", Static)
        who.set_class(not call.borrower_ids and not s.borrower_id, "-unknown")
        who.update(Content(self._who_text()))
        if self.picking:
            hint_key = "call.pop_hint_pick_ringing" if ringing else "call.pop_hint_pick"
        else:
            hint_key = "call.pop_hint"
        self.query_one("#call-pop-hint", Static).update(Content(t(hint_key, **key_names(self.app))))
        self.refresh_bindings()

    def _who_text(self) -> str:
        s = self.desk.state
        call = s.call
        if call is None:
            return ""
        if s.borrower_id:
            who = self.desk.callers.get(s.borrower_id)
            name = plain(who.name, 16) if who else plain(s.borrower_id, 20)
            return t("call.pop_borrower", name=name, id=plain(s.borrower_id, 20))
        if call.borrower_ids:
            return t("call.pop_several", count=len(call.borrower_ids))
        return t("call.pop_unknown", **key_names(self.app))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "answer":
            return self.desk.state.ringing and not self.picking
        return True

    @on(OptionList.OptionSelected, "#call-pop-list")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.desk.picked(event.option.id)

    def action_answer(self) -> None:
        """Answer the call (one key)."""
        self.desk.command("answer")

    def action_hide(self) -> None:
        """Hide the pop; the call bar and the call keys stay."""
        self.close()

    def close(self) -> None:
        """Leave the screen stack now if on top, else as soon as it comes back on top."""
        self.closing = True
        if self.app.screen is self:
            self.dismiss(None)

    def on_screen_resume(self) -> None:
        call = self.desk.state.call
        if self.closing or call is None or call.call_id != self.call_id:
            self.close()

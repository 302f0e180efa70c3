"""Help (F1, ``?``): the keys that work on the current screen, as the keymap binds them now.

A screen may add sections of its own (the supervisor view: its metric formulas) by defining
``help_sections()`` returning :class:`HelpSection` items; they are shown below the keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from workbench.ui.bindings import localize_bindings
from workbench.ui.i18n import language, t

MUTED = "$text-muted"
KEY_WIDTH = 16


@dataclass(frozen=True)
class HelpSection:
    """A titled block of help a screen adds (already in the desk's language)."""

    title: str
    body: Content | str


@dataclass(frozen=True)
class HelpLine:
    """One action: its keys as shown, what it does, whether it applies right now."""

    keys: str
    description: str
    enabled: bool
    binding_id: str | None


def describe(binding: Binding) -> str:
    """What a binding does, in the desk's language (``binding.<id>`` when it has no label)."""
    if binding.description:
        return binding.description
    return t(f"binding.{binding.id}") if binding.id else binding.action


def help_lines(screen: Screen) -> tuple[list[HelpLine], list[HelpLine]]:
    """The live bindings of ``screen`` (those with an id): (its own and its widgets', the
    app's), one line per action with all its keys, in binding order."""
    app = screen.app
    mine: dict[str, tuple[list[str], ActiveBinding]] = {}  # binding id → keys, binding
    for key, active in screen.active_bindings.items():
        binding = active.binding
        # Textual's own bindings (no id) speak English only and are not the desk's to list.
        if not binding.id or binding.id == "app.help":
            continue
        group = binding.id
        shown = app.get_key_display(binding.with_key(key))
        keys, _ = mine.setdefault(group, ([], active))
        if shown not in keys:
            keys.append(shown)
    local: list[HelpLine] = []
    everywhere: list[HelpLine] = []
    for keys, active in mine.values():
        line = HelpLine(" ".join(keys), describe(active.binding), active.enabled, active.binding.id)
        (everywhere if active.node is app else local).append(line)
    return local, everywhere


def _block(lines: list[HelpLine]) -> Content:
    parts: list[tuple[str, str] | str] = []
    for line in lines:
        style = "" if line.enabled else MUTED
        parts.append((f"{line.keys:<{KEY_WIDTH}}", f"bold {style}".strip()))
        parts.append((line.description, style))
        if not line.enabled:
            parts.append((f" {t('help.disabled')}", MUTED))
        parts.append("\n")
    return Content.assemble(*parts).rstrip()


class HelpScreen(ModalScreen[None]):
    """The keys of the screen beneath, then any sections that screen adds."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    #help {
        width: 90;
        max-width: 95%;
        height: auto;
        max-height: 90%;
        border: round $accent;
        border-title-color: $accent;
        border-title-style: bold;
        background: $surface;
        padding: 0 1;
    }
    #help-body { height: auto; max-height: 100%; }
    .help-heading { text-style: bold; color: $accent; margin-top: 1; }
    #help-about, #help-hint { color: $text-muted; }
    #help-hint { margin-top: 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,question_mark", "close", "key.help_close", id="help.close"),
    ]

    def __init__(self, target: Screen) -> None:
        super().__init__(classes="help-screen")
        localize_bindings(self)
        self.target = target

    def compose(self) -> ComposeResult:
        local, everywhere = help_lines(self.target)
        with Vertical(id="help") as box:
            box.border_title = t("help.title")
            yield Static(Content(self._about()), id="help-about")
            with VerticalScroll(id="help-body"):
                if local:
                    yield Static(Content(t("help.screen")), classes="help-heading")
                    yield Static(_block(local), id="help-screen-keys")
                if everywhere:
                    yield Static(Content(t("help.global")), classes="help-heading")
                    yield Static(_block(everywhere), id="help-global-keys")
                for section in self._sections():
                    yield Static(Content(section.title), classes="help-heading")
                    body = section.body
                    yield Static(body if isinstance(body, Content) else Content(body))
            yield Static(Content(t("help.hint")), id="help-hint")

    def _about(self) -> str:
        app = self.app
        return t(
            "help.about",
            keymap=getattr(getattr(app, "keymap", None), "name", "default"),
            lang=t(f"help.lang.{language()}"),
            theme=app.theme,
        )

    def _sections(self) -> list[HelpSection]:
        extra = getattr(self.target, "help_sections", None)
        return list(extra()) if callable(extra) else []

    def on_mount(self) -> None:
        from workbench.ui.screens.call_pop import see_through

        see_through(self, 0.6)

    def action_close(self) -> None:
        """Back to the screen the help was opened on."""
        self.dismiss(None)

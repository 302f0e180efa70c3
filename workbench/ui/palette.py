"""The command palette (Ctrl+P): the current screen's actions by name, and borrower search.

Textual's own commands (theme picker, screenshot…) speak English only, so the desk brings its
own: :class:`ActionCommands` lists every action live on the screen the palette was opened on,
by its name in the desk's language (its id matches too), and runs it there;
:class:`BorrowerCommands` looks borrowers up through the desk's search reader
(``ui.cache``: the UI never runs SQL) and opens the one chosen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from rich.align import Align
from rich.text import Text
from textual.command import CommandList, CommandPalette, DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.dom import DOMNode
from textual.markup import escape
from textual.screen import Screen
from textual.widgets.option_list import Option

from workbench.ui.i18n import t
from workbench.ui.screens.help import describe

BORROWER_LIMIT = 8
MIN_QUERY = 2  # one character finds half the portfolio


@dataclass(frozen=True)
class ScreenCommand:
    """An action live on a screen, ready to run from the palette."""

    name: str
    keys: str
    binding_id: str | None
    run: Callable[[], object]


def screen_commands(screen: Screen) -> list[ScreenCommand]:
    """The enabled actions of ``screen`` (its widgets', its own and the app's), one per id
    (Textual's own bindings have none and speak English only)."""
    app = screen.app
    found: dict[str, tuple[list[str], str, str | None, DOMNode, str]] = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if not active.enabled or not binding.id or binding.id == "app.palette":
            continue
        group = binding.id
        keys = found.setdefault(
            group, ([], describe(binding), binding.id, active.node, binding.action)
        )[0]
        keys.append(app.get_key_display(binding.with_key(key)))
    commands = []
    for keys, name, binding_id, node, action in found.values():
        run = partial(app.run_action, action, node)
        commands.append(ScreenCommand(name, " ".join(keys), binding_id, run))
    return commands


def _help(command: ScreenCommand) -> str:
    keys = t("palette.key", keys=command.keys) if command.keys else t("palette.no_key")
    return escape(f"{keys} · {command.binding_id}" if command.binding_id else keys)


class ActionCommands(Provider):
    """Every action of the screen the palette was opened on."""

    async def discover(self) -> Hits:
        for command in screen_commands(self.screen):
            yield DiscoveryHit(Content(command.name), command.run, help=_help(command))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in screen_commands(self.screen):
            score = max(matcher.match(command.name), matcher.match(command.binding_id or ""))
            if score > 0:
                shown = matcher.highlight(command.name)
                yield Hit(score, shown, command.run, text=command.name, help=_help(command))


class BorrowerCommands(Provider):
    """Borrowers found by what the palette's box says (phone, name, pinyin, plate…)."""

    async def search(self, query: str) -> Hits:
        from workbench.store.queries import lookup
        from workbench.ui.cache import reader
        from workbench.ui.format import label, plain

        query = query.strip()
        if len(query) < MIN_QUERY:
            return
        app = self.app
        try:
            hits = await reader(app, "search").run(
                lookup, query, limit=BORROWER_LIMIT, as_of=app.as_of()
            )
        except Exception:  # a cache that cannot be read is the desk's search's to report
            return
        for rank, hit in enumerate(hits):
            name = t("palette.borrower", name=plain(hit.name, 20))
            details = t(
                "palette.borrower_help",
                phone=hit.masked_phone,
                id_no=hit.masked_id_no,
                city=plain(hit.city, 12),
                bucket=label("bucket", hit.worst_bucket),
            )
            yield Hit(
                0.9 - rank * 0.01,
                Content(name),
                partial(app.open_borrower, hit.borrower_id),
                text=name,
                help=escape(details),
            )


class DeskPalette(CommandPalette):
    """Textual's palette with the desk's words (placeholder, "no matches")."""

    def __init__(self) -> None:
        super().__init__(placeholder=t("palette.placeholder"), id="--command-palette")

    def _start_no_matches_countdown(self, search_value: str) -> None:
        # Textual's own says "No matches found" in English; this is the same, in the catalog.
        self._stop_no_matches_countdown()

        def show_no_matches() -> None:
            if search_value:
                self.query_one(CommandList).add_option(
                    Option(
                        Align.center(Text(t("palette.no_matches"), style="not bold")),
                        disabled=True,
                        id=self._NO_MATCHES,
                    )
                )
                self._list_visible = True
            else:
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show_no_matches)

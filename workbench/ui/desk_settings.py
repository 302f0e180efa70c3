"""The desk's keyboard, language and look: chosen on the command line, in the environment or
in ``config.toml``, and what went wrong on the way (reported, never fatal).

Precedence: ``--keymap``/``--lang``/``--theme`` (``WorkbenchApp`` arguments), then
``WORKBENCH_LANG`` (language only), then ``config.toml`` in the config folder, then the
defaults (``default`` keys, Chinese, Textual's dark theme). ``keymap.toml`` in the config
folder overrides single bindings of whichever keymap is chosen.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from workbench import config
from workbench.ui.i18n import ENV_LANG, t
from workbench.ui.keymap import DEFAULT_KEYMAP, USER_KEYMAP, Keymap, KeymapProblem, load_keymap
from workbench.ui.themes import DEFAULT_THEME, HIGH_CONTRAST, HIGH_CONTRAST_CLASS, THEMES
from workbench.ui.themes import theme_name as resolve_theme

if TYPE_CHECKING:
    from textual.app import App

log = logging.getLogger("workbench.desk")

MAX_SHOWN = 6
"""Problems listed in the start-up notice; the rest are in the log."""
NOTICE_S = 20
PALETTE_KEY = "ctrl+p"


@dataclass
class DeskSettings:
    """What the desk starts with."""

    lang: str | None
    keymap_name: str | None
    theme: str | None
    problems: list[str] = field(default_factory=list)


def read_settings(lang: str | None, keymap: str | None, theme: str | None) -> DeskSettings:
    """The arguments, filled in from the environment and ``config.toml``."""
    values, problems = config.load_settings()
    return DeskSettings(
        lang=lang or os.environ.get(ENV_LANG) or values.get("lang"),
        keymap_name=keymap or values.get("keymap"),
        theme=theme or values.get("theme"),
        problems=[t("settings.problem", detail=p) for p in problems],
    )


def load_desk_keymap(name: str | None) -> Keymap:
    """The keymap ``name`` with the user's ``keymap.toml`` on top. The default keymap's file is
    not read: it only lists the defaults (a test keeps it so)."""
    user = config.config_dir() / USER_KEYMAP
    if not name or name == DEFAULT_KEYMAP:
        return load_keymap(DEFAULT_KEYMAP, user, read_base=False)
    return load_keymap(name, user)


def apply_settings(app: App, settings: DeskSettings) -> Keymap:
    """Register the desk's themes, set the theme and the keymap on ``app`` (before it runs);
    the problems met are kept for :func:`report_problems`."""
    for theme in THEMES:
        app.register_theme(theme)
    wanted = resolve_theme(settings.theme)
    if wanted and wanted in app.available_themes:
        app.theme = wanted
    else:
        if wanted:
            settings.problems.append(t("theme.unknown", name=settings.theme))
        app.theme = DEFAULT_THEME
    keymap = load_desk_keymap(settings.keymap_name)
    settings.problems.extend(str(p) for p in keymap.problems)
    _set_keymap(app, keymap)
    return keymap


def _set_keymap(app: App, keymap: Keymap) -> None:
    mapping = keymap.mapping()
    app.set_keymap(mapping)
    # The footer finds the palette's key by this name (right-hand corner).
    palette = mapping.get("app.palette", PALETTE_KEY).split(",")[0]
    app.COMMAND_PALETTE_BINDING = palette  # type: ignore[misc]


def watch_theme(app: App, theme: str) -> None:
    """Mark the app while the high-contrast theme is on (its extra rules hang on the class)."""
    app.set_class(theme == HIGH_CONTRAST, HIGH_CONTRAST_CLASS)


def report_problems(app: App, problems: list[str]) -> None:
    """Tell the agent (one notice) and the log (every line)."""
    if not problems:
        return
    for problem in problems:
        log.warning("keymap/settings: %s", problem)
    shown = problems[:MAX_SHOWN]
    if len(problems) > MAX_SHOWN:
        shown.append(t("keymap.problems_more", n=len(problems) - MAX_SHOWN))
    app.notify(
        "\n".join(shown),
        title=t("keymap.problems_title"),
        severity="warning",
        timeout=NOTICE_S,
        markup=False,
    )


def check_keymap_later(app: App, keymap: Keymap) -> None:
    """Check the keymap's ids and clashes in a thread (it imports every screen), then drop
    what is wrong and report it. Nothing to do for the plain default keys."""
    if not keymap.entries:
        app.keymap_checked = True
        return

    def check() -> None:
        try:
            problems = keymap.check()
        except Exception as exc:  # a screen that does not import: keep the keymap as it is
            log.exception("keymap check failed")
            problems = [KeymapProblem(keymap.name, None, t("keymap.unreadable", detail=exc))]
        app.call_from_thread(_checked, app, keymap, problems)

    app.run_worker(check, thread=True, group="keymap-check", exit_on_error=False)


def _checked(app: App, keymap: Keymap, problems: list[KeymapProblem]) -> None:
    if problems:
        _set_keymap(app, keymap)
        report_problems(app, [str(p) for p in problems])
    app.keymap_checked = True

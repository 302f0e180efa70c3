"""The desk's themes: Textual's dark and light, and a high-contrast one for colour-blind agents.

The high-contrast theme takes its colours from the Okabe–Ito palette, which people with any
common colour-vision deficiency tell apart: *good* is blue, *late* orange, *very late* and
errors reddish purple, never red against green. Colour is never alone: DPD badges carry the
bucket (``M3``) and, in this theme, bold and solid backgrounds that grow with the bucket
(``high_contrast.tcss``); the sync line has its symbols (● ○ ✕).
"""

from __future__ import annotations

from textual.theme import Theme

DEFAULT_THEME = "textual-dark"
HIGH_CONTRAST = "workbench-high-contrast"
HIGH_CONTRAST_CLASS = "-high-contrast"
"""Set on the app while the high-contrast theme is on (its extra rules hang on it)."""

ALIASES = {
    "dark": "textual-dark",
    "light": "textual-light",
    "high-contrast": HIGH_CONTRAST,
    "hc": HIGH_CONTRAST,
}
"""Short names for ``--theme`` and ``theme = "…"`` in ``config.toml``."""

HIGH_CONTRAST_THEME = Theme(
    name=HIGH_CONTRAST,
    primary="#56B4E9",  # sky blue
    secondary="#0072B2",  # blue
    accent="#F0E442",  # yellow
    success="#56B4E9",  # good = blue, never green
    warning="#E69F00",  # late = orange
    error="#CC79A7",  # very late, refused = reddish purple, never red
    foreground="#FFFFFF",
    background="#000000",
    surface="#101010",
    panel="#202020",
    dark=True,
    text_alpha=1.0,
    variables={
        "footer-key-foreground": "#F0E442",
        "block-cursor-background": "#F0E442",
        "block-cursor-foreground": "#000000",
        "input-selection-background": "#0072B2",
    },
)

THEMES = (HIGH_CONTRAST_THEME,)
"""Themes the desk registers on top of Textual's own."""


def theme_name(wanted: str | None) -> str | None:
    """The registered name for ``wanted`` (an alias or a full name); None for no choice."""
    if not wanted:
        return None
    wanted = wanted.strip().lower()
    return ALIASES.get(wanted, wanted)

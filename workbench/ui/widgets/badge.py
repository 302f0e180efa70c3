"""A small coloured label: flags, DPD buckets, marks such as 勿扰."""

from __future__ import annotations

from textual.widgets import Label

from workbench.ui.format import safe


class Badge(Label):
    """A one-line badge; ``text`` is treated as untrusted and never parsed as markup."""

    def __init__(self, text: str, *, classes: str = "") -> None:
        super().__init__(safe(text), classes=f"badge {classes}".strip())

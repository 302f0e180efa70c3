"""The callback keys: the worklist and "next callback", bound on the app (ids for keymaps).

Kept apart from ``ui.callback_desk`` so the app class binds them without importing the
callback logic before the first frame. No desk widget uses F11/F12; the function-keys keymap
moves them to Shift+F5/Shift+F6 (``f17``/``f18``), its F11/F12 being taken. Not in the
footer (it is full on the borrower view): help (F1) lists them, and the worklist names them.
"""

from __future__ import annotations

from textual.binding import Binding

CALLBACK_BINDINGS = [
    Binding("f11", "callback_list", "key.callback_list", show=False, id="callback.list"),
    Binding("f12", "callback_next", "key.callback_next", show=False, id="callback.next"),
]

"""The call keys: bound on the app so they work on every screen (ids for keymaps).

They are priority bindings: Textual stops non-priority app bindings at a modal screen, and the
call keys must work above the pop, the wrap-up form and every action form (F4 ends the call
while a note is open). No widget of the desk uses function keys; a key whose action does not
apply now (``WorkbenchApp.check_action``) falls through to the focused widget.

Kept apart from ``ui.call_desk`` so the app class can bind them without importing the call
logic before the first frame.
"""

from __future__ import annotations

from textual.binding import Binding

CALL_BINDINGS = [
    Binding("f2", "call('answer')", "key.call_answer", priority=True, id="call.answer"),
    Binding("f3", "call('hold')", "key.call_hold", priority=True, id="call.hold"),
    Binding("f4", "call('end')", "key.call_end", priority=True, id="call.end"),
    Binding("f5", "call('available')", "key.agent_available", priority=True, id="agent.available"),
    Binding("f6", "call('break')", "key.agent_break", priority=True, id="agent.break"),
    Binding("f7", "call('link')", "key.call_link", priority=True, id="call.link"),
    Binding("f8", "call('wrapup')", "key.call_wrapup", priority=True, id="call.wrapup"),
    Binding("f9", "call('reject')", "key.call_reject", priority=True, id="call.reject"),
]

KEY_NAMES = {
    "answer": "call.answer",
    "hold": "call.hold",
    "end": "call.end",
    "ready": "agent.available",
    "pause": "agent.break",
    "link": "call.link",
    "wrapup": "call.wrapup",
    "reject": "call.reject",
}
"""Parameter name in the catalog's texts → binding id (texts name the keys as bound now)."""


def key_names(app) -> dict[str, str]:
    """``{"answer": "F2", "link": "F7", …}`` as the app's keymap binds them now."""
    from workbench.ui.keymap import as_bound  # the keymap module loads after the first frame

    shown: dict[str, str] = {}
    for bindings in app._bindings.key_to_bindings.values():
        for binding in bindings:
            if binding.id is not None and binding.id not in shown:
                shown[binding.id] = app.get_key_display(as_bound(app, binding)).upper()
    return {name: shown.get(binding_id, "?") for name, binding_id in KEY_NAMES.items()}

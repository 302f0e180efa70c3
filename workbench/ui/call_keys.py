"""The call keys: bound on the app so they work on every screen (ids for keymaps).

Kept apart from ``ui.call_desk`` so the app class can bind them without importing the call
logic before the first frame.
"""

from __future__ import annotations

from textual.binding import Binding

CALL_BINDINGS = [
    Binding("f2", "call('answer')", "key.call_answer", id="call.answer"),
    Binding("f3", "call('hold')", "key.call_hold", id="call.hold"),
    Binding("f4", "call('end')", "key.call_end", id="call.end"),
    Binding("f5", "call('available')", "key.agent_available", id="agent.available"),
    Binding("f6", "call('break')", "key.agent_break", id="agent.break"),
    Binding("f7", "call('link')", "key.call_link", id="call.link"),
    Binding("f8", "call('wrapup')", "key.call_wrapup", id="call.wrapup"),
    Binding("f9", "call('reject')", "key.call_reject", id="call.reject"),
]

"""What the call bar says: state, timers, caller (masked), queue, and the call keys that apply.

Pure text building for ``widgets.call_bar`` (imported by it after the first frame).
"""

from __future__ import annotations

from datetime import datetime

from textual.content import Content

from workbench.domain import pii
from workbench.domain.calls import AgentState
from workbench.ui import calls as rules
from workbench.ui.call_keys import key_names
from workbench.ui.format import plain
from workbench.ui.i18n import t

MUTED = "$text-muted"

STATE_LOOKS: dict[str, tuple[str, str]] = {
    # agent state: (symbol, style)
    AgentState.OFFLINE: ("○", "$text-muted"),
    AgentState.AVAILABLE: ("●", "bold $success"),
    AgentState.ON_CALL: ("☎", "bold $accent"),
    AgentState.AFTER_CALL: ("◆", "bold $warning"),
    AgentState.BREAK: ("◇", "bold $secondary"),
}
Part = Content | str | tuple[str, str]


def state_label(state: str) -> str:
    """可用 / 通话中 / 话后处理 / 小休 / 离线 (an unknown state shows as itself)."""
    text = t(f"agent_state.{state}")
    return plain(state, 20) if text == f"agent_state.{state}" else text


def bar_content(app, calls: rules.DeskCalls, now: datetime) -> Content:
    """The call bar's text for ``calls`` at ``now`` (``app`` gives queue and borrower names)."""
    desk = app.calls
    if calls.ringing and calls.call is not None and calls.call.direction == "out":
        ringing = rules.clock_text(rules.seconds_since(calls.call_since, now))
        parts: list[Part] = [
            (f"☎ {t('call.dialing')} {ringing} ", "bold $text on $primary"),
            ("  ", ""),
            (pii.mask_phone(calls.call.number), "bold"),
        ]
        return Content.assemble(*parts, *_who(desk, calls.borrower_id))
    if calls.ringing and calls.call is not None:
        call = calls.call
        parts = [
            (f"☎ {t('call.ringing')} ", "bold $text on $accent"),
            ("  ", ""),
            (pii.mask_phone(call.number), "bold"),
            (f"  ·  {desk.queue_name(call.queue_id)}", ""),
            (f"  ·  {t('call.waited', time=rules.clock_text(rules.waited_s(calls, now)))}", ""),
        ]
        return Content.assemble(*parts, *_who(desk, calls.borrower_id))
    symbol, style = STATE_LOOKS.get(calls.agent_state, STATE_LOOKS[AgentState.OFFLINE])
    if calls.talking and calls.call is not None:
        call = calls.call
        talk = rules.clock_text(rules.seconds_since(calls.call_since, now))
        parts = [(f"{symbol} {state_label(AgentState.ON_CALL)} {talk}", style)]
        if call.direction == "out":
            parts.append((f"  {t('call.outbound')}", "bold $primary"))
        if calls.held:
            held = rules.clock_text(rules.seconds_since(calls.held_since, now))
            parts.append(("  ", ""))
            parts.append((f" {t('call.held', time=held)} ", "bold $text on $warning"))
        parts.append((f"  ·  {pii.mask_phone(call.number)}", "bold"))
        parts.append((f"  ·  {desk.queue_name(call.queue_id)}", ""))
        return Content.assemble(*parts, *_who(desk, calls.borrower_id))
    since = rules.clock_text(rules.seconds_since(calls.agent_since, now))
    parts = [(f"{symbol} {state_label(calls.agent_state)} {since}", style)]
    wrap = calls.wrap
    if calls.in_wrap_up and wrap is not None:
        parts.append((f"  ·  {pii.mask_phone(wrap.call.number)}", ""))
        parts.append((f"  ·  {desk.queue_name(wrap.call.queue_id)}", ""))
        if wrap.saved:
            parts.append((f"  ·  {t('call.wrap_saved', **key_names(app))}", "$success"))
        elif desk.disposition_owed():
            parts.append(("  ", ""))
            parts.append((f" {t('call.wrap_needed', **key_names(app))} ", "bold $text on $warning"))
    return Content.assemble(*parts)


def key_hints(app) -> Content:
    """The call keys that apply now, e.g. ``F3 保持/恢复  F4 挂断`` (as the keymap binds them):
    the footer may be too full to show them."""
    hints = []
    for bindings in app._bindings.key_to_bindings.values():
        for binding in bindings:
            action = binding.action
            if action.startswith("call('") and app.calls.can(action[6:-2]):
                hints.append(f"{app.get_key_display(binding).upper()} {binding.description}")
    if not hints:
        return Content("")
    return Content.assemble(("    ", ""), ("  ".join(hints), MUTED))


def _who(desk, borrower_id: str | None) -> list[Part]:
    if not borrower_id:
        return []
    name = desk.borrower_name(borrower_id)
    return [(f"  ·  {plain(name or borrower_id, 20)}", "")]

"""Linking an unknown caller's number to the borrower they prove to be (key ``call.link``).

The agent finds the borrower (search → unified view) and presses the key: the number goes to
the core as a ``link_number`` action (``store.call_actions``) with the call's id; from then on
the caller counts as that borrower (the disposition is recorded on them).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from workbench.domain import pii
from workbench.ui import calls as rules
from workbench.ui.format import plain
from workbench.ui.i18n import t

if TYPE_CHECKING:
    from workbench.ui.call_desk import CallDesk


def target(desk: CallDesk) -> tuple[str, str, str] | None:
    """(borrower id, number, call id) when the view on top is of a borrower the call's number
    is not on yet, during the call or its wrap-up (before the disposition); else None."""
    s = desk.state
    call = s.call if s.talking else (s.wrap.call if s.wrap and not s.wrap.saved else None)
    if call is None:
        return None
    from workbench.ui.screens.borrower import BorrowerScreen

    screen = desk.app.screen
    if not isinstance(screen, BorrowerScreen) or screen.view is None:
        return None
    bid = screen.borrower_id
    if bid in call.borrower_ids or bid in desk.linked.get(call.call_id, set()):
        return None
    return bid, call.number, call.call_id


async def write(desk: CallDesk, borrower_id: str, number: str, call_id: str) -> None:
    """Write the ``link_number`` action (in a thread), then show and deliver it."""
    from workbench.ui.cache import writing

    app = desk.app

    def take() -> None:
        from workbench.store.call_actions import link_number

        with writing(app.db_path) as conn:
            link_number(conn, borrower_id, number, agent_id=app.agent_id, call_id=call_id)

    try:
        await asyncio.to_thread(take)
    except Exception as exc:  # refused by the checks, or the cache cannot be written
        from workbench.store.action_rules import ValidationError
        from workbench.ui.screens.note import validation_text

        text = validation_text(exc) if isinstance(exc, ValidationError) else str(exc)
        app.notify(t("call.link_failed", detail=plain(text, 200)), severity="error", markup=False)
        return
    desk.linked.setdefault(call_id, set()).add(borrower_id)
    app.call_state = rules.with_borrower(desk.state, borrower_id)
    app.notify(t("call.linked", number=pii.mask_phone(number)), markup=False)
    app.push_now()
    app.cache_changed(feed=False)
    app.refresh_bindings()

"""Helpers for the action-form tests: open a form with its key, fill it, read what was kept."""

from __future__ import annotations

from desk_pilot import wait_for, wait_for_view

from workbench.store import outbox
from workbench.store.db import connect
from workbench.ui.screens.borrower import BorrowerScreen

LATE_VIP = "B000295"  # seed-7 demo: VIP, two loans; L000295-1 is 50 days late (M2)
LATE_LOAN = "L000295-1"


async def open_form(pilot, key: str, form_class, borrower_id: str = LATE_VIP):
    """Open the borrower's view (unless it is open) and press ``key``; return the form."""
    screen = pilot.app.screen
    if not (isinstance(screen, BorrowerScreen) and screen.borrower_id == borrower_id):
        pilot.app.open_borrower(borrower_id)
        await wait_for_view(pilot)
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, form_class), what=form_class)
    return pilot.app.screen


async def save_and_wait_error(pilot, form, expected: str | None = None) -> str:
    """Ctrl+S, then wait until the form explains a refusal; return the explanation."""
    form.say("")
    await pilot.press("ctrl+s")
    await wait_for(
        pilot,
        lambda: (
            form.error and not form.saving and form.query_one("#form-error").has_class("-error")
        ),
        what="a refusal",
    )
    assert pilot.app.screen is form
    if expected is not None:
        assert form.error == expected
    return form.error


async def save_and_close(pilot, form) -> None:
    """Ctrl+S, then wait until the form has closed back onto the borrower view."""
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, BorrowerScreen), what="saved")


def set_input(form, selector: str, text: str) -> None:
    """Replace what an Input holds (as pasting would)."""
    form.query_one(selector).value = text


def unconfirmed(path) -> list[outbox.OutboxEntry]:
    """What the outbox still has to deliver, oldest first."""
    conn = connect(path, readonly=True)
    try:
        return outbox.pending_entries(conn)
    finally:
        conn.close()


def sent(path, action_type: str) -> list[dict]:
    """The bodies of the unconfirmed actions of one type, as they will be POSTed."""
    import json

    conn = connect(path, readonly=True)
    try:
        return [
            json.loads(outbox.body_of(conn, entry.key))
            for entry in outbox.pending_entries(conn)
            if entry.type == action_type
        ]
    finally:
        conn.close()

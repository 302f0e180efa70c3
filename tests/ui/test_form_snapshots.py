"""A picture of the escalation form, compared with the accepted one in ``__snapshots__``.

Fixed clock (the SLA due time shown follows it), fixed terminal size, seed-7 demo cache.
Update after an intended change with ``uv run pytest tests/ui/test_form_snapshots.py
--snapshot-update`` and look at the new SVG before committing it.
"""

from __future__ import annotations

from desk_pilot import SIZE, wait_for, wait_for_view
from textual.widgets import Select

from workbench.ui.screens.forms.escalate import EscalateScreen


def test_escalation_form(snap_compare, make_app, demo_cache):
    async def fill_escalation(pilot) -> None:
        pilot.app.open_borrower("B000295")
        await wait_for_view(pilot)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, EscalateScreen))
        form = pilot.app.screen
        await pilot.press("tab", "tab", "enter")  # 法务
        form.query_one("#reason").insert("客户称已委托律师，要求法务联系")
        form.query_one("#priority", Select).value = "high"
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(make_app(demo_cache), terminal_size=SIZE, run_before=fill_escalation)

"""A note typed on the borrower view: at the top of the history at once, marked 待确认 until the
core confirms it; what the service refuses is said in the form and the text is kept."""

from __future__ import annotations

from desk_pilot import history_rows, run_desk, screen_text, status_line, wait_for, wait_for_view

from workbench.store import outbox
from workbench.store.action_rules import NOTE_MAX
from workbench.store.db import connect
from workbench.ui.screens.borrower import BorrowerScreen
from workbench.ui.screens.note import NoteScreen
from workbench.ui.widgets.followups_panel import FollowUpsPanel
from workbench.ui.widgets.history_view import HistoryView

TWO_LOANS = "B000295"  # seed-7 demo: two loans, a contact history


async def open_note_form(pilot) -> NoteScreen:
    pilot.app.open_borrower(TWO_LOANS)
    await wait_for_view(pilot)
    await pilot.press("n")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, NoteScreen), what="note form")
    return pilot.app.screen


def unconfirmed(path) -> list[outbox.OutboxEntry]:
    conn = connect(path, readonly=True)
    try:
        return outbox.pending_entries(conn)
    finally:
        conn.close()


async def test_a_note_is_at_the_top_of_the_history_at_once_marked_pending(desk_cache):
    from workbench.store.actions import schedule_callback

    conn = connect(desk_cache)  # a callback booked earlier, not delivered yet
    try:
        callback = schedule_callback(conn, TWO_LOANS, "2026-11-28T10:00:00+08:00", agent_id="A001")
    finally:
        conn.close()
    async with run_desk(desk_cache) as pilot:
        form = await open_note_form(pilot)
        form.query_one("#note-text").insert("客户称周五还款")  # as an input method delivers it
        await pilot.press("enter", *"[/]")
        assert form.text == "客户称周五还款\n[/]"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, BorrowerScreen))
        history = pilot.app.screen.query_one(HistoryView)
        await wait_for(pilot, lambda: history.mark(0) == "pending", what="the pending note")
        assert history.cursor == 0
        note = history.item(0)
        assert note.channel == "note" and note.notes == "客户称周五还款\n[/]"
        top = history_rows(pilot)[0]
        assert "备注" in top and "待确认" in top and "客户称周五还款 [/]" in top
        assert "待确认：已存入本地，等待核心系统确认" in screen_text(pilot)
        assert status_line(pilot) == "○ 未连接 · 离线缓存"  # no sync: it waits in the outbox

        await pilot.press("4")
        await wait_for(pilot, lambda: "2026-11-28 10:00" in screen_text(pilot), what="follow-ups")
        assert pilot.app.screen.query_one(FollowUpsPanel).marks == {
            callback.record_id: "pending",
            note.id: "pending",
        }
        line = next(row for row in screen_text(pilot).splitlines() if "2026-11-28 10:00" in row)
        assert "待确认" in line
    notes = [e for e in unconfirmed(desk_cache) if e.type == "note"]
    assert [(e.borrower_id, e.record_id) for e in notes] == [(TWO_LOANS, note.id)]


async def test_the_form_says_what_is_wrong_keeps_the_text_and_asks_before_dropping_it(
    desk_cache,
):
    async with run_desk(desk_cache) as pilot:
        form = await open_note_form(pilot)
        await pilot.press(*"draft", "escape")
        assert pilot.app.screen is form and form.error.startswith("再按 Esc 放弃这条备注")
        assert form.text == "draft"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, BorrowerScreen))
        assert unconfirmed(desk_cache) == []

        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, NoteScreen))
        form = pilot.app.screen
        assert form.text == ""
        await pilot.press("space", "ctrl+s")
        await wait_for(pilot, lambda: form.error == "备注不能为空", what="the empty-note message")
        assert pilot.app.screen is form and form.text == " "

        form.query_one("#note-text").insert("长" * NOTE_MAX)
        await pilot.press("ctrl+s")
        expected = f"备注最多 {NOTE_MAX} 字（现 {NOTE_MAX + 1} 字）"
        await wait_for(pilot, lambda: form.error == expected, what="the too-long message")
        assert pilot.app.screen is form and len(form.text) == NOTE_MAX + 1
        assert "-over" in form.query_one("#note-count").classes

        await pilot.press("home", "delete")  # the leading space: now exactly the limit
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, BorrowerScreen))
    assert len(unconfirmed(desk_cache)) == 1

"""The idle lock: after the idle time the desk is covered (nothing of the borrower on screen),
no key opens anything over it, and only the token, the PIN or the cache key reopens it."""

from __future__ import annotations

from desk_pilot import make_test_app, screen_text, wait_for, wait_for_view

from workbench.domain import pii
from workbench.store.db import connect
from workbench.store.queries import get_borrower
from workbench.ui.idle_lock import IdleLock, LockScreen
from workbench.ui.lock_settings import LockSettings, check_pin, hash_pin, read_lock_settings
from workbench.ui.screens.borrower import BorrowerScreen

TOKEN = "tok-A001-" + "z" * 24
BORROWER = "B000001"


def lock_app(cache, after_s: float):
    app = make_test_app(cache)
    app.lock_settings = LockSettings(after_s, hash_pin("2468")).with_secret(TOKEN)
    return app


async def type_and_enter(pilot, text: str) -> None:
    await pilot.press(*text, "enter")
    await pilot.pause()


async def test_an_idle_desk_locks_hides_the_borrower_and_reopens_with_the_pin(desk_cache):
    borrower = get_borrower(connect(desk_cache), BORROWER)
    app = lock_app(desk_cache, after_s=30.0)
    async with app.run_test(size=(140, 40)) as pilot:
        app.open_borrower(BORROWER)
        await wait_for_view(pilot)
        assert borrower.name in screen_text(pilot)
        app.idle_lock.last_activity -= 31  # half a minute idle: the desk's own tick locks it
        await wait_for(pilot, lambda: isinstance(app.screen, LockScreen), timeout=10, what="lock")
        shown = screen_text(pilot)
        assert borrower.name not in shown
        assert pii.mask_id_no(borrower.id_no) not in shown
        assert all(pii.mask_phone(p.number) not in shown for p in borrower.phones)
        await pilot.press("f10", "ctrl+p", "escape")  # nothing opens over the lock
        assert isinstance(app.screen, LockScreen)
        app.notify(f"已保存 {borrower.name}")  # a toast waits for the unlock
        await pilot.pause()
        assert borrower.name not in screen_text(pilot)
        assert not any(borrower.name in n.message for n in app._notifications)
        await type_and_enter(pilot, "1357")
        assert isinstance(app.screen, LockScreen)
        assert "2468" not in screen_text(pilot) and "1357" not in screen_text(pilot)
        await type_and_enter(pilot, "2468")
        await wait_for(pilot, lambda: isinstance(app.screen, BorrowerScreen), what="unlock")
        assert not app.idle_lock.locked
        shown = [n.message for n in app._notifications]
        assert shown.count(f"已保存 {borrower.name}") == 1, shown  # shown once, after the unlock


async def test_the_token_reopens_it_too_and_activity_keeps_it_open(desk_cache):
    app = lock_app(desk_cache, after_s=60.0)
    async with app.run_test(size=(140, 40)) as pilot:
        lock = app.idle_lock
        lock.last_activity -= 59.5
        await pilot.press("down")  # a key is activity
        lock.check(app)
        assert not lock.locked
        lock.last_activity -= 61
        lock.check(app)
        await wait_for(pilot, lambda: isinstance(app.screen, LockScreen), what="lock")
        await type_and_enter(pilot, TOKEN)
        await wait_for(pilot, lambda: not isinstance(app.screen, LockScreen), what="unlock")


def test_zero_minutes_never_locks():
    lock = IdleLock(LockSettings(0.0), clock=lambda: 1e9)
    lock.last_activity = 0.0
    lock.check(None)  # would need the app only to lock
    assert not lock.locked


def test_settings_from_config_toml(tmp_path):
    path = tmp_path / "config.toml"
    assert read_lock_settings(path)[0].after_s == 15 * 60  # the default
    pin = hash_pin("8642")
    path.write_text(f'lock_after_min = 5\nlock_pin = "{pin}"\n', encoding="utf-8")
    settings, problems = read_lock_settings(path)
    assert (settings.after_s, settings.pin_hash, problems) == (300.0, pin, [])
    assert settings.opens("8642") and not settings.opens("8641") and not settings.opens("")
    assert "8642" not in pin and check_pin("8642", pin) and not check_pin("8642", "md5$x$y")
    path.write_text('lock_after_min = "soon"\nlock_pin = "8642"\n', encoding="utf-8")
    settings, problems = read_lock_settings(path)
    assert settings.after_s == 15 * 60 and settings.pin_hash is None and len(problems) == 2
    path.write_text("lock_after_min = 0\n", encoding="utf-8")
    assert read_lock_settings(path)[0].after_s == 0
    assert LockSettings(60).opens("")  # nothing set: Enter reopens (the demo)
    assert TOKEN not in repr(LockSettings(60).with_secret(TOKEN))


async def test_a_call_that_rings_while_locked_pops_only_after_the_unlock(desk_cache):
    from call_pilot import TelephonySync, agent_event, call_event, offered

    from workbench.ui.screens.call_pop import CallPopScreen

    caller = get_borrower(connect(desk_cache), BORROWER)
    app = lock_app(desk_cache, after_s=30.0)
    app.sync = TelephonySync()
    async with app.run_test(size=(140, 40)) as pilot:
        app.report_call_event(agent_event("available"))
        app.idle_lock.last_activity -= 31
        await wait_for(pilot, lambda: isinstance(app.screen, LockScreen), timeout=10, what="lock")
        app.report_call_event(call_event("offered", offered([BORROWER])))
        await wait_for(pilot, lambda: app.call_state.ringing, what="the call rings")
        await pilot.pause()
        assert isinstance(app.screen, LockScreen)  # nothing of the caller over the lock
        assert caller.name not in screen_text(pilot)
        await type_and_enter(pilot, "2468")
        await wait_for(pilot, lambda: isinstance(app.screen, CallPopScreen), what="the pop")
        behind = app.screen_stack[-2]
        assert isinstance(behind, BorrowerScreen) and behind.borrower_id == BORROWER

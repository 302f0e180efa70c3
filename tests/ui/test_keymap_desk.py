"""Keymaps at the desk: each shipped keymap takes one call from the pop to "ready" with its own
keys; a broken user keymap is reported (file and line) and the desk works on its defaults;
F1 shows the live keys; Ctrl+P finds actions and borrowers; language and theme are chosen by
argument or ``config.toml``."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from call_pilot import TelephonySync, agent_event, answered, call_event, ended, held, offered
from desk_pilot import NOW, SIZE, fixed_clock, screen_text, search, wait_for, wait_for_view

from workbench.domain.calls import CallCommand
from workbench.ui import i18n
from workbench.ui.app import WorkbenchApp
from workbench.ui.keymap import load_keymap
from workbench.ui.keymap_registry import keys_of, registry
from workbench.ui.screens.borrower import BorrowerScreen
from workbench.ui.screens.call_pop import CallPopScreen
from workbench.ui.screens.help import HelpScreen
from workbench.ui.screens.note import NoteScreen
from workbench.ui.screens.wrap_up import WrapUpScreen

TWO_LOANS = "B000295"


@pytest.fixture(autouse=True)
def _own_config(tmp_path, monkeypatch):
    """Each test has its own config folder (config.toml, keymap.toml)."""
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("WORKBENCH_LANG", raising=False)
    yield
    i18n.set_language("zh")


def config_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "home" / "config"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@asynccontextmanager
async def desk(db: Path, *, sync: TelephonySync | None = None, **kwargs):
    app = WorkbenchApp(db, clock=fixed_clock, **kwargs)
    app.animation_level = "none"
    app.sync = sync
    async with app.run_test(size=SIZE) as pilot:
        try:
            await wait_for(pilot, lambda: app.keymap_checked, what="the keymap check")
            yield pilot
        finally:
            await app.workers.wait_for_complete()


def first_key(name: str, binding_id: str) -> str:
    """The first key ``binding_id`` has under the shipped keymap ``name`` (as Pilot presses)."""
    mapping = load_keymap(name, None).mapping()
    return keys_of(registry().actions[binding_id], mapping)[0]


@pytest.mark.parametrize("name", ["default", "function-keys", "vim"])
async def test_each_shipped_keymap_takes_a_call_from_pop_to_ready(desk_cache, name):
    sync = TelephonySync()
    key = {bid: first_key(name, bid) for bid in registry().actions}
    async with desk(desk_cache, sync=sync, keymap=name) as pilot:
        app = pilot.app
        assert app.keymap.name == name and app.keymap.problems == []
        call = offered([TWO_LOANS])
        app.report_call_event(agent_event("available"))
        app.report_call_event(call_event("offered", call))
        await wait_for(pilot, lambda: isinstance(app.screen, CallPopScreen), what="the pop")
        await pilot.press(key["call-pop.hide"])  # the bar keeps ringing; the call key answers
        await wait_for(pilot, lambda: isinstance(app.screen, BorrowerScreen), what="pop hidden")
        await wait_for_view(pilot)
        await pilot.press(key["call.answer"])
        assert sync.commands[-1] == CallCommand("answer", call_id="CALL-1")
        app.report_call_event(call_event("answered", answered(call)))
        app.report_call_event(agent_event("on_call", call_id="CALL-1"))
        await wait_for(pilot, lambda: app.call_state.talking, what="talking")

        await pilot.press(key["borrower.note"])  # the note key of this keymap
        await wait_for(pilot, lambda: isinstance(app.screen, NoteScreen), what="the note form")
        await pilot.press(key["note.cancel"])
        await wait_for(pilot, lambda: isinstance(app.screen, BorrowerScreen), what="form closed")

        await pilot.press(key["call.hold"])
        assert sync.commands[-1] == CallCommand("hold", call_id="CALL-1")
        app.report_call_event(call_event("held", held(answered(call))))
        await pilot.press(key["call.end"])
        assert sync.commands[-1] == CallCommand("end", call_id="CALL-1")
        app.report_call_event(call_event("ended", ended(answered(call), NOW)))
        app.report_call_event(agent_event("after_call", NOW, "CALL-1"))
        await wait_for(pilot, lambda: isinstance(app.screen, WrapUpScreen), what="wrap-up")
        await pilot.press("2", key["wrap.save-ready"])
        await wait_for(
            pilot,
            lambda: sync.commands[-1] == CallCommand("state", state="available"),
            what="ready again",
        )


async def test_a_broken_user_keymap_is_reported_and_the_desk_works_on_its_defaults(
    desk_cache, tmp_path, caplog
):
    user = config_dir(tmp_path) / "keymap.toml"
    user.write_text(
        "\n".join(
            [
                "[bindings]",
                '"borrower.payoff" = "Q"',  # 2: fine
                '"callback.dance" = "f10"',  # 3: no such action
                '"borrower.note" = "hyper+banana"',  # 4: no such key
                '"borrower.message" = "p"',  # 5: promise has p
            ]
        ),
        encoding="utf-8",
    )
    async with desk(desk_cache, keymap="vim") as pilot:
        app = pilot.app
        problems = [str(p) for p in app.keymap.problems]
        assert problems == [
            f"{user}:4: 未知按键 hyper+banana，该操作使用默认键",
            f"{user}:3: 未知操作 callback.dance，已忽略（操作列表见 docs/keymaps.md）",
            f"{user}:5: 按键 p 在 BorrowerScreen 中同时绑定了 borrower.message, borrower.promise，"
            "这些操作使用默认键",
        ]
        notices = "\n".join(n.message for n in app._notifications)
        assert f"{user}:4" in notices and f"{user}:3" in notices and f"{user}:5" in notices
        logged = [r.getMessage() for r in caplog.records if r.name == "workbench.desk"]
        assert [line.removeprefix("keymap/settings: ") for line in logged] == problems

        # the desk works: vim keys from the chosen keymap, Q from the user's, defaults elsewhere
        assert await search(pilot, "张伟")
        app.open_borrower(TWO_LOANS)
        await wait_for_view(pilot)
        await pilot.press("Q")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "PayoffScreen", what="payoff")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, BorrowerScreen), what="closed")
        await pilot.press("n")  # the broken rebinding left the note on its default key
        await wait_for(pilot, lambda: isinstance(app.screen, NoteScreen), what="the note form")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, BorrowerScreen), what="closed")
        await pilot.press("m")  # the message keeps m; p is still the promise
        await wait_for(pilot, lambda: type(app.screen).__name__ == "MessageScreen", what="msg")


async def test_config_chooses_keymap_language_and_theme_and_arguments_win(desk_cache, tmp_path):
    (config_dir(tmp_path) / "config.toml").write_text(
        'keymap = "function-keys"\nlang = "en"\ntheme = "high-contrast"\ncolour = 3\n',
        encoding="utf-8",
    )
    async with desk(desk_cache) as pilot:
        app = pilot.app
        assert (app.keymap.name, app.language, app.theme) == (
            "function-keys",
            "en",
            "workbench-high-contrast",
        )
        assert app.has_class("-high-contrast")
        assert any("colour = 3" in n.message for n in app._notifications)
    async with desk(desk_cache, keymap="default", lang="zh", theme="light") as pilot:
        app = pilot.app
        assert (app.keymap.name, app.language, app.theme) == ("default", "zh", "textual-light")
        assert not app.has_class("-high-contrast")


async def test_an_unknown_theme_or_keymap_is_reported_and_the_defaults_are_used(desk_cache):
    async with desk(desk_cache, keymap="emacs", theme="purple", lang="en") as pilot:
        app = pilot.app
        assert app.theme == "textual-dark" and app.keymap.entries == {}
        notices = "\n".join(n.message for n in app._notifications)
        assert "no theme purple" in notices and "emacs: no such keymap" in notices


async def test_help_lists_the_live_keys_of_the_screen_under_the_keymap(desk_cache):
    async with desk(desk_cache, keymap="function-keys", lang="en") as pilot:
        app = pilot.app
        app.open_borrower(TWO_LOANS)
        await wait_for_view(pilot)
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        text = screen_text(pilot)
        assert "Help · keys" in text and "Keymap function-keys" in text
        assert "f7 n            Note" in text  # the keymap's keys, all of them
        assert "f11 e           Escalate" in text
        assert "^q              Quit" in text
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, BorrowerScreen), what="closed")
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help by ?")


async def test_a_screen_can_add_a_help_section(desk_cache):
    from workbench.ui.screens.help import HelpSection

    async with desk(desk_cache, lang="en") as pilot:
        app = pilot.app
        app.screen.help_sections = lambda: [HelpSection("Formulas", "SL = answered in T ÷ all")]
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        text = screen_text(pilot)
        assert "Formulas" in text and "SL = answered in T ÷ all" in text


async def test_the_palette_runs_an_action_by_its_name_in_the_language(desk_cache):
    from textual.command import CommandPalette

    async with desk(desk_cache) as pilot:
        app = pilot.app
        app.open_borrower(TWO_LOANS)
        await wait_for_view(pilot)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), what="palette")
        await pilot.press(*"承诺")
        await wait_for(pilot, lambda: "按键 p · borrower.promise" in screen_text(pilot))
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "PromiseScreen", what="form")


async def test_the_palette_finds_a_borrower_and_opens_them(desk_cache):
    from textual.command import CommandPalette

    async with desk(desk_cache, lang="en") as pilot:
        app = pilot.app
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), what="palette")
        assert "Find an action or a borrower" in screen_text(pilot)
        await pilot.press(*"zw")
        await wait_for(pilot, lambda: "Open borrower 张伟" in screen_text(pilot), what="a hit")
        assert "****" in screen_text(pilot)  # masked phone and ID only
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, BorrowerScreen), what="opened")
        await wait_for_view(pilot)
        assert app.screen.view.borrower.name == "张伟"


async def test_a_user_keymap_moves_one_binding_and_the_footer_follows(desk_cache, tmp_path):
    from textual.command import CommandPalette

    (config_dir(tmp_path) / "keymap.toml").write_text(
        '[bindings]\n"app.palette" = "ctrl+k"\n', encoding="utf-8"
    )
    async with desk(desk_cache) as pilot:
        app = pilot.app
        assert app.keymap.problems == []
        assert "^k 命令" in screen_text(pilot)
        await pilot.press("ctrl+p")  # no longer the palette's key
        await pilot.pause()
        assert not isinstance(app.screen, CommandPalette)
        await pilot.press("ctrl+k")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), what="palette")


async def test_call_texts_name_the_keys_of_the_keymap(desk_cache):
    from workbench.ui.call_keys import key_names

    async with desk(desk_cache, keymap="function-keys") as pilot:
        names = key_names(pilot.app)
        assert names["link"] == first_key("function-keys", "call.link").upper() == "F12"
        assert names["answer"] == "F2"

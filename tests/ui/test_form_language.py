"""Every action form speaks both languages, every key it binds can be rebound, and text from
the core (a name, a contract number) is shown as data, never run as markup."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from desk_pilot import run_desk, screen_text, wait_for
from forms_pilot import LATE_VIP, open_form

from workbench.store.apply import apply_page
from workbench.store.db import connect
from workbench.ui import i18n
from workbench.ui.screens.borrower import BorrowerScreen
from workbench.ui.screens.forms import FORMS, make_form
from workbench.ui.screens.forms.base import ActionForm
from workbench.ui.screens.forms.callback import CallbackScreen
from workbench.ui.screens.forms.escalate import EscalateScreen
from workbench.ui.screens.forms.message import MessageScreen
from workbench.ui.screens.forms.payoff import PayoffScreen
from workbench.ui.screens.forms.promise import PromiseScreen
from workbench.ui.screens.forms.reveal import RevealScreen

KEYS = {
    "p": PromiseScreen,
    "c": CallbackScreen,
    "e": EscalateScreen,
    "m": MessageScreen,
    "q": PayoffScreen,
    "v": RevealScreen,
}
CATALOG_KEY = re.compile(r"\b(?:form|action|key|message|role)\.[a-z_]+\b")
HOSTILE_NAME = "[/]张[VIP]伟[@click=app.quit]"


@pytest.fixture(autouse=True)
def _restore_language():
    yield
    i18n.set_language("zh")


def test_every_form_binding_has_an_id_and_a_description_in_both_catalogs():
    borrower_ids = {b.id for b in BorrowerScreen.BINDINGS}
    assert {f"borrower.{name}" for name in FORMS} <= borrower_ids
    for binding in [*ActionForm.BINDINGS, *BorrowerScreen.BINDINGS]:
        assert binding.id
        for lang in i18n.LANGUAGES:
            assert binding.description in i18n.catalog(lang), binding.description
    assert {b.id for b in ActionForm.BINDINGS} == {"form.save", "form.cancel"}


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_each_form_opens_with_its_key_in_the_desks_language(desk_cache, lang):
    async with run_desk(desk_cache, lang=lang) as pilot:
        for key, form_class in KEYS.items():
            form = await open_form(pilot, key, form_class)
            text = screen_text(pilot)
            assert not CATALOG_KEY.findall(text), (key, CATALOG_KEY.findall(text))
            assert "黎平" in text
            if lang == "en":
                assert not re.search("[\u4e00-\u9fff]", text.replace("黎平", "").replace("鄂A", ""))
            await pilot.press("escape")
            await wait_for(pilot, lambda f=form: pilot.app.screen is not f)


@pytest.fixture
def hostile_cache(tmp_path: Path, feed) -> Path:
    path = tmp_path / "hostile.db"
    changes = [
        feed.borrower("B1", name=HOSTILE_NAME),
        feed.vehicle("V1", plate="[b]京A[/b]\x1b[5m"),
        feed.loan("L1", paid=20, contract_no="[red]HT[/red]\x1b[5m"),
    ]
    conn = connect(path)
    try:
        apply_page(conn, changes, "c1")
    finally:
        conn.close()
    return path


async def test_hostile_text_from_the_core_is_shown_literally_in_every_form(hostile_cache):
    async with run_desk(hostile_cache) as pilot:
        for key, form_class in KEYS.items():
            form = await open_form(pilot, key, form_class, borrower_id="B1")
            text = screen_text(pilot)
            assert HOSTILE_NAME in text and "\x1b" not in text
            if isinstance(form, MessageScreen):
                form.query_one("#template").value = "release"
                await wait_for(pilot, lambda f=form: "[b]京A[/b]" in f.body())
                assert "[red]HT[/red]\\x1b[5m" in form.body()
            await pilot.press("escape")
            await wait_for(pilot, lambda f=form: pilot.app.screen is not f)
        assert pilot.app.is_running


def test_make_form_builds_each_form_by_name(demo_cache):
    from datetime import date

    from desk_pilot import NOW

    from workbench.store.queries import borrower_view

    conn = connect(demo_cache, readonly=True)
    try:
        view = borrower_view(conn, LATE_VIP, date(2026, 11, 27))
    finally:
        conn.close()
    built = {name: type(make_form(name, view, NOW)) for name in FORMS}
    assert set(built.values()) == set(KEYS.values())

"""The message catalog: both languages say the same things, and the desk speaks either."""

from __future__ import annotations

import string

import pytest

from workbench.ui import i18n
from workbench.ui.app import WorkbenchApp
from workbench.ui.screens.borrower import BorrowerScreen
from workbench.ui.screens.desk import DeskScreen
from workbench.ui.screens.note import NoteScreen
from workbench.ui.widgets.history_view import HistoryView
from workbench.ui.widgets.results_table import ResultsTable
from workbench.ui.widgets.search_box import SearchBox

BOUND = (WorkbenchApp, DeskScreen, BorrowerScreen, NoteScreen, HistoryView, ResultsTable, SearchBox)


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.fixture(autouse=True)
def _restore_language():
    yield
    i18n.set_language("zh")


def test_chinese_and_english_catalogs_have_the_same_keys():
    assert set(i18n.catalog("zh")) == set(i18n.catalog("en"))


def test_every_message_takes_the_same_parameters_in_both_languages():
    zh, en = i18n.catalog("zh"), i18n.catalog("en")
    different = {key for key in zh if _fields(zh[key]) != _fields(en[key])}
    assert not different


def test_every_binding_has_an_id_and_a_catalog_description():
    for cls in BOUND:
        for binding in cls.BINDINGS:
            assert binding.id, f"{cls.__name__} binds {binding.key} without an id"
            if binding.show:
                assert binding.description in i18n.catalog("zh"), binding.description


def test_language_comes_from_the_argument_then_the_environment(monkeypatch):
    monkeypatch.setenv(i18n.ENV_LANG, "en_US.UTF-8")
    assert i18n.resolve_language(None) == "en"
    assert i18n.resolve_language("zh") == "zh"
    monkeypatch.setenv(i18n.ENV_LANG, "fr")
    assert i18n.resolve_language(None) == "zh"


def test_t_formats_parameters_and_shows_a_missing_key_as_itself():
    i18n.set_language("en")
    assert i18n.t("desk.found", count=3) == "3 borrowers found · Enter to open"
    assert i18n.t("no.such.key") == "no.such.key"
    i18n.set_language("zh")
    assert i18n.t("dpd.days", dpd=45) == "逾期 45 天"


async def test_the_desk_speaks_english_when_asked_and_says_the_cache_is_missing(tmp_path):
    app = WorkbenchApp(tmp_path / "none.db", lang="en")
    async with app.run_test(size=(140, 45)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.query_one(SearchBox).placeholder.startswith("Search: phone")
        shown = {
            active.binding.description
            for active in app.screen.active_bindings.values()
            if active.binding.show
        }
        assert {"Search", "Clear", "Quit"} <= shown
        status = app.screen.query_one("#search-status")
        assert str(status.render()).startswith("Cannot read the local cache: no cache at")

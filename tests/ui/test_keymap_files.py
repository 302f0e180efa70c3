"""Keymap files: the shipped ones are sound, docs and the default keymap follow the code, and a
broken file is reported with its file and line (no app needed here)."""

from __future__ import annotations

import filecmp
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.ui import i18n
from workbench.ui.keymap import (
    KEYMAP_DIR,
    key_lines,
    load_keymap,
    normalize_key,
    read_keymap_file,
    shipped_keymaps,
)
from workbench.ui.keymap_doc import default_toml, markdown
from workbench.ui.keymap_registry import registry

ROOT = Path(__file__).resolve().parents[2]
REGENERATE = (
    "regenerate with `uv run python -m workbench.ui.keymap_doc > docs/keymaps.md` and "
    "`uv run python -m workbench.ui.keymap_doc --toml > workbench/keymaps/default.toml`"
)


@pytest.fixture(autouse=True)
def _english():
    i18n.set_language("en")
    yield
    i18n.set_language("zh")


def test_the_shipped_keymaps_are_default_function_keys_and_vim():
    assert shipped_keymaps() == ["default", "function-keys", "vim"]


def test_the_top_level_keymaps_folder_is_the_packaged_one():
    top = ROOT / "keymaps"
    names = sorted(p.name for p in top.glob("*.toml"))
    assert names == sorted(p.name for p in KEYMAP_DIR.glob("*.toml"))
    for name in names:
        assert filecmp.cmp(top / name, KEYMAP_DIR / name, shallow=False), name


@pytest.mark.parametrize("name", ["default", "function-keys", "vim"])
def test_each_shipped_keymap_loads_without_a_problem(name):
    keymap = load_keymap(name, None)
    assert keymap.entries
    assert keymap.problems == []
    assert keymap.check() == []


def test_function_keys_put_answer_hold_end_note_and_escalate_on_f_keys():
    mapping = load_keymap("function-keys", None).mapping()
    for binding_id in (
        "call.answer",
        "call.hold",
        "call.end",
        "borrower.note",
        "borrower.escalate",
    ):
        assert mapping[binding_id].split(",")[0].startswith("f"), binding_id


def test_docs_and_the_default_keymap_follow_the_code():
    assert (ROOT / "docs" / "keymaps.md").read_text(encoding="utf-8") == markdown(), REGENERATE
    assert (KEYMAP_DIR / "default.toml").read_text(encoding="utf-8") == default_toml(), REGENERATE


def test_the_default_keymap_sets_every_id_to_its_default_keys():
    entries, problems = read_keymap_file(KEYMAP_DIR / "default.toml")
    assert not problems
    actions = registry().actions
    assert set(entries) == set(actions)
    assert all(entries[i].keys == actions[i].keys for i in actions)


def test_every_documented_id_has_a_description_in_both_languages():
    for action in registry().actions.values():
        key = action.description or f"binding.{action.id}"
        assert key in i18n.catalog("zh") and key in i18n.catalog("en"), action.id


def test_the_default_keys_have_no_clash_in_any_context():
    reg = registry()
    for context, ids in reg.contexts.items():
        seen: dict[str, str] = {}
        for binding_id in sorted(ids):
            for key in reg.actions[binding_id].keys:
                assert key not in seen, f"{key} is {seen.get(key)} and {binding_id} in {context}"
                seen[key] = binding_id


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("f2", "f2"),
        ("F2", "f2"),
        ("Ctrl+S", "ctrl+s"),
        ("?", "question_mark"),
        ("question_mark", "question_mark"),
        ("/", "slash"),
        ("[", "left_square_bracket"),
        ("G", "G"),
        ("shift+tab", "shift+tab"),
        ("ctrl+shift+f5", "ctrl+shift+f5"),
        ("escape", "escape"),
        ("pagedown", "pagedown"),
        ("", None),
        ("f99", None),
        ("ctrl+", None),
        ("hyperdrive+x", None),
        ("enterr", None),
        ("ctrl+ctrl+a", None),
    ],
)
def test_key_names_are_checked_and_normalised(text, key):
    assert normalize_key(text) == key


def test_lines_are_found_for_quoted_dotted_and_table_keys():
    text = "\n".join(
        [
            "name = 'x'",
            "[bindings]",
            '"call.answer" = "f2"',
            "call.hold = 'f3'",
            "[bindings.borrower]",
            "note = ['n']",
        ]
    )
    lines = key_lines(text)
    assert lines["bindings.call.answer"] == 3
    assert lines["bindings.call.hold"] == 4
    assert lines["bindings.borrower.note"] == 6


def test_a_broken_file_names_each_problem_with_its_line(tmp_path):
    path = tmp_path / "keymap.toml"
    path.write_text(
        "\n".join(
            [
                "colour = 'red'",  # 1: not a keymap setting
                "[bindings]",  # 2
                '"call.answer" = "f13"',  # 3: fine
                '"call.hold" = "hyper+banana"',  # 4: no such key
                '"call.end" = 5',  # 5: not a key at all
                '"callback.dance" = "f10"',  # 6: no such action
                '"borrower.note" = "p"',  # 7: promise has p
            ]
        ),
        encoding="utf-8",
    )
    keymap = load_keymap("default", path, read_base=False)
    assert [(p.line, p.message) for p in keymap.problems] == [
        (1, "unknown setting colour (bindings go under [bindings])"),
        (4, "unknown key hyper+banana; that action keeps its default keys"),
        (5, "keys must be a string or a list of strings; the default keys are kept"),
    ]
    checked = keymap.check()
    assert [(p.line, p.message.split(";")[0]) for p in checked] == [
        (6, "unknown action callback.dance, ignored (the actions are listed in docs/keymaps.md)"),
        (7, "p is bound to borrower.note, borrower.promise in BorrowerScreen"),
    ]
    assert all(p.file == str(path) for p in keymap.problems)
    assert keymap.mapping() == {"call.answer": "f13"}  # the rest keep their defaults
    assert str(checked[0]).startswith(f"{path}:6: ")


def test_a_file_that_is_not_toml_is_reported_at_its_line(tmp_path):
    path = tmp_path / "keymap.toml"
    path.write_text('[bindings]\n"call.answer" = "f2"\n"call.hold" = \n', encoding="utf-8")
    entries, problems = read_keymap_file(path)
    assert entries == {}
    assert len(problems) == 1 and problems[0].line == 3
    assert "not valid TOML" in problems[0].message


def test_an_unknown_keymap_name_falls_back_to_the_defaults():
    keymap = load_keymap("emacs", None)
    assert keymap.entries == {}
    assert [str(p) for p in keymap.problems] == ["emacs: no such keymap; the default keys are used"]


def test_the_doc_script_runs_as_documented():
    done = subprocess.run(
        [sys.executable, "-m", "workbench.ui.keymap_doc"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert done.stdout == markdown()

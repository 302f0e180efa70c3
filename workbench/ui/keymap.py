"""Keymaps: TOML files that rebind the desk's actions by binding id.

A keymap file::

    name = "vim"
    description = "…"

    [bindings]
    "history.down" = ["j", "down"]   # or one string: "j,down"
    "borrower.note" = "n"

Shipped keymaps live in ``workbench/keymaps/`` (``default``, ``function-keys``, ``vim``; the
top-level ``keymaps/`` folder is the same folder). One is chosen by ``--keymap NAME|PATH`` or
``keymap = "…"`` in ``config.toml``; ``keymap.toml`` in the config folder then overrides single
bindings on top. Textual applies the result (``App.set_keymap``): ``BINDINGS`` stay as written.

Problems never stop the desk: a file that is not TOML, an unknown key name, an id no screen
binds, or two actions on one key where they meet are each reported with the file and line,
and the bindings concerned keep their default keys. Key names are checked at once (cheap);
ids and clashes need every screen's bindings (``keymap_registry``), so the desk checks them
in a thread after the first frame.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from textual.keys import Keys, _character_to_key

from workbench.ui.i18n import t

KEYMAP_DIR = Path(__file__).resolve().parent.parent / "keymaps"
"""The shipped keymaps (package data)."""
DEFAULT_KEYMAP = "default"
USER_KEYMAP = "keymap.toml"
"""The user's own overrides, in the config folder."""
META_FIELDS = ("name", "description")
MODIFIERS = ("ctrl", "shift", "alt", "meta", "super", "hyper")


@cache
def _named_keys() -> frozenset[str]:
    """Key names a terminal sends (``f5``, ``escape``, ``question_mark``…); built on first use,
    off the desk's start-up path."""
    named = {k.value for k in Keys if "+" not in k.value and not k.value.startswith("<")}
    return frozenset(named | {_character_to_key(c) for c in string.punctuation})


@dataclass(frozen=True)
class KeymapProblem:
    """Something wrong in a keymap file, where it is, and what the desk did about it."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Entry:
    """One binding id set by a keymap file."""

    keys: tuple[str, ...]
    file: str
    line: int | None


@dataclass
class Keymap:
    """The keymap in force: the chosen file with the user's file on top."""

    name: str = DEFAULT_KEYMAP
    entries: dict[str, Entry] = field(default_factory=dict)
    problems: list[KeymapProblem] = field(default_factory=list)

    def mapping(self) -> dict[str, str]:
        """Binding id → ``"key1,key2"``, as ``App.set_keymap`` takes it."""
        return {bid: ",".join(entry.keys) for bid, entry in self.entries.items()}

    def check(self) -> list[KeymapProblem]:
        """Drop entries for unknown ids and entries that clash; return the new problems.

        Needs every screen's bindings (imports all of ``workbench.ui``: run it in a thread)."""
        from workbench.ui.keymap_registry import registry

        known = registry()
        found: list[KeymapProblem] = []
        for bid, entry in list(self.entries.items()):
            if bid not in known.actions:
                del self.entries[bid]
                found.append(KeymapProblem(entry.file, entry.line, t("keymap.unknown_id", id=bid)))
        while clash := _first_clash(self, known):
            context, key, ids = clash
            others = ", ".join(sorted(ids))
            for bid in sorted(ids):
                entry = self.entries.pop(bid, None)
                if entry is not None:
                    message = t("keymap.clash", pressed=key, ids=others, context=context)
                    found.append(KeymapProblem(entry.file, entry.line, message))
        self.problems.extend(found)
        return found


def _first_clash(keymap: Keymap, known) -> tuple[str, str, set[str]] | None:
    """A key bound to several ids in one context, at least one of them set by the keymap."""
    from workbench.ui.keymap_registry import keys_of

    mapping = keymap.mapping()
    for context, ids in known.contexts.items():
        by_key: dict[str, set[str]] = {}
        for bid in ids:
            for key in keys_of(known.actions[bid], mapping):
                by_key.setdefault(key, set()).add(bid)
        for key, bound in by_key.items():
            if len(bound) > 1 and bound & set(keymap.entries):
                return context, key, bound
    return None


def normalize_key(text: str) -> str | None:
    """A key as Textual names it (``"?"`` → ``question_mark``, ``"Ctrl+S"`` → ``ctrl+s``), or
    None when it is no key a terminal sends."""
    text = text.strip()
    if not text:
        return None
    if len(text) == 1:
        return _character_to_key(text) if text.isprintable() else None
    *mods, base = text.split("+")
    mods = [m.strip().lower() for m in mods]
    if any(m not in MODIFIERS for m in mods) or len(set(mods)) != len(mods):
        return None
    base = base.strip()
    if len(base) == 1:  # with a modifier a letter is the key, not the character: ctrl+s
        base = _character_to_key(base.lower()) if base.isprintable() else ""
    elif base.lower() in _named_keys():
        base = base.lower()
    else:
        return None
    return "+".join([*mods, base]) if base else None


def shipped_keymaps() -> list[str]:
    """Names of the keymaps that come with the desk."""
    return sorted(p.stem for p in KEYMAP_DIR.glob("*.toml"))


def resolve_keymap_path(name: str) -> Path | None:
    """A shipped keymap's file by name, else ``name`` as a path; None when neither exists."""
    shipped = KEYMAP_DIR / f"{name}.toml"
    if "/" not in name and "\\" not in name and shipped.is_file():
        return shipped
    path = Path(name).expanduser()
    return path if path.is_file() else None


def load_keymap(name: str | None, user_file: Path | None, *, read_base: bool = True) -> Keymap:
    """The keymap ``name`` (shipped name or path; default when None) with ``user_file`` on top
    (``read_base=False``: the user's file alone, on the code's defaults).

    Key names and file syntax are checked here; ids and clashes by :meth:`Keymap.check`."""
    keymap = Keymap(name=name or DEFAULT_KEYMAP)
    path = resolve_keymap_path(keymap.name)
    if not read_base:
        pass
    elif path is None:
        keymap.problems.append(KeymapProblem(keymap.name, None, t("keymap.not_found")))
    else:
        _read_into(keymap, path)
    if user_file is not None and user_file.is_file():
        _read_into(keymap, user_file)
    return keymap


def _read_into(keymap: Keymap, path: Path) -> None:
    entries, problems = read_keymap_file(path)
    keymap.entries.update(entries)
    keymap.problems.extend(problems)


def read_keymap_file(path: Path) -> tuple[dict[str, Entry], list[KeymapProblem]]:
    """The valid entries of one keymap file and what is wrong with the rest."""
    import tomllib  # only when a keymap file is read

    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        return {}, [KeymapProblem(shown, None, t("keymap.unreadable", detail=str(exc)))]
    except tomllib.TOMLDecodeError as exc:
        line = _error_line(str(exc))
        return {}, [KeymapProblem(shown, line, t("keymap.not_toml", detail=str(exc)))]
    lines = key_lines(text)
    entries: dict[str, Entry] = {}
    problems: list[KeymapProblem] = []
    for top, value in data.items():
        if top in META_FIELDS:
            continue
        if top != "bindings" or not isinstance(value, dict):
            message = t("keymap.unknown_field", name=top)
            problems.append(KeymapProblem(shown, lines.get(top), message))
            continue
        for bid, keys in _flatten(value).items():
            line = lines.get(f"bindings.{bid}")
            entry = _entry(keys, shown, line)
            if isinstance(entry, KeymapProblem):
                problems.append(entry)
            else:
                entries[bid] = entry
    return entries, problems


def _entry(value: object, file: str, line: int | None) -> Entry | KeymapProblem:
    if isinstance(value, str):
        raw = [k for k in value.split(",")]
    elif isinstance(value, list) and all(isinstance(k, str) for k in value):
        raw = list(value)
    else:
        return KeymapProblem(file, line, t("keymap.bad_value"))
    keys: list[str] = []
    for text in raw:
        key = normalize_key(text)
        if key is None:
            return KeymapProblem(file, line, t("keymap.unknown_key", pressed=text.strip() or '""'))
        if key not in keys:
            keys.append(key)
    if not keys:
        return KeymapProblem(file, line, t("keymap.unknown_key", pressed='""'))
    return Entry(tuple(keys), file, line)


def _flatten(table: dict, prefix: str = "") -> dict[str, object]:
    """``{"call": {"answer": "f2"}}`` (a dotted key or a ``[bindings.call]`` table) →
    ``{"call.answer": "f2"}``."""
    flat: dict[str, object] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


_HEADER = r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$"
_NAME = r"""(?:"[^"]*"|'[^']*'|[A-Za-z0-9_-]+)"""
_ASSIGN = rf"^\s*({_NAME}(?:\s*\.\s*{_NAME})*)\s*="
_PART = rf"\s*({_NAME})\s*\.?"


def _error_line(message: str) -> int | None:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None


def _dotted(text: str) -> str:
    return ".".join(part.strip("\"'") for part in re.findall(_PART, text))


def key_lines(text: str) -> dict[str, int]:
    """Full dotted key → the line (1-based) that sets it, for keys set on one line each."""
    found: dict[str, int] = {}
    table = ""
    for number, line in enumerate(text.splitlines(), 1):
        if header := re.match(_HEADER, line):
            table = _dotted(header.group(1))
            found.setdefault(table, number)
        elif assign := re.match(_ASSIGN, line):
            key = _dotted(assign.group(1))
            found.setdefault(f"{table}.{key}" if table else key, number)
    return found


def as_bound(app, binding):
    """``binding`` with the first key the app's keymap gives its id (itself when the keymap
    leaves it): for texts that name a key, e.g. ``app.get_key_display(as_bound(app, b))``.
    (``App._bindings`` holds the code's keys; Textual applies the keymap only when it looks
    a key up.)"""
    keys = app._keymap.get(binding.id) if binding.id else None
    return binding.with_key(keys.split(",")[0], key_display=None) if keys else binding

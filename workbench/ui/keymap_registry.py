"""Every rebindable action of the desk, found in the code: the ``BINDINGS`` of its classes.

A keymap may only name ids this registry knows, so an id becomes known the day a screen binds
it (a future ``callback.next`` included) and nobody keeps a list by hand. Discovery imports
every module of ``workbench.ui`` (slow: call it off the first frame, see ``ui.keymap``).

*Contexts* say which bindings can meet on one key press: the app's bindings are live on every
screen (above a modal screen only its priority ones); a screen's bindings meet those of the
widgets its module uses (``SearchBox`` on the desk, ``HistoryView`` on the borrower view).
Two ids on one key in one context is a clash.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from functools import lru_cache

from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen

import workbench.ui

APP_CONTEXT = "app"


@dataclass(frozen=True)
class BoundAction:
    """One binding id as the code defines it."""

    id: str
    keys: tuple[str, ...]
    """Default keys, in Textual's names (``f2``, ``ctrl+s``, ``question_mark``)."""
    description: str
    """A catalog key (``key.note``) or ``""`` (then ``binding.<id>`` in the catalog)."""
    action: str
    owners: tuple[str, ...]
    """Names of the classes that bind it."""
    show: bool
    priority: bool = False
    """Checked before the focused widget, and live above modal screens too."""


@dataclass(frozen=True)
class Registry:
    """The known ids and the contexts they meet in."""

    actions: dict[str, BoundAction]
    contexts: dict[str, frozenset[str]]
    """Context name (a screen class, or a widget bound outside any screen) → ids live there."""

    def ids_with_key(self, key: str, keymap: dict[str, str]) -> dict[str, set[str]]:
        """Context → ids bound to ``key`` once ``keymap`` (id → "k1,k2") is applied."""
        found: dict[str, set[str]] = {}
        for context, ids in self.contexts.items():
            hits = {i for i in ids if key in keys_of(self.actions[i], keymap)}
            if hits:
                found[context] = hits
        return found


def keys_of(action: BoundAction, keymap: dict[str, str]) -> tuple[str, ...]:
    """The keys of ``action`` under ``keymap`` (its defaults when the keymap leaves it)."""
    override = keymap.get(action.id)
    if override is None:
        return action.keys
    return tuple(k.strip() for k in override.split(",") if k.strip())


def _import_ui() -> None:
    for info in pkgutil.walk_packages(workbench.ui.__path__, "workbench.ui."):
        importlib.import_module(info.name)


def _subclasses(cls: type) -> list[type]:
    seen: list[type] = []
    stack = [cls]
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub not in seen:
                seen.append(sub)
                stack.append(sub)
    return seen


def _own_bindings(cls: type[DOMNode]) -> list[Binding]:
    return list(Binding.make_bindings(cls.__dict__.get("BINDINGS", [])))


def _ours(cls: type) -> bool:
    return cls.__module__.startswith("workbench.")


@lru_cache(maxsize=1)
def registry() -> Registry:
    """Discover every binding of ``workbench.ui`` (imports all of it; cached)."""
    _import_ui()
    classes = [c for c in _subclasses(DOMNode) if _ours(c)]
    actions: dict[str, BoundAction] = {}
    for cls in classes:
        keys: dict[str, list[str]] = {}  # "ctrl+f,slash" is made into one Binding per key
        firsts: dict[str, Binding] = {}
        for binding in _own_bindings(cls):
            if binding.id:
                keys.setdefault(binding.id, []).append(binding.key.strip())
                firsts.setdefault(binding.id, binding)
        for binding_id, binding in firsts.items():
            known = actions.get(binding_id)
            if known is not None:  # one id on several widgets (``desk.open``): first keys win
                actions[binding_id] = BoundAction(
                    binding_id, known.keys, known.description, known.action,
                    (*known.owners, cls.__name__), known.show, known.priority,
                )  # fmt: skip
                continue
            actions[binding_id] = BoundAction(
                binding_id,
                tuple(keys[binding_id]),
                binding.description,
                binding.action,
                (cls.__name__,),
                binding.show,
                binding.priority,
            )
    return Registry(actions, _contexts(classes))


def _ids(cls: type[DOMNode], *, priority_only: bool = False) -> set[str]:
    """Ids live on an instance of ``cls``: its own and its base classes' bindings."""
    merged = cls._merge_bindings()
    return {b.id for _, b in merged if b.id and (b.priority or not priority_only)}


def _contexts(classes: list[type]) -> dict[str, frozenset[str]]:
    apps = [c for c in classes if issubclass(c, App)]
    app_ids = set().union(*(_ids(c) for c in apps)) if apps else set()
    # A modal screen stops the app's bindings, except those checked first (priority).
    app_priority = set().union(*(_ids(c, priority_only=True) for c in apps)) if apps else set()
    screens = [c for c in classes if issubclass(c, Screen) and _ids(c)]
    widgets = [c for c in classes if not issubclass(c, App | Screen) and _ids(c)]
    contexts: dict[str, frozenset[str]] = {APP_CONTEXT: frozenset(app_ids)}
    placed: set[type] = set()
    for screen in screens:
        namespace = vars(importlib.import_module(screen.__module__))
        used = [w for w in widgets if namespace.get(w.__name__) is w]
        placed.update(used)
        ids = (app_priority if issubclass(screen, ModalScreen) else app_ids) | _ids(screen)
        for widget in used:
            ids |= _ids(widget)
        contexts[screen.__name__] = frozenset(ids)
    for widget in widgets:
        if widget not in placed:
            contexts[widget.__name__] = frozenset(app_ids | _ids(widget))
    return contexts

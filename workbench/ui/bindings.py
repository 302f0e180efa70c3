"""Binding descriptions are catalog keys; each node translates its own on construction.

``BINDINGS`` are class attributes built at import, before the language is chosen, so they hold
keys such as ``"key.back"``; ``localize_bindings(self)`` in ``__init__`` swaps in the text of the
current language. Every binding carries an ``id`` so keymaps can rebind it.
"""

from __future__ import annotations

from dataclasses import replace

from textual.dom import DOMNode

from workbench.ui.i18n import t

KEY_PREFIX = "key."


def localize_bindings(node: DOMNode) -> None:
    """Replace catalog keys in ``node``'s binding descriptions and tooltips by their text."""
    table = node._bindings.key_to_bindings
    for key, bindings in table.items():
        table[key] = [
            replace(
                binding,
                description=_text(binding.description),
                tooltip=_text(binding.tooltip),
            )
            for binding in bindings
        ]


def _text(value: str) -> str:
    return t(value) if value.startswith(KEY_PREFIX) else value

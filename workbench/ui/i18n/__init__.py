"""The message catalog: every string the desk shows goes through ``t``.

Catalogs are plain dicts keyed by dotted names (``"desk.placeholder"``); values are
``str.format`` templates. Simplified Chinese is the default, English the second language.

>>> set_language("en")
'en'
>>> t("desk.found", count=3)
'3 borrowers found'
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from importlib import import_module

DEFAULT_LANGUAGE = "zh"
LANGUAGES = ("zh", "en")
ENV_LANG = "WORKBENCH_LANG"

_catalogs: dict[str, Mapping[str, str]] = {}
_language = DEFAULT_LANGUAGE


def catalog(lang: str) -> Mapping[str, str]:
    """The catalog of one language (loaded on first use)."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    if lang not in _catalogs:
        _catalogs[lang] = import_module(f"workbench.ui.i18n.{lang}").MESSAGES
    return _catalogs[lang]


def resolve_language(lang: str | None = None) -> str:
    """``lang`` if given, else ``WORKBENCH_LANG``, else Chinese; ``zh_CN``, ``en-US`` work too."""
    wanted = (lang or os.environ.get(ENV_LANG) or DEFAULT_LANGUAGE).strip().lower()
    base = wanted.replace("-", "_").split("_")[0]
    return base if base in LANGUAGES else DEFAULT_LANGUAGE


def set_language(lang: str | None = None) -> str:
    """Make ``lang`` (resolved as in ``resolve_language``) the language of ``t``; return it."""
    global _language
    _language = resolve_language(lang)
    catalog(_language)
    return _language


def language() -> str:
    """The current language code."""
    return _language


def t(key: str, **params: object) -> str:
    """The message ``key`` in the current language, formatted with ``params``.

    A key missing from the catalog shows as the key itself, so a gap is visible, not fatal.
    """
    template = catalog(_language).get(key)
    if template is None:
        return key
    return template.format(**params) if params else template


def t_or(key: str, fallback: str, **params: object) -> str:
    """Like ``t`` but ``fallback`` when the key is missing (codes the core may add later)."""
    template = catalog(_language).get(key)
    if template is None:
        return fallback
    return template.format(**params) if params else template

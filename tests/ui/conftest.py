"""Fixtures of the desk's tests; the helpers themselves live in ``desk_pilot``."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from desk_pilot import make_test_app

from workbench.ui.app import WorkbenchApp


@pytest.fixture
def make_app() -> Callable[..., WorkbenchApp]:
    """Build the app for snapshot tests (which run it themselves)."""

    def make(db_path: Path, lang: str | None = "zh") -> WorkbenchApp:
        return make_test_app(db_path, lang=lang)

    return make


@pytest.fixture
def desk_cache(demo_cache: Path, tmp_path: Path) -> Path:
    """A copy of the demo cache that a test may write to (notes, a sync)."""
    copy = tmp_path / "desk.db"
    for suffix in ("", "-wal"):
        source = demo_cache.with_name(demo_cache.name + suffix)
        if source.exists():
            shutil.copy2(source, copy.with_name(copy.name + suffix))
    return copy

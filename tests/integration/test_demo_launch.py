"""The embedded demo: the first run builds and syncs the demo cache, later runs reuse it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from workbench import config
from workbench.cli.desk import demo_core_path, demo_marker, ensure_demo_cache
from workbench.store.db import connect
from workbench.store.queries import cache_stats

BORROWERS = 120


@pytest.fixture
def fresh_home(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    return tmp_path


def _stats(path):
    conn = connect(path, readonly=True)
    try:
        return cache_stats(conn)
    finally:
        conn.close()


def test_first_run_builds_the_demo_cache_and_second_run_reuses_it(fresh_home):
    path = ensure_demo_cache(borrowers=BORROWERS)
    assert path == config.demo_db_path()
    assert path.parent.parent == fresh_home
    assert json.loads(demo_marker(path).read_text())["borrowers"] == BORROWERS
    stats = _stats(path)
    assert stats["entities"]["borrower"] == BORROWERS
    assert stats["cursor"] is not None

    built = path.stat().st_mtime_ns
    assert ensure_demo_cache(borrowers=BORROWERS) == path
    assert path.stat().st_mtime_ns == built  # nothing rebuilt, nothing re-synced


def test_an_interrupted_first_sync_resumes_instead_of_starting_over(fresh_home):
    path = ensure_demo_cache(borrowers=BORROWERS)
    complete = _stats(path)
    demo_marker(path).unlink()  # as if the first run was killed before it finished
    ensure_demo_cache(borrowers=BORROWERS)
    assert _stats(path) == complete
    assert demo_marker(path).exists()


def test_a_cache_whose_core_is_gone_is_rebuilt(fresh_home):
    path = ensure_demo_cache(borrowers=BORROWERS)
    demo_marker(path).unlink()
    demo_core_path(path).unlink()
    ensure_demo_cache(borrowers=BORROWERS)
    assert _stats(path)["entities"]["borrower"] == BORROWERS


def test_python_dash_m_workbench_runs_the_cli():
    out = subprocess.run(
        [sys.executable, "-m", "workbench", "--help"], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0
    assert "lookup" in out.stdout and "sync" in out.stdout

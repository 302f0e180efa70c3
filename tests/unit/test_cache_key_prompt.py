"""The cache key typed at a prompt, as a person at a terminal would: ``python -m workbench``
in a pseudo-terminal, nothing in the environment, the key typed without echo."""

from __future__ import annotations

import os
import pty
import select
import signal
import sys
import termios
import time
from pathlib import Path

import pytest

from workbench.store import cipher
from workbench.store.db import connect, write_transaction

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")


def in_terminal(env: dict[str, str], args: list[str], answers: list[tuple[str, str]]):
    """Run the workbench in a pseudo-terminal, typing each answer when its prompt shows.

    Returns (exit code, everything the terminal showed).
    """
    pid, fd = pty.fork()
    if pid == 0:  # the child: the pseudo-terminal is its controlling terminal
        os.execve(sys.executable, [sys.executable, "-m", "workbench", *args], env)
    shown, seen, deadline = b"", 0, time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            if answers and answers[0][0].encode() in shown[seen:] and echo_is_off(fd):
                seen = len(shown)
                os.write(fd, answers.pop(0)[1].encode() + b"\n")
            if not select.select([fd], [], [], 0.1)[0]:
                continue
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child is gone (EIO)
                break
            if not chunk:
                break
            shown += chunk
        else:
            os.kill(pid, signal.SIGKILL)
    finally:
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), shown.decode(errors="replace")


def echo_is_off(fd: int) -> bool:
    """Whether the terminal hides what is typed: the prompt is shown before echo goes off,
    and what is typed before that would be flushed (or shown)."""
    return not termios.tcgetattr(fd)[3] & termios.ECHO


@pytest.fixture
def env(cli_env):
    env = dict(cli_env)
    for name in ("WORKBENCH_DB_KEY", "WORKBENCH_INSECURE_CACHE", "WORKBENCH_DB_NEW_KEY"):
        env.pop(name, None)
    return env


def test_an_encrypted_cache_asks_for_its_key_and_does_not_echo_it(tmp_path, env):
    path = tmp_path / "desk.db"
    conn = connect(path, key="键入的密钥 typed")
    with write_transaction(conn):
        conn.execute("INSERT INTO sync_state(name, value) VALUES ('cursor', '42')")
    conn.close()
    cipher._keys.clear()
    args = ["cache", "stats", "--db", str(path), "--json"]
    code, shown = in_terminal(env, args, [("key of the cache", "键入的密钥 typed")])
    assert code == 0, shown
    assert '"cursor": "42"' in shown and "typed" not in shown
    code, shown = in_terminal(env, args, [("key of the cache", "wrong")])
    assert code == 1 and "缓存密钥错误 / wrong cache key" in shown
    for noise in ("Traceback", "file is not a database", "hmac check failed", "ERROR CORE"):
        assert noise not in shown  # SQLCipher's own log lines stay off the terminal


def test_a_new_cache_for_a_core_asks_for_a_key_twice_and_is_encrypted(tmp_path, env, core_server):
    path = tmp_path / "desk.db"
    args = ["sync", "--core", core_server, "--db", str(path), "--json"]
    answers = [("new cache key", "新钥匙-zq9"), ("confirmation", "新钥匙-zq9")]
    code, shown = in_terminal(env, args, answers)
    assert code == 0, shown
    assert "will be encrypted" in shown and "keep this key" in shown and "zq9" not in shown
    assert cipher.file_state(Path(path)) == "encrypted"
    conn = connect(path, key="新钥匙-zq9", readonly=True)
    assert conn.execute("SELECT count(*) FROM borrower").fetchone()[0] == 300
    conn.close()

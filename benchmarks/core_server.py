"""The reference core served by uvicorn on 127.0.0.1 in a child process, for the benchmarks.

The child is ``python -m workbench core serve`` over an already built store, so the sync under
test talks HTTP over loopback to the real core, and the core's work runs on the other CPU.

Example::

    with served_core(store_path, borrowers=10_000, seed=7) as url:
        asyncio.run(pull_from(cache_path, url))
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx

from workbench.core.demo import DEFAULT_AS_OF

START_TIMEOUT_S = 600  # opening a million-borrower store checks it first


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def served_core(
    store: Path, *, borrowers: int, seed: int, as_of: date = DEFAULT_AS_OF
) -> Iterator[str]:
    """Serve the store at ``store`` on a free loopback port; yield the base URL."""
    port = free_port()
    command = [
        sys.executable, "-m", "workbench", "core", "serve", "--host", "127.0.0.1",
        "--port", str(port), "--store", str(store), "--borrowers", str(borrowers),
        "--seed", str(seed), "--as-of", as_of.isoformat(),
    ]  # fmt: skip
    env = dict(os.environ, WORKBENCH_HOME=str(store.parent / "home"))
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, child)
        yield url
    finally:
        child.terminate()
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _wait_until_up(url: str, child: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise RuntimeError(f"the core server exited with code {child.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/v1/health", timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"the core server at {url} did not answer in {START_TIMEOUT_S}s")

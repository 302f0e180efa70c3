"""The leak scan: a scripted run against a core with tokens — headless lookups and views, an
agent's refused reveal, a supervisor's audited reveal, a note, sync failures (core down, bad
token), the desk searching by a full phone number and opening borrowers under a live sync, and
a crash whose frame holds a borrower's numbers — then every file in the data folder (the
cache aside), desk.log, stdout/stderr, the notifications and the crash report are searched for
the borrowers' full ID, phone and card numbers and for the tokens. Only the audited reveal's
own output may show them."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import pytest
from click.testing import CliRunner
from desk_pilot import make_test_app, search, wait_for, wait_for_view

from workbench import config
from workbench.cli import main
from workbench.cli.desk import LOG_FILE, _log_to_file
from workbench.core.auth import load_tokens
from workbench.sync.runner import SyncRunner, SyncState

AGENT = "tok-A001-" + "q" * 28
SUPERVISOR = "tok-A018-" + "w" * 28
CACHE_FILES = ("cache.db", "cache.db-wal", "cache.db-shm")


def secrets_of(core, borrower_ids: list[str]) -> set[str]:
    """Every full ID, phone and card number of these borrowers, and the tokens."""
    found = {AGENT, SUPERVISOR}
    for _, _, data in core.store.iter_records("borrower"):
        b = json.loads(data)
        if b["id"] in borrower_ids:
            found |= {b["id_no"], *(p["number"] for p in b["phones"])}
    for _, _, data in core.store.iter_records("loan"):
        loan = json.loads(data)
        if loan["borrower_id"] in borrower_ids:
            found.add(loan["debit_card"])
    return found


def leaks(text: str, secrets: set[str]) -> list[str]:
    return sorted(s for s in secrets if s in text)


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    config.data_dir().mkdir(parents=True)
    return config.data_dir()


@pytest.fixture
def core(own_core, tmp_path):
    path = tmp_path / "tokens.toml"
    path.write_text(
        f'["{AGENT}"]\nagent_id = "A001"\nrole = "agent"\n\n'
        f'["{SUPERVISOR}"]\nagent_id = "A018"\nrole = "supervisor"\n',
        encoding="utf-8",
    )
    return own_core(borrowers=8, seed=11, tokens=load_tokens(path))


def first_borrowers(core, n: int) -> list[dict]:
    found = [json.loads(d) for _, _, d in core.store.iter_records("borrower")]
    return sorted(found, key=lambda b: b["id"])[:n]


def cli_run(outputs: list[str], *args: str, token: str = AGENT, scan: bool = True) -> str:
    result = CliRunner().invoke(main, list(args), env={"WORKBENCH_TOKEN": token})
    text = result.output + (result.stderr if result.stderr_bytes is not None else "")
    if scan:
        outputs.append(text)  # what the command printed (the typed arguments are the user's)
    return text


def headless(url: str, cache: Path, b1: dict, b2: dict, b3: dict, outputs: list[str]) -> None:
    """The command-line half of the scenario (in a thread: the commands run their own loops)."""
    phone = b1["phones"][0]["number"]
    synced = cli_run(outputs, "--core", url, "sync", "--db", str(cache))
    assert cache.exists(), synced
    cli_run(outputs, "lookup", phone, "--db", str(cache))
    cli_run(outputs, "lookup", b2["id_no"][-6:], "--db", str(cache), "--json")
    cli_run(outputs, "show", b1["id"], "--db", str(cache))
    cli_run(outputs, "show", b2["id"], "--db", str(cache), "--json")
    refused = cli_run(outputs, "--core", url, "show", b2["id"], "--db", str(cache), "--reveal",
                      "--reason", "好奇")  # fmt: skip
    assert "may not reveal" in refused
    cli_run(outputs, "act", "note", b1["id"], "客户称已还款", "--db", str(cache))
    cli_run(outputs, "--core", "http://127.0.0.1:9", "sync", "--db", str(cache))  # core down
    cli_run(outputs, "--core", url, "sync", "--db", str(cache), token="tok-wrong-" + "z" * 20)
    cli_run(outputs, "--core", url, "sync", "--db", str(cache))  # delivers the note
    revealed = cli_run(outputs, "--core", url, "show", b3["id"], "--db", str(cache), "--reveal",
                       "--reason", "投诉核实", token=SUPERVISOR, scan=False)  # fmt: skip
    assert b3["id_no"] in revealed  # the audited reveal's own view, the one exception
    cli_run(outputs, "audit", "reveals", "--db", str(cache))  # refused (no auditor): scanned


async def test_a_scripted_run_leaks_no_personal_number_and_no_token(home, core, capfd):
    b1, b2, b3 = first_borrowers(core, 3)
    secrets = secrets_of(core, [b1["id"], b2["id"], b3["id"]])
    cache = home / "cache.db"
    url, outputs = core.url, []
    phone = b1["phones"][0]["number"]

    # -- headless ---------------------------------------------------------------------------
    await asyncio.to_thread(headless, url, cache, b1, b2, b3, outputs)

    # -- the desk, with its real log ----------------------------------------------------------
    _log_to_file()
    notices: list[str] = []
    app = make_test_app(cache)
    app.sync = SyncRunner(cache, url, token=AGENT, on_status=app.report_sync_status)
    original_notify = app.notify

    def notify(message, *args, **kwargs):  # every notification, as shown
        notices.append(str(message))
        return original_notify(message, *args, **kwargs)

    app.notify = notify
    try:
        with pytest.raises(RuntimeError, match="cannot read"):
            async with app.run_test(size=(140, 40)) as pilot:
                await wait_for(
                    pilot,
                    lambda: app.sync_status and app.sync_status.state == SyncState.LIVE,
                    timeout=20,
                    what="live sync",
                )
                assert await search(pilot, phone) == [b1["id"]]
                await pilot.press("enter")
                await wait_for_view(pilot)
                app.open_borrower(b2["id"])
                await wait_for_view(pilot)

                def crash(borrower=b2) -> None:
                    id_no, card = borrower["id_no"], secrets  # locals a crash must not print
                    raise RuntimeError(f"cannot read {id_no} for {borrower['phones']} {card}")

                app.call_later(crash)
                await asyncio.sleep(1)
    finally:
        for handler in list(logging.getLogger("workbench").handlers):
            if isinstance(handler, logging.FileHandler):
                logging.getLogger("workbench").removeHandler(handler)
                handler.close()
    captured = capfd.readouterr()

    # -- the scan ---------------------------------------------------------------------------
    log_text = (home / LOG_FILE).read_text(encoding="utf-8")
    assert "desk crashed" in log_text and "RuntimeError" in log_text
    assert "RuntimeError" in captured.err  # the crash report reached the terminal
    files = {
        str(p.relative_to(home)): p.read_bytes().decode("utf-8", "replace")
        for p in home.rglob("*")
        if p.is_file() and p.name not in CACHE_FILES
    }
    sources = {
        "cli": "\n".join(outputs),
        "stdout": captured.out,
        "stderr": captured.err,
        "notifications": "\n".join(notices),
        **files,
    }
    assert LOG_FILE in files
    found = {name: leaks(text, secrets) for name, text in sources.items()}
    assert not any(found.values()), {k: v for k, v in found.items() if v}
    assert (home / LOG_FILE).stat().st_mode & 0o077 == 0


async def test_the_log_filter_masks_what_slips_into_a_message(home):
    from workbench.domain.redact import redact

    line = f"GET /x?token=abc Authorization: Bearer {AGENT} 13812345678 11010119900307123X"
    scrubbed = redact(line)
    assert AGENT not in scrubbed and "abc" not in scrubbed
    assert "13812345678" not in scrubbed and "11010119900307123X" not in scrubbed
    assert "138****5678" in scrubbed

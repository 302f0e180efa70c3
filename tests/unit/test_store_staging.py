"""The end of a first sync on an encrypted cache: its search keys (phone numbers, ID number
endings, names) are sorted in memory, a key range at a time, never in a temporary file —
SQLCipher does not encrypt those — and give exactly the keys a plain cache gets."""

from __future__ import annotations

from pathlib import Path

import sqlcipher3.dbapi2 as sqlite

from workbench.store import keys
from workbench.store.apply import apply_page
from workbench.store.db import connect, write_transaction

NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆", "赵磊", "黄敏"]


def _first_sync(conn, feed, borrowers: int = 300) -> None:
    with write_transaction(conn):
        keys.begin_staging(conn)
    page = [
        feed.borrower(
            f"B{n:04d}",
            name=NAMES[n % len(NAMES)] + "一二三"[n % 3],
            id_no=f"1101011990{n % 12 + 1:02d}{n % 28 + 1:02d}{n:04d}",
            phones=[
                {"number": f"138{n:08d}", "kind": "mobile", "consent": True, "do_not_call": False}
            ],
        )
        for n in range(borrowers)
    ]
    apply_page(conn, page, "1", stage_keys=True)


def _keys(conn) -> list[tuple]:
    return conn.execute("SELECT key, borrower_id, kind FROM search_key ORDER BY 1, 2, 3").fetchall()


def test_an_encrypted_cache_sorts_its_keys_in_memory_and_gets_the_same_keys(tmp_path: Path, feed):
    plain = connect(tmp_path / "plain.db")
    assert plain.encrypted is False
    _first_sync(plain, feed)
    staged = keys.finish_staging(plain)

    secret = connect(tmp_path / "secret.db", key="correct horse battery staple")
    assert secret.encrypted is True
    _first_sync(secret, feed)
    seen: list[tuple[str, str]] = []  # temp_store as set, and each write to search_key

    def watch(action, first, second, *_):
        if action == sqlite.SQLITE_PRAGMA and first == "temp_store" and second:
            seen.append(("temp_store", second.upper()))
        elif action == sqlite.SQLITE_INSERT and first == "search_key":
            seen.append(("insert", first))
        return sqlite.SQLITE_OK

    secret.set_authorizer(watch)
    assert keys.finish_staging(secret, sort_rows=200) == staged  # ~10 ranges of the keys
    secret.set_authorizer(None)

    assert _keys(secret) == _keys(plain) and len(_keys(plain)) > 1000
    inserts = [n for n, event in enumerate(seen) if event[0] == "insert"]
    assert len(inserts) == 3  # prepared once each: the first range, the middle ones, the last
    for n in inserts:
        last_setting = [e for e in seen[:n] if e[0] == "temp_store"][-1]
        assert last_setting == ("temp_store", "MEMORY")
    assert not keys.is_staging(secret)
    plain.close()
    secret.close()

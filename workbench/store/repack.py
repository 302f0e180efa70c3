"""Schema v5: move every record of an existing cache to a COMPACT dictionary (``store.codec``).

A cache made before v5 holds its rows in standard zstd frames, compressed with dictionaries
trained on the first 1,000 records of each entity. The migration trains one new dictionary per
entity on up to :data:`SAMPLES` of its records, re-encodes every row with it (in key order, in
place) and lets ``store.db.migrate`` VACUUM the file afterwards, so the bytes saved go back to
the file system. At a million borrowers this reads and rewrites ~32 million rows: minutes, once.
"""

from __future__ import annotations

from workbench.store import records, schema
from workbench.store.codec import codec_of

SAMPLES = 10_000
DICT_SIZE = 32 * 1024
CHUNK = 5000
_ROWID_TABLES = frozenset({"loan"})  # the other entity tables are WITHOUT ROWID, keyed by id


def migrate_v5(conn) -> None:
    """Add ``codec_dict.format`` and re-encode every entity's rows with a COMPACT dictionary."""
    conn.execute("ALTER TABLE codec_dict ADD COLUMN format INTEGER NOT NULL DEFAULT 1")
    codec = codec_of(conn)
    codec.refresh(conn)
    for entity in schema.ENTITY_TABLES:
        if codec.retrain(conn, entity, SAMPLES, DICT_SIZE):
            repack(conn, entity)


def migrate_v6(conn) -> None:
    """Add ``borrower.card`` (``store.records.lookup_card``) and re-encode borrowers (in the
    same pass) and interactions at their compression level (``store.codec.LEVELS``)."""
    conn.execute("ALTER TABLE borrower ADD COLUMN card TEXT")
    codec = codec_of(conn)
    codec.refresh(conn)
    select = f"SELECT id, data FROM borrower WHERE id > ? ORDER BY id LIMIT {CHUNK}"
    update = "UPDATE borrower SET data = ?, card = ? WHERE id = ?"
    last = ""
    while chunk := conn.execute(select, (last,)).fetchall():
        rows = []
        for record_id, blob in chunk:
            data = codec.decode(conn, blob)
            card = records.lookup_card({**data, "id": record_id})
            rows.append((codec.encode("borrower", data), card, record_id))
        conn.executemany(update, rows)
        last = chunk[-1][0]
    repack(conn, "interaction")


def repack(conn, entity: str) -> int:
    """Re-encode every row of ``entity`` with its current dictionary; returns how many."""
    codec = codec_of(conn)
    key = "rowid" if entity in _ROWID_TABLES else "id"
    select = f"SELECT {key}, data FROM {entity} WHERE {key} > ? ORDER BY {key} LIMIT {CHUNK}"
    update = f"UPDATE {entity} SET data = ? WHERE {key} = ?"
    last: int | str = -1 if key == "rowid" else ""
    done = 0
    while chunk := conn.execute(select, (last,)).fetchall():
        conn.executemany(
            update, [(codec.encode(entity, codec.decode(conn, data)), k) for k, data in chunk]
        )
        last = chunk[-1][0]
        done += len(chunk)
    return done


_EXACT = "started_at = strftime('%Y-%m-%dT%H:%M:%SZ', started_at)"
"""SQL: the time is written exactly as ``store.times.from_column`` writes its seconds."""


def migrate_v7(conn) -> None:
    """``interaction.started_at`` as whole seconds (``schema.SECONDS``): the table is copied
    in key order into one whose column is an integer, and its index built again.

    Times written as the core writes them are turned into seconds by SQLite; any other (a
    fraction of a second, or text that is no time) goes through the codec, which keeps its
    text in the record."""
    conn.execute(
        "CREATE TABLE interaction_v7 (id TEXT PRIMARY KEY NOT NULL, borrower_id TEXT NOT NULL, "
        "started_at INTEGER NOT NULL, data BLOB NOT NULL) WITHOUT ROWID"
    )
    conn.execute(
        "INSERT INTO interaction_v7 SELECT id, borrower_id, unixepoch(started_at), data "
        f"FROM interaction WHERE {_EXACT}"
    )
    codec = codec_of(conn)
    codec.refresh(conn)
    others = conn.execute(
        f"SELECT {schema.row_columns('interaction')} FROM interaction "
        f"WHERE NOT coalesce({_EXACT}, 0)"  # not a time at all: NULL, and it moves too
    ).fetchall()
    columns = schema.insert_columns("interaction")
    conn.executemany(
        f"INSERT INTO interaction_v7 ({', '.join(columns)}) VALUES (?, ?, ?, ?)",
        [codec.pack("interaction", codec.unpack(conn, "interaction", row)) for row in others],
    )
    conn.execute("DROP TABLE interaction")
    conn.execute("ALTER TABLE interaction_v7 RENAME TO interaction")
    conn.execute(
        "CREATE INDEX interaction_by_borrower "
        "ON interaction (borrower_id, started_at DESC, id DESC)"
    )

"""Schema of the agent's cache, as numbered migrations (``PRAGMA user_version`` = how many ran).

Layout, designed for a million borrowers (~35M rows with the demo's mix) in a few GB:

- One table per entity of ``domain.models.ENTITIES``, named exactly as the entity on the wire.
  A row is ``id``, the few columns queries filter or sort on (:data:`COLUMNS`: ``borrower_id``,
  and ``started_at`` for interactions), and ``data``: the rest of the record, packed by
  ``store.codec`` (compact JSON, zstd-compressed with a dictionary trained per entity). Each
  field is stored once: the columns are removed from ``data``.
- Tables are ``WITHOUT ROWID`` where rows are small: the primary key *is* the table, so ``id`` is
  not stored twice (rowid table + automatic ``id`` index). ``loan`` keeps a rowid: its rows (a
  whole repayment schedule) are the largest.
- There are no FOREIGN KEY constraints between entity tables on purpose: the cache is a replica
  of the core, which owns referential integrity; a page boundary may split a parent from its
  children, and a delete of a parent must not be refused or cascade locally.
- Every lookup the desk does is an index seek: by ``id`` (primary key), by ``borrower_id`` (one
  index per child table; interactions ordered newest first inside it so a page of history is a
  range read with no sort), and by search key (``search_key``, see ``store.search``). Payments
  (~25 per borrower) are sorted after the seek rather than carrying a second column in the index.
- ``sync_state`` holds the feed cursor and other small name/value facts of the sync;
  ``codec_dict`` the compression dictionaries.
- ``outbox`` (v2) the agent's actions until the core confirms them (``store.outbox``);
  ``quarantine`` (v2) feed records that failed validation (``store.quarantine``);
  ``search_key_staged`` (v3) the search keys of a first sync until it is done (``store.keys``).
- ``codec_dict.format`` (v5): how rows of a dictionary are framed (``store.codec``); v5
  re-encodes an existing cache's rows (``store.repack``).
- ``loan.first_unpaid_due`` (v4, :data:`DERIVED`), in the ``loan_by_borrower`` index: a
  lookup's worst DPD bucket of each hit is read from that index, never from a schedule.
- ``borrower.card`` (v6, :data:`DERIVED`): a lookup's result row of the borrower, masked, so
  the rows of a result are read without decoding records; v6 also re-encodes borrowers and
  interactions at a higher compression level (``store.codec.LEVELS``), which pays for a third
  of it.
- ``interaction.started_at`` (v7, :data:`SECONDS`) holds whole seconds since 1970, not ISO
  text: 16 bytes less in the table and in ``interaction_by_borrower`` for each interaction
  (~210 bytes a borrower at 1m); ``store.times`` turns it back into the record's text.
- After a first sync, a compaction or a migration's VACUUM, the pages of ``interaction``,
  ``interaction_by_borrower`` and ``borrower`` are left ~90 % full (``store.slack``), so the
  rows pulls add fill room instead of splitting full pages.

A migration is SQL text, or a callable ``(conn) -> None`` for work SQL cannot do (for example
backfilling a new indexed column out of ``data``, which only ``store.codec`` can read).
"""

from __future__ import annotations

from collections.abc import Callable

APPLICATION_ID = 0x57424348  # "WBCH": marks a SQLite file as a workbench cache
PAGE_SIZE = 4096

COLUMNS: dict[str, tuple[str, ...]] = {
    "agent": (),
    "queue": (),
    "borrower": (),
    "vehicle": ("borrower_id",),
    "loan": ("borrower_id",),
    "payment": ("borrower_id",),
    "interaction": ("borrower_id", "started_at"),
    "promise": ("borrower_id",),
    "escalation": ("borrower_id",),
    "callback": ("borrower_id",),
}
"""Fields of each entity stored as their own columns (besides ``id``), in table order."""


SECONDS: dict[str, str] = {"interaction": "started_at"}
"""Entity → its time column stored as whole seconds since 1970, not as text (v7,
``store.times``): 16 bytes less in the table and in the index of each interaction."""


DERIVED: dict[str, tuple[str, ...]] = {"loan": ("first_unpaid_due",), "borrower": ("card",)}
"""Columns computed from a record when it is stored (``store.records.derived``), not fields of
it: ``loan.first_unpaid_due`` is the due date of the loan's oldest installment not paid in full
(NULL when settled or paid up), so a borrower's worst bucket is an index read (v4);
``borrower.card`` is the row a lookup lists for the borrower, already masked
(``store.records.lookup_card``), so a lookup's hits are read without decoding a record (v6)."""

ENTITY_TABLES: tuple[str, ...] = tuple(COLUMNS)
"""Tables holding one entity each, named as the entity on the wire."""


def row_columns(entity: str) -> str:
    """``id, <columns>, data``: the select list ``store.codec.unpack`` reads."""
    return ", ".join(("id", *COLUMNS[entity], "data"))


def insert_columns(entity: str) -> tuple[str, ...]:
    """``(id, *columns, *derived, data)``: the values ``store.codec.Codec.pack`` returns."""
    return ("id", *COLUMNS[entity], *DERIVED.get(entity, ()), "data")


_V1 = """
CREATE TABLE agent (id TEXT PRIMARY KEY NOT NULL, data BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE queue (id TEXT PRIMARY KEY NOT NULL, data BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE borrower (id TEXT PRIMARY KEY NOT NULL, data BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE vehicle (
  id TEXT PRIMARY KEY NOT NULL, borrower_id TEXT NOT NULL, data BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE loan (id TEXT PRIMARY KEY NOT NULL, borrower_id TEXT NOT NULL, data BLOB NOT NULL);
CREATE TABLE payment (
  id TEXT PRIMARY KEY NOT NULL, borrower_id TEXT NOT NULL, data BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE interaction (
  id TEXT PRIMARY KEY NOT NULL,
  borrower_id TEXT NOT NULL,
  started_at TEXT NOT NULL,
  data BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE promise (
  id TEXT PRIMARY KEY NOT NULL, borrower_id TEXT NOT NULL, data BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE escalation (
  id TEXT PRIMARY KEY NOT NULL, borrower_id TEXT NOT NULL, data BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE callback (
  id TEXT PRIMARY KEY NOT NULL, borrower_id TEXT NOT NULL, data BLOB NOT NULL
) WITHOUT ROWID;

CREATE INDEX vehicle_by_borrower ON vehicle (borrower_id);
CREATE INDEX loan_by_borrower ON loan (borrower_id);
CREATE INDEX payment_by_borrower ON payment (borrower_id);
CREATE INDEX interaction_by_borrower ON interaction (borrower_id, started_at DESC, id DESC);
CREATE INDEX promise_by_borrower ON promise (borrower_id);
CREATE INDEX escalation_by_borrower ON escalation (borrower_id);
CREATE INDEX callback_by_borrower ON callback (borrower_id);

-- One row per (search key, borrower, kind); store.search explains the shape.
CREATE TABLE search_key (
  key TEXT NOT NULL,
  borrower_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  PRIMARY KEY (key, borrower_id, kind)
) WITHOUT ROWID;

CREATE TABLE sync_state (name TEXT PRIMARY KEY NOT NULL, value TEXT) WITHOUT ROWID;

-- Compression dictionaries of store.codec; rows are never changed or deleted.
CREATE TABLE codec_dict (
  id INTEGER PRIMARY KEY,
  entity TEXT NOT NULL,
  dict BLOB NOT NULL
);
"""

_V2 = """
-- Agent actions waiting for (or confirmed by) the core; store.outbox explains the columns.
CREATE TABLE outbox (
  n INTEGER PRIMARY KEY AUTOINCREMENT,
  key TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  borrower_id TEXT NOT NULL,
  entity TEXT,
  record_id TEXT NOT NULL,
  body TEXT NOT NULL,
  record TEXT,
  status TEXT NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'confirmed', 'parked', 'discarded')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at REAL NOT NULL DEFAULT 0,
  last_error TEXT,
  response TEXT,
  core_seq INTEGER,
  created_at TEXT NOT NULL,
  confirmed_at TEXT
);
CREATE INDEX outbox_by_status ON outbox (status, n);
CREATE INDEX outbox_by_borrower ON outbox (borrower_id, status);

-- Feed records the cache refused, kept for a person to look at (store.quarantine).
CREATE TABLE quarantine (
  n INTEGER PRIMARY KEY AUTOINCREMENT,
  seq TEXT,
  entity TEXT,
  record_id TEXT,
  raw TEXT NOT NULL,
  reason TEXT NOT NULL,
  received_at TEXT NOT NULL
);
"""

_V3 = """
-- Search keys of a first sync, moved into search_key in key order at its end (store.keys).
CREATE TABLE search_key_staged (
  key TEXT NOT NULL,
  borrower_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  entity TEXT NOT NULL,
  record_id TEXT NOT NULL
);
CREATE INDEX search_key_staged_by_record ON search_key_staged (entity, record_id);
"""


def _v4(conn) -> None:
    """``loan.first_unpaid_due``, backfilled from every stored loan, and the borrower index of
    loans extended with it (a lookup's worst buckets are then read from the index alone)."""
    from workbench.store.codec import codec_of  # the codec imports this module
    from workbench.store.records import first_unpaid_due

    conn.execute("ALTER TABLE loan ADD COLUMN first_unpaid_due TEXT")
    codec = codec_of(conn)
    codec.refresh(conn)
    select = "SELECT rowid, data FROM loan WHERE rowid > ? ORDER BY rowid LIMIT 5000"
    update = "UPDATE loan SET first_unpaid_due = ? WHERE rowid = ?"
    last = 0
    while chunk := conn.execute(select, (last,)).fetchall():
        values = [(first_unpaid_due(codec.decode(conn, data)), rowid) for rowid, data in chunk]
        conn.executemany(update, [v for v in values if v[0] is not None])
        last = chunk[-1][0]
    conn.execute("DROP INDEX loan_by_borrower")
    conn.execute("CREATE INDEX loan_by_borrower ON loan (borrower_id, first_unpaid_due)")


def _v5(conn) -> None:
    """Every row re-encoded with COMPACT dictionaries (``store.repack``); VACUUM follows."""
    from workbench.store.repack import migrate_v5

    migrate_v5(conn)


Migration = str | Callable[..., None]


def _v6(conn) -> None:
    """``borrower.card`` backfilled; borrowers and interactions re-encoded at their level
    (``store.codec.LEVELS``); VACUUM follows."""
    from workbench.store.repack import migrate_v6

    migrate_v6(conn)


def _v7(conn) -> None:
    """``interaction.started_at`` as whole seconds (:data:`SECONDS`); VACUUM follows."""
    from workbench.store.repack import migrate_v7

    migrate_v7(conn)


MIGRATIONS: list[Migration] = [_V1, _V2, _V3, _v4, _v5, _v6, _v7]
"""Migration *n* (1-based) is ``MIGRATIONS[n - 1]``. Append only; never edit a shipped one."""

VACUUM_AFTER = frozenset({5, 6, 7})
"""Migrations that rewrite most of a cache: ``store.db.migrate`` VACUUMs an existing cache
after them (outside their transaction), so the file shrinks to what it holds."""


def statements(script: str) -> list[str]:
    """Split a migration script into single statements (scripts hold no ``;`` in literals)."""
    lines = [line for line in script.splitlines() if not line.lstrip().startswith("--")]
    return [part.strip() for part in "\n".join(lines).split(";") if part.strip()]

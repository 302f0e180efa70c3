"""The tables of the core's store (one SQLite file; see ``workbench.core.storage``).

``records`` is the compacted change feed (``seq`` is its rowid); ``counts`` keeps live records
per entity by trigger; ``meta`` holds ``store_id``, ``min_cursor`` and the demo parameters.
``idempotency`` has one row per ``Idempotency-Key`` of ``POST /v1/actions`` (state
``in_progress`` while reserved, ``done`` with the first response); ``audits`` records PII
reveals (never in the agent feed); ``action_counts`` counts applied actions per type;
``call_dispositions`` names the disposition action of each ACD call that has one (an agent may
leave after-call work once it is there).
The partial index finds a borrower's promises (open promises of an escalation snapshot).
"""

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY,
    entity TEXT NOT NULL,
    id TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    data TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS records_key ON records (entity, id);
CREATE TABLE IF NOT EXISTS counts (entity TEXT PRIMARY KEY, live INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS records_promise_borrower
    ON records (json_extract(data, '$.borrower_id')) WHERE entity = 'promise';
CREATE TABLE IF NOT EXISTS idempotency (
    key TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL,
    payload_hash TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('in_progress', 'done')),
    owner TEXT,
    reserved_at REAL NOT NULL,
    status INTEGER,
    response TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS idempotency_created ON idempotency (created_at);
CREATE TABLE IF NOT EXISTS audits (
    id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL,
    borrower_id TEXT NOT NULL,
    field TEXT NOT NULL,
    target_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS call_dispositions (
    call_id TEXT PRIMARY KEY,
    action_id TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    code TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS action_counts (type TEXT PRIMARY KEY, applied INTEGER NOT NULL);
CREATE TRIGGER IF NOT EXISTS records_count_insert AFTER INSERT ON records
WHEN NEW.deleted = 0 BEGIN
    INSERT INTO counts (entity, live) VALUES (NEW.entity, 1)
    ON CONFLICT (entity) DO UPDATE SET live = live + 1;
END;
CREATE TRIGGER IF NOT EXISTS records_count_update AFTER UPDATE OF deleted ON records
WHEN OLD.deleted != NEW.deleted BEGIN
    INSERT INTO counts (entity, live) VALUES (NEW.entity, 1 - 2 * NEW.deleted)
    ON CONFLICT (entity) DO UPDATE SET live = live + excluded.live;
END;
"""

UPSERT = """
INSERT INTO records (seq, entity, id, deleted, data) VALUES (?, ?, ?, 0, ?)
ON CONFLICT (entity, id) DO UPDATE SET seq = excluded.seq, deleted = 0, data = excluded.data
"""

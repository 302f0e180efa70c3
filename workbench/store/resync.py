"""Starting the cache over from the core's first change, without losing the agent's work.

Needed when the core no longer knows the cache's cursor (410: its feed was compacted past it)
or when the cache turns out to be following a different core (another ``store_id``). In ONE
write transaction every entity row, every search key and the cursor go, the new core's
identity is stored, and the provisional records of all unconfirmed actions (pending or parked)
are put back, so the desk keeps showing them. The outbox itself is never touched: every action
is still delivered, exactly once, by its idempotency key. The caller then pulls from the start;
a crash in between leaves no cursor, so the next pull starts from the start too.
"""

from __future__ import annotations

from workbench.store import keys, outbox, schema
from workbench.store.apply import CURSOR, set_state
from workbench.store.db import write_transaction

STORE_ID = "store_id"


def start_over(conn, *, store_id: str | None = None) -> int:
    """Empty the replica (keeping the outbox) and return how many provisional records stay."""
    with write_transaction(conn):
        for table in schema.ENTITY_TABLES:
            conn.execute(f"DELETE FROM {table}")
        conn.execute("DELETE FROM search_key")
        keys.drop_staging(conn)  # the refill stages its keys afresh
        conn.execute("DELETE FROM sync_state WHERE name = ?", (CURSOR,))
        if store_id is not None:
            set_state(conn, STORE_ID, store_id)
        return outbox.reapply_unconfirmed(conn)

"""Read-side queries of the cache: lookup and the unified borrower view.

The UI calls these from thread workers, each with its own connection from ``store.db.connect``.
Every query here is an index seek (primary key, ``borrower_id`` index or ``search_key``), so each
stays fast at a million borrowers.

Example::

    conn = connect(path, readonly=True)
    hits = lookup(conn, "zw")
    view = borrower_view(conn, hits[0].borrower_id, date(2026, 11, 27))
    first = interactions_page(conn, view.borrower.id, limit=50)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any, NamedTuple

from workbench.domain import loans as loan_math
from workbench.domain import pii
from workbench.domain.loans import PayoffQuote
from workbench.domain.models import (
    ENTITIES,
    Borrower,
    Callback,
    Escalation,
    Installment,
    Interaction,
    Loan,
    LoanStatus,
    Payment,
    Promise,
    Queue,
    Vehicle,
)
from workbench.store import outbox, records, schema, search
from workbench.store.apply import get_cursor
from workbench.store.codec import codec_of
from workbench.store.quarantine import quarantined_count

_SETTLED = {LoanStatus.SETTLED.value, LoanStatus.EARLY_SETTLED.value}
_MAX_CANDIDATES = 5000  # candidates checked for a 3+-character substring or a full ID number


class LookupHit(NamedTuple):
    """One borrower found by a lookup; everything in it is already masked. A named tuple: a
    lookup builds up to a page of them, and a frozen dataclass costs ~2 µs more each."""

    borrower_id: str
    name: str
    masked_id_no: str
    masked_phone: str  # the matched phone when a phone matched, else the first phone
    city: str
    matched_by: str  # phone | phone_last4 | id_last6 | contract | plate | name | pinyin
    worst_bucket: str  # M0 .. M4+


@dataclass(slots=True)
class LoanView:
    loan: Loan
    vehicle: Vehicle | None
    dpd: int
    bucket: str
    outstanding_principal: int
    next_due: Installment | None
    next_due_amount: int
    payoff: PayoffQuote
    overdue_amount: int = 0  # what is owed on installments due on or before as_of


@dataclass(slots=True)
class BorrowerView:
    """Everything the unified borrower view shows except the (paged) interaction history."""

    borrower: Borrower  # raw: masking is the caller's job via domain.pii
    as_of: date
    loans: list[LoanView]
    payments: list[Payment]  # newest first
    promises: list[Promise]
    escalations: list[Escalation]
    callbacks: list[Callback]
    interaction_count: int
    worst_bucket: str = "M0"
    extra: dict = field(default_factory=dict)


def lookup(conn, query: str, *, limit: int = 50, as_of: date | None = None) -> list[LookupHit]:
    """Find borrowers by full phone, last 4 of a phone, last 6 of the ID number, contract
    number, plate, 2/3-character CJK name (or substring) or pinyin initials / full pinyin.

    Exact matches rank before prefix matches, a whole name before a part of one; each borrower
    appears once, under the best way it matched. The query is only ever a bound parameter.
    ``as_of`` (default: today) dates the worst bucket shown with each hit.
    """
    found: dict[str, search.Match] = {}
    borrowers: dict[str, dict[str, Any]] = {}
    for probe in search.plan(query):
        if len(found) >= limit:
            break
        wanted = limit + len(found)
        if probe.must_contain:
            wanted = min(wanted * 20, _MAX_CANDIDATES)
        while True:
            rows = search.run_probe(conn, probe, wanted)
            matches = [m for m in rows if m.borrower_id not in found]
            if probe.must_contain:
                borrowers.update(_load_many(conn, "borrower", {m.borrower_id for m in matches}))
                matches = [m for m in matches if _contains(borrowers.get(m.borrower_id), probe)]
                break
            # A borrower can hold several of the probe's keys (full pinyin and initials): ask
            # again for more rows when those left it short of the limit and more may be there.
            if len(rows) < wanted or len(found) + len({m.borrower_id for m in matches}) >= limit:
                break
            wanted *= 2
        for match in matches:
            found.setdefault(match.borrower_id, match)
    chosen = list(found.values())[:limit]
    rows = _result_rows(conn, [m.borrower_id for m in chosen])
    cutoffs = _bucket_cutoffs(as_of or date.today())
    codec = codec_of(conn)
    hits = []
    for match in chosen:
        row = rows.get(match.borrower_id)
        if row is None:
            continue
        card, blob, due = row
        bucket = _bucket_of(due, cutoffs)
        hit = _card_hit(match, card, bucket) if card is not None else None
        if hit is None:  # no card (odd values), or it cannot tell which phone matched
            data = borrowers.get(match.borrower_id)
            if data is None:
                data = codec.decode(conn, blob)  # a borrower has no columns besides its id
                data["id"] = match.borrower_id
            hit = _hit(match, data, bucket)
        hits.append(hit)
    return hits


LOOKUP_PAGES = (
    "SELECT count(*) FROM search_key",
    "SELECT count(*) FROM borrower",
    # INDEXED BY and a range: a bare count(*) would scan the smaller primary-key index.
    "SELECT count(*) FROM loan INDEXED BY loan_by_borrower WHERE borrower_id > ''",
)
"""Each reads every page of one B-tree a lookup reads: the search keys, the borrowers (their
result rows) and ``loan_by_borrower`` (their worst bucket). ~430 MB at a million borrowers."""


def warm_lookup_pages(conn) -> int:
    """Read every page a lookup reads, once and in file order, so that the operating system
    holds them in memory before the agent's first search; returns how many rows were counted.

    A lookup after a cold start otherwise waits for its pages one random read at a time: at a
    million borrowers, the 50 hits of a last-4 query took a p99 of ~17 ms then and ~4 ms once
    the pages were warm (0.8 s of reading with the file on disk). The desk runs this in a
    thread when it starts; ``conn.interrupt()`` from another thread stops it."""
    return sum(conn.execute(sql).fetchone()[0] for sql in LOOKUP_PAGES)


def borrower_view(conn, borrower_id: str, as_of: date) -> BorrowerView | None:
    """The unified view of one borrower as of ``as_of``, or None when the cache has no such id."""
    borrower = get_borrower(conn, borrower_id)
    if borrower is None:
        return None
    children = _all_children(conn, borrower_id)
    vehicles = {v.id: v for v in children["vehicle"]}
    loan_list: list[Loan] = sorted(  # open loans first, then newest first
        children["loan"], key=lambda ln: (ln.status in _SETTLED, _desc(ln.start_date), ln.id)
    )
    views = [loan_view(ln, vehicles.get(ln.vehicle_id), as_of) for ln in loan_list]
    worst = loan_math.bucket(max((v.dpd for v in views), default=0))
    return BorrowerView(
        borrower=borrower,
        as_of=as_of,
        loans=views,
        payments=sorted(children["payment"], key=lambda p: (p.posted_at, p.id), reverse=True),
        promises=sorted(children["promise"], key=lambda p: p.created_at, reverse=True),
        escalations=sorted(children["escalation"], key=lambda e: e.created_at, reverse=True),
        callbacks=sorted(children["callback"], key=lambda c: c.due_at),
        interaction_count=interaction_count(conn, borrower_id),
        worst_bucket=worst,
        extra={"vehicles": list(vehicles.values())},
    )


def loan_view(loan: Loan, vehicle: Vehicle | None, as_of: date) -> LoanView:
    """DPD, bucket, next due, overdue amount and payoff of one loan as of a date."""
    if loan.status in _SETTLED:
        nothing = PayoffQuote(as_of, 0, 0, 0, 0, 0)
        return LoanView(loan, vehicle, 0, loan_math.bucket(0), 0, None, 0, nothing)
    schedule = loan.schedule
    dpd = loan_math.days_past_due(schedule, as_of)
    nxt = loan_math.next_due(schedule, as_of)
    today = as_of.isoformat()
    return LoanView(
        loan=loan,
        vehicle=vehicle,
        dpd=dpd,
        bucket=loan_math.bucket(dpd),
        outstanding_principal=loan_math.outstanding_principal(schedule),
        next_due=nxt,
        next_due_amount=loan_math.amount_due(nxt) if nxt else 0,
        payoff=loan_math.payoff_quote(schedule, loan.annual_rate_bp, loan.late_fee_daily_bp, as_of),
        overdue_amount=sum(loan_math.amount_due(i) for i in schedule if i.due_date <= today),
    )


def interactions_page(
    conn, borrower_id: str, *, offset: int = 0, limit: int = 100
) -> list[Interaction]:
    """Interaction history newest first, one page at a time."""
    rows = conn.execute(
        f"SELECT {schema.row_columns('interaction')} FROM interaction WHERE borrower_id = ? "
        "ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?",
        (borrower_id, limit, offset),
    )
    return _models(conn, "interaction", rows)


def interaction_count(conn, borrower_id: str) -> int:
    """How many interactions a borrower has (counted on the index, not the rows)."""
    sql = "SELECT count(*) FROM interaction WHERE borrower_id = ?"
    return conn.execute(sql, (borrower_id,)).fetchone()[0]


def get_borrower(conn, borrower_id: str) -> Borrower | None:
    """One borrower by id, or None."""
    row = conn.execute(_BORROWER_BY_ID, (borrower_id,)).fetchone()
    if row is None:
        return None
    return records.to_model("borrower", codec_of(conn).unpack(conn, "borrower", row))


_BORROWER_BY_ID = f"SELECT {schema.row_columns('borrower')} FROM borrower WHERE id = ?"


def get_loan(conn, loan_id: str) -> Loan | None:
    """One loan by id, or None."""
    found = _load_many(conn, "loan", {loan_id})
    return records.to_model("loan", found[loan_id]) if found else None


def queues(conn) -> list[Queue]:
    """Every call queue (a handful), by id: names, disposition codes, service levels."""
    rows = conn.execute(f"SELECT {schema.row_columns('queue')} FROM queue ORDER BY id")
    return _models(conn, "queue", rows)


def promises_of(conn, borrower_id: str) -> list[Promise]:
    """A borrower's promises to pay (any status), by id."""
    return _children(conn, "promise", borrower_id)


def pending_ids(conn, borrower_id: str) -> dict[str, str]:
    """Ids of the borrower's records that are still the desk's own → ``pending``/``parked``.

    A record whose action the core has not confirmed yet shows as 待确认 / pending; a parked one
    as 需处理 / needs attention. Records not in the result are the core's (or confirmed).
    """
    return outbox.pending_ids(conn, borrower_id)


def schedule(conn, loan_id: str) -> list[Installment]:
    """The repayment schedule of one loan (empty when the loan is unknown)."""
    found = _load_many(conn, "loan", {loan_id})
    return records.to_model("loan", found[loan_id]).schedule if found else []


def cache_stats(conn) -> dict[str, Any]:
    """Row counts per entity (named as in the core's ``/v1/stats``), the stored cursor, how many
    feed records were quarantined and the outbox's counts."""
    entities = {
        name: conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in ENTITIES
    }
    return {
        "entities": entities,
        "cursor": get_cursor(conn),
        "quarantined": quarantined_count(conn),
        "outbox": asdict(outbox.counts(conn)),
    }


def _desc(text: str) -> tuple[int, ...]:
    """Sort key that orders ISO dates newest first."""
    return tuple(-ord(ch) for ch in text)


def _children(conn, entity: str, borrower_id: str) -> list[Any]:
    rows = conn.execute(
        f"SELECT {schema.row_columns(entity)} FROM {entity} WHERE borrower_id = ? ORDER BY id",
        (borrower_id,),
    )
    return _models(conn, entity, rows)


_VIEW_CHILDREN = ("vehicle", "loan", "payment", "promise", "escalation", "callback")
_CHILDREN_SQL = " UNION ALL ".join(
    f"SELECT {n}, {schema.row_columns(entity)} FROM {entity} WHERE borrower_id = ?1"
    for n, entity in enumerate(_VIEW_CHILDREN)
)
"""Every child record the view shows, in one statement: one index range per table (each of
these tables has the same row columns: ``id, borrower_id, data``)."""
assert all(schema.COLUMNS[entity] == ("borrower_id",) for entity in _VIEW_CHILDREN)


def _all_children(conn, borrower_id: str) -> dict[str, list[Any]]:
    """The borrower's vehicles, loans, payments, promises, escalations and callbacks, each
    list by id (as :func:`_children` returns them); one query instead of six."""
    out: dict[str, list[Any]] = {entity: [] for entity in _VIEW_CHILDREN}
    codec = codec_of(conn)
    to_model = records.to_model
    for row in sorted(conn.execute(_CHILDREN_SQL, (borrower_id,)).fetchall()):
        entity = _VIEW_CHILDREN[row[0]]
        out[entity].append(to_model(entity, codec.unpack(conn, entity, row[1:])))
    return out


def _models(conn, entity: str, rows) -> list[Any]:
    codec = codec_of(conn)
    return [records.to_model(entity, codec.unpack(conn, entity, row)) for row in rows]


def _load_many(conn, entity: str, ids: set[str]) -> dict[str, dict[str, Any]]:
    if not ids:
        return {}
    rows = conn.execute(
        f"SELECT {schema.row_columns(entity)} FROM {entity} "
        "WHERE id IN (SELECT value FROM json_each(?))",
        (records.encode(sorted(ids)),),
    )
    codec = codec_of(conn)
    return {row[0]: codec.unpack(conn, entity, row) for row in rows}


def _contains(data: dict[str, Any] | None, probe: search.Probe) -> bool:
    if data is None or probe.must_contain is None:
        return False
    if search.ID6 in probe.kinds:
        return probe.must_contain == search.normalize(str(data.get("id_no") or "")).upper()
    return probe.must_contain in search.normalize(str(data.get("name") or ""))


_RESULT_ROWS = (
    "SELECT b.id, b.card, b.data, "
    "(SELECT min(first_unpaid_due) FROM loan WHERE loan.borrower_id = b.id) "
    "FROM borrower AS b WHERE b.id IN ({marks})"
)
"""Each borrower of a result: its lookup card (``borrower.card``), its record's bytes (decoded
only when the card cannot serve) and the oldest unpaid due date of all their loans
(``loan.first_unpaid_due``, from the ``loan_by_borrower`` index alone). One statement, its ids
bound one by one (a page of results is short: no JSON list to encode and parse)."""


def _result_rows(conn, borrower_ids: list[str]) -> dict[str, tuple[str | None, bytes, str | None]]:
    """Borrower id → (card, data, oldest unpaid due date) for the rows of a result."""
    if not borrower_ids:
        return {}
    sql = _RESULT_ROWS.format(marks=",".join("?" * len(borrower_ids)))
    return {row[0]: row[1:] for row in conn.execute(sql, borrower_ids)}


def _card_hit(match: search.Match, card: str, worst_bucket: str) -> LookupHit | None:
    """The result row of a borrower from their card (``store.records.lookup_card``): the
    values :func:`_hit` makes from the record, without decoding it. None when the card cannot
    tell which of several numbers with the same last four digits a full phone matched."""
    name, masked_id_no, city, *phones = records.card_parts(card)
    phone = phones[0] if phones else ""
    if len(phones) > 1 and match.kind in _PHONE_KINDS:
        tail = match.key[-4:]
        ending = [masked for masked in phones if masked.endswith(tail)]
        if len(ending) > 1 and match.kind == search.PHONE:
            return None
        if ending:
            phone = ending[0]
    return LookupHit(
        match.borrower_id,
        name,
        masked_id_no,
        phone,
        city,
        search.KIND_NAMES[match.kind],
        worst_bucket,
    )


def _bucket_of(due: str | None, cutoffs: list[tuple[str, str]]) -> str:
    """The worst bucket of a borrower whose oldest unpaid installment fell due on ``due``
    (ISO dates compare as strings: no date parsed per borrower)."""
    if due:
        for cutoff, name in cutoffs:
            if due <= cutoff:
                return name
    return "M0"


def _bucket_cutoffs(as_of: date) -> list[tuple[str, str]]:
    """(latest due date, bucket) from the worst bucket down: a first unpaid due date on or
    before a cutoff is in its bucket (``loan_math.bucket`` of the days past due)."""
    worst_first = ((91, "M4+"), (61, "M3"), (31, "M2"), (1, "M1"))
    return [((as_of - timedelta(days=days)).isoformat(), name) for days, name in worst_first]


def _hit(match: search.Match, data: dict[str, Any], worst_bucket: str) -> LookupHit:
    """The masked result row of one borrower record (read as stored: no dataclasses built)."""
    name, masked_id_no, city, numbers = records.result_fields(data)
    phone = numbers[0] if numbers else ""
    if numbers and match.kind in _PHONE_KINDS:
        key = match.key  # stored as digits: a number is normalized only if it does not match
        phone = next(
            (n for n in numbers if n.endswith(key) or search.normalize(n).endswith(key)), phone
        )
    return LookupHit(
        data["id"],
        name,
        masked_id_no,
        pii.mask_phone(phone) if phone else "",
        city,
        search.KIND_NAMES[match.kind],
        worst_bucket,
    )


_PHONE_KINDS = frozenset((search.PHONE, search.LAST4))

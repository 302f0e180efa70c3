"""Search keys: how one search box finds a borrower by phone, ID, contract, plate, name or pinyin.

Design. Every borrower, loan and vehicle contributes a few exact *keys* to one table
``search_key(key, borrower_id, kind) WITHOUT ROWID`` whose primary key starts with ``key``. A
lookup is then a handful of index seeks: ``key = ?`` for exact matches and
``key >= ? AND key < ? || U+10FFFF`` for prefixes, each capped by ``LIMIT``. This is cheaper and
more predictable than FTS at a million borrowers: about a dozen 20-byte rows per borrower, no
tokenizer, no query syntax at all, so nothing typed in the search box (``"``, ``*``, ``OR``,
``NEAR(``, ``%``, ``_``) can ever be interpreted; it is only ever a bound parameter compared with
``=``/``<``/``>=``.

Keys (``kind`` is a short code to keep the table small; see :data:`KIND_NAMES`):

- ``p``  full phone number (digits), ``p4`` its last four digits (each phone of the borrower);
- ``i6`` last six characters of the 身份证 number (``X`` uppercase); a full 18-character ID typed
  in the box is found through its last six and then compared in full, so the complete number is
  never copied into the index;
- ``c``  contract number, ``v`` plate, both normalised (uppercase, no spaces/dashes/``·``); plates
  also without their province character (``A12345`` finds ``京A·12345``);
- ``n``  the normalised name (prefix scans over it find ``张伟明`` for ``张伟``);
- ``n2`` every 2-character substring of the name that does *not* start it (the ones that do are
  already found by the name prefix), so ``伟明`` finds ``张伟明``; longer substrings are found
  through their first two characters and then checked against the name;
- ``pi`` pinyin initials (``张伟`` → ``zw``) and ``pf`` full pinyin (``zhangwei``), both lowercase.

Keys are derived from one source record each (a borrower, a loan or a vehicle), so an update
removes exactly the keys of the old version of that record (``store.apply`` computes them) and no
index on ``borrower_id`` is needed.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, NamedTuple

PHONE, LAST4, ID6, CONTRACT, PLATE = "p", "p4", "i6", "c", "v"
NAME, NAME_PART, INITIALS, PINYIN = "n", "n2", "pi", "pf"

KIND_NAMES = {
    PHONE: "phone",
    LAST4: "phone_last4",
    ID6: "id_last6",
    CONTRACT: "contract",
    PLATE: "plate",
    NAME: "name",
    NAME_PART: "name",
    INITIALS: "pinyin",
    PINYIN: "pinyin",
}
"""Stored kind code → ``LookupHit.matched_by``."""

MAX_NAME_CHARS = 24  # names are short; cap the substrings of something pathological
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―·・•‧∙]+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_ID_TAIL = re.compile(r"\d{5}[\dX]")
_ID_FULL = re.compile(r"\d{17}[\dX]")
_TOP = "\U0010ffff"


def normalize(text: str) -> str:
    """Fold fullwidth forms to halfwidth (NFKC) and drop spaces, dashes and ``·``-like dots."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text or ""))


def borrower_keys(data: dict[str, Any]) -> set[tuple[str, str]]:
    """(key, kind) pairs of a borrower record: phones, ID tail, name, substrings, pinyin."""
    keys: set[tuple[str, str]] = set()
    for phone in data.get("phones") or ():
        number = normalize(str(phone.get("number", ""))) if isinstance(phone, dict) else ""
        if number:
            keys.add((number, PHONE))
            if len(number) >= 4:
                keys.add((number[-4:], LAST4))
    id_no = normalize(str(data.get("id_no") or "")).upper()
    if len(id_no) >= 6:
        keys.add((id_no[-6:], ID6))
    name = normalize(str(data.get("name") or ""))[:MAX_NAME_CHARS]
    if name:
        keys.add((name, NAME))
        keys.update((name[i : i + 2], NAME_PART) for i in range(1, len(name) - 1))
        hanzi = "".join(_CJK.findall(name))
        if hanzi:
            keys |= _pinyin_keys(hanzi)
    return keys


def _pinyin_keys(hanzi: str) -> set[tuple[str, str]]:
    syllables = [_syllable(ch) for ch in hanzi]
    initials = "".join(s[:1] for s in syllables)
    return {(initials, INITIALS), ("".join(syllables), PINYIN)}


@functools.lru_cache(maxsize=32_768)
def _syllable(hanzi: str) -> str:
    """The everyday reading of one character, lowercase, no tone (``张`` → ``zhang``).

    Character by character, not by phrase: a name is not a phrase (pypinyin reads 于思 in
    于思桂 as the word "yusai", a beard; the name is Yu Sigui). Cached: ~1.5 µs a name instead
    of ~70 µs.
    """
    # Imported here: pypinyin's dictionaries take ~0.4 s to load, and only writers need them.
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(hanzi)).lower()


def loan_keys(data: dict[str, Any]) -> set[tuple[str, str]]:
    contract = normalize(str(data.get("contract_no") or "")).upper()
    return {(contract, CONTRACT)} if contract else set()


def vehicle_keys(data: dict[str, Any]) -> set[tuple[str, str]]:
    plate = normalize(str(data.get("plate") or "")).upper()
    if not plate:
        return set()
    keys = {(plate, PLATE)}
    if _CJK.match(plate) and len(plate) > 2:
        keys.add((plate[1:], PLATE))
    return keys


KEYS_OF = {"borrower": borrower_keys, "loan": loan_keys, "vehicle": vehicle_keys}
"""Entities that contribute search keys → their key function."""

KEY_FIELDS = {
    "borrower": ("phones", "id_no", "name"),
    "loan": ("contract_no", "borrower_id"),
    "vehicle": ("plate", "borrower_id"),
}
"""Every field a record's keys are derived from (its key function's and :func:`owner_of`'s
inputs): two versions equal in these have the same keys. Keep in step with the functions."""


def same_keys(entity: str, before: dict[str, Any], after: dict[str, Any]) -> bool:
    """Whether two versions of a record certainly have the same search keys (their key fields
    are equal), so an update need not derive either version's keys."""
    return all(before.get(f) == after.get(f) for f in KEY_FIELDS[entity])


def owner_of(entity: str, record_id: str, data: dict[str, Any]) -> str:
    """The borrower a record's keys point to."""
    return record_id if entity == "borrower" else str(data.get("borrower_id") or "")


@dataclass(frozen=True, slots=True)
class Probe:
    """One index query of a lookup: exact or prefix match of ``key`` among ``kinds``.

    ``must_contain``, when set, is a text the borrower's normalised name (for ``n2``) or ID
    number (for ``i6``) must contain for a candidate to count: it turns a 2-character seek into
    a 3+-character substring match, and an ID tail into a full ID match.
    """

    key: str
    kinds: tuple[str, ...]
    prefix: bool = False
    must_contain: str | None = None


class Match(NamedTuple):
    """One search key row a probe found (a tuple: built per row, ~3× cheaper than a frozen
    dataclass)."""

    borrower_id: str
    kind: str
    key: str


def plan(query: str) -> list[Probe]:
    """The probes a search-box ``query`` runs, best first; decided by the query's shape."""
    q = normalize(query)
    if not q:
        return []
    upper, lower = q.upper(), q.lower()
    if q.isascii() and q.isdigit():
        return _digit_probes(q)
    if _ID_FULL.fullmatch(upper):
        return [Probe(upper[-6:], (ID6,), must_contain=upper)]
    if _ID_TAIL.fullmatch(upper):
        return [Probe(upper, (ID6,)), Probe(upper, (CONTRACT, PLATE), True)]
    cjk = _CJK.findall(q)
    if cjk and len(cjk) == len(q):
        return _name_probes(q)
    if cjk:  # mixed: a plate such as 京A12345 (or a prefix of one), or an odd name
        return [
            Probe(upper, (PLATE,)),
            Probe(q, (NAME,)),
            Probe(upper, (PLATE, CONTRACT), True),
            Probe(q, (NAME,), True),
        ]
    return [
        Probe(lower, (INITIALS,)),
        Probe(lower, (PINYIN,)),
        Probe(upper, (CONTRACT, PLATE)),
        Probe(q, (NAME,)),
        Probe(upper, (CONTRACT, PLATE), True),
        Probe(lower, (PINYIN, INITIALS), True),
    ]


def _digit_probes(q: str) -> list[Probe]:
    if len(q) == 4:
        return [Probe(q, (LAST4,)), Probe(q, (CONTRACT,), True)]
    if len(q) == 6:
        return [Probe(q, (ID6,)), Probe(q, (CONTRACT,), True)]
    if len(q) == 18:
        return [Probe(q[-6:], (ID6,), must_contain=q)]
    if len(q) >= 7:
        return [Probe(q, (PHONE,)), Probe(q, (CONTRACT,)), Probe(q, (PHONE, CONTRACT), True)]
    return [Probe(q, (CONTRACT,)), Probe(q, (CONTRACT,), True)]


def _name_probes(q: str) -> list[Probe]:
    probes = [Probe(q, (NAME,)), Probe(q, (NAME,), True)]
    if len(q) >= 2:
        probes.append(Probe(q[:2], (NAME_PART,), must_contain=q if len(q) > 2 else None))
    return probes


SCAN_LIMIT = 30_000
"""Keys a prefix probe of digits reads at most. Digits start phone, last-4 and ID-tail keys,
which prefix probes of short digit strings never look for (those look for contract numbers):
``1`` starts ~1.8 million keys at a million borrowers and reading them all to find no contract
took ~130–200 ms. Capped, the probe finds the matches among the first keys of its range, in
key order: the same answer whenever the range is smaller (``1`` starts ~18,000 keys at 10,000
borrowers; four digits or more start a few thousand at a million) or its matches come first;
only one to three digits typed in a very large cache whose contract numbers are digits may
list fewer contracts until more is typed. Other prefixes are not capped: a name such as 苏
sorts after every 苏A… plate (:func:`_name_ranges` skips those)."""

_PLATE_LETTERS = ("A", "[")  # a plate key is its province character, then a letter A–Z


def run_probe(conn, probe: Probe, limit: int, scan_limit: int = SCAN_LIMIT) -> list[Match]:
    """Execute one probe as an index seek (exact) or range scan (prefix) on ``search_key``;
    a range scan of digits reads at most ``scan_limit`` keys (:data:`SCAN_LIMIT`)."""
    marks = ",".join("?" * len(probe.kinds))
    if probe.prefix and probe.key.isascii() and probe.key.isdigit():
        # The inner scan walks the primary key in order and stops at the cap; the outer
        # filter keeps that order (no sort), so it also stops at ``limit`` matches.
        sql = (
            "SELECT borrower_id, kind, key FROM ("
            "SELECT borrower_id, kind, key FROM search_key WHERE key >= ? AND key < ? "
            "ORDER BY key, borrower_id, kind LIMIT ?"
            f") WHERE kind IN ({marks}) ORDER BY key, borrower_id LIMIT ?"
        )
        args: tuple = (probe.key, probe.key + _TOP, scan_limit, *probe.kinds, limit)
    elif probe.prefix:
        sql = (
            "SELECT borrower_id, kind, key FROM search_key "
            f"WHERE key >= ? AND key < ? AND kind IN ({marks}) ORDER BY key, borrower_id LIMIT ?"
        )
        found: list[Match] = []
        for low, high in _name_ranges(probe):
            rows = conn.execute(sql, (low, high, *probe.kinds, limit - len(found)))
            found += [Match(*row) for row in rows]
            if len(found) >= limit:
                break
        return found
    else:
        sql = (
            "SELECT borrower_id, kind, key FROM search_key "
            f"WHERE key = ? AND kind IN ({marks}) ORDER BY borrower_id LIMIT ?"
        )
        args = (probe.key, *probe.kinds, limit)
    return [Match(*row) for row in conn.execute(sql, args)]


def _name_ranges(probe: Probe) -> list[tuple[str, str]]:
    """Key ranges of a prefix probe, read in this order until ``limit`` matches are found.

    One range, the whole prefix, unless the probe looks for names only and its key ends in a
    CJK character: then every plate of a province (``苏A…`` — about 35,000 keys at a million
    borrowers) sits inside the range before the names (``苏明``), and reading past them took
    13–130 ms for one character typed. The plates' part (the key, then a letter ``A``–``Z``) is
    left out: a name with a Latin capital right after the typed characters is found once that
    letter is typed too (the mixed query probes names from there).
    """
    top = probe.key + _TOP
    if probe.kinds != (NAME,) or not _CJK.fullmatch(probe.key[-1:]):
        return [(probe.key, top)]
    low, high = (probe.key + letter for letter in _PLATE_LETTERS)
    return [(probe.key, low), (high, top)]

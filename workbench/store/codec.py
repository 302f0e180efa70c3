"""How a record is packed into a row: indexed fields as columns, the rest as compressed JSON.

Why compress: a million borrowers bring ~35M rows; as plain JSON (a loan with its schedule is
~5 KB, a payment ~160 B) the cache would pass 15 GB. Each entity's records share most of their
text (field names, dispositions, note templates, schedules), so zstd with a dictionary *trained
on that entity's own records* shrinks them 4–8× at a few microseconds per record either way.

Row layout: ``id`` (primary key), the entity's indexed columns (``schema.COLUMNS``, e.g.
``borrower_id``, ``started_at``; removed from the JSON so they are stored once; a time of
``schema.SECONDS`` as whole seconds, ``store.times``), and ``data``:
one header byte then the rest of the record —

- ``0x00`` + UTF-8 compact JSON (before the entity has a dictionary, or tiny tables);
- ``n`` (1–255) + a zstd frame compressed with dictionary ``n`` of table ``codec_dict``.

Dictionaries have a ``format`` (``codec_dict.format``, v5): :data:`FRAME` (1), a standard zstd
frame; :data:`COMPACT` (2, every dictionary trained since), a frame without its 4-byte magic
number, and a loan's schedule written as rows (``[[keys…], [values…], …]``) instead of ~36
objects repeating the same keys: 20 % less for loans, 4 bytes less for each of ~30 rows a
borrower has. ``store.repack`` moves an older cache's rows to compact dictionaries.

A cache trains an entity's dictionary once it holds :data:`TRAIN_AT` records of it (from those
records), then re-packs them; dictionaries are never changed or deleted, so every row can always
be read. Dictionaries live in the cache itself, so each cache file is self-contained.
"""

from __future__ import annotations

import operator
from typing import Any

import orjson
import zstandard as zstd

from workbench.store import records, schema
from workbench.store.times import from_column, to_column

RAW = 0
TRAIN_AT = 1000  # records of one entity before its dictionary is trained
DICT_SIZE = 16 * 1024
LEVEL = 3
LEVELS: dict[str, int] = {"borrower": 12, "interaction": 12}
"""Entities compressed harder than :data:`LEVEL`: small records, where level 12 saves 12–22 %
(an interaction 26 → 20 bytes, a borrower 107 → 95) for 6–22 µs more per record written, which
pays for a third of the lookup cards (``schema.DERIVED``). A loan at level 9 would save 7 % for
~55 µs more each, which a pull of 300 loans would feel; decoding costs the same at any level."""
MAX_DICTS = 255
FRAME, COMPACT = 1, 2  # codec_dict.format
ROWS: dict[str, str] = {"loan": "schedule"}
"""Entity → its field holding a list of same-shaped objects, stored as rows by COMPACT."""

_dumps = orjson.dumps  # compact UTF-8 JSON bytes
_SECONDS = {
    entity: schema.COLUMNS[entity].index(column) for entity, column in schema.SECONDS.items()
}  # entity → position among its columns of the time stored as seconds (store.times)
_SECONDS_NAMES = frozenset(schema.SECONDS.values())


class Codec:
    """Dictionaries of one cache, loaded lazily; one per connection (zstd objects aren't
    thread-safe, and connections are never shared between threads)."""

    def __init__(self) -> None:
        self._compress: dict[int, zstd.ZstdCompressor] = {}
        self._decompress: dict[int, zstd.ZstdDecompressor] = {}
        self._current: dict[str, int] = {}  # entity → dictionary used for new rows
        self._rows: dict[int, str] = {}  # COMPACT dictionary → its entity's rows field
        self._loaded_max = -1

    def refresh(self, conn) -> None:
        """Reload the dictionaries if the cache's set changed (another writer, a rollback)."""
        newest = conn.execute("SELECT coalesce(max(id), 0) FROM codec_dict").fetchone()[0]
        if newest != self._loaded_max:
            self._compress.clear()
            self._decompress.clear()
            self._current.clear()
            self._rows.clear()
            for row in conn.execute("SELECT * FROM codec_dict ORDER BY id"):
                dict_id, entity, raw = row[:3]  # a cache before v5 has no format column
                self._add(dict_id, entity, raw, row[3] if len(row) > 3 else FRAME)
            self._loaded_max = newest

    def pack(self, entity: str, data: dict[str, Any]) -> tuple[Any, ...]:
        """Row values of one record, in ``schema.insert_columns(entity)`` order."""
        columns = schema.COLUMNS[entity]
        rest = dict(data)  # a C-level copy, then drop the few stored as columns
        del rest["id"]
        derived = records.DERIVED.get(entity)
        if not columns and not derived:
            return (data["id"], self.encode(entity, rest))
        values = [rest.pop(c, None) for c in columns]
        seconds = _SECONDS.get(entity)
        if seconds is not None and type(text := values[seconds]) is str:
            try:
                values[seconds], exact = to_column(text)
            except ValueError:  # not a time (never checked): first in order, text kept
                values[seconds], exact = 0, False
            if not exact:  # its whole seconds order it; its own text is kept in the record
                rest[columns[seconds]] = text
        if derived:
            values += [compute(data) for compute in derived]
        return (data["id"], *values, self.encode(entity, rest))

    def unpack(
        self, conn, entity: str, row: tuple[Any, ...], *, whole: bool = True
    ) -> dict[str, Any]:
        """The record of a row selected as ``schema.row_columns(entity)``; with ``whole``
        False a COMPACT list field (a loan's schedule) is left as rows (``[keys, values…]``),
        for readers that do not look at it (search keys of the version an update replaces)."""
        columns = schema.COLUMNS[entity]
        data = self.decode(conn, row[-1], whole=whole)
        data["id"] = row[0]
        for name, value in zip(columns, row[1:-1], strict=True):
            if type(value) is int and name in _SECONDS_NAMES:  # v7: seconds, text if kept
                if name in data:
                    continue
                value = from_column(value)
            data[name] = value
        return data

    def encode(self, entity: str, data: dict[str, Any]) -> bytes:
        """The ``data`` column of a record whose columns were removed."""
        dict_id = self._current.get(entity)
        if dict_id is None:
            return b"\x00" + _dumps(data)
        field = self._rows.get(dict_id)
        text = _dumps(_to_rows(data, field) if field else data)
        return bytes((dict_id,)) + self._compress[dict_id].compress(text)

    def decode(self, conn, blob: bytes, *, whole: bool = True) -> dict[str, Any]:
        """The record (without its columns) of a ``data`` column (``whole``: see unpack)."""
        dict_id = blob[0]
        if dict_id == RAW:
            return orjson.loads(blob[1:])
        if dict_id not in self._decompress:
            self.refresh(conn)
        data = orjson.loads(self._decompress[dict_id].decompress(blob[1:]))
        field = self._rows.get(dict_id) if whole else None
        return _from_rows(data, field) if field else data

    def has_dictionary(self, entity: str) -> bool:
        return entity in self._current

    def train(self, conn, entity: str) -> bool:
        """Train ``entity``'s dictionary from its stored records once there are enough, and
        re-pack them (call inside the write transaction that stored them)."""
        if entity in self._current or not self.retrain(conn, entity, TRAIN_AT, DICT_SIZE):
            return False
        self._repack_plain(conn, entity)
        return True

    def retrain(self, conn, entity: str, samples: int, size: int) -> bool:
        """Add a COMPACT dictionary for ``entity`` trained on up to ``samples`` stored records
        (at least :data:`TRAIN_AT`), used for its rows from now on; False when it cannot be."""
        if self._loaded_max >= MAX_DICTS:
            return False
        cols = schema.row_columns(entity)
        rows = conn.execute(f"SELECT {cols} FROM {entity} LIMIT ?", (samples,)).fetchall()
        if len(rows) < TRAIN_AT:
            return False
        field = ROWS.get(entity)
        texts = []
        for row in rows:
            data = self._strip(entity, self.unpack(conn, entity, row))
            texts.append(_dumps(_to_rows(data, field) if field else data))
        try:
            trained = zstd.train_dictionary(size, texts, level=LEVEL).as_bytes()
        except zstd.ZstdError:
            return False  # too little text to learn from: rows stay as they are
        cursor = conn.execute(
            "INSERT INTO codec_dict(entity, dict, format) VALUES (?, ?, ?)",
            (entity, trained, COMPACT),
        )
        self._add(cursor.lastrowid, entity, trained, COMPACT)
        self._loaded_max = max(self._loaded_max, cursor.lastrowid)
        return True

    def _repack_plain(self, conn, entity: str) -> None:
        """Re-pack the plain rows; delete and re-insert rather than update in place, so the
        pages they shrink out of are freed instead of staying mostly empty."""
        cols = schema.row_columns(entity)
        rows = conn.execute(
            f"SELECT {cols} FROM {entity} WHERE substr(data, 1, 1) = x'00'"
        ).fetchall()
        conn.execute(f"DELETE FROM {entity} WHERE substr(data, 1, 1) = x'00'")
        names = schema.insert_columns(entity)
        conn.executemany(
            f"INSERT INTO {entity}({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
            [self.pack(entity, self.unpack(conn, entity, row)) for row in rows],
        )

    def _strip(self, entity: str, data: dict[str, Any]) -> dict[str, Any]:
        columns = schema.COLUMNS[entity]
        return {k: v for k, v in data.items() if k != "id" and k not in columns}

    def _add(self, dict_id: int, entity: str, raw: bytes, fmt: int) -> None:
        zdict = zstd.ZstdCompressionDict(raw)
        frame = zstd.FORMAT_ZSTD1 if fmt == FRAME else zstd.FORMAT_ZSTD1_MAGICLESS
        level = LEVELS.get(entity, LEVEL)
        params = zstd.ZstdCompressionParameters.from_level(
            level, format=frame, write_checksum=0, write_content_size=1, write_dict_id=0
        )
        self._compress[dict_id] = zstd.ZstdCompressor(dict_data=zdict, compression_params=params)
        self._decompress[dict_id] = zstd.ZstdDecompressor(dict_data=zdict, format=frame)
        self._current[entity] = dict_id
        if fmt == COMPACT and entity in ROWS:
            self._rows[dict_id] = ROWS[entity]


def _to_rows(data: dict[str, Any], field: str) -> dict[str, Any]:
    """``data`` with its list of same-shaped objects ``field`` as ``[keys, values…]`` rows."""
    items = data.get(field)
    if type(items) is not list or not items or type(items[0]) is not dict:
        return data
    keys = list(items[0])
    width = len(keys)
    if not all(type(item) is dict and len(item) == width for item in items):
        return data  # objects of different shapes stay objects
    try:  # each object's values in the first one's key order (C-level, one call per object)
        pick = operator.itemgetter(*keys)
        rows = [pick(item) for item in items] if width > 1 else [[item[keys[0]]] for item in items]
    except KeyError:
        return data
    return {**data, field: [keys, *rows]}


def _from_rows(data: dict[str, Any], field: str) -> dict[str, Any]:
    rows = data.get(field)
    if type(rows) is list and rows and type(rows[0]) is list:
        keys = rows[0]
        width = len(keys)
        if all(len(values) == width for values in rows):
            data[field] = [dict(zip(keys, values, strict=False)) for values in rows[1:]]
        else:  # a damaged row: fail as loudly as before
            data[field] = [dict(zip(keys, values, strict=True)) for values in rows[1:]]
    return data


def codec_of(conn) -> Codec:
    """The codec of a cache connection (made by ``store.db.connect``)."""
    codec = getattr(conn, "codec", None)
    if codec is None:
        codec = Codec()
        codec.refresh(conn)
        conn.codec = codec
    return codec

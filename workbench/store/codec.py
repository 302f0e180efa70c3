"""How a record is packed into a row: indexed fields as columns, the rest as compressed JSON.

Why compress: a million borrowers bring ~35M rows; as plain JSON (a loan with its schedule is
~5 KB, a payment ~160 B) the cache would pass 15 GB. Each entity's records share most of their
text (field names, dispositions, note templates, schedules), so zstd with a dictionary *trained
on that entity's own records* shrinks them 4–8× at a few microseconds per record either way.

Row layout: ``id`` (primary key), the entity's indexed columns (``schema.COLUMNS``, e.g.
``borrower_id``, ``started_at``; removed from the JSON so they are stored once), and ``data``:
one header byte then the rest of the record —

- ``0x00`` + UTF-8 compact JSON (before the entity has a dictionary, or tiny tables);
- ``n`` (1–255) + a zstd frame compressed with dictionary ``n`` of table ``codec_dict``.

A cache trains an entity's dictionary once it holds :data:`TRAIN_AT` records of it (from those
records), then re-packs them; dictionaries are never changed or deleted, so every row can always
be read. Dictionaries live in the cache itself, so each cache file is self-contained.
"""

from __future__ import annotations

from typing import Any

import orjson
import zstandard as zstd

from workbench.store import records, schema

RAW = 0
TRAIN_AT = 1000  # records of one entity before its dictionary is trained
DICT_SIZE = 16 * 1024
LEVEL = 3
MAX_DICTS = 255

_dumps = orjson.dumps  # compact UTF-8 JSON bytes


class Codec:
    """Dictionaries of one cache, loaded lazily; one per connection (zstd objects aren't
    thread-safe, and connections are never shared between threads)."""

    def __init__(self) -> None:
        self._compress: dict[int, zstd.ZstdCompressor] = {}
        self._decompress: dict[int, zstd.ZstdDecompressor] = {}
        self._current: dict[str, int] = {}  # entity → dictionary used for new rows
        self._loaded_max = -1

    def refresh(self, conn) -> None:
        """Reload the dictionaries if the cache's set changed (another writer, a rollback)."""
        newest = conn.execute("SELECT coalesce(max(id), 0) FROM codec_dict").fetchone()[0]
        if newest != self._loaded_max:
            self._compress.clear()
            self._decompress.clear()
            self._current.clear()
            for dict_id, entity, raw in conn.execute(
                "SELECT id, entity, dict FROM codec_dict ORDER BY id"
            ):
                self._add(dict_id, entity, raw)
            self._loaded_max = newest

    def pack(self, entity: str, data: dict[str, Any]) -> tuple[Any, ...]:
        """Row values of one record, in ``schema.insert_columns(entity)`` order."""
        columns = schema.COLUMNS[entity]
        rest = dict(data)  # a C-level copy, then drop the few stored as columns
        del rest["id"]
        if not columns:
            return (data["id"], self.encode(entity, rest))
        values = [rest.pop(c, None) for c in columns]
        derived = records.DERIVED.get(entity)
        if derived:
            values += [compute(data) for compute in derived]
        return (data["id"], *values, self.encode(entity, rest))

    def unpack(self, conn, entity: str, row: tuple[Any, ...]) -> dict[str, Any]:
        """The record of a row selected as ``schema.row_columns(entity)``."""
        columns = schema.COLUMNS[entity]
        data = self.decode(conn, row[-1])
        data["id"] = row[0]
        for name, value in zip(columns, row[1:-1], strict=True):
            data[name] = value
        return data

    def encode(self, entity: str, data: dict[str, Any]) -> bytes:
        text = _dumps(data)
        dict_id = self._current.get(entity)
        if dict_id is None:
            return b"\x00" + text
        return bytes((dict_id,)) + self._compress[dict_id].compress(text)

    def decode(self, conn, blob: bytes) -> dict[str, Any]:
        dict_id = blob[0]
        if dict_id == RAW:
            return orjson.loads(blob[1:])
        if dict_id not in self._decompress:
            self.refresh(conn)
        return orjson.loads(self._decompress[dict_id].decompress(blob[1:]))

    def has_dictionary(self, entity: str) -> bool:
        return entity in self._current

    def train(self, conn, entity: str) -> bool:
        """Train ``entity``'s dictionary from its stored records once there are enough, and
        re-pack them (call inside the write transaction that stored them)."""
        if entity in self._current or self._loaded_max >= MAX_DICTS:
            return False
        cols = schema.row_columns(entity)
        rows = conn.execute(f"SELECT {cols} FROM {entity} LIMIT ?", (TRAIN_AT,)).fetchall()
        if len(rows) < TRAIN_AT:
            return False
        samples = [_dumps(self._strip(entity, self.unpack(conn, entity, r))) for r in rows]
        try:
            trained = zstd.train_dictionary(DICT_SIZE, samples, level=LEVEL)
        except zstd.ZstdError:
            return False  # too little text to learn from: rows stay plain JSON
        cursor = conn.execute(
            "INSERT INTO codec_dict(entity, dict) VALUES (?, ?)", (entity, trained.as_bytes())
        )
        self._add(cursor.lastrowid, entity, trained.as_bytes())
        self._loaded_max = max(self._loaded_max, cursor.lastrowid)
        self._repack_plain(conn, entity)
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

    def _add(self, dict_id: int, entity: str, raw: bytes) -> None:
        zdict = zstd.ZstdCompressionDict(raw)
        self._compress[dict_id] = zstd.ZstdCompressor(
            level=LEVEL,
            dict_data=zdict,
            write_checksum=False,
            write_content_size=True,
            write_dict_id=False,
        )
        self._decompress[dict_id] = zstd.ZstdDecompressor(dict_data=zdict)
        self._current[entity] = dict_id


def codec_of(conn) -> Codec:
    """The codec of a cache connection (made by ``store.db.connect``)."""
    codec = getattr(conn, "codec", None)
    if codec is None:
        codec = Codec()
        codec.refresh(conn)
        conn.codec = codec
    return codec

"""Which borrowers a phone number belongs to: the ACD's screen-pop match and caller sample.

Built once from the core's borrower records, then kept current by reading the core's own
change feed after the last ``seq`` it saw (``catch_up``): a ``link_number`` action changes a
borrower record, and the next call from that number finds the borrower. Memory is about
200 bytes per phone number (a 10,000-borrower portfolio: ~5 MB).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from random import Random

import orjson

from workbench.core.storage import CoreStore

CATCH_UP_PAGE = 2000


class PhoneIndex:
    """Number → borrower ids, and borrower → numbers; safe to share between threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_number: dict[str, list[str]] = {}
        self._of_borrower: dict[str, tuple[str, ...]] = {}
        self._borrowers: list[str] = []  # for sampling; may hold removed ids (skipped)
        self.seq = 0  # the core feed's seq this index reflects

    @classmethod
    def from_store(cls, store: CoreStore) -> PhoneIndex:
        """The index of every live borrower in ``store`` (reads the whole borrower table)."""
        index = cls()
        index.seq = store.head()
        for _entity, bid, data in store.iter_records("borrower"):
            index.set_borrower(bid, _numbers(data))
        return index

    def __len__(self) -> int:
        return len(self._by_number)

    def set_borrower(self, borrower_id: str, numbers: Iterable[str]) -> None:
        """Record ``borrower_id``'s current numbers (replacing what it had)."""
        numbers = tuple(dict.fromkeys(numbers))
        with self._lock:
            self._drop(borrower_id)
            if borrower_id not in self._of_borrower:
                self._borrowers.append(borrower_id)
            self._of_borrower[borrower_id] = numbers
            for number in numbers:
                self._by_number.setdefault(number, []).append(borrower_id)

    def remove_borrower(self, borrower_id: str) -> None:
        """Forget a deleted borrower."""
        with self._lock:
            self._drop(borrower_id)
            self._of_borrower.pop(borrower_id, None)

    def _drop(self, borrower_id: str) -> None:
        for number in self._of_borrower.get(borrower_id, ()):
            owners = self._by_number.get(number, [])
            if borrower_id in owners:
                owners.remove(borrower_id)
            if not owners:
                self._by_number.pop(number, None)

    def lookup(self, number: str) -> list[str]:
        """The borrowers (sorted) with ``number`` among their phones."""
        with self._lock:
            return sorted(self._by_number.get(number, ()))

    def sample(self, rng: Random) -> str | None:
        """A random known number: a random borrower's random phone (None if there is none)."""
        with self._lock:
            for _ in range(20):
                if not self._borrowers:
                    return None
                bid = self._borrowers[rng.randrange(len(self._borrowers))]
                numbers = self._of_borrower.get(bid)
                if numbers:
                    return numbers[rng.randrange(len(numbers))]
        return None

    def catch_up(self, store: CoreStore, *, limit: int = CATCH_UP_PAGE) -> int:
        """Apply borrower changes of the feed after ``seq``; returns how many were applied."""
        rows, cursor, _more = store.changes_raw(self.seq, limit)
        applied = 0
        for _seq, entity, bid, deleted, data in rows:
            if entity != "borrower":
                continue
            if deleted:
                self.remove_borrower(bid)
            else:
                self.set_borrower(bid, _numbers(data))
            applied += 1
        self.seq = cursor
        return applied


def _numbers(data: str) -> list[str]:
    record = orjson.loads(data)
    return [p["number"] for p in record.get("phones") or () if p.get("number")]

"""Values computed from a few tables, kept in this process while those tables do not change: one
small query (the tables' versions, portal.db.changes) instead of the value's own queries.

    kept(name, key, tables, compute) -> compute()'s result, or the one kept for `key` while
                                        `tables`' versions are those it was computed at

For what every page shows and almost nothing changes (the site footer's settings, logo and site),
not for figures (portal.snapshots keeps those, in the database, for every process).

A value is kept only when computed outside a transaction: inside one, the versions read may
include the transaction's own uncommitted writes, and after a rollback another change could bring
the same versions with other data. Inside a transaction (a test's, an atomic view's) the value is
computed each time, without reading the versions. A change committed between reading the
versions and computing only makes the kept value newer than its versions: the next use computes
it again. Kept per process, the last MEMO_SIZE keys.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.db import DEFAULT_DB_ALIAS, connections

from portal.db import changes

T = TypeVar("T")
MEMO_SIZE = 256
_kept: OrderedDict[tuple, tuple[tuple, object]] = OrderedDict()
_lock = threading.Lock()


def kept(name: str, key: tuple, tables: Iterable[str], compute: Callable[[], T]) -> T:
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.in_atomic_block:
        return compute()
    # Every table's own source, and the epoch's (moved when triggers are installed: writes made
    # without them, by a SQLite migrate, were not counted).
    sources = tuple(sorted({changes.source_of(table) for table in tables} | {changes.EPOCH_SOURCE}))
    versions = changes.versions_of(connection, sources)
    full = (connection.alias, name, key)
    with _lock:
        found = _kept.get(full)
        if found is not None and found[0] == versions:
            _kept.move_to_end(full)
            return found[1]  # type: ignore[return-value]
    value = compute()
    with _lock:
        _kept[full] = (versions, value)
        _kept.move_to_end(full)
        while len(_kept) > MEMO_SIZE:
            _kept.popitem(last=False)
    return value


def clear() -> None:
    """Forget every kept value (tests, between them)."""
    with _lock:
        _kept.clear()

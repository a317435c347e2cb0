"""Figure snapshots: figures computed once and served again while nothing they read has changed.

    cached(name, parts, compute) -> value      compute() once per data version and key
    live() -> context                          inside it, compute every time (tests, checks)
    prune(older_than) -> int                   delete snapshots stored before (the schedule)

A snapshot is stored with the data version (portal.db.changes) read before it was computed, and
served only while the version is still exactly that: any committed change of a table a figure may
read — a new, edited or deleted training record, a person moving to another enterprise or
category, a drill checked in, an exam submitted, a rule table edited, the rollups refreshed —
makes every snapshot older than it, and the next request computes the figures live (the one
definition of each: the snapshot is only that function's result, kept). A hit costs one query,
the version and the snapshot read together.

The key holds everything else a result depends on: `name` and `parts` (what was asked: the
scope, the period, the day), the language and time zone (labels and charts are rendered into
the result), and the code itself (a hash of the project's source, templates and message
catalogues, so that a release that changes a definition or a page never serves a snapshot of the
old one).

Inside `portal.figures.recording()` (the every-surface test) and `live()`, figures are always
computed, never read from or written to a snapshot.
"""

from __future__ import annotations

import hashlib
import logging
import pickle  # nosec B403 # our own results, written and read by this module only
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TypeVar

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone, translation

from portal.db import changes

log = logging.getLogger(__name__)
T = TypeVar("T")

_live: ContextVar[bool] = ContextVar("portal_snapshots_live", default=False)


@contextmanager
def live():
    """Compute every figure inside the block (no snapshot read or stored)."""
    token = _live.set(True)
    try:
        yield
    finally:
        _live.reset(token)


SKIP_PACKAGES = frozenset({"tests", "bench"})


@cache
def code_version() -> str:
    """A hash of the project's Python source, templates and compiled message catalogues (read
    once per process: ≈ 550 files, ≈ 20 ms) and of the Django and Wagtail versions."""
    import django
    import wagtail

    root = Path(settings.BASE_DIR)
    digest = hashlib.sha256(f"{django.get_version()} {wagtail.__version__}".encode())
    packages = sorted(
        p for p in root.iterdir() if (p / "__init__.py").exists() and p.name not in SKIP_PACKAGES
    )
    files = [f for package in packages for f in package.rglob("*.py")]
    files += [f for package in [*packages, root] for f in (package / "locale").rglob("*.mo")]
    files += [f for f in (root / "templates").rglob("*") if f.is_file()]
    for path in sorted(set(files)):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _key(name: str, parts: tuple) -> str:
    text = repr(
        (
            name,
            parts,
            translation.get_language(),
            timezone.get_current_timezone_name(),
            code_version(),
        )
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _recording() -> bool:
    from portal.figures import _recordings

    return bool(_recordings())


def cached(name: str, parts: tuple, compute: Callable[[], T]) -> T:
    """compute()'s result for (name, parts), from the snapshot stored at the current data version
    if there is one; otherwise computed, stored and returned. `parts` must name everything the
    result depends on besides the data (repr() of each is part of the key)."""
    if _live.get() or _recording() or not getattr(settings, "FIGURE_SNAPSHOTS", True):
        return compute()
    from portal.models import FigureSnapshot

    key = _key(name, parts)
    qn = connection.ops.quote_name
    table = qn(FigureSnapshot._meta.db_table)
    try:
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT v.n, s.{qn('version')}, s.{qn('data')} "  # nosec B608 # models' tables
                f"FROM (SELECT {changes.version_sql(connection)} AS n) v "
                f"LEFT JOIN {table} s ON s.{qn('key')} = %s",
                [key],
            )
            current, stored, data = cur.fetchone()
    except DatabaseError:
        # Unreadable here (a hot standby cannot read an UNLOGGED table; a deploy before its
        # migration): compute. Inside a transaction the error is the caller's, as any query's.
        if connection.in_atomic_block:
            raise
        log.warning("figure snapshots unreadable: computed", exc_info=True)
        return compute()
    if stored is not None and int(stored) == int(current):
        try:
            return pickle.loads(bytes(data))  # nosec B301 # stored by _store below, never input
        except Exception:  # noqa: BLE001 # a snapshot of an older class: compute it again
            log.warning("unreadable figure snapshot %s: computed again", name, exc_info=True)
    result = compute()
    _store(key, int(current), result)
    return result


@contextmanager
def _short_wait():
    """On SQLite, a store does not queue behind another writer (an import, the task cluster):
    it waits SQLITE_STORE_WAIT_MS at most instead of the connection's busy timeout (20 s), then
    gives up — the page is shown all the same. Set on the driver's connection (no query)."""
    raw = connection.connection if connection.vendor == "sqlite" else None
    if raw is None:
        yield
        return
    (previous,) = raw.execute("PRAGMA busy_timeout").fetchone()
    raw.execute(f"PRAGMA busy_timeout = {SQLITE_STORE_WAIT_MS}")
    try:
        yield
    finally:
        raw.execute(f"PRAGMA busy_timeout = {int(previous)}")


SQLITE_STORE_WAIT_MS = 100


def _store(key: str, version: int, result) -> None:
    """Insert or replace the snapshot, unless a newer one was stored meanwhile. A failure (a
    read-only replica, another writer holding SQLite's lock) only costs the next request a
    computation."""
    from portal.models import FigureSnapshot

    qn = connection.ops.quote_name
    table = qn(FigureSnapshot._meta.db_table)
    k, v, d, s = (qn(c) for c in ("key", "version", "data", "stored_at"))
    try:
        data = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        with _short_wait(), transaction.atomic(), connection.cursor() as cur:
            cur.execute(
                f"INSERT INTO {table} ({k}, {v}, {d}, {s}) VALUES (%s, %s, %s, %s) "  # nosec B608
                f"ON CONFLICT ({k}) DO UPDATE SET {v} = excluded.{v}, {d} = excluded.{d}, "
                f"{s} = excluded.{s} WHERE {table}.{v} <= excluded.{v}",
                [key, version, data, timezone.now()],
            )
    except (DatabaseError, pickle.PicklingError, TypeError, AttributeError):
        log.warning("figure snapshot not stored", exc_info=True)


def prune(*, older_than: datetime) -> int:
    """Delete the snapshots stored before `older_than` (those of past days and old versions)."""
    from portal.models import FigureSnapshot

    deleted, _ = FigureSnapshot.objects.filter(stored_at__lt=older_than).delete()
    return deleted

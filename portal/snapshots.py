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

While a snapshot is computed, each statistics function it calls (every `@computes` function and
the several-period `*_of` ones: `kept`) is a *part*: its result is stored beside the snapshot
with the version of each table it read (learned from the SQL it ran, `portal.db.changes`'
per-table versions), and the next computation of the same snapshot serves it again while none of
those tables has changed. A new training record then recomputes the training figures only, not
the drills', the exams' or the certificates'. A part's key holds the function, its arguments
(a value of a type `frozen` does not know is not kept) and its snapshot's key.

Inside `portal.figures.recording()` (the every-surface test) and `live()`, figures are always
computed, never read from or written to a snapshot.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import functools
import hashlib
import json
import logging
import pickle  # nosec B403 # our own results, written and read by this module only
import re
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TypeVar

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone, translation
from django.utils.functional import Promise

from portal.db import changes
from portal.db.prepared import prepared_cursor

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


def cached(name: str, parts: tuple, compute: Callable[[], T], *, own_parts: bool = True) -> T:
    """compute()'s result for (name, parts), from the snapshot stored at the current data version
    if there is one; otherwise computed, stored and returned. `parts` must name everything the
    result depends on besides the data (repr() of each is part of the key). `own_parts=False`:
    compute() keeps no figure parts of its own (it renders a snapshot that keeps them, as the
    dashboard page's fragment renders the dashboard's figures), so its stored parts are not read."""
    if (
        _live.get()
        or _recording()
        or _reading.get()  # inside a part being computed: a hit would hide the tables it read
        or not getattr(settings, "FIGURE_SNAPSHOTS", True)
    ):
        return compute()
    from portal.models import FigureSnapshot

    key = _key(name, parts)
    qn = connection.ops.quote_name
    table = qn(FigureSnapshot._meta.db_table)
    try:
        with prepared_cursor(connection) as cur:
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
    # The snapshots computed inside this one (the dashboard's figures inside its page's) are
    # stored with it, in its one statement.
    pending: list[tuple] = []
    pending_token = _pending.set(pending)
    try:
        if not own_parts:
            result = compute()
            new: dict[str, _Part] = {}
        else:
            computation = _Computation(key)
            # The tables' versions are read before anything is computed (a value read before
            # them and reused by a part would be older than the versions it is stored with).
            computation.load()
            token = _computation.set(computation)
            try:
                result = compute()
            finally:
                _computation.reset(token)
            new = computation.new
    finally:
        _pending.reset(pending_token)
    _store(key, int(current), result, parts=new, with_rows=pending)
    return result


# --------------------------------------------------------------------------- parts


@dataclasses.dataclass
class _Part:
    args: str  # a hash of its arguments
    deps: dict[str, int]  # {source: version} of the tables it read
    data: bytes

    def text(self) -> str:
        """The `deps` column: the arguments' hash and the tables' versions, as JSON."""
        return json.dumps({"args": self.args, "tables": self.deps})


@dataclasses.dataclass
class _Computation:
    """One snapshot being computed: the sources' versions and its stored parts, read together
    before computing (one query), and the parts computed now (stored with the snapshot)."""

    key: str
    versions: dict[str, int] | None = None
    stored: dict[str, _Part] = dataclasses.field(default_factory=dict)
    new: dict[str, _Part] = dataclasses.field(default_factory=dict)
    calls: dict[str, int] = dataclasses.field(default_factory=dict)  # per function, so far

    def slot(self, name: str) -> str:
        """The key of the next call of `name` (its n-th in this computation): the same slot in
        every computation of this snapshot, so that each part is one row, replaced when its
        arguments or tables change rather than piling up."""
        n = self.calls[name] = self.calls.get(name, -1) + 1
        return hashlib.sha256(repr((self.key, name, n)).encode()).hexdigest()

    def load(self) -> bool:
        """Read the versions and the stored parts once; False when unreadable (no parts)."""
        if self.versions is not None:
            return True
        from portal.models import FigureSnapshot

        qn = connection.ops.quote_name
        table = qn(FigureSnapshot._meta.db_table)
        try:
            with prepared_cursor(connection) as cur:
                cur.execute(
                    f"SELECT NULL, s.{qn('key')}, s.{qn('deps')}, s.{qn('data')} "  # nosec B608
                    f"FROM {table} s WHERE s.{qn('parent')} = %s UNION ALL "
                    f"{changes.versions_sql(connection, columns='SUM(weight), source, NULL, NULL')}",
                    [self.key],
                )
                rows = cur.fetchall()
        except DatabaseError:
            if connection.in_atomic_block:
                raise
            log.warning("figure parts unreadable: computed", exc_info=True)
            return False
        self.versions = {}
        for n, key, deps, data in rows:
            if deps is None:
                self.versions[key] = int(n)
            else:
                try:
                    described = json.loads(deps)
                    self.stored[key] = _Part(described["args"], described["tables"], bytes(data))
                except (ValueError, KeyError, TypeError):
                    continue
        return True

    def current(self, part: _Part) -> bool:
        versions = self.versions or {}
        return all(versions.get(source, 0) == v for source, v in part.deps.items())


_computation: ContextVar[_Computation | None] = ContextVar("portal_snapshots_part", default=None)
# The sources (portal.db.changes.source_of) of the tables read by the parts being computed,
# innermost last (a part inside a part reads for both).
_reading: ContextVar[tuple[set[str], ...]] = ContextVar("portal_snapshots_reading", default=())


class _Unkeyed(TypeError):
    """An argument no key can name exactly (the part is computed, not kept)."""


_PLAIN = {type(None), bool, int, float, str, Decimal, date, datetime}


def frozen(value) -> object:
    """A value's exact, hashable description for a part's key (repr() of which is hashed)."""
    kind = type(value)
    if kind in _PLAIN:  # the common case first (a result's figures: thousands of values)
        return (kind.__name__, value)
    if kind is tuple or kind is list:
        return (kind.__name__, tuple(frozen(v) for v in value))
    if value is None or isinstance(value, bool | int | float | str | Decimal | date):
        return (type(value).__name__, value if not isinstance(value, enum.Enum) else value.value)
    if isinstance(value, Promise):
        return ("text", str(value))
    if isinstance(value, list | tuple):
        return (type(value).__name__, tuple(frozen(v) for v in value))
    if isinstance(value, set | frozenset):
        return ("set", tuple(sorted(repr(frozen(v)) for v in value)))
    if isinstance(value, dict):
        return ("dict", tuple((repr(frozen(k)), frozen(v)) for k, v in value.items()))
    if isinstance(value, models.Model):
        meta = value._meta
        return (
            meta.label,
            tuple((f.attname, frozen(getattr(value, f.attname))) for f in meta.concrete_fields),
        )
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (
            type(value).__qualname__,
            tuple((f.name, frozen(getattr(value, f.name))) for f in dataclasses.fields(value)),
        )
    raise _Unkeyed(type(value).__qualname__)


def _args_key(args: tuple, kwargs: dict) -> str:
    text = repr((frozen(args), frozen(dict(sorted(kwargs.items())))))
    return hashlib.sha256(text.encode()).hexdigest()


@cache
def _all_tables() -> frozenset[str]:
    return frozenset(
        m._meta.db_table for m in apps.get_models(include_auto_created=True) if m._meta.managed
    )


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def tables_in(sql: str) -> frozenset[str]:
    """The models' tables an SQL statement names (every word that is a table's name: a column
    named like a table only adds a dependency, never loses one)."""
    return frozenset(_WORD.findall(sql)) & _all_tables()


@functools.lru_cache(maxsize=2048)
def _sources_in(sql: str) -> frozenset[str]:
    return frozenset(changes.source_of(table) for table in tables_in(sql))


def _recorder(execute, sql, params, many, context):
    for sources in _reading.get():
        sources.update(_sources_in(sql))
    return execute(sql, params, many, context)


def depends_on(sources) -> None:
    """Count `sources` as read by the parts being computed: for a value read once and reused from
    memory (courses.rollups' snapshot of its state), whose query only its first reader ran."""
    for reading in _reading.get():
        reading.update(sources)


@contextmanager
def reading():
    """The sources of the tables read inside the block (the enclosing blocks' count them too)."""
    sources: set[str] = set()
    token = _reading.set((*_reading.get(), sources))
    try:
        if len(_reading.get()) == 1:
            with connection.execute_wrapper(_recorder):
                yield sources
        else:
            yield sources
    finally:
        _reading.reset(token)


def part(name: str, args: tuple, kwargs: dict, compute: Callable[[], T]) -> T:
    """compute()'s result, served from the part stored by an earlier computation of the same
    snapshot while every table it read is unchanged; computed (and kept) otherwise. Outside a
    snapshot's computation, simply computed."""
    computation = _computation.get()
    if computation is None:
        return compute()
    try:
        args_key = _args_key(args, kwargs)
    except _Unkeyed:
        return compute()
    if computation.versions is None:  # unreadable before computing (cached): nothing is kept
        return compute()
    key = computation.slot(name)
    stored = computation.stored.get(key)
    if stored is not None and stored.args == args_key and computation.current(stored):
        try:
            result = pickle.loads(stored.data)  # nosec B301 # stored by _store, never input
        except Exception:  # noqa: BLE001 # a part of an older class: compute it again
            log.warning("unreadable figure part %s: computed again", name, exc_info=True)
        else:
            depends_on(stored.deps)
            return result
    with reading() as sources:
        result = compute()
    if not sources:  # it read nothing: nothing would ever make it older (and it is cheap)
        return result
    sources.add(changes.EPOCH_SOURCE)  # a migrate, a new table, the release before
    versions = computation.versions or {}
    try:
        data = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 # not kept: the next computation computes it again
        log.warning("figure part %s not kept", name, exc_info=True)
        return result
    computation.new[key] = _Part(args_key, {s: versions.get(s, 0) for s in sorted(sources)}, data)
    return result


def kept(function: Callable[..., T]) -> Callable[..., T]:
    """Make `function` a part of the snapshot being computed (see `part`)."""
    name = f"{function.__module__}.{function.__qualname__}"

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        return part(name, args, kwargs, lambda: function(*args, **kwargs))

    return wrapper


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


# The rows of the snapshots computed inside another's computation, stored with it (cached).
_pending: ContextVar[list[tuple] | None] = ContextVar("portal_snapshots_pending", default=None)


def _store(
    key: str,
    version: int,
    result,
    *,
    parts: dict[str, _Part] | None = None,
    with_rows: Sequence[tuple] = (),
) -> None:
    """Insert or replace the snapshot and the parts computed for it (one statement): the
    snapshot unless a newer one was stored meanwhile, each part always (whether it is served is
    decided by its tables' versions alone). Inside another snapshot's computation its rows wait
    for that one's store (`with_rows`: one statement for both). A failure (a read-only replica,
    another writer holding SQLite's lock) only costs the next request a computation."""
    from portal.models import FigureSnapshot

    qn = connection.ops.quote_name
    table = qn(FigureSnapshot._meta.db_table)
    k, v, d, s, p, deps = (qn(c) for c in ("key", "version", "data", "stored_at", "parent", "deps"))
    now = timezone.now()
    try:
        rows = [(key, version, pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL), now, "", "")]
        rows += [
            (part_key, 0, part.data, now, key, part.text())  # a part's currency: its deps
            for part_key, part in (parts or {}).items()
        ]
        outer = _pending.get()
        if outer is not None:  # with the snapshots computed inside this one, if any
            outer.extend([*rows, *with_rows])
            return
        # (one row a key: a snapshot computed twice inside another is stored once)
        rows = list({row[0]: row for row in [*rows, *with_rows]}.values())
        values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(rows))
        # One statement: atomic by itself outside a transaction; inside one, in a savepoint, so
        # that its failure does not break the caller's transaction.
        alone = transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()
        with _short_wait(), alone, connection.cursor() as cur:
            cur.execute(
                f"INSERT INTO {table} ({k}, {v}, {d}, {s}, {p}, {deps}) VALUES {values} "  # nosec B608
                f"ON CONFLICT ({k}) DO UPDATE SET {v} = excluded.{v}, {d} = excluded.{d}, "
                f"{s} = excluded.{s}, {p} = excluded.{p}, {deps} = excluded.{deps} "
                # a snapshot never replaced by an older one; a part always by the latest (its
                # "version" sums the versions of tables that may differ between computations)
                f"WHERE {table}.{p} <> '' OR {table}.{v} <= excluded.{v}",
                [value for row in rows for value in row],
            )
    except (DatabaseError, pickle.PicklingError, TypeError, AttributeError):
        log.warning("figure snapshot not stored", exc_info=True)


def prune(*, older_than: datetime) -> int:
    """Delete the snapshots stored before `older_than` (those of past days and old versions)."""
    from portal.models import FigureSnapshot

    deleted, _ = FigureSnapshot.objects.filter(stored_at__lt=older_than).delete()
    return deleted

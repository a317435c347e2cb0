"""Backup and restore of the whole portal: the database and every file storage (README "Backup and
restore"; `manage.py backup`, `manage.py restore`).

A backup is one directory `backup-YYYYmmdd-HHMMSS` (UTC):

    manifest.json        format, created_at, engine, latest migration per app, rows per table,
                         sha256 and size of every other file
    database.sqlite3     SQLite: a copy made with the online backup API (consistent, safe while the
                         portal runs; WAL readers and writers are not blocked)
    database.dump        PostgreSQL: `pg_dump --format=custom`, taken in the same REPEATABLE READ
                         snapshot as the row counts (pg_export_snapshot), so the counts match it
    media/...            MEDIA_ROOT (uploads, certificate PDFs, drill files, images)
    storage-ALIAS/...    any other file-system storage root the settings define (STORAGES)

It is written under a hidden `.partial` name and renamed when complete, so a crash never leaves
something that looks like a backup. A restore goes only into an empty database and empty storage
directories, and checks every checksum before it changes anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess  # nosec B404 # pg_dump / pg_restore with an argument list, no shell
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connections, transaction
from django.utils.translation import gettext as _

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.dump"
NAME_PATTERN = re.compile(r"^backup-(\d{8}-\d{6})$")
NAME_FORMAT = "backup-%Y%m%d-%H%M%S"
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """A refusal or a failure, with a message for the operator (the commands exit non-zero)."""


@dataclass
class Snapshot:
    """What a database holds at one instant: rows per table and latest migration per app."""

    tables: dict[str, int] = field(default_factory=dict)
    migrations: dict[str, str] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


# --- shared pieces ----------------------------------------------------------------------------------


def engine_of(using: str = "default") -> str:
    vendor = connections[using].vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(
            _("不支持的数据库类型：%(vendor)s（只支持 SQLite 和 PostgreSQL）。")
            % {"vendor": vendor}
        )
    return vendor


def find_tool(name: str) -> str:
    """The path of a PostgreSQL client program, or a clear error when it is not installed."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            _(
                "找不到 %(tool)s：PostgreSQL 的备份和恢复需要 PostgreSQL 客户端程序，版本不低于"
                "数据库服务器（Debian/Ubuntu：apt install postgresql-client），并且在 PATH 中。"
            )
            % {"tool": name}
        )
    return path


def storage_roots() -> dict[str, Path]:
    """Every directory the settings store files in: MEDIA_ROOT as "media", and the location of any
    other file-system storage in STORAGES (static files excluded: collectstatic rebuilds them) —
    also one whose location comes from a setting, such as the private storage's PRIVATE_MEDIA_ROOT
    (certificate seals and signatures)."""
    from django.core.files.storage import FileSystemStorage, storages

    roots = {"media": Path(settings.MEDIA_ROOT)}
    for alias in settings.STORAGES:
        if alias == "staticfiles":
            continue
        storage = storages[alias]
        if not isinstance(storage, FileSystemStorage):
            continue
        path = Path(storage.location)
        if path != roots["media"]:
            roots[f"storage-{alias}"] = path
    return roots


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _walk_files(root: Path) -> list[Path]:
    """Regular files under root, sorted; symbolic links are refused (they could point anywhere)."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in [
            *filenames,
            *(d for d in dirnames if os.path.islink(os.path.join(dirpath, d))),
        ]:
            path = Path(dirpath, name)
            if path.is_symlink():
                raise BackupError(_("不处理符号链接：%(path)s") % {"path": path})
            out.append(path)
    return sorted(out)


def _copy_tree(source: Path, target: Path, *, live: bool = False) -> int:
    """Copies every file; live=True (a storage the running portal writes to): a file deleted
    between the listing and its copy (a replaced PDF) is left out, not an error."""
    count = 0
    for path in _walk_files(source):
        dest = target / path.relative_to(source)
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copy2(path, dest)
        except FileNotFoundError:
            if not live:
                raise
            continue
        count += 1
    return count


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _latest(rows) -> dict[str, str]:
    latest: dict[str, str] = {}
    for app, name in rows:
        if name > latest.get(app, ""):
            latest[app] = name
    return dict(sorted(latest.items()))


# --- SQLite -----------------------------------------------------------------------------------------


def _sqlite_tables(db: sqlite3.Connection) -> list[str]:
    return [
        name
        for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]


def sqlite_snapshot(path: Path) -> Snapshot:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = _sqlite_tables(db)
        counts = {}
        for table in tables:
            sql = f"SELECT count(*) FROM {_quote(table)}"  # nosec B608 # a quoted sqlite_master name
            counts[table] = db.execute(sql).fetchone()[0]
        snapshot = Snapshot(tables=counts)
        if "django_migrations" in tables:
            snapshot.migrations = _latest(db.execute("SELECT app, name FROM django_migrations"))
        return snapshot
    finally:
        db.close()


def _backup_sqlite(using: str, dest: Path) -> Snapshot:
    """The online backup API from Django's own connection (also an in-memory test database); the
    copy is switched to a rollback journal so the file stands alone (no -wal beside it)."""
    connection = connections[using]
    connection.ensure_connection()
    target = sqlite3.connect(dest)
    try:
        connection.connection.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")
    finally:
        target.close()
    return sqlite_snapshot(dest)


def _sqlite_target(using: str) -> Path:
    name = str(connections[using].settings_dict["NAME"])
    if name == ":memory:" or "mode=memory" in name:
        raise BackupError(_("恢复需要一个数据库文件，不能恢复到内存数据库。"))
    return Path(name)


def _sqlite_check_empty(path: Path) -> None:
    if not path.exists() or path.stat().st_size == 0:
        return
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = _sqlite_tables(db)
        with_rows = [
            t
            for t in tables
            if db.execute(f"SELECT 1 FROM {_quote(t)} LIMIT 1").fetchone()  # nosec B608 # names from sqlite_master, quoted
        ]
    finally:
        db.close()
    if tables:
        raise _not_empty(len(tables), len(with_rows))


def _restore_sqlite(using: str, source: Path) -> Snapshot:
    target = _sqlite_target(using)
    connections[using].close()
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return sqlite_snapshot(target)


# --- PostgreSQL -------------------------------------------------------------------------------------


def _pg_command(tool: str, using: str) -> tuple[list[str], dict]:
    """The program with the connection arguments of `using` (user, host, port, --dbname) and the
    environment for password and TLS settings, as Django's `dbshell` builds them."""
    from django.db.backends.postgresql.client import DatabaseClient

    settings_dict = connections[using].settings_dict
    args, env = DatabaseClient.settings_to_cmd_args_env(settings_dict, [])
    conn_args = args[1:]
    if settings_dict.get("NAME") and conn_args and conn_args[-1] == settings_dict["NAME"]:
        conn_args = [*conn_args[:-1], "--dbname", conn_args[-1]]
    return [find_tool(tool), "--no-password", *conn_args], {**os.environ, **(env or {})}


def _run(args: list[str], env: dict, what: str) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # nosec B603 # fixed program, argument list
    if done.returncode:
        raise BackupError(
            _("%(what)s 失败（退出码 %(code)d）：%(error)s")
            % {"what": what, "code": done.returncode, "error": done.stderr.strip()[-2000:]}
        )


def _pg_tables(cursor) -> list[str]:
    cursor.execute(
        "SELECT c.relname FROM pg_catalog.pg_class c "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema() ORDER BY c.relname"
    )
    return [name for (name,) in cursor.fetchall()]


def pg_snapshot(cursor) -> Snapshot:
    tables = _pg_tables(cursor)
    snapshot = Snapshot()
    for table in tables:
        cursor.execute(f"SELECT count(*) FROM {_quote(table)}")  # nosec B608 # names from pg_class, quoted
        snapshot.tables[table] = cursor.fetchone()[0]
    if "django_migrations" in tables:
        cursor.execute("SELECT app, name FROM django_migrations")
        snapshot.migrations = _latest(cursor.fetchall())
    return snapshot


def _backup_postgres(using: str, dest: Path) -> Snapshot:
    """pg_dump in the snapshot the counts are read in: one consistent instant for both."""
    args, env = _pg_command("pg_dump", using)
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot_id = cursor.fetchone()[0]
        snapshot = pg_snapshot(cursor)
        _run(
            [*args, "--format=custom", f"--snapshot={snapshot_id}", "--file", str(dest)],
            env,
            "pg_dump",
        )
    return snapshot


def _pg_check_empty(using: str) -> None:
    with connections[using].cursor() as cursor:
        tables = _pg_tables(cursor)
        with_rows = 0
        for table in tables:
            cursor.execute(f"SELECT 1 FROM {_quote(table)} LIMIT 1")  # nosec B608 # names from pg_class, quoted
            with_rows += cursor.fetchone() is not None
    if tables:
        raise _not_empty(len(tables), with_rows)


def _restore_postgres(using: str, source: Path) -> Snapshot:
    args, env = _pg_command("pg_restore", using)
    _run(
        [
            *args,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            str(source),
        ],
        env,
        "pg_restore",
    )
    with connections[using].cursor() as cursor:
        return pg_snapshot(cursor)


def _not_empty(tables: int, with_rows: int) -> BackupError:
    return BackupError(
        _(
            "目标数据库不是空的：已有 %(tables)d 张表，其中 %(rows)d 张有数据。恢复只写入一个新建的"
            "空数据库（SQLite：一个不存在的文件；PostgreSQL：createdb 之后、migrate 之前），"
            "不会覆盖现有数据。"
        )
        % {"tables": tables, "rows": with_rows}
    )


# --- backup -----------------------------------------------------------------------------------------


def create_backup(output: Path, *, using: str = "default", now: datetime | None = None) -> Path:
    """Writes a complete backup directory under `output` and returns its path."""
    engine = engine_of(using)
    if engine == "postgresql":
        find_tool("pg_dump")  # before anything is written
    now = now or datetime.now(UTC)
    roots = storage_roots()
    for root in roots.values():
        if output.resolve().is_relative_to(root.resolve()):
            raise BackupError(_("备份目录不能在被备份的文件目录 %(root)s 之内。") % {"root": root})
    output.mkdir(parents=True, exist_ok=True)
    final = output / now.strftime(NAME_FORMAT)
    if final.exists():
        raise BackupError(_("备份目录已存在：%(path)s") % {"path": final})
    work = output / f".{final.name}.partial"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(mode=0o700)  # password hashes, ID numbers: readable by the portal's user only
    try:
        database_file = SQLITE_FILE if engine == "sqlite" else POSTGRES_FILE
        backup = _backup_sqlite if engine == "sqlite" else _backup_postgres
        snapshot = backup(using, work / database_file)
        for name, root in roots.items():
            (work / name).mkdir()
            if root.is_dir():
                _copy_tree(root, work / name, live=True)
        files = {
            path.relative_to(work).as_posix(): {"sha256": sha256(path), "size": path.stat().st_size}
            for path in _walk_files(work)
        }
        import django

        manifest = {
            "format": FORMAT,
            "created_at": now.isoformat(timespec="seconds"),
            "engine": engine,
            "django": django.get_version(),
            "database_file": database_file,
            "storages": sorted(roots),
            "migrations": snapshot.migrations,
            "tables": snapshot.tables,
            "files": files,
        }
        (work / MANIFEST).write_text(
            json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8"
        )
        work.rename(final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return final


def read_manifest(backup: Path) -> dict:
    path = backup / MANIFEST
    if not path.is_file():
        raise BackupError(
            _("不是一个备份目录（没有 %(file)s）：%(path)s") % {"file": MANIFEST, "path": backup}
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupError(_("备份清单无法读取：%(error)s") % {"error": exc}) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(
            _("不认识的备份格式：%(format)s（本程序读取格式 %(expected)d）。")
            % {
                "format": manifest.get("format") if isinstance(manifest, dict) else "?",
                "expected": FORMAT,
            }
        )
    return manifest


# --- retention --------------------------------------------------------------------------------------


def backups_in(output: Path) -> list[tuple[datetime, Path]]:
    """The complete backups in `output` (named by this module, with a manifest), newest first."""
    found = []
    if output.is_dir():
        for path in output.iterdir():
            match = NAME_PATTERN.match(path.name)
            if match and path.is_dir() and (path / MANIFEST).is_file():
                when = datetime.strptime(match.group(1), "%Y%m%d-%H%M%S").replace(tzinfo=UTC)
                found.append((when, path))
    return sorted(found, reverse=True)


def prune(
    output: Path, *, keep_daily: int, keep_weekly: int, keep: Path | None = None
) -> list[Path]:
    """Keeps the newest backup of each of the newest `keep_daily` days that have one and of each of
    the newest `keep_weekly` ISO weeks that have one (and `keep`); removes the other backups in
    `output`. Only complete backups named by this module are ever removed."""
    keep_paths = {keep} if keep else set()
    days: dict = {}
    weeks: dict = {}
    for when, path in backups_in(output):  # newest first: the first of each bucket is kept
        day, week = when.date(), tuple(when.isocalendar())[:2]
        if day not in days and len(days) < keep_daily:
            days[day] = path
        if week not in weeks and len(weeks) < keep_weekly:
            weeks[week] = path
    keep_paths |= set(days.values()) | set(weeks.values())
    removed = []
    for _when, path in backups_in(output):
        if path not in keep_paths:
            shutil.rmtree(path)
            removed.append(path)
    return removed


# --- restore ----------------------------------------------------------------------------------------


def verify(backup: Path, manifest: dict) -> None:
    """Every file the manifest lists is present with its checksum and size, and nothing else."""
    listed = manifest.get("files") or {}
    present = {
        path.relative_to(backup).as_posix()
        for path in _walk_files(backup)
        if path.name != MANIFEST or path.parent != backup
    }
    problems = []
    for name in sorted(set(listed) - present):
        problems.append(_("缺少文件：%(name)s") % {"name": name})
    for name in sorted(present - set(listed)):
        problems.append(_("清单中没有的文件：%(name)s") % {"name": name})
    for name in sorted(set(listed) & present):
        path = backup / name
        if path.stat().st_size != listed[name]["size"] or sha256(path) != listed[name]["sha256"]:
            problems.append(_("校验和不符：%(name)s") % {"name": name})
    if problems:
        raise BackupError(
            _("备份已损坏或被改动，未恢复任何内容：%(problems)s")
            % {"problems": "；".join(problems[:20])}
        )


def _check_migrations(manifest: dict) -> list[str]:
    """Refuses a backup from newer code (a migration this code does not have); returns the apps
    whose schema is older than this code's (`migrate` brings them up after the restore)."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    unknown = [
        f"{app}.{name}"
        for app, name in manifest.get("migrations", {}).items()
        if (app, name) not in known
    ]
    if unknown:
        raise BackupError(
            _("备份来自更新的程序版本（本程序没有这些迁移：%(migrations)s）。请先升级程序再恢复。")
            % {"migrations": ", ".join(unknown)}
        )
    backed_up = manifest.get("migrations", {})
    return sorted({app for app, name in loader.graph.leaf_nodes() if backed_up.get(app) != name})


def _check_storage_empty(roots: dict[str, Path], names: list[str]) -> None:
    for name in names:
        if name not in roots:
            raise BackupError(
                _("备份中有存储目录 %(name)s，但当前设置没有定义它。") % {"name": name}
            )
        root = roots[name]
        if root.exists() and any(p.is_file() or p.is_symlink() for p in root.rglob("*")):
            raise BackupError(
                _("目标文件目录不是空的：%(path)s。恢复只写入空目录，不会覆盖现有文件。")
                % {"path": root}
            )


@dataclass
class RestoreReport:
    tables: int
    rows: int
    files: int
    pending_migrations: list[str]


def restore_backup(backup: Path, *, using: str = "default") -> RestoreReport:
    """Checks everything first (manifest, checksums, migrations, an empty database and empty
    storage directories), then restores the database and the files and compares every table's
    row count with the manifest."""
    manifest = read_manifest(backup)
    engine = engine_of(using)
    if manifest.get("engine") != engine:
        raise BackupError(
            _("备份来自 %(source)s 数据库，当前数据库是 %(target)s：只能恢复到同一种数据库。")
            % {"source": manifest.get("engine"), "target": engine}
        )
    verify(backup, manifest)
    pending = _check_migrations(manifest)
    if engine == "sqlite":
        _sqlite_check_empty(_sqlite_target(using))
    else:
        find_tool("pg_restore")
        _pg_check_empty(using)
    roots = storage_roots()
    names = manifest.get("storages") or []
    _check_storage_empty(roots, names)

    database_file = backup / manifest["database_file"]
    restore = _restore_sqlite if engine == "sqlite" else _restore_postgres
    snapshot = restore(using, database_file)
    files = 0
    for name in names:
        roots[name].mkdir(parents=True, exist_ok=True)
        files += _copy_tree(backup / name, roots[name])

    expected = manifest.get("tables") or {}
    differences = [
        _("%(table)s：清单 %(expected)s 行，恢复后 %(actual)s 行")
        % {"table": t, "expected": expected.get(t, "-"), "actual": snapshot.tables.get(t, "-")}
        for t in sorted(set(expected) | set(snapshot.tables))
        if expected.get(t) != snapshot.tables.get(t)
    ]
    if differences:
        raise BackupError(
            _("恢复后的行数与备份清单不一致：%(differences)s")
            % {"differences": "；".join(differences[:20])}
        )
    return RestoreReport(
        tables=len(snapshot.tables), rows=snapshot.rows, files=files, pending_migrations=pending
    )

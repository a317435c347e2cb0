"""`manage.py backup` and `manage.py restore` (portal/backup.py, README "Backup and restore").

The backup is taken in-process from the test database (committed data: transactional tests); the
restore runs in a subprocess whose DATABASE_URL and MEDIA_ROOT point at a fresh target — a new
SQLite file, or on PostgreSQL a new database created here — as tests/system does with
bench/loadkit.py. Every table's row count and every file are compared, so a new model or a new
kind of upload is covered without editing these tests."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from portal import backup

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import loadkit  # noqa: E402  (bench/loadkit.py: subprocess environment, throwaway databases)

# Committed data: pg_dump and the restore subprocess see only what is committed.
transactional = pytest.mark.django_db(transaction=True)

POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")
only_sqlite = pytest.mark.skipif(
    POSTGRES, reason="SQLite variant: DATABASE_URL is PostgreSQL (the PostgreSQL variant runs)"
)
only_postgres = pytest.mark.skipif(
    not POSTGRES,
    reason="PostgreSQL variant: runs only when DATABASE_URL is postgres://… (this run is SQLite)",
)


# --- the data and the targets -----------------------------------------------------------------------


@pytest.fixture
def portal_data(district, enterprise, worker, settings):
    """An exam running (a worker's attempt in progress with a saved answer), a certificate with its
    rendered PDF, and a drill plan file: rows in many tables and private files in MEDIA_ROOT."""
    from certificates import tasks
    from exams import engine
    from exams.models import QuestionBank
    from tests.certificates.factories import CertificateTemplateFactory, issue_manual_certificate
    from tests.exams.factories import make_paper, make_questions

    now = timezone.now()
    bank = QuestionBank.objects.create(name="备份题库", region=district)
    paper = make_paper(owner_region=district, questions=make_questions(bank, 3, "single"))
    attempt, _created = engine.start_or_resume(paper=paper, person=worker.person, now=now)
    question = attempt.items.order_by("pk").first().question_id
    engine.save_answer(attempt=attempt, question_id=question, response=["B"], seq=1, now=now)

    certificate = issue_manual_certificate(
        worker.person, template=CertificateTemplateFactory(name="备份证书模板")
    )
    tasks.render_certificate_pdf(certificate.pk)
    certificate.refresh_from_db()
    assert certificate.pdf
    assert Path(certificate.pdf.path).read_bytes().startswith(b"%PDF")

    plans = Path(settings.MEDIA_ROOT) / "drills" / "plans"
    plans.mkdir(parents=True)
    (plans / "预案.txt").write_text("一、报警\n二、疏散\n", encoding="utf-8")
    return {"attempt": attempt.pk, "pdf": certificate.pdf.name}


@pytest.fixture
def target(tmp_path):
    """A fresh restore target: (environment for the subprocess, kind, database URL). SQLite: a file
    that does not exist yet; PostgreSQL: a new database on the suite's server (dropped after)."""
    base = tmp_path / "target"
    if POSTGRES:
        name = f"portal_backup_t{os.getpid()}_{secrets.token_hex(3)}"
        url = loadkit.create_pg_database(os.environ["DATABASE_URL"], name)
        try:
            yield loadkit.django_env(var_dir=base, database_url=url, settings="portal.settings")
        finally:
            loadkit.drop_pg_database(os.environ["DATABASE_URL"], name)
    else:
        url = f"sqlite:///{base / 'restored.sqlite3'}"
        yield loadkit.django_env(var_dir=base, database_url=url, settings="portal.settings")


def manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [loadkit.PYTHON, "manage.py", *args],
        cwd=loadkit.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


_READ_BACK = """
import json
from django.db import connection as c
from exams.models import Attempt, AttemptQuestion
cur = c.cursor()
counts = {}
for t in c.introspection.table_names(cur):
    cur.execute("SELECT count(*) FROM " + c.ops.quote_name(t))
    counts[t] = cur.fetchone()[0]
attempt = ATTEMPT
state = answers = None
if attempt:
    state = Attempt.objects.get(pk=attempt).state
    answers = {str(q): [seq, list(r or [])] for q, seq, r in AttemptQuestion.objects.filter(
        attempt_id=attempt).values_list("question_id", "seq", "response")}
print(json.dumps({"counts": counts, "state": state, "answers": answers}))
"""


def counts_here() -> dict[str, int]:
    out = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
            out[table] = cursor.fetchone()[0]
    return out


def read_back(env: dict, attempt: int | None = None) -> dict:
    """Every table's row count in the target (and an attempt's state and saves), read by a
    separate process."""
    script = _READ_BACK.replace("ATTEMPT", repr(attempt))
    out = loadkit.run_django(env, "manage.py", "shell", "--no-imports", "-c", script)
    return json.loads(out.strip().splitlines()[-1])


def target_tables(env: dict) -> list[str]:
    """The tables the target database has, read without Django (an SQLite file is not created)."""
    url = env["DATABASE_URL"]
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        if not path.exists():
            return []
        db = sqlite3.connect(path)
        try:
            return [n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        finally:
            db.close()
    done = subprocess.run(
        ["psql", url, "-Atc", "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.split()


def files_under(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def answers_here(attempt_id: int) -> dict:
    from exams.models import AttemptQuestion

    return {
        str(q): [seq, list(r or [])]
        for q, seq, r in AttemptQuestion.objects.filter(attempt_id=attempt_id).values_list(
            "question_id", "seq", "response"
        )
    }


def take_backup(tmp_path: Path) -> Path:
    call_command("backup", output=tmp_path / "backups", stdout=open(os.devnull, "w"))  # noqa: SIM115
    (path,) = (tmp_path / "backups").iterdir()
    return path


# --- the round trip ---------------------------------------------------------------------------------


def _round_trip(portal_data, target, tmp_path, settings):
    media = Path(settings.MEDIA_ROOT)
    before = counts_here()
    answers_before = answers_here(portal_data["attempt"])
    path = take_backup(tmp_path)

    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == backup.FORMAT
    assert manifest["engine"] == connection.vendor
    assert manifest["tables"] == before
    assert manifest["migrations"]["exams"].startswith("0")
    assert f"media/{portal_data['pdf']}" in manifest["files"]
    assert datetime.fromisoformat(manifest["created_at"]).tzinfo is not None

    done = manage(target, "restore", str(path))
    assert done.returncode == 0, done.stderr
    assert "恢复完成" in done.stdout
    assert "migrate" not in done.stdout  # the backup's schema is this code's

    restored = read_back(target, portal_data["attempt"])
    assert restored["counts"] == before
    restored_media = Path(target["MEDIA_ROOT"])
    originals = files_under(media)
    assert len(originals) >= 2
    assert files_under(restored_media) == originals  # every file, byte for byte
    # the exam that was running is still running, with the answer it had saved
    assert restored["state"] == "in_progress"
    assert restored["answers"] == answers_before
    assert any(seq == 1 for seq, _response in answers_before.values())


@transactional
@only_sqlite
def test_backup_and_restore_round_trip_sqlite(portal_data, target, tmp_path, settings):
    _round_trip(portal_data, target, tmp_path, settings)


@transactional
@only_postgres
def test_backup_and_restore_round_trip_postgres(portal_data, target, tmp_path, settings):
    _round_trip(portal_data, target, tmp_path, settings)


# --- refusals: nothing is changed -------------------------------------------------------------------


@pytest.fixture
def small_backup(worker, settings, tmp_path):
    media = Path(settings.MEDIA_ROOT)
    (media / "certificates" / "2026").mkdir(parents=True)
    (media / "certificates" / "2026" / "AQ-1.pdf").write_bytes(b"%PDF-1.7 test")
    return take_backup(tmp_path)


def _refused(target, path, expected: str) -> None:
    tables_before = target_tables(target)
    media = Path(target["MEDIA_ROOT"])
    media_before = files_under(media) if media.exists() else {}
    done = manage(target, "restore", str(path))
    assert done.returncode != 0
    assert expected in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert target_tables(target) == tables_before
    assert (files_under(media) if media.exists() else {}) == media_before


@transactional
def test_restore_refuses_a_database_with_tables(small_backup, target):
    if POSTGRES:
        subprocess.run(
            [
                "psql",
                target["DATABASE_URL"],
                "-qc",
                "CREATE TABLE t (x int); INSERT INTO t VALUES (1)",
            ],
            check=True,
            timeout=60,
        )
    else:
        path = Path(target["DATABASE_URL"].removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path)
        db.execute("CREATE TABLE t (x int)")
        db.execute("INSERT INTO t VALUES (1)")
        db.commit()
        db.close()
    _refused(target, small_backup, "目标数据库不是空的：已有 1 张表，其中 1 张有数据")


@transactional
def test_restore_refuses_a_non_empty_media_directory(small_backup, target):
    media = Path(target["MEDIA_ROOT"])
    (media / "images").mkdir(parents=True)
    (media / "images" / "old.png").write_bytes(b"old")
    _refused(target, small_backup, "目标文件目录不是空的")
    assert target_tables(target) == []


def _tamper(path: Path, how: str) -> None:
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    pdf = path / "media" / "certificates" / "2026" / "AQ-1.pdf"
    if how == "media_changed":
        pdf.write_bytes(b"%PDF-1.7 forged!")
    elif how == "database_changed":
        with (path / manifest["database_file"]).open("ab") as fh:
            fh.write(b"\0")
    elif how == "file_added":
        (path / "media" / "evil.html").write_text("<script>")
    elif how == "file_removed":
        pdf.unlink()
    else:  # same size, one bit flipped
        data = bytearray(pdf.read_bytes())
        data[-1] ^= 1
        pdf.write_bytes(bytes(data))


@transactional
def test_restore_refuses_a_tampered_backup(small_backup, target):
    """Checked before anything is touched: the target database and media stay empty."""
    _tamper(small_backup, "media_changed")
    _refused(target, small_backup, "备份已损坏或被改动，未恢复任何内容")
    assert target_tables(target) == []
    media = Path(target["MEDIA_ROOT"])
    assert not media.exists() or files_under(media) == {}


@transactional
def test_every_kind_of_tampering_fails_verification(small_backup, tmp_path):
    manifest = backup.read_manifest(small_backup)
    backup.verify(small_backup, manifest)  # intact: no error
    for how in ["media_changed", "database_changed", "file_added", "file_removed", "bit_flipped"]:
        copy = tmp_path / how
        shutil.copytree(small_backup, copy)
        _tamper(copy, how)
        with pytest.raises(backup.BackupError, match="备份已损坏或被改动"):
            backup.verify(copy, manifest)


@transactional
def test_restore_refuses_a_backup_from_the_other_engine(small_backup, target):
    manifest_path = small_backup / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["engine"] = "sqlite" if POSTGRES else "postgresql"
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    _refused(target, small_backup, "只能恢复到同一种数据库")


@transactional
def test_restore_refuses_a_backup_from_newer_code(small_backup, target):
    manifest_path = small_backup / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["migrations"]["exams"] = "9999_from_the_future"
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    _refused(target, small_backup, "9999_from_the_future")


def test_restore_of_a_directory_that_is_not_a_backup(tmp_path, target):
    _refused(target, tmp_path, "不是一个备份目录")


# --- the backup side --------------------------------------------------------------------------------


@transactional
def test_backup_copies_every_file_storage_the_settings_define(worker, settings, tmp_path):
    """A storage added to STORAGES with its own location (e.g. private files) is in the backup."""
    private = tmp_path / "private"
    (private / "certs").mkdir(parents=True)
    (private / "certs" / "key.txt").write_text("secret")
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(private)},
        },
    }
    path = take_backup(tmp_path)
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["storages"] == ["media", "storage-private"]
    assert "storage-private/certs/key.txt" in manifest["files"]
    assert (path / "storage-private" / "certs" / "key.txt").read_text() == "secret"


@transactional
def test_backup_leaves_out_a_file_deleted_while_it_runs(worker, settings, tmp_path, monkeypatch):
    """The portal replaces a PDF between the listing and the copy: the backup still completes."""
    media = Path(settings.MEDIA_ROOT)
    media.mkdir(parents=True)
    (media / "gone.pdf").write_bytes(b"old")
    (media / "kept.pdf").write_bytes(b"kept")
    copy2 = shutil.copy2

    def racing_copy2(source, dest, **kwargs):
        if Path(source).name == "gone.pdf":
            Path(source).unlink()
        return copy2(source, dest, **kwargs)

    monkeypatch.setattr(shutil, "copy2", racing_copy2)
    path = take_backup(tmp_path)
    files = backup.read_manifest(path)["files"]
    assert "media/kept.pdf" in files
    assert "media/gone.pdf" not in files
    backup.verify(path, backup.read_manifest(path))


@transactional
def test_backup_is_private_to_the_portal_user(worker, tmp_path):
    path = take_backup(tmp_path)
    assert path.stat().st_mode & 0o777 == 0o700


@transactional
def test_backup_refuses_an_output_inside_media(worker, settings):
    output = Path(settings.MEDIA_ROOT) / "backups"
    with pytest.raises(CommandError, match="备份目录不能在被备份的文件目录"):
        call_command("backup", output=output)
    assert not output.exists()


@transactional
def test_backup_is_complete_or_absent(worker, tmp_path, monkeypatch):
    """A failure half-way leaves no directory that looks like a backup."""

    def broken(*args, **kwargs):
        raise backup.BackupError("磁盘已满")

    monkeypatch.setattr(backup, "sha256", broken)
    with pytest.raises(CommandError, match="磁盘已满"):
        call_command("backup", output=tmp_path / "backups")
    assert list((tmp_path / "backups").iterdir()) == []


def test_missing_postgresql_client_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(backup.BackupError, match="找不到 pg_dump.*postgresql-client"):
        backup.find_tool("pg_dump")


# --- retention --------------------------------------------------------------------------------------


def _fake_backups(output: Path, stamps: list[str]) -> None:
    for stamp in stamps:
        (output / f"backup-{stamp}").mkdir(parents=True)
        (output / f"backup-{stamp}" / "manifest.json").write_text("{}")


def test_prune_keeps_the_newest_backup_of_each_recent_day_and_week(tmp_path):
    stamps = [
        "20261130-100000",  # Monday, ISO week 49
        "20261130-020000",  # same day, older
        "20261129-020000",  # Sunday, week 48
        "20261128-020000",
        "20261127-020000",
        "20261120-020000",  # week 47
        "20261113-020000",  # week 46
        "20261106-020000",
        "20261030-020000",
    ]
    _fake_backups(tmp_path, stamps)
    (tmp_path / "backup-20261001-020000").mkdir()  # incomplete: no manifest
    (tmp_path / ".backup-20261201-020000.partial").mkdir()
    (tmp_path / "notes").mkdir()
    removed = backup.prune(tmp_path, keep_daily=3, keep_weekly=3)
    assert sorted(p.name for p in removed) == [
        "backup-20261030-020000",
        "backup-20261106-020000",
        "backup-20261113-020000",
        "backup-20261127-020000",
        "backup-20261130-020000",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".backup-20261201-020000.partial",
        "backup-20261001-020000",
        "backup-20261120-020000",
        "backup-20261128-020000",
        "backup-20261129-020000",
        "backup-20261130-100000",
        "notes",
    ]


@transactional
def test_backup_command_prunes_with_keep_daily(worker, tmp_path):
    output = tmp_path / "backups"
    _fake_backups(output, ["20200101-020000", "20200102-020000"])
    out = open(tmp_path / "out.txt", "w+")  # noqa: SIM115
    call_command("backup", output=output, keep_daily=2, stdout=out)
    names = sorted(p.name for p in output.iterdir())
    assert len(names) == 2
    assert names[0] == "backup-20200102-020000"
    assert names[1] > f"backup-{datetime.now(UTC):%Y%m%d}"
    out.seek(0)
    assert "backup-20200101-020000" in out.read()


def test_backup_command_refuses_a_negative_keep(tmp_path):
    with pytest.raises(CommandError):
        call_command("backup", output=tmp_path, keep_daily=-1)
    assert list(tmp_path.iterdir()) == []


# --- while the portal runs; after the restore ---------------------------------------------------------


@transactional
@only_sqlite
def test_sqlite_backup_while_a_writer_commits_is_consistent(small_backup, tmp_path):
    """The portal keeps writing (an exam's saves) while `manage.py backup` runs in another process:
    the writer is never refused, and the copy holds whole transactions only (10 rows each)."""
    import threading

    live = tmp_path / "live.sqlite3"
    shutil.copy(small_backup / "database.sqlite3", live)
    db = sqlite3.connect(live)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE live_saves (n integer)")
    db.close()
    stop, errors, committed = threading.Event(), [], [0]

    def write():
        conn = sqlite3.connect(live, timeout=20, isolation_level=None)
        try:
            while not stop.is_set():
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    conn.executemany("INSERT INTO live_saves VALUES (?)", [(i,) for i in range(10)])
                    conn.execute("COMMIT")
                    committed[0] += 1
                except sqlite3.Error as exc:
                    errors.append(exc)
        finally:
            conn.close()

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    env = loadkit.django_env(
        var_dir=tmp_path / "live", database_url=f"sqlite:///{live}", settings="portal.settings"
    )
    try:
        done = manage(env, "backup", "--output", str(tmp_path / "live-backups"))
    finally:
        stop.set()
        writer.join(timeout=30)
    assert done.returncode == 0, done.stderr
    assert errors == []
    (path,) = (tmp_path / "live-backups").iterdir()
    manifest = backup.read_manifest(path)
    saved = manifest["tables"]["live_saves"]
    assert saved % 10 == 0
    assert 0 < saved <= committed[0] * 10
    assert backup.sqlite_snapshot(path / "database.sqlite3").tables == manifest["tables"]


@transactional
def test_restore_reports_a_table_whose_count_differs_from_the_manifest(small_backup, target):
    manifest_path = small_backup / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["tables"]["portal_person"] += 1
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    done = manage(target, "restore", str(small_backup))
    assert done.returncode == 1
    assert "恢复后的行数与备份清单不一致：portal_person" in done.stderr


def test_restore_tells_when_this_code_has_newer_migrations_than_the_backup():
    from django.db.migrations.loader import MigrationLoader

    current = dict(MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes())
    assert backup._check_migrations({"migrations": current}) == []
    older = {**current, "exams": "0001_initial"}
    assert backup._check_migrations({"migrations": older}) == ["exams"]
    with pytest.raises(backup.BackupError, match="exams.9999_newer"):
        backup._check_migrations({"migrations": {**current, "exams": "9999_newer"}})

"""Backup during a running exam, restore into a fresh database and media directory (issue 21).

The demo district (`manage.py seed_demo`, with its rendered certificate PDFs, CMS pages, drills,
courses) plus workers taking an exam on gunicorn, saving answers all the time; `manage.py backup`
runs in its own process meanwhile (the cron line of docs/deployment.md). Then `manage.py restore`
into a new database (PostgreSQL: a new database on the same server; SQLite: a new file) and an empty
MEDIA_ROOT, and the test compares on its own, by reading the restored database from another
process: every table's row count with the manifest, the tables the exam does not write with the
live database, every save acknowledged before the backup began, and a sample of files byte for
byte with the live media directory. The portal never refused a save while the backup ran."""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import secrets
import time
from pathlib import Path

import loadkit
import pytest

from tests.portal.test_backup import read_back
from tests.system.support import Saver, seed, start_attempts

PEOPLE = 8
# The exam's traffic writes these while the backup runs: answers, the event log, and the tokens'
# last use; their counts in the backup are those of its snapshot, not of the end of the test.
EXAM_TABLES = ("exams_attempt", "portal_apitoken", "django_q_", "django_session")


@pytest.fixture
def restore_target(system_template, tmp_path):
    """The environment of a fresh restore target: an empty new database, an empty MEDIA_ROOT."""
    kind, server, _template = system_template
    base = tmp_path / "restored"
    if kind == "postgres":
        name = f"portal_restore_{os.getpid()}_{secrets.token_hex(3)}"
        url = loadkit.create_pg_database(server, name)
        try:
            yield loadkit.django_env(var_dir=base, database_url=url)
        finally:
            loadkit.drop_pg_database(server, name)
    else:
        yield loadkit.django_env(var_dir=base, database_url=f"sqlite:///{base / 'db.sqlite3'}")


def counts(env: dict) -> dict[str, int]:
    return read_back(env)["counts"]


def files_under(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_backup_of_the_demo_district_during_an_exam_restores_completely(
    system_env, restore_target, tmp_path
):
    from pypdf import PdfReader

    loadkit.run_django(system_env, "manage.py", "seed_demo", timeout=900)
    paper, keys = seed(system_env, PEOPLE)
    server = loadkit.Gunicorn(system_env, workers=2, threads=4, log=tmp_path / "gunicorn.log")
    output = tmp_path / "backups"
    try:
        server.wait_ready()
        saver = Saver(server.port, start_attempts(server.port, paper, keys)).start()
        while saver.saves < 3 * PEOPLE:  # the exam is under way
            assert all(t.is_alive() for t in saver.threads), saver.failures[:5]
            time.sleep(0.05)
        with saver.lock:
            acked_before = dict(saver.acked)
            saves_before = saver.saves
        # the backup runs in its own process while the clients keep saving
        loadkit.run_django(system_env, "manage.py", "backup", "--output", str(output))
        saves_during = saver.saves - saves_before
        saver.finish()
    finally:
        server.stop()
    # the portal kept answering while the backup ran: no save was refused or cut
    assert saver.failures == []
    (backup_dir,) = output.iterdir()
    manifest = json.loads((backup_dir / "manifest.json").read_text(encoding="utf-8"))

    loadkit.run_django(restore_target, "manage.py", "restore", str(backup_dir))

    # every table: the restored count is the backup's; tables the exam does not write are as live
    restored, live = counts(restore_target), counts(system_env)
    assert restored == manifest["tables"]
    assert set(restored) == set(live)
    changed = {t for t in live if live[t] != restored[t]}
    assert all(t.startswith(EXAM_TABLES) for t in changed), sorted(changed)
    for table in ("portal_region", "portal_person", "wagtailcore_page", "certificates_certificate"):
        assert restored[table] > 0, table
    assert restored["exams_attemptquestion"] > 0

    # every save acknowledged before the backup began is in the restored database
    saved = json.loads(
        loadkit.run_django(restore_target, "answers", *sorted({str(a) for a, _q in acked_before}))
    )
    lost = []
    for (attempt, question), (seq, response) in acked_before.items():
        held_seq, held_response = saved[str(attempt)][str(question)]
        if held_seq < seq or (held_seq == seq and held_response != response):
            lost.append((attempt, question, seq, response, held_seq, held_response))
    assert lost == []

    # files: every one in the manifest, and a sample byte for byte with the live media directory
    live_media = Path(system_env["MEDIA_ROOT"])
    restored_media = Path(restore_target["MEDIA_ROOT"])
    live_files, restored_files = files_under(live_media), files_under(restored_media)
    in_manifest = {
        name.removeprefix("media/"): entry["sha256"]
        for name, entry in manifest["files"].items()
        if name.startswith("media/")
    }
    assert restored_files == in_manifest
    pdfs = [name for name in restored_files if name.endswith(".pdf")]
    assert pdfs, "the demo district's certificate PDFs"
    sample = random.Random(21).sample(sorted(restored_files), min(10, len(restored_files)))
    for name in {*sample, pdfs[0]}:
        data = (restored_media / name).read_bytes()
        assert data == (live_media / name).read_bytes(), name
        assert restored_files[name] == live_files[name]
        if name.endswith(".pdf"):
            assert len(PdfReader(io.BytesIO(data)).pages) >= 1
    # the private storage (certificate seals and signatures, served by nothing) comes back too
    live_private = files_under(Path(system_env["PORTAL_VAR_DIR"]) / "private")
    assert live_private, "the demo templates' seals"
    assert files_under(Path(restore_target["PORTAL_VAR_DIR"]) / "private") == live_private
    print(
        f"\n{sum(restored.values())} rows in {len(restored)} tables and {len(restored_files)} "
        f"media files restored; {saves_during} saves acknowledged while the backup ran"
    )

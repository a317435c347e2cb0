"""Restart PostgreSQL during an exam — a private server, never the shared one: initdb in a temp dir
(as the postgres OS user), a copy of the migrated throwaway schema, gunicorn on it, clients saving
answers; `pg_ctl stop -m fast`, a few seconds of outage, `pg_ctl start`. During the outage a save gets
a 503 JSON with a Chinese message and Retry-After (never a 500 page); the clients retry; afterwards
every acknowledged save is in the database and new saves succeed (CONN_HEALTH_CHECKS reconnects).

Runs in the PostgreSQL run of the suite only (DATABASE_URL=postgres://…), and only where the
PostgreSQL server binaries, runuser and root are available; skipped otherwise."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import loadkit
import pytest

from tests.system.support import Saver, assert_acknowledged_saves_stored, seed, start_attempts


def _pg_bin() -> Path | None:
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    return None


@pytest.fixture
def private_postgres(system_template):
    kind, shared_url, template = system_template
    if kind != "postgres":
        pytest.skip("the PostgreSQL restart runs in the PostgreSQL run of the suite only")
    pg_bin = _pg_bin()
    if pg_bin is None or not shutil.which("runuser") or os.geteuid() != 0:
        pytest.skip("needs /usr/lib/postgresql/*/bin (initdb, pg_ctl), runuser and root")
    tmp = Path(tempfile.mkdtemp(prefix="portal-pg-"))
    tmp.chmod(0o755)
    shutil.chown(tmp, "postgres")
    data, port = tmp / "data", loadkit.free_port()

    def pg_ctl(*args, check=True):
        return subprocess.run(
            ["runuser", "-u", "postgres", "--", str(pg_bin / "pg_ctl"), "-D", str(data), *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=check,
        )

    options = f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1 -c fsync=off"
    try:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", str(pg_bin / "initdb"), "-D", str(data)]
            + ["-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale"],
            capture_output=True,
            check=True,
            timeout=120,
        )
        pg_ctl("-l", str(tmp / "server.log"), "-w", "-t", "30", "-o", options, "start")
        url = f"postgres://postgres@127.0.0.1:{port}/portal_private"
        subprocess.run(
            [
                "psql",
                f"postgres://postgres@127.0.0.1:{port}/postgres",
                "-qc",
                "CREATE DATABASE portal_private",
            ],
            check=True,
            capture_output=True,
            timeout=30,
        )
        dump = subprocess.run(
            ["pg_dump", "--no-owner", loadkit.with_database(shared_url, template)],
            check=True,
            capture_output=True,
            timeout=120,
        ).stdout
        subprocess.run(
            ["psql", url, "-q", "-v", "ON_ERROR_STOP=1"],
            input=dump,
            check=True,
            capture_output=True,
            timeout=120,
        )

        def restart(outage: float) -> None:
            pg_ctl("-m", "fast", "-w", "stop")
            time.sleep(outage)
            pg_ctl("-l", str(tmp / "server.log"), "-w", "-t", "30", "-o", options, "start")

        yield url, restart
    finally:
        with contextlib.suppress(Exception):
            pg_ctl("-m", "immediate", "-w", "stop", check=False)
        pid_file = data / "postmaster.pid"
        if pid_file.exists():  # pg_ctl could not stop it
            with contextlib.suppress(Exception):
                os.kill(int(pid_file.read_text().split()[0]), 9)
        shutil.rmtree(tmp, ignore_errors=True)


def _save_once(port, key, attempt_id, question):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        conn.request(
            "PUT",
            loadkit.save_path(attempt_id, question["id"]),
            body=json.dumps({"response": [question["options"][0]["key"]], "seq": 10**9}),
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        )
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def test_a_postgresql_restart_loses_no_acknowledged_save(private_postgres, tmp_path):
    url, restart = private_postgres
    env = loadkit.django_env(var_dir=tmp_path / "var", database_url=url)
    paper, keys = seed(env, 8)
    server = loadkit.Gunicorn(env, workers=2, threads=4, log=tmp_path / "gunicorn.log")
    try:
        server.wait_ready()
        attempts = start_attempts(server.port, paper, keys)
        saver = Saver(server.port, attempts, pause=0.05, retry_pause=0.3).start()
        time.sleep(2)
        before = saver.saves
        outage = {}

        def probe():  # one save in the middle of the outage, headers and all
            time.sleep(1.5)
            key, attempt_id, questions = attempts[0]
            outage["answer"] = _save_once(server.port, key, attempt_id, questions[-1])

        prober = threading.Thread(target=probe)
        prober.start()
        restart(4)
        prober.join(timeout=30)
        time.sleep(3)
        after_restart = saver.saves
        time.sleep(2)
        saver.finish()
        assert saver.saves > after_restart, "saves did not resume after the restart"
    finally:
        server.stop()
    assert before > 0
    status, headers, body = outage["answer"]
    assert status == 503, body[:500]
    assert headers["Content-Type"].startswith("application/json")
    assert int(headers["Retry-After"]) > 0
    assert "数据库" in json.loads(body)["message"]
    statuses = {status for status, *_rest in saver.failures}
    assert statuses == {503}, saver.failures[:5]  # a clear 503 during the outage, never a 500
    assert assert_acknowledged_saves_stored(env, saver.acked) >= len(attempts)

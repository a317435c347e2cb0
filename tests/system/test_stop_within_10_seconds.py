"""Issue 13 finding 16: SIGTERM to `make run` (scripts/run.sh) or to the task cluster took over
60 s to stop it, three times: django-q2's graceful stop waits for every running and prefetched
task. Both now stop within 10 s even with every worker inside a long task, and leave no process
behind (portal/management/commands/qcluster.py, scripts/run.sh)."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import loadkit

LIMIT = 10  # seconds
# Long enough that django-q2's own graceful stop (wait for the running tasks) would take it.
SLOW_TASKS = (
    "from django_q.tasks import async_task\nfor _ in range(4):\n    async_task('time.sleep', 120)\n"
)


def _alive(pid: int) -> bool:
    """A process that exists and is not a zombie (an orphan may wait a moment for its reaper)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _wait_until(predicate, timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"{what}:\n{log.read_text(errors='replace')[-3000:]}"
        time.sleep(0.2)


def _busy_workers(log: Path) -> int:
    """Workers inside one of the slow tasks (django-q2 logs "Process-… processing <task> 'func'")."""
    text = log.read_text(errors="replace") if log.exists() else ""
    return len(set(re.findall(r"^(Process-\w+) processing \S+ 'time\.sleep'", text, re.M)))


def _assert_stops_within_the_limit(proc: subprocess.Popen, signalled_pid: int, log: Path) -> None:
    tree = [proc.pid, *loadkit.descendants(proc.pid)]
    started = time.monotonic()
    os.kill(signalled_pid, signal.SIGTERM)
    try:
        proc.wait(timeout=LIMIT)
    except subprocess.TimeoutExpired:
        raise AssertionError(
            f"still running {LIMIT} s after SIGTERM:\n{log.read_text(errors='replace')[-3000:]}"
        ) from None
    took = time.monotonic() - started
    deadline = time.monotonic() + 2  # orphans reaped by init
    while any(_alive(pid) for pid in tree) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [pid for pid in tree if _alive(pid)] == [], "processes left behind"
    assert took < LIMIT


def test_finding_16_sigterm_stops_the_task_cluster_within_10_seconds(system_env, tmp_path):
    loadkit.run_django(system_env, "manage.py", "shell", "-c", SLOW_TASKS)
    log = tmp_path / "qcluster.log"
    cluster = loadkit.QCluster(system_env, log=log)
    try:
        _wait_until(lambda: _busy_workers(log) >= 2, 90, "the workers took no task", log)
        # as systemd does (KillMode=mixed): SIGTERM to the main process only
        _assert_stops_within_the_limit(cluster.proc, cluster.pid, log)
    finally:
        cluster.stop()


def test_finding_16_sigterm_stops_make_run_within_10_seconds(system_env, tmp_path):
    # a region makes seed_demo --if-empty skip the demo district
    loadkit.run_django(
        system_env,
        "manage.py",
        "shell",
        "-c",
        "from portal.models import Region\n"
        "Region.objects.create(name='停止测试区', code='339700', level='district')\n" + SLOW_TASKS,
    )
    port = loadkit.free_port()
    log = tmp_path / "run.log"
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            ["bash", "scripts/run.sh"],
            cwd=loadkit.ROOT,
            env={**system_env, "PORTAL_PORT": str(port)},
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
    try:
        _wait_until(
            lambda: loadkit.request(port, "GET", "/healthz", timeout=5, fresh=True)[0] != 599,
            120,
            "the portal never answered",
            log,
        )
        _wait_until(lambda: _busy_workers(log) >= 2, 90, "the workers took no task", log)
        # SIGTERM to the script only: it must pass the stop on to the server and the cluster
        _assert_stops_within_the_limit(proc, proc.pid, log)
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        for pid in loadkit.descendants(proc.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        proc.wait(timeout=5)

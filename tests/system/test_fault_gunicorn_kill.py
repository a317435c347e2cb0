"""kill -9 a gunicorn worker during bursts of saves: gunicorn starts a new one, the clients retry
what was not acknowledged, and every acknowledged save is in the database.

Paced by saves, not by the clock: each kill waits until the clients have had SAVES_BETWEEN saves
acknowledged since the last one, so a busy CI machine only makes the test slower, never red."""

from __future__ import annotations

import os
import signal
import time

import loadkit

from tests.system.support import Saver, assert_acknowledged_saves_stored, seed, start_attempts

SAVES_BETWEEN = 30


def _wait_for_saves(saver: Saver, more: int, timeout: float = 180) -> None:
    target = saver.saves + more
    deadline = time.monotonic() + timeout
    while saver.saves < target:
        assert time.monotonic() < deadline, f"only {saver.saves} of {target} saves acknowledged"
        time.sleep(0.1)


def test_every_acknowledged_save_survives_kill_9_of_a_gunicorn_worker(system_env, tmp_path):
    paper, keys = seed(system_env, 12)
    server = loadkit.Gunicorn(system_env, workers=2, threads=4, log=tmp_path / "gunicorn.log")
    try:
        server.wait_ready()
        attempts = start_attempts(server.port, paper, keys)
        saver = Saver(server.port, attempts).start()
        killed = []
        for _round in range(2):
            _wait_for_saves(saver, SAVES_BETWEEN)
            workers = server.worker_pids()
            assert len(workers) == 2, server.log_tail()
            os.kill(workers[0], signal.SIGKILL)
            killed.append(workers[0])
            # gunicorn replaces it
            deadline = time.monotonic() + 20
            while (
                not (len(now := server.worker_pids()) == 2 and killed[-1] not in now)
                and time.monotonic() < deadline
            ):
                time.sleep(0.1)
            assert killed[-1] not in server.worker_pids()
        _wait_for_saves(saver, SAVES_BETWEEN)  # the replaced workers take saves again
        saver.finish()
        assert server.alive()
        assert len(server.worker_pids()) == 2
    finally:
        server.stop()
    assert saver.saves >= 3 * SAVES_BETWEEN
    # the kills cut connections in the middle of the bursts; those saves were retried
    assert any(status == 599 for status, *_rest in saver.failures), saver.failures[:5]
    assert {status for status, *_rest in saver.failures} <= {599, 502, 503}
    assert assert_acknowledged_saves_stored(system_env, saver.acked) >= len(attempts)

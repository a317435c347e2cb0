"""kill -9 a django-q2 worker while it renders certificates: the render cluster (renders have a
cluster of their own, settings.Q_RENDER_CLUSTER; the bulk issue runs in the main one) starts a new
worker, the ORM broker delivers the unacknowledged task again after Q_CLUSTER["retry"] (12 s in
tests/system/qcluster_settings.py), and each source ends with exactly one certificate with a PDF."""

from __future__ import annotations

import json
import os
import re
import signal
import time

import loadkit

RENDER = "certificates.tasks.render_certificate_pdf"


def test_each_source_gets_exactly_one_certificate_after_kill_9_of_a_cluster_worker(
    system_db, tmp_path
):
    markers = tmp_path / "running"
    markers.mkdir()
    env = loadkit.django_env(
        var_dir=tmp_path / "var",
        database_url=system_db,
        settings="tests.system.qcluster_settings",
        extra={"QHOOK_DIR": str(markers)},
    )
    data = json.loads(loadkit.run_django(env, "bulk-certificates", "--people", "8"))
    main = loadkit.QCluster(env, log=tmp_path / "qcluster.log")
    cluster = loadkit.QCluster(env, log=tmp_path / "render.log", nice=19, name="render")
    try:
        killed = None
        deadline = time.monotonic() + 60
        while killed is None:
            assert time.monotonic() < deadline, f"no render started:\n{cluster.log_tail()}"
            for marker in markers.iterdir():
                try:
                    running = marker.read_text()
                except FileNotFoundError:  # that task just finished
                    continue
                if RENDER.rsplit(".", 1)[1] in running:
                    # the marker is written when the task starts: the worker is inside the render
                    os.kill(int(marker.name), signal.SIGKILL)
                    killed = int(marker.name)
                    break
            time.sleep(0.01)
        deadline = time.monotonic() + 120
        while True:
            state = json.loads(loadkit.run_django(env, "certificates", str(data["bulk"])))
            if all(v == [1, 1] for v in state.values()) and len(state) == 8:
                break
            assert time.monotonic() < deadline, f"{state}\n{cluster.log_tail()}"
            time.sleep(2)
        assert cluster.alive()
        assert main.alive()
        log = cluster.log_tail(200_000)
    finally:
        cluster.stop()
        main.stop()
    assert not any(p == killed for p in loadkit.descendants(os.getpid()))
    # the render the killed worker was running was delivered again and finished by another worker
    process = re.search(rf"^(Process-\w+) .*\b{killed}\b", log, re.M).group(1)
    task = re.findall(rf"^{process} processing (\S+) '{RENDER}'", log, re.M)[-1]
    assert len(re.findall(rf"^Process-\w+ processing {task} ", log, re.M)) == 2, log
    assert f"({task})" in log, log
    # each source: one certificate, rendered once (the marker of the killed render is left over)
    assert state == {str(item): [1, 1] for item in data["items"]}

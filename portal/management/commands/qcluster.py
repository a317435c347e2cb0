"""``manage.py qcluster`` (django-q2's command, which this one replaces) with a bounded stop.

django-q2 stops its cluster gracefully on SIGTERM or SIGINT: the pusher stops, then every worker
finishes the task it runs *and each task already prefetched into the cluster's local queue* (up
to ``queue_limit``) before it reaches its stop pill, and the stop waits without end for a worker
or monitor that was killed with a queue lock held. It took over 60 s, three times (issue 13
finding 16). This command keeps the graceful stop for QCLUSTER_STOP_SECONDS (6 s by default);
then it kills (SIGKILL) every process of the cluster still alive and exits. A second signal
kills at once. Killing a task is safe: tasks are idempotent, the ORM broker delivers an
unacknowledged task again after ``retry``, and the Redis broker's losses are queued again by the
schedules (README, "Running at scale"). docs/deployment.md shows the systemd unit around it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
from pathlib import Path

from django.conf import settings
from django_q.cluster import Cluster
from django_q.management.commands.qcluster import Command as QClusterCommand

logger = logging.getLogger("django-q")


def descendants(pid: int) -> list[int]:
    """Every process below pid (Linux /proc), parents before their children."""
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            with contextlib.suppress(OSError, ValueError):
                for child in map(int, (task / "children").read_text().split()):
                    found.append(child)
                    todo.append(child)
    return found


def kill_cluster_processes() -> int:
    """SIGKILL to every process this one started (the sentinel, pusher, monitor, workers): all
    are listed first, so a worker whose sentinel dies first is not missed."""
    pids = descendants(os.getpid())
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    return len(pids)


class BoundedStop:
    """The SIGTERM/SIGINT handler: django-q2's graceful stop, with a deadline."""

    def __init__(self, graceful, seconds: float):
        self.graceful = graceful
        self.seconds = seconds
        self.timer: threading.Timer | None = None

    def deadline(self) -> None:
        killed = kill_cluster_processes()
        if killed:
            logger.warning(
                "qcluster: not stopped after %s s, killed %d cluster processes",
                self.seconds,
                killed,
            )

    def __call__(self, signum, frame) -> None:
        if self.timer is not None:  # a second signal: no more waiting
            self.timer.cancel()
            self.deadline()
            return
        self.timer = threading.Timer(self.seconds, self.deadline)
        self.timer.daemon = True
        self.timer.start()
        if callable(self.graceful):
            self.graceful(signum, frame)  # returns once the sentinel has ended, either way


class Command(QClusterCommand):
    def handle(self, *args, **options):
        settings.SECRET_KEY  # noqa: B018 - as django-q2's command: signing needs it
        cluster_name = options.get("cluster_name")
        if cluster_name:
            os.environ["Q_CLUSTER_NAME"] = cluster_name
        cluster = Cluster()  # installs its graceful SIGTERM/SIGINT handler...
        handler = BoundedStop(signal.getsignal(signal.SIGTERM), settings.QCLUSTER_STOP_SECONDS)
        signal.signal(signal.SIGTERM, handler)  # ...which runs inside ours
        signal.signal(signal.SIGINT, handler)
        cluster.start()
        if options.get("run_once", False):
            cluster.stop()

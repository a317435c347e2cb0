from __future__ import annotations

import contextlib
import os
from pathlib import Path

from django.apps import AppConfig


def _marker() -> Path | None:
    folder = os.environ.get("QHOOK_DIR")
    return Path(folder) / str(os.getpid()) if folder else None


def _started(sender, func=None, task=None, **kwargs):
    marker = _marker()
    if marker:
        name = func if isinstance(func, str) else getattr(func, "__name__", "?")
        marker.write_text(f"{name} {(task or {}).get('args', '')}")


def _finished(sender, **kwargs):
    marker = _marker()
    if marker:
        with contextlib.suppress(FileNotFoundError):
            marker.unlink()


class QHookConfig(AppConfig):
    name = "tests.system.qhook"
    label = "system_qhook"

    def ready(self):
        from django_q.signals import post_execute_in_worker, pre_execute

        pre_execute.connect(_started, dispatch_uid="system_qhook_started")
        post_execute_in_worker.connect(_finished, dispatch_uid="system_qhook_finished")

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register


@register()
def check_task_queue(app_configs, **kwargs):
    q = settings.Q_CLUSTER
    errors = []
    if q.get("retry", 0) <= q.get("timeout", 0):
        errors.append(
            Error(
                "Q_CLUSTER['retry'] must be larger than Q_CLUSTER['timeout'], or tasks run twice.",
                id="portal.E001",
            )
        )
    return errors

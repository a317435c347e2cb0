from __future__ import annotations

from pathlib import Path

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


@register()
def check_private_media_root(app_configs, **kwargs):
    """Private files (portal.storage) must not sit where the web server serves media from."""
    private = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    media = Path(settings.MEDIA_ROOT).resolve()
    if private == media or media in private.parents or private in media.parents:
        return [
            Error(
                "PRIVATE_MEDIA_ROOT must be outside MEDIA_ROOT: private files (certificate seals "
                "and signatures) would be served with the media.",
                id="portal.E002",
            )
        ]
    return []

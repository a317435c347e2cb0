"""django-q2 tasks of the content app."""

from __future__ import annotations

from django.core.management import call_command


def publish_scheduled() -> None:
    """Publishes pages whose go-live time has come and unpublishes expired ones (Wagtail's
    publish_scheduled). Idempotent: a page already published/expired is skipped by Wagtail."""
    call_command("publish_scheduled", verbosity=0)

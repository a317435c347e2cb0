"""django-q2 tasks of the exam engine (idempotent: finishing is a conditional UPDATE on state)."""

from __future__ import annotations

from django.utils import timezone

from exams import engine


def sweep_expired_attempts() -> int:
    return engine.sweep_expired(now=timezone.now())

"""Two submits at the same moment (two devices, or a submit and the sweeper) give one graded
result. Real threads on PostgreSQL; SQLite serialises writers, so there the race is covered by the
sequential tests in test_attempts.py."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from exams import engine
from exams.models import Attempt, AttemptEvent


@pytest.mark.django_db(transaction=True)
def test_concurrent_submit_and_sweeper_grade_once(paper, person):
    if connection.vendor == "sqlite":
        pytest.skip("needs a database with row locks (run the suite on PostgreSQL)")
    now = timezone.now()
    attempt, _ = engine.start_or_resume(paper=paper, person=person, now=now - timedelta(hours=1))
    barrier = threading.Barrier(3)
    errors = []

    def submit():
        try:
            barrier.wait()
            engine.submit_attempt(attempt=Attempt.objects.get(pk=attempt.pk), now=now)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    def sweep():
        try:
            barrier.wait()
            engine.sweep_expired(now=now)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=submit),
        threading.Thread(target=submit),
        threading.Thread(target=sweep),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    attempt.refresh_from_db()
    assert attempt.is_finished
    finishes = AttemptEvent.objects.filter(attempt=attempt, kind__in=["submit", "auto_submit"])
    assert finishes.count() == 1

"""Real races between threads, each with its own database connection: one certificate per source
and distinct, gap-free serials. PostgreSQL only: SQLite's in-memory test database (shared cache)
fails concurrent writers with "table is locked" instead of waiting, unlike the WAL file used in
production, so the threads would test the test database, not the code."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from certificates import services
from certificates.models import Certificate
from tests.certificates.factories import ManualIssueFactory

pytestmark = pytest.mark.skipif(
    connection.vendor == "sqlite", reason="needs a database with concurrent writers"
)


def _run_in_threads(n: int, fn) -> list:
    results, errors = [None] * n, []
    barrier = threading.Barrier(n)

    def worker(i):
        try:
            barrier.wait()
            results[i] = fn(i)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    return results


@pytest.mark.django_db(transaction=True)
def test_four_workers_issuing_the_same_source_yield_one_certificate(person, cert_template):
    source = ManualIssueFactory(person=person, template=cert_template)

    results = _run_in_threads(
        4,
        lambda i: (
            services.issue_certificate(
                person=person,
                source=source,
                template=cert_template,
                title="安全培训合格证书",
                details={},
            ).pk
        ),
    )

    assert Certificate.objects.count() == 1
    assert set(results) == {Certificate.objects.get().pk}


@pytest.mark.django_db(transaction=True)
def test_concurrent_issuers_get_distinct_gap_free_serials(person, cert_template):
    sources = [ManualIssueFactory(person=person, template=cert_template) for _ in range(6)]

    _run_in_threads(
        6,
        lambda i: services.issue_certificate(
            person=person, source=sources[i], template=cert_template, title="证书", details={}
        ),
    )

    numbers = sorted(
        int(s.rsplit("-", 1)[1]) for s in Certificate.objects.values_list("serial", flat=True)
    )
    assert numbers == [1, 2, 3, 4, 5, 6]

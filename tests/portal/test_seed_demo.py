"""seed_demo on the first start: no certificate PDF rendered inline (the renders, the history parts
and the index rebuilds are queued for the task cluster), and a short log."""

from __future__ import annotations

import io
import logging

import pytest
from django.core.management import call_command

from certificates.models import Certificate

pytestmark = pytest.mark.django_db


def test_the_demo_seed_queues_its_pdfs_and_slow_parts_and_logs_one_line_per_area(
    monkeypatch, queued_tasks, caplog, django_capture_on_commit_callbacks
):
    def no_inline_render(*args, **kwargs):
        raise AssertionError("seed_demo rendered a PDF inline")

    monkeypatch.setattr("certificates.pdf.render_certificate_pdf", no_inline_render)
    monkeypatch.setattr("certificates.pdf.html_to_pdf", no_inline_render)
    out = io.StringIO()

    with caplog.at_level(logging.INFO), django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=out)

    certificates = list(Certificate.objects.values_list("pk", "pdf"))
    assert certificates
    assert all(not pdf for _pk, pdf in certificates)
    assert {call[0] for call in queued_tasks} == {
        "certificates.tasks.render_certificate_pdf",
        "portal.tasks.seed_demo_later",
    }
    renders = [call[1] for call in queued_tasks if call[0].endswith("render_certificate_pdf")]
    assert sorted(renders) == sorted(pk for pk, _pdf in certificates)
    assert (
        "portal.tasks.seed_demo_later",
        ["exams.demo.seed_attempts", "cms.demo.seed_quiz_attempts"],
    ) in [tuple(call) for call in queued_tasks]

    lines = out.getvalue().splitlines()
    assert len(lines) <= 25  # one line per demo area, the summary and the logins
    assert sum(1 for line in lines if " rows in " in line) >= 8
    logged = [r.getMessage() for r in caplog.records if r.levelno < logging.WARNING]
    assert not [m for m in logged if m.startswith(("Page created", "Published", "Page edited"))]
    assert len(logged) < 20


def test_the_queued_history_seeds_attempts_once(queued_tasks, django_capture_on_commit_callbacks):
    from wagtail.models import ReferenceIndex

    from exams.models import Attempt
    from portal import tasks

    call_command("seed_demo", stdout=io.StringIO())
    assert not Attempt.objects.exists()

    paths = ["exams.demo.seed_attempts", "cms.demo.seed_quiz_attempts"]
    assert tasks.seed_demo_later(paths, reindex=False) == 2
    finished = Attempt.objects.filter(state=Attempt.State.FINISHED).count()
    assert finished > 100
    references = ReferenceIndex.objects.count()
    tasks.seed_demo_later(paths)  # a redelivered task adds nothing; the indexes are rebuilt
    assert Attempt.objects.filter(state=Attempt.State.FINISHED).count() == finished
    assert ReferenceIndex.objects.count() > references  # the seed's pages were left out

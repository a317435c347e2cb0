from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from courses.models import TrainingRecord
from drills import lifecycle, reports
from drills.models import Participation

pytestmark = pytest.mark.django_db


def test_checked_in_roster_participants_get_a_training_record_once(drill, worker, other_worker):
    drill.training_hours = Decimal("3.5")
    drill.status = "evaluating"
    drill.save()
    Participation.objects.create(drill=drill, person=worker.person, checked_in_at=timezone.now())
    Participation.objects.create(drill=drill, person=other_worker.person)  # never checked in
    Participation.objects.create(
        drill=drill,
        external_name="外部专家",
        external_unit="区应急局",
        checked_in_at=timezone.now(),
    )
    assert reports.record_training_for_drill(drill_id=drill.pk) == 1
    reports.record_training_for_drill(drill_id=drill.pk)
    record = TrainingRecord.objects.get()
    assert record.person == worker.person
    assert record.hours == Decimal("3.5")
    assert record.kind == "drill"
    assert drill.title in record.title


def test_zero_hours_writes_nothing(drill, worker):
    drill.training_hours = 0
    drill.save()
    Participation.objects.create(drill=drill, person=worker.person, checked_in_at=timezone.now())
    assert reports.record_training_for_drill(drill_id=drill.pk) == 0
    assert not TrainingRecord.objects.exists()


def test_moving_to_evaluation_enqueues_the_training_task(
    drill, monkeypatch, django_capture_on_commit_callbacks
):
    enqueued = []
    monkeypatch.setattr(reports, "enqueue", lambda func, *args: enqueued.append((func, args)))
    drill.status = "executing"
    drill.save()
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.transition_drill(drill=drill, to="evaluating")
    assert enqueued == [("drills.tasks.record_training_for_drill", (drill.pk,))]


def test_with_a_certificate_template_each_checked_in_participant_gets_one_certificate(
    drill, worker, other_worker
):
    from certificates.models import Certificate
    from tests.certificates.factories import CertificateTemplateFactory

    drill.certificate_template = CertificateTemplateFactory(name="演练参演证明")
    drill.save()
    part = Participation.objects.create(
        drill=drill, person=worker.person, checked_in_at=timezone.now()
    )
    Participation.objects.create(drill=drill, person=other_worker.person)
    reports.record_training_for_drill(drill_id=drill.pk)
    reports.record_training_for_drill(drill_id=drill.pk)
    certificate = Certificate.objects.get()
    assert certificate.person == worker.person
    assert certificate.source_object_id == part.pk
    assert certificate.details["subject"] == drill.title

"""An after-action report whose render was lost (a killed worker on the Redis broker) is queued_tasks
again after the task timeout; a current or recently requested report is left alone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from drills import reports
from drills.models import AfterActionReport
from portal import registry
from tests.drills.factories import make_drill

pytestmark = pytest.mark.django_db


def test_only_lost_reports_are_queued_tasks_again(
    settings, drill, other_drill, enterprise, manager, queued_tasks
):
    settings.Q_TIMEOUT = 300
    now = timezone.now()
    long_ago = now - timedelta(seconds=300 + 121)
    lost = AfterActionReport.objects.create(drill=drill, requested_at=long_ago)
    recent = AfterActionReport.objects.create(
        drill=other_drill, requested_at=now - timedelta(seconds=30)
    )
    third = make_drill(enterprise=enterprise, created_by=manager)
    current = AfterActionReport.objects.create(
        drill=third, requested_at=long_ago, generated_at=long_ago + timedelta(seconds=5)
    )
    fourth = make_drill(enterprise=enterprise, created_by=manager)
    outdated = AfterActionReport.objects.create(  # generated, then requested again: lost re-render
        drill=fourth, requested_at=long_ago, generated_at=long_ago - timedelta(hours=1)
    )

    assert reports.requeue_stalled_reports(now=now) == 2
    assert sorted(queued_tasks) == sorted(
        [
            ("drills.tasks.render_report", lost.drill_id),
            ("drills.tasks.render_report", outdated.drill_id),
        ]
    )
    assert recent.drill_id not in [args[1] for args in queued_tasks]
    assert current.drill_id not in [args[1] for args in queued_tasks]


def test_the_safety_net_is_scheduled():
    spec = registry.schedules["drills.requeue_stalled_reports"]
    assert spec.func == "drills.tasks.requeue_stalled_reports"
    assert spec.minutes <= 15

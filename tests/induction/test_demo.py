"""The demo district has new hires at each stage of 三级教育 and one working without a complete
one (demo_manager's to-do); seeding twice doubles nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

from courses.models import TrainingRecord
from induction import services
from induction.models import Induction, Status
from induction.statistics import incomplete_figures
from portal.models import User
from portal.periods import Period
from portal.scoping import Scope

pytestmark = pytest.mark.django_db


def test_the_demo_has_inductions_at_each_stage_and_one_flagged(queued_tasks):
    call_command("seed_demo", stdout=None)
    call_command("seed_demo", stdout=None)  # again: nothing doubles
    today = timezone.localdate()
    manager = User.objects.get(username="demo_manager")
    inductions = list(
        Induction.objects.filter(person__enterprise=manager.enterprise).prefetch_related("levels")
    )
    signed = sorted(sum(1 for lv in i.levels.all() if lv.is_signed) for i in inductions)
    assert signed == [0, 1, 2, 2, 3]
    required = services.required_hours(manager.enterprise)
    statuses = sorted(i.assess(required).status(i.starts_on, today) for i in inductions)
    assert Status.COMPLETE in statuses
    assert Status.OVERDUE in statuses
    figures = incomplete_figures(
        Scope.of_enterprise(manager.enterprise_id), Period.of_year(today.year)
    )
    assert figures["count"] == 1
    # 2 + 1 + 3 + 2 signed levels in A, plus the complete inductions of recent hires elsewhere
    a_records = TrainingRecord.objects.filter(
        enterprise=manager.enterprise, kind__startswith="level_", title__startswith="三级安全教育"
    )
    assert a_records.count() == 8
    worker = User.objects.get(username="demo_worker")
    assert worker.person.inductions.get().levels.filter(trainee_signed_at__isnull=True).count() == 1
    assert User.objects.filter(username="demo_leader", person__isnull=False).exists()

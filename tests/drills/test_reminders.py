from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from drills import reminders
from drills.models import CorrectiveAction, Finding, Participation
from portal.models import Notice
from tests.drills.factories import make_drill
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def emails(manager, worker):
    manager.email = "m@example.com"
    manager.save()
    worker.email = "w@example.com"
    worker.save()


def test_participants_and_organisers_are_reminded_three_days_before_once(
    enterprise, manager, worker, emails
):
    now = timezone.now()
    drill = make_drill(
        enterprise=enterprise, created_by=manager, start=now + timedelta(days=2, hours=12)
    )
    Participation.objects.create(drill=drill, person=worker.person)
    assert reminders.send_reminders(now=now) == 2
    assert {m.to[0] for m in mail.outbox} == {"m@example.com", "w@example.com"}
    assert "演练提醒" in mail.outbox[0].subject
    notice = Notice.objects.get(user=worker)
    assert notice.kind == "drills"
    assert notice.url == reverse("drills:detail", args=[drill.pk])
    assert notice.read_at is None
    # a second run, minutes later, sends nothing
    assert reminders.send_reminders(now=now + timedelta(minutes=15)) == 0
    assert len(mail.outbox) == 2


def test_the_one_day_reminder_is_sent_in_addition(enterprise, manager, worker, emails):
    now = timezone.now()
    drill = make_drill(
        enterprise=enterprise, created_by=manager, start=now + timedelta(days=2, hours=12)
    )
    Participation.objects.create(drill=drill, person=worker.person)
    reminders.send_reminders(now=now)
    assert reminders.send_reminders(now=now + timedelta(days=2)) == 2
    assert Notice.objects.filter(user=worker).count() == 2


def test_cancelled_drills_get_no_reminder(enterprise, manager, emails):
    now = timezone.now()
    make_drill(
        enterprise=enterprise, created_by=manager, start=now + timedelta(days=1), status="cancelled"
    )
    assert reminders.send_reminders(now=now) == 0


def test_organisers_are_reminded_when_the_evaluation_is_not_filed_seven_days_after(
    enterprise, manager, emails
):
    now = timezone.now()
    make_drill(
        enterprise=enterprise,
        created_by=manager,
        start=now - timedelta(days=8),
        status="evaluating",
    )
    make_drill(
        enterprise=enterprise,
        created_by=manager,
        start=now - timedelta(days=3),
        status="evaluating",
        place="二号",
    )
    assert reminders.send_reminders(now=now) == 1
    assert "评估未提交" in Notice.objects.get(user=manager).title
    assert reminders.send_reminders(now=now) == 0


def test_action_owners_are_reminded_when_due_and_when_overdue(enterprise, manager, emails):
    owner_user = UserFactory(email="o@example.com")
    owner = PersonFactory(enterprise=enterprise, user=owner_user)
    drill = make_drill(enterprise=enterprise, created_by=manager, days=-20, status="rectifying")
    finding = Finding.objects.create(drill=drill, grade="deficiency", description="通讯中断")
    today = timezone.localdate()
    due = CorrectiveAction.objects.create(
        finding=finding, description="增设中继台", owner=owner, due_on=today
    )
    late = CorrectiveAction.objects.create(
        finding=finding, description="修订预案", owner=owner, due_on=today - timedelta(days=3)
    )
    CorrectiveAction.objects.create(
        finding=finding, description="远期", owner=owner, due_on=today + timedelta(days=30)
    )
    now = timezone.now()
    assert reminders.send_reminders(now=now) == 4  # 2 actions × (owner + organiser)
    titles = set(Notice.objects.filter(user=owner_user).values_list("title", flat=True))
    assert any("即将到期" in t and "增设中继台" in t for t in titles)
    assert any("已逾期" in t and "修订预案" in t for t in titles)
    assert reminders.send_reminders(now=now) == 0
    late.status = CorrectiveAction.Status.VERIFIED
    late.save()
    assert due.pk


def test_the_reminder_service_uses_the_same_queries_for_more_drills(
    enterprise, manager, worker, django_assert_num_queries
):
    """Queries of due_reminders: 1 upcoming drills, 2 their participants' users, 3 their organisers,
    4 late drills without an evaluation, 5 their organisers, 6 open actions due (with drill and
    owner), 7 their organisers."""
    now = timezone.now()

    def add(i: int) -> None:
        d = make_drill(
            enterprise=enterprise, created_by=manager, start=now + timedelta(days=2), place=f"P{i}"
        )
        Participation.objects.create(
            drill=d, person=PersonFactory(enterprise=enterprise, user=UserFactory())
        )
        late = make_drill(
            enterprise=enterprise,
            created_by=manager,
            start=now - timedelta(days=9),
            status="executing",
            place=f"L{i}",
        )
        finding = Finding.objects.create(drill=late, grade="deficiency", description="问题")
        CorrectiveAction.objects.create(
            finding=finding,
            description="措施",
            owner=PersonFactory(enterprise=enterprise, user=UserFactory()),
            due_on=timezone.localdate(),
        )

    add(0)
    with django_assert_num_queries(7):
        small = reminders.due_reminders(now=now)
    for i in range(1, 5):
        add(i)
    with django_assert_num_queries(7):
        large = reminders.due_reminders(now=now)
    assert len(large) > len(small)


def test_a_drill_created_inside_the_last_day_gets_one_reminder_not_two(
    enterprise, manager, worker, emails
):
    now = timezone.now()
    drill = make_drill(enterprise=enterprise, created_by=manager, start=now + timedelta(hours=20))
    Participation.objects.create(drill=drill, person=worker.person)
    assert reminders.send_reminders(now=now) == 2  # one each for the worker and the organiser
    assert Notice.objects.filter(user=worker).count() == 1

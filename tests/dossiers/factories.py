"""Builders for the training-file tests: a person with something in every part of the file."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from courses.records import record_training
from drills.models import DrillStatus, Participation
from exams.models import Attempt
from tests.certificates.factories import issue_manual_certificate
from tests.drills.factories import make_drill
from tests.exams.factories import make_paper
from tests.operators.factories import certificate


def fill_person(person, *, today: date, n: int = 1, tag: str = "") -> None:
    """`n` of each: training records this year (and one last year), finished exam attempts,
    portal certificates, attended drills, operator certificates (N1 valid)."""
    for i in range(n):
        record_training(
            person=person,
            on=today - timedelta(days=i),
            hours=Decimal("4"),
            kind="topic",
            source=None,
            title=f"专题培训{tag}{i}",
        )
    record_training(
        person=person,
        on=date(today.year - 1, 6, 1),
        hours=Decimal("12"),
        kind="refresher",
        source=None,
        title=f"年度再培训{tag}",
    )
    for i in range(n):
        paper = make_paper(owner_enterprise=person.enterprise, title=f"安全知识考试{tag}{i}")
        Attempt.objects.create(
            paper=paper,
            person=person,
            state=Attempt.State.FINISHED,
            finished_at=timezone.now(),
            score=Decimal("88"),
            total=Decimal("100"),
            passed=True,
        )
        issue_manual_certificate(person, title=f"安全培训合格证书{tag}{i}")
        drill = make_drill(
            enterprise=person.enterprise,
            days=-10 - i,
            status=DrillStatus.EVALUATING,
            title=f"液氯泄漏处置演练{tag}{i}",
        )
        Participation.objects.create(drill=drill, person=person, checked_in_at=timezone.now())
    for i in range(n):
        certificate(
            person,
            issued=today - timedelta(days=400 + i),
            number=f"N1-{person.pk}-{tag}{i}",
            authority="测试市市场监督管理局",
        )

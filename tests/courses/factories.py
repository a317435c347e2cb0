"""Builders for courses tests: TrainingClassFactory, published courses with lessons."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from courses.models import CoursePage, LessonPage, TrainingClass


class TrainingClassFactory(factory.django.DjangoModelFactory):
    """An offline class from today to tomorrow.

    Its organiser is left to the caller: pass exactly one of `region=` (a district or street
    class) or `enterprise=` (an in-house class), as the model's constraint requires.
    """

    class Meta:
        model = TrainingClass

    title = factory.Sequence(lambda n: f"培训班{n}")
    agenda = "09:00 开班"
    starts_on = factory.LazyFunction(timezone.localdate)
    ends_on = factory.LazyAttribute(lambda o: o.starts_on + timedelta(days=1))
    place = "区应急管理局"
    trainer = "陈工"
    hours = Decimal("8")
    capacity = 20

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        if (kwargs.get("region") is None) == (kwargs.get("enterprise") is None):
            raise TypeError("TrainingClassFactory needs exactly one of region= or enterprise=")
        return super()._create(model_class, *args, **kwargs)


def _publish(page):
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def make_course(index, *, slug="fire", lessons=2, minutes=1, **fields) -> CoursePage:
    course = CoursePage(
        title=fields.pop("title", "消防安全"),
        slug=slug,
        credit_hours=fields.pop("credit_hours", Decimal("3")),
        training_kind=fields.pop("training_kind", "topic"),
        **fields,
    )
    index.add_child(instance=course)
    _publish(course)
    for n in range(1, lessons + 1):
        lesson = LessonPage(
            title=f"第{n}课",
            slug=f"{slug}-{n}",
            estimated_minutes=minutes,
            body=[{"type": "paragraph", "value": f"<p>第{n}课内容</p>"}],
        )
        course.add_child(instance=lesson)
        _publish(lesson)
    return course

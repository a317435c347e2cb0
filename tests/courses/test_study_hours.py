"""学时 from measured time: 1 学时 = STUDY_MINUTES_PER_HOUR (45) measured minutes; a course's
training record carries the measured hours, capped at the course's nominal hours; a course is
complete when every lesson is (time and video) and its final exam, if any, is passed."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from wagtail.documents.models import Document

from courses import learning, study
from courses.models import Enrolment, TrainingRecord
from tests.courses.factories import make_course

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 5, 12, 8, 0, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _no_presence_checks(settings):
    settings.STUDY_PRESENCE_CHECKS_MAX = 0


def _study(enrolment, lesson, *, start, seconds, tab="t"):
    study.record_beat(enrolment=enrolment, lesson=lesson, now=start, tab=tab, start=True)
    for n in range(1, seconds // 30 + 1):
        study.record_beat(
            enrolment=enrolment, lesson=lesson, now=start + timedelta(seconds=30 * n), tab=tab
        )
    return start + timedelta(seconds=seconds + 60)


def _study_course(course, person, *, minutes_each):
    enrolment = learning.enrol(person=person, course=course)
    at = T0
    for lesson in course.lessons():
        at = _study(enrolment, lesson, start=at, seconds=minutes_each * 60)
    enrolment.refresh_from_db()
    return enrolment


def test_the_record_carries_the_measured_hours(worker, course_index):
    # two 30-minute lessons: 60 measured minutes = 1.33 学时 of 45 minutes, below the nominal 3
    course = make_course(course_index, slug="measured", minutes=30, credit_hours=Decimal("3"))
    enrolment = _study_course(course, worker.person, minutes_each=30)
    assert enrolment.status == Enrolment.Status.COMPLETED
    assert TrainingRecord.objects.get().hours == Decimal("1.3")


def test_the_record_is_capped_at_the_nominal_hours(worker, course_index):
    course = make_course(course_index, slug="capped", minutes=30, credit_hours=Decimal("1"))
    _study_course(course, worker.person, minutes_each=30)
    assert TrainingRecord.objects.get().hours == Decimal("1")


def test_the_minutes_of_a_class_hour_are_a_setting(worker, course_index, settings):
    settings.STUDY_MINUTES_PER_HOUR = 60
    course = make_course(course_index, slug="sixty", minutes=30, credit_hours=Decimal("3"))
    _study_course(course, worker.person, minutes_each=30)
    assert TrainingRecord.objects.get().hours == Decimal("1.0")
    assert learning.measured_hours(45 * 60) == Decimal("0.7")


def test_time_alone_does_not_complete_a_video_lesson(worker, course_index):
    course = make_course(course_index, slug="video-time", lessons=1, minutes=1)
    lesson = course.lessons().first()
    lesson.video = Document.objects.create(title="视频", file=ContentFile(b"x", name="v.mp4"))
    lesson.video_seconds = 60
    lesson.save_revision().publish()
    lesson.refresh_from_db()
    enrolment = learning.enrol(person=worker.person, course=course)
    _study(enrolment, lesson, start=T0, seconds=600)  # ten minutes on the page, no video played
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.IN_PROGRESS
    assert not TrainingRecord.objects.exists()

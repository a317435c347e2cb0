from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from courses import learning, study
from courses.models import Enrolment, LessonProgress, TrainingRecord
from tests.certificates.factories import CertificateTemplateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_presence_checks(settings):
    """These tests jump an hour between beats, where a presence check would be due."""
    settings.STUDY_PRESENCE_CHECKS_MAX = 0


def _beats(enrolment, lesson, start, gaps):
    """The first beat starts the clock; then one beat after each gap (seconds)."""
    now = start
    study.record_beat(enrolment=enrolment, lesson=lesson, now=now, start=True)
    for gap in gaps:
        now += timedelta(seconds=gap)
        study.record_beat(enrolment=enrolment, lesson=lesson, now=now)
    return LessonProgress.objects.get(enrolment=enrolment, lesson=lesson)


def test_each_beat_counts_at_most_the_beat_interval(worker, course):
    enrolment = learning.enrol(person=worker.person, course=course)
    lesson = course.lessons().first()
    # an idle tab that beats again after ten minutes gets credit for one interval only
    progress = _beats(enrolment, lesson, timezone.now(), [10, 600])
    assert progress.seconds == 10 + study.beat_seconds()
    assert progress.completed_at is None


def test_a_start_beat_after_the_page_was_hidden_counts_nothing(worker, course):
    enrolment = learning.enrol(person=worker.person, course=course)
    lesson = course.lessons().first()
    now = timezone.now()
    progress = _beats(enrolment, lesson, now, [20])
    study.record_beat(
        enrolment=enrolment, lesson=lesson, now=now + timedelta(seconds=500), start=True
    )
    progress.refresh_from_db()
    assert progress.seconds == 20


def test_a_lesson_is_studied_after_its_estimated_minutes(worker, course):
    enrolment = learning.enrol(person=worker.person, course=course)
    lesson = course.lessons().first()  # one minute
    progress = _beats(enrolment, lesson, timezone.now(), [30, 29])
    assert progress.completed_at is None
    progress = _beats(enrolment, lesson, timezone.now() + timedelta(hours=1), [1])
    assert progress.seconds == 60
    assert progress.completed_at is not None


def test_completing_every_lesson_completes_the_course_and_writes_one_record(worker, course):
    template = CertificateTemplateFactory(name="课程结业证书")
    course.certificate_template = template
    course.save_revision().publish()
    enrolment = learning.enrol(person=worker.person, course=course)
    start = timezone.now()
    lessons = list(course.lessons())
    _beats(enrolment, lessons[0], start, [30, 30])
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.IN_PROGRESS
    assert not TrainingRecord.objects.exists()
    _beats(enrolment, lessons[1], start + timedelta(minutes=5), [30, 30, 30])
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.COMPLETED
    record = TrainingRecord.objects.get()
    assert record.person == worker.person
    # 150 measured seconds are less than a tenth of a 45-minute 学时: the record says so
    assert record.hours == Decimal("0.0")
    assert record.source_kind == "course"
    assert record.source == enrolment
    from certificates.models import Certificate

    certificate = Certificate.objects.get()
    assert certificate.person == worker.person
    assert certificate.template == template
    # completing again writes nothing more
    learning.maybe_complete(enrolment=enrolment, now=timezone.now())
    assert TrainingRecord.objects.count() == 1
    assert Certificate.objects.count() == 1


def test_the_heartbeat_endpoint_is_refused_to_someone_not_enrolled(client, worker, course):
    lesson = course.lessons().first()
    client.force_login(worker)
    response = client.post(f"/courses/lesson/{lesson.pk}/beat/", {"start": "1"})
    assert response.status_code == 404
    learning.enrol(person=worker.person, course=course)
    response = client.post(f"/courses/lesson/{lesson.pk}/beat/", {"start": "1"})
    assert response.status_code == 200
    assert response.json()["seconds"] == 0


def test_the_heartbeat_endpoint_wants_a_post(client, worker, course):
    learning.enrol(person=worker.person, course=course)
    client.force_login(worker)
    response = client.get(f"/courses/lesson/{course.lessons().first().pk}/beat/")
    assert response.status_code == 405


def test_a_worker_enrols_from_the_course_page_and_sees_lessons(client, worker, course):
    client.force_login(worker)
    response = client.get(course.url)
    assert "报名学习" in response.content.decode()
    response = client.post(f"/courses/course/{course.pk}/enrol/")
    assert response.status_code == 302
    assert Enrolment.objects.filter(person=worker.person, course=course).exists()
    lesson = course.lessons().first()
    page = client.get(lesson.url).content.decode()
    assert "lesson-progress" in page
    assert "course_lesson.js" in page


def test_a_closed_course_refuses_self_enrolment(client, worker, course):
    course.open_enrolment = False
    course.save_revision().publish()
    client.force_login(worker)
    client.post(f"/courses/course/{course.pk}/enrol/")
    assert not Enrolment.objects.exists()


def test_my_courses_shows_progress_and_due_date(client, worker, course, manager):
    learning.assign_course(
        user=manager,
        course=course,
        people=type(worker.person).objects.filter(pk=worker.person.pk),
        due_on=timezone.localdate() + timedelta(days=7),
    )
    client.force_login(worker)
    html = client.get("/courses/mine/").content.decode()
    assert course.title in html
    assert "0/2" in html
    assert (timezone.localdate() + timedelta(days=7)).isoformat() in html
    me = client.get("/accounts/me/").content.decode()
    assert "我的课程" in me

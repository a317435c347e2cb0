"""Presence checks (防挂机, courses/study.py): a missed check stops credit from the moment it was
asked until the learner returns; an answered one keeps the time; every check is logged."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from courses import learning, study
from courses.models import LessonProgress, PresenceCheck, StudySession

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 5, 12, 10, 0, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def one_check_a_minute(settings):
    """Exactly one check 60 s into the study, then every 60 s; 60 s to answer."""
    settings.STUDY_PRESENCE_CHECKS_MIN = 1
    settings.STUDY_PRESENCE_CHECKS_MAX = 1
    settings.STUDY_PRESENCE_PERIOD_SECONDS = 60
    settings.STUDY_PRESENCE_WINDOW_SECONDS = 60


@pytest.fixture
def studying(worker, course_index, one_check_a_minute):
    from tests.courses.factories import make_course

    course = make_course(course_index, slug="long", lessons=1, minutes=30)
    enrolment = learning.enrol(person=worker.person, course=course)
    lesson = course.lessons().first()
    study.record_beat(enrolment=enrolment, lesson=lesson, now=T0, tab="t", start=True)
    return enrolment, lesson


def _beats(enrolment, lesson, seconds, *, tab="t"):
    return [
        study.record_beat(
            enrolment=enrolment, lesson=lesson, now=T0 + timedelta(seconds=s), tab=tab
        )
        for s in seconds
    ]


def _seconds(enrolment) -> int:
    return LessonProgress.objects.get(enrolment=enrolment).seconds


def test_a_missed_presence_check_stops_credit(studying):
    enrolment, lesson = studying
    results = _beats(enrolment, lesson, range(10, 61, 10))
    assert _seconds(enrolment) == 60
    asked = results[-1]
    assert asked.state == "presence_due"
    assert asked.as_dict()["presence"]["expires_in"] == 60
    # nobody taps 继续学习: the beats go on (a page left open), the deadline passes
    later = _beats(enrolment, lesson, range(70, 300, 10))
    assert later[-1].state == "presence_missed"
    # nothing after the moment of the check was credited
    assert _seconds(enrolment) == 60
    check = PresenceCheck.objects.get()
    assert (check.status, check.answered_at) == ("missed", None)
    session = StudySession.objects.get()
    assert session.paused == "presence_missed"
    assert session.credited_seconds == 60


def test_an_answered_check_keeps_the_time(studying):
    enrolment, lesson = studying
    results = _beats(enrolment, lesson, range(10, 61, 10))
    check_id = results[-1].as_dict()["presence"]["id"]
    _beats(enrolment, lesson, [70, 80])
    assert _seconds(enrolment) == 60  # held back while the check waits
    answered = study.answer_presence(
        enrolment=enrolment,
        lesson=lesson,
        check_id=check_id,
        now=T0 + timedelta(seconds=85),
        tab="t",
    )
    assert answered.state == "studying"
    assert _seconds(enrolment) == 80
    _beats(enrolment, lesson, [90])
    assert _seconds(enrolment) == 90
    check = PresenceCheck.objects.get()
    assert check.status == "passed"
    assert check.answered_at == T0 + timedelta(seconds=85)


def test_a_late_answer_restarts_the_clock_without_the_missed_time(studying):
    enrolment, lesson = studying
    results = _beats(enrolment, lesson, range(10, 61, 10))
    check_id = results[-1].as_dict()["presence"]["id"]
    _beats(enrolment, lesson, [90, 130, 200])
    late = study.answer_presence(
        enrolment=enrolment,
        lesson=lesson,
        check_id=check_id,
        now=T0 + timedelta(seconds=205),
        tab="t",
    )
    assert late.credited == 0
    _beats(enrolment, lesson, [215])
    assert _seconds(enrolment) == 60 + 10
    check = PresenceCheck.objects.get(pk=check_id)
    assert check.status == "missed"
    assert check.answered_at == T0 + timedelta(seconds=205)


def test_reopening_the_lesson_elsewhere_does_not_dodge_a_waiting_check(studying):
    enrolment, lesson = studying
    _beats(enrolment, lesson, range(10, 61, 10))
    # a second tab opens the lesson while the check waits: it is asked there at once
    study.record_beat(
        enrolment=enrolment, lesson=lesson, now=T0 + timedelta(seconds=65), tab="u", start=True
    )
    result = _beats(enrolment, lesson, [75], tab="u")[0]
    assert result.state == "presence_due"
    assert PresenceCheck.objects.filter(status="missed").count() == 1
    assert PresenceCheck.objects.filter(status="pending", session__tab="u").count() == 1


def test_checks_are_asked_between_min_and_max_times_per_period(worker, course_index, settings):
    from tests.courses.factories import make_course

    settings.STUDY_PRESENCE_CHECKS_MIN = 1
    settings.STUDY_PRESENCE_CHECKS_MAX = 3
    settings.STUDY_PRESENCE_PERIOD_SECONDS = 45 * 60
    course = make_course(course_index, slug="hours", lessons=1, minutes=600)
    enrolment = learning.enrol(person=worker.person, course=course)
    lesson = course.lessons().first()
    study.record_beat(enrolment=enrolment, lesson=lesson, now=T0, tab="t", start=True)
    # three hours of study, every check answered at once
    for step in range(1, 3 * 60 * 2 + 1):
        result = study.record_beat(
            enrolment=enrolment, lesson=lesson, now=T0 + timedelta(seconds=30 * step), tab="t"
        )
        if result.state == "presence_due":
            study.answer_presence(
                enrolment=enrolment,
                lesson=lesson,
                check_id=result.as_dict()["presence"]["id"],
                now=T0 + timedelta(seconds=30 * step + 5),
                tab="t",
            )
    asked = PresenceCheck.objects.count()
    assert 4 <= asked <= 12  # 1–3 per 45 minutes over 180 minutes
    assert not PresenceCheck.objects.exclude(status="passed").exists()


def test_the_presence_endpoints_answer_for_the_learners_own_check_only(
    client, worker, other_worker, studying
):
    enrolment, lesson = studying
    results = _beats(enrolment, lesson, range(10, 61, 10))
    check_id = results[-1].as_dict()["presence"]["id"]
    learning.enrol(person=other_worker.person, course=lesson.get_parent().specific)
    client.force_login(other_worker)
    url = f"/courses/lesson/{lesson.pk}/presence/"
    assert client.post(url, {"check": check_id, "tab": "t"}).status_code == 404
    api = f"/api/v1/courses/lessons/{lesson.pk}/presence?check={check_id}&tab=t"
    assert client.post(api).status_code == 404
    assert PresenceCheck.objects.get().answered_at is None

"""Server-measured study time (courses/study.py): one lesson at a time, per-beat credit capped at
the beat interval, only while visible, never more than the wall-clock time."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from courses import learning, study
from courses.models import LessonProgress, StudySession
from tests.courses.factories import make_course

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")  # settings.TIME_ZONE: local midnight is the day's start

T0 = datetime(2026, 5, 12, 10, 0, 0, tzinfo=SHANGHAI)


def _beat(enrolment, lesson, at, *, tab="tab-a", start=False, visible=True, **kw):
    return study.record_beat(
        enrolment=enrolment,
        lesson=lesson,
        now=at,
        tab=tab,
        start=start,
        visible=visible,
        **kw,
    )


def _credited(enrolment) -> int:
    return sum(LessonProgress.objects.filter(enrolment=enrolment).values_list("seconds", flat=True))


def test_parallel_lessons_are_credited_no_more_than_wall_time(worker, course_index):
    # given twelve lessons open in twelve tabs, beating for 91 seconds
    course = make_course(course_index, slug="twelve", lessons=12, minutes=30)
    enrolment = learning.enrol(person=worker.person, course=course)
    lessons = list(course.lessons())
    for n, lesson in enumerate(lessons):
        _beat(enrolment, lesson, T0, tab=f"tab-{n}", start=True)
    # when every tab beats every 7 seconds
    for second in range(7, 92, 7):
        for n, lesson in enumerate(lessons):
            _beat(enrolment, lesson, T0 + timedelta(seconds=second), tab=f"tab-{n}")
    # then no more than the 91 s of the wall clock are credited, all to the tab that took over last
    assert _credited(enrolment) <= 91
    assert _credited(enrolment) == 91
    assert LessonProgress.objects.get(enrolment=enrolment, lesson=lessons[-1]).seconds == 91
    assert StudySession.objects.filter(ended_at__isnull=True).count() == 1
    assert StudySession.objects.filter(end_reason="taken_over").count() == 11


def test_two_devices_on_one_lesson_credit_once(worker, course):
    enrolment = learning.enrol(person=worker.person, course=course)
    lesson = course.lessons().first()
    _beat(enrolment, lesson, T0, tab="phone", start=True, device="Phone")
    _beat(enrolment, lesson, T0 + timedelta(seconds=1), tab="pc", start=True, device="PC")
    results = []
    for second in range(10, 61, 10):
        at = T0 + timedelta(seconds=second)
        results.append(_beat(enrolment, lesson, at, tab="phone"))
        _beat(enrolment, lesson, at, tab="pc")
    # the phone is told it was taken over by the PC and credits nothing
    assert {r.state for r in results} == {study.BeatState.TAKEN_OVER}
    assert results[0].other_device == "PC"
    assert sum(r.credited for r in results) == 0
    assert _credited(enrolment) == 59
    phone = StudySession.objects.get(tab="phone")
    assert phone.end_reason == "taken_over"
    assert phone.taken_over_by == StudySession.objects.get(tab="pc")


def test_the_old_tab_takes_the_lesson_back_only_with_a_start_beat(worker, course):
    enrolment = learning.enrol(person=worker.person, course=course)
    lesson = course.lessons().first()
    _beat(enrolment, lesson, T0, tab="a", start=True)
    _beat(enrolment, lesson, T0 + timedelta(seconds=5), tab="b", start=True)
    assert _beat(enrolment, lesson, T0 + timedelta(seconds=10), tab="a").state == "taken_over"
    back = _beat(enrolment, lesson, T0 + timedelta(seconds=15), tab="a", start=True)
    assert back.state == "studying"
    assert back.credited == 0
    assert _beat(enrolment, lesson, T0 + timedelta(seconds=20), tab="b").state == "taken_over"
    assert _beat(enrolment, lesson, T0 + timedelta(seconds=25), tab="a").credited == 10


def test_heartbeats_faster_than_the_interval_are_credited_at_most_the_interval(worker, course):
    enrolment = learning.enrol(person=worker.person, course=course)
    first, second = list(course.lessons())
    interval = study.beat_seconds()
    _beat(enrolment, first, T0, start=True)
    # a beat every half second for one interval: the elapsed time, never a full interval per beat
    for n in range(1, 2 * interval + 1):
        result = _beat(enrolment, first, T0 + timedelta(seconds=n / 2))
        assert result.credited <= 1
    assert _credited(enrolment) == interval
    # fast beats alternating between two lessons of the same tab credit nothing more
    at = T0 + timedelta(seconds=interval)
    for n in range(1, 41):
        _beat(enrolment, (second, first)[n % 2], at + timedelta(seconds=n / 4), start=n == 1)
    assert _credited(enrolment) <= interval + 10


def test_a_beat_after_a_long_gap_counts_one_interval(worker, course):
    enrolment = learning.enrol(person=worker.person, course=course)
    lesson = course.lessons().first()
    _beat(enrolment, lesson, T0, start=True)
    result = _beat(enrolment, lesson, T0 + timedelta(minutes=10))
    assert result.credited == study.beat_seconds()


def test_a_hidden_page_credits_nothing_until_it_beats_visibly_twice(worker, course):
    enrolment = learning.enrol(person=worker.person, course=course)
    lesson = course.lessons().first()
    _beat(enrolment, lesson, T0, start=True)
    assert _beat(enrolment, lesson, T0 + timedelta(seconds=10)).credited == 10
    hidden = _beat(enrolment, lesson, T0 + timedelta(seconds=20), visible=False)
    assert (hidden.state, hidden.credited) == ("paused_hidden", 0)
    # back in front: the first beat restarts the clock, the next one counts
    assert _beat(enrolment, lesson, T0 + timedelta(seconds=40)).credited == 0
    assert _beat(enrolment, lesson, T0 + timedelta(seconds=50)).credited == 10


def test_credit_never_reaches_back_before_midnight(worker, course):
    enrolment = learning.enrol(person=worker.person, course=course)
    lesson = course.lessons().first()
    midnight = datetime(2026, 5, 13, 0, 0, 0, tzinfo=SHANGHAI)
    _beat(enrolment, lesson, midnight - timedelta(seconds=20), start=True)
    assert _beat(enrolment, lesson, midnight - timedelta(seconds=5)).credited == 15
    # the next beat 10 s after midnight credits only the 10 s of the new day
    assert _beat(enrolment, lesson, midnight + timedelta(seconds=10)).credited == 10


def test_a_day_of_beats_from_many_tabs_never_exceeds_the_wall_clock(worker, course_index):
    course = make_course(course_index, slug="day", lessons=3, minutes=600)
    enrolment = learning.enrol(person=worker.person, course=course)
    lessons = list(course.lessons())
    day = datetime(2026, 5, 14, 0, 0, 0, tzinfo=SHANGHAI)
    for n, lesson in enumerate(lessons):
        _beat(enrolment, lesson, day + timedelta(seconds=n), tab=f"t{n}", start=True)
    at = day
    for step in range(600):
        at = day + timedelta(seconds=7 * step + 3)
        lesson = lessons[step % 3]
        _beat(enrolment, lesson, at, tab=f"t{step % 3}", start=step % 17 == 0)
    elapsed = (at - day).total_seconds()
    assert _credited(enrolment) <= elapsed


def _post_beat(client, url, **data):
    return client.post(url, data)


def test_clock_changes_on_the_client_do_not_matter(client, worker, course, monkeypatch):
    # the server clock moves 10 s per beat while the page claims its own times (a clock change)
    enrolment = learning.enrol(person=worker.person, course=course)
    lesson = course.lessons().first()
    client.force_login(worker)
    url = f"/courses/lesson/{lesson.pk}/beat/"
    server = {"now": T0}
    monkeypatch.setattr(timezone, "now", lambda: server["now"])
    start = _post_beat(client, url, tab="x", start="1", client_time="2030-01-01T00:00:00Z")
    assert start.json()["credited"] == 0
    credited = []
    for n, claimed in enumerate(["2020-01-01T00:00:00Z", "2040-01-01T00:00:00Z", "0", "-5"]):
        server["now"] = T0 + timedelta(seconds=10 * (n + 1))
        credited.append(_post_beat(client, url, tab="x", client_time=claimed).json()["credited"])
    assert credited == [10, 10, 10, 10]
    assert _credited(enrolment) == 40


def test_the_html_and_api_endpoints_share_one_clock(client, worker, course, monkeypatch):
    enrolment = learning.enrol(person=worker.person, course=course)
    first, second = list(course.lessons())
    client.force_login(worker)
    server = {"now": T0}
    monkeypatch.setattr(timezone, "now", lambda: server["now"])
    client.post(f"/courses/lesson/{first.pk}/beat/", {"tab": "web", "start": "1"})
    client.post(f"/api/v1/courses/lessons/{second.pk}/beat?tab=app&start=true")
    for n in range(1, 7):
        server["now"] = T0 + timedelta(seconds=10 * n)
        web = client.post(f"/courses/lesson/{first.pk}/beat/", {"tab": "web"}).json()
        app = client.post(f"/api/v1/courses/lessons/{second.pk}/beat?tab=app").json()
        assert web["state"] == "taken_over"
        assert app["state"] == "studying"
    assert _credited(enrolment) == 60


def test_a_start_beat_that_loses_a_race_for_the_open_session_is_judged_again(
    worker, course, monkeypatch
):
    # given another page's session was opened after this beat looked for one (its read saw none)
    enrolment = learning.enrol(person=worker.person, course=course)
    lesson = course.lessons().first()
    _beat(enrolment, lesson, T0, tab="other", start=True)
    real_active = study._active_session
    reads = []

    def stale_first_read(person_id):
        reads.append(person_id)
        return None if len(reads) == 1 else real_active(person_id)

    monkeypatch.setattr(study, "_active_session", stale_first_read)
    # when this page's start beat tries to open a second open session
    result = _beat(enrolment, lesson, T0 + timedelta(seconds=1), tab="mine", start=True)
    # then the constraint refuses it and the beat, judged again, takes the lesson over
    assert len(reads) == 2
    assert result.state == "studying"
    assert StudySession.objects.filter(ended_at__isnull=True).get().tab == "mine"
    assert StudySession.objects.get(tab="other").end_reason == "taken_over"

"""Video lessons (courses/study.py): watched ranges from server-checked positions, no skipping
ahead of real time, `video-ended` alone proves nothing, resume from the last position."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from wagtail.documents.models import Document

from courses import learning, study
from courses.models import LessonProgress

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 5, 12, 10, 0, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def video_lesson(course):
    lesson = course.lessons().first()
    lesson.video = Document.objects.create(title="视频", file=ContentFile(b"x", name="v.mp4"))
    lesson.video_seconds = 100
    lesson.save_revision().publish()
    lesson.refresh_from_db()
    return lesson


def _play(enrolment, lesson, *, start_at=T0, until=100, step=5, speed=1.0, tab="t"):
    """Beats every `step` seconds of real time with the position a player at `speed` reports."""
    study.record_beat(enrolment=enrolment, lesson=lesson, now=start_at, tab=tab, start=True)
    position, now, results = 0.0, start_at, []
    while position < until:
        now += timedelta(seconds=step)
        position = min(until, position + step * speed)
        results.append(
            study.record_beat(
                enrolment=enrolment, lesson=lesson, now=now, tab=tab, position=position
            )
        )
    return results


def test_a_video_played_through_is_watched_and_the_lesson_studied(worker, video_lesson):
    enrolment = learning.enrol(person=worker.person, course=video_lesson.get_parent().specific)
    results = _play(enrolment, video_lesson)
    progress = LessonProgress.objects.get(enrolment=enrolment, lesson=video_lesson)
    assert progress.video_ranges == [[0.0, 100.0]]
    assert progress.video_finished
    assert progress.seconds == 100
    assert progress.completed_at is not None
    assert results[-1].as_dict()["video"]["watched_percent"] == 100


def test_video_ended_without_watched_ranges_is_refused(client, worker, video_lesson):
    learning.enrol(person=worker.person, course=video_lesson.get_parent().specific)
    client.force_login(worker)
    url = f"/courses/lesson/{video_lesson.pk}/video-ended/"
    response = client.post(url, {"tab": "t"})
    assert response.status_code == 409
    assert response.json()["code"] == "video_not_watched"
    response = client.post(url, {"tab": "t", "position": "100"})
    assert response.status_code == 409
    progress = LessonProgress.objects.get(enrolment__person=worker.person)
    assert not progress.video_finished
    assert progress.completed_at is None
    assert progress.video_ranges == []


def test_seeking_ahead_beyond_real_time_is_refused(worker, video_lesson):
    enrolment = learning.enrol(person=worker.person, course=video_lesson.get_parent().specific)
    study.record_beat(enrolment=enrolment, lesson=video_lesson, now=T0, tab="t", start=True)
    ok = study.record_beat(
        enrolment=enrolment,
        lesson=video_lesson,
        now=T0 + timedelta(seconds=10),
        tab="t",
        position=10,
    )
    assert ok.as_dict()["video"]["refused"] is False
    # 10 s later the player claims 60 s: more than 10 s × 1.25 (+ slack) ahead
    skip = study.record_beat(
        enrolment=enrolment,
        lesson=video_lesson,
        now=T0 + timedelta(seconds=20),
        tab="t",
        position=60,
    )
    video = skip.as_dict()["video"]
    assert video["refused"] is True
    assert video["position"] == 10  # the page is sent back here
    # a long pause does not bank time for a later jump: the allowance is one beat interval
    later = study.record_beat(
        enrolment=enrolment,
        lesson=video_lesson,
        now=T0 + timedelta(hours=2),
        tab="t",
        position=95,
    )
    assert later.as_dict()["video"]["refused"] is True
    progress = LessonProgress.objects.get(enrolment=enrolment)
    assert progress.video_ranges == [[0.0, 10.0]]
    assert not progress.video_finished
    with pytest.raises(study.StudyError) as refused:
        study.video_ended(
            enrolment=enrolment, lesson=video_lesson, now=T0 + timedelta(hours=3), tab="t"
        )
    assert refused.value.code == study.StudyErrorCode.VIDEO_NOT_WATCHED


def test_playing_at_the_allowed_speed_counts_and_faster_does_not(worker, course_index):
    from tests.courses.factories import make_course

    fast_course = make_course(course_index, slug="speed", lessons=1)
    lesson = fast_course.lessons().first()
    lesson.video = Document.objects.create(title="视频", file=ContentFile(b"x", name="v.mp4"))
    lesson.video_seconds = 100
    lesson.save_revision().publish()
    lesson.refresh_from_db()
    enrolment = learning.enrol(person=worker.person, course=fast_course)
    results = _play(enrolment, lesson, speed=1.25)
    assert not any(r.as_dict()["video"]["refused"] for r in results)
    progress = LessonProgress.objects.get(enrolment=enrolment)
    assert progress.video_finished
    # 1.25× played through in 80 s of real time: 80 s studied, short of the 100 s the lesson needs
    assert progress.seconds == 80
    assert progress.completed_at is None


def test_a_double_speed_player_never_gets_the_video_watched(worker, video_lesson):
    enrolment = learning.enrol(person=worker.person, course=video_lesson.get_parent().specific)
    _play(enrolment, video_lesson, speed=2.0, step=10)
    progress = LessonProgress.objects.get(enrolment=enrolment)
    assert not progress.video_finished
    assert study.watched_percent(progress, video_lesson) < 95


def test_another_device_resumes_from_the_last_position(client, worker, video_lesson):
    enrolment = learning.enrol(person=worker.person, course=video_lesson.get_parent().specific)
    _play(enrolment, video_lesson, until=40, tab="phone")
    # the PC opens the lesson later: its page starts the player at 40 s and may go on from there
    client.force_login(worker)
    html = client.get(video_lesson.url).content.decode()
    assert 'data-resume="40.0"' in html
    at = T0 + timedelta(minutes=30)
    study.record_beat(enrolment=enrolment, lesson=video_lesson, now=at, tab="pc", start=True)
    result = study.record_beat(
        enrolment=enrolment,
        lesson=video_lesson,
        now=at + timedelta(seconds=5),
        tab="pc",
        position=45,
    )
    assert result.as_dict()["video"]["refused"] is False
    assert LessonProgress.objects.get(enrolment=enrolment).video_ranges == [[0.0, 45.0]]


def test_a_lesson_with_a_video_needs_its_duration(course):
    from django.core.exceptions import ValidationError

    lesson = course.lessons().first()
    lesson.video = Document.objects.create(title="视频", file=ContentFile(b"x", name="v.mp4"))
    with pytest.raises(ValidationError):
        lesson.full_clean()


def test_a_lesson_without_video_refuses_a_video_end(worker, course):
    enrolment = learning.enrol(person=worker.person, course=course)
    with pytest.raises(study.StudyError) as refused:
        study.video_ended(enrolment=enrolment, lesson=course.lessons().first(), now=timezone.now())
    assert refused.value.code == study.StudyErrorCode.NO_VIDEO

"""The demo's study-time course: a 5-second video lesson (a clip recorded at seed time) and a
two-minute text lesson; seeding twice adds nothing."""

from __future__ import annotations

import pytest

from courses import demo
from courses.models import CoursePage, LessonPage

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_short_video_lesson_and_a_text_lesson(course_index, monkeypatch):
    monkeypatch.setattr(demo, "_record_clip", lambda seconds: ("webm", b"\x1aE\xdf\xa3clip"))
    demo._ensure_study_demo(course_index)
    demo._ensure_study_demo(course_index)
    course = CoursePage.objects.get(slug="study-time-demo")
    lessons = list(course.lessons())
    assert len(lessons) == 2
    text, video = lessons
    assert (text.video_id, text.required_seconds) == (None, 120)
    assert video.video_id is not None
    assert video.video_seconds == video.required_seconds == 5


def test_without_chromium_the_demo_keeps_only_the_text_lesson(course_index, monkeypatch):
    monkeypatch.setattr(demo, "_record_clip", lambda seconds: None)
    demo._ensure_study_demo(course_index)
    assert LessonPage.objects.filter(slug__startswith="study-time-demo").count() == 1

"""The demo's study-time course: a 5-second video lesson (a clip shipped in courses/demo_assets) and
a two-minute text lesson; seeding twice adds nothing."""

from __future__ import annotations

import pytest

from courses import demo
from courses.models import CoursePage

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_short_video_lesson_and_a_text_lesson(course_index):
    demo._ensure_study_demo(course_index)
    demo._ensure_study_demo(course_index)
    course = CoursePage.objects.get(slug="study-time-demo")
    lessons = list(course.lessons())
    assert len(lessons) == 2
    text, video = lessons
    assert (text.video_id, text.required_seconds) == (None, 120)
    assert video.video.file.read(4) == b"\x1aE\xdf\xa3"  # a WebM (EBML) file
    assert video.video_seconds == video.required_seconds == 5

"""Issue 19: the lesson page shows, from its first render, the countdown of the lesson and of the
course and, in words, what is left before the lesson (and the course) count as learnt. A visitor
who is not enrolled gets no countdown."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from courses import learning
from courses.models import LessonProgress
from tests.courses.factories import make_course

pytestmark = pytest.mark.django_db


def _standing(client, lesson) -> dict:
    response = client.get(lesson.url)
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    box = soup.select_one("#lesson-progress")
    if box is None:
        return {}
    return {
        "lesson_left": box.select_one(".lesson-left").get_text(strip=True),
        "course_left": box.select_one(".course-left").get_text(strip=True),
        "blockers": [li.get_text(strip=True) for li in box.select(".blockers li")],
    }


def test_the_lesson_page_shows_its_countdown_and_what_is_left(client, worker, course_index):
    course = make_course(course_index, slug="left", lessons=3, minutes=20)
    lesson = course.lessons().first().specific
    enrolment = learning.enrol(person=worker.person, course=course)
    client.force_login(worker)

    standing = _standing(client, lesson)
    assert standing["lesson_left"] == "20:00"
    assert standing["course_left"] == "1:00:00"
    assert standing["blockers"] == ["还需学习 20:00", "还有 2 个其他课时未学完"]

    LessonProgress.objects.update_or_create(
        enrolment=enrolment, lesson=lesson, defaults={"seconds": 20 * 60 - 90}
    )
    standing = _standing(client, lesson)
    assert standing["lesson_left"] == "01:30"
    assert standing["course_left"] == "41:30"
    assert standing["blockers"] == ["还需学习 01:30", "还有 2 个其他课时未学完"]


def test_a_visitor_not_enrolled_sees_no_countdown(client, other_worker, course_index):
    course = make_course(course_index, slug="open", lessons=1, minutes=20)
    client.force_login(other_worker)
    assert _standing(client, course.lessons().first().specific) == {}

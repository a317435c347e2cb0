"""Fixtures for courses: a course index under the home page, a course with two lessons."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cms.models import HomePage
from courses.models import CourseIndexPage, CoursePage, LessonPage


def _publish(page):
    page.save_revision().publish()
    page.refresh_from_db()
    return page


@pytest.fixture
def course_index(db) -> CourseIndexPage:
    home = HomePage.objects.get()
    return _publish(home.add_child(instance=CourseIndexPage(title="在线课程", slug="courses-t")))


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


@pytest.fixture
def course(course_index) -> CoursePage:
    return make_course(course_index)


def page_queries(client, url: str) -> list[str]:
    """The SQL a page runs once warm (a first request fills per-process caches such as Wagtail's
    site root paths), leaving out the session read, which the Redis session backend skips."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in ctx.captured_queries if "django_session" not in q["sql"]]

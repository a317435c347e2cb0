"""Fixtures for courses: a course index under the home page, a course with two lessons."""

from __future__ import annotations

import pytest

from cms.models import HomePage
from courses.models import CourseIndexPage, CoursePage
from tests.courses.factories import _publish, make_course


@pytest.fixture
def course_index(db) -> CourseIndexPage:
    home = HomePage.objects.get()
    return _publish(home.add_child(instance=CourseIndexPage(title="在线课程", slug="courses-t")))


@pytest.fixture
def course(course_index) -> CoursePage:
    return make_course(course_index)

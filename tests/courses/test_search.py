"""Course and lesson pages in the Chinese site search (portal.search unigrams + bigrams)."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.urls import reverse
from wagtail.search.backends import get_search_backend

from courses.models import CoursePage, LessonPage
from tests.courses.factories import make_course


def _titles(response) -> list[str]:
    return sorted(page.title for page in response.context["results"].pages)


@pytest.fixture
def courses(course_index):
    confined = make_course(
        course_index,
        slug="confined",
        title="有限空间作业安全培训",
        intro="<p>面向污水处理、化工企业的从业人员。</p>",
        lessons=1,
    )
    lesson = LessonPage(
        title="第二课 仓储管理",
        slug="confined-storage",
        estimated_minutes=5,
        body=[
            {"type": "paragraph", "value": "<p>企业储存危化品必须分类分区存放并设专人管理。</p>"}
        ],
    )
    confined.add_child(instance=lesson)
    lesson.save_revision().publish()
    make_course(course_index, slug="fire", title="消防安全", lessons=0)
    return confined


def test_a_course_is_found_by_a_word_inside_its_title(client, courses):
    response = client.get(reverse("cms:search"), {"q": "有限空间"})
    assert response.status_code == 200
    assert _titles(response) == ["有限空间作业安全培训"]
    # the introduction is shown as plain text under the result
    assert "面向污水处理、化工企业的从业人员。" in response.content.decode()
    assert "&lt;p&gt;" not in response.content.decode()


def test_a_course_is_found_by_its_introduction(client, courses):
    assert _titles(client.get(reverse("cms:search"), {"q": "污水处理"})) == ["有限空间作业安全培训"]


def test_a_lesson_is_found_by_a_word_inside_a_longer_phrase_of_its_body(client, courses, worker):
    client.force_login(worker)
    response = client.get(reverse("cms:search"), {"q": "危化品"})
    assert _titles(response) == ["第二课 仓储管理"]
    assert _titles(client.get(reverse("cms:search"), {"q": "危化仓库"})) == []


def test_a_draft_course_is_not_found(client, course_index):
    course = make_course(course_index, slug="draft", title="有限空间救援", lessons=0)
    course.unpublish()
    assert _titles(client.get(reverse("cms:search"), {"q": "有限空间"})) == []


def test_the_migration_reindexes_courses_saved_before_the_search_field(db, courses):
    from wagtail.search.models import IndexEntry

    IndexEntry.objects.filter(
        content_type__app_label="courses", content_type__model__in=["coursepage", "lessonpage"]
    ).delete()
    backend = get_search_backend()
    assert not list(backend.search("有限 限空 空间", CoursePage, operator="and"))

    migration = importlib.import_module("courses.migrations.0006_reindex_course_search")
    migration.reindex(django_apps, None)

    assert [p.title for p in backend.search("有限 限空 空间", CoursePage, operator="and")] == [
        "有限空间作业安全培训"
    ]
    assert [p.title for p in backend.search("危化 化品", LessonPage, operator="and")] == [
        "第二课 仓储管理"
    ]

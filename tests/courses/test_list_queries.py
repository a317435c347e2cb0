"""List pages run the same number of queries whatever their size."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from courses import records
from courses.models import Enrolment
from tests.courses.factories import make_course
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_the_records_page_uses_the_same_queries_at_two_sizes(queries, client, manager, enterprise):
    client.force_login(manager)
    client.get("/courses/records/")

    def run(n):
        for _ in range(n):
            records.record_training(
                person=PersonFactory(enterprise=enterprise),
                on=date(timezone.localdate().year, 1, 3),
                hours=Decimal("1"),
                kind="topic",
                source=None,
                title="专题",
            )
        # user, groups, count, page of records with person and enterprise,
        # the user's permissions (one query, portal.auth; tab bar), site, site settings (the
        # user's person for the header comes with the user: portal.auth),
        # the nav's unread notice count
        return len(queries.page(client, "/courses/records/"))

    assert run(2) == run(7) == 8


def test_my_courses_uses_the_same_queries_at_two_sizes(queries, client, worker, course_index):
    client.force_login(worker)
    client.get("/courses/mine/")
    counter = iter(range(100))

    def run(n):
        for _ in range(n):
            course = make_course(course_index, slug=f"c{next(counter)}")
            Enrolment.objects.create(
                person=worker.person, course=course, due_on=timezone.localdate() + timedelta(days=3)
            )
        # user with their person (portal.auth), enrolments with course, lesson paths, studied
        # lessons, groups +
        # the user's permissions (one query; tab bar), person id (header), site (course urls), site,
        # site settings, the nav's unread notice count
        return len(queries.page(client, "/courses/mine/"))

    assert run(1) == run(3) == 10

"""The managers' study log (courses/study_log.py): scoped to the enterprise (manager) or region
(supervisor), per person, exported to .xlsx, and the enterprise summary of measured vs credited
hours."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from courses import learning, records, study
from courses.models import PresenceCheck

pytestmark = pytest.mark.django_db

URL = "/courses/study-log/"


@pytest.fixture
def studied(worker, other_worker, course):
    """The worker studied 60 s on a phone, then a PC took over; one presence check was answered.
    The other enterprise's worker studied too."""
    now = timezone.now() - timedelta(hours=1)
    enrolment = learning.enrol(person=worker.person, course=course)
    lesson = course.lessons().first()
    study.record_beat(
        enrolment=enrolment,
        lesson=lesson,
        now=now,
        tab="p",
        start=True,
        ip="10.0.0.7",
        device="Phone Safari",
    )
    for n in (30, 60):
        study.record_beat(
            enrolment=enrolment, lesson=lesson, now=now + timedelta(seconds=n), tab="p"
        )
    session = enrolment.study_sessions.get()
    PresenceCheck.objects.create(
        session=session,
        issued_at=now,
        deadline=now + timedelta(minutes=1),
        answered_at=now + timedelta(seconds=5),
        status="passed",
    )
    study.record_beat(
        enrolment=enrolment,
        lesson=lesson,
        now=now + timedelta(seconds=70),
        tab="pc",
        start=True,
        ip="10.0.0.8",
        device="Desktop Chrome",
    )
    other = learning.enrol(person=other_worker.person, course=course)
    study.record_beat(
        enrolment=other, lesson=lesson, now=now, tab="x", start=True, device="外厂手机"
    )
    return worker


def test_a_manager_sees_the_log_of_their_enterprise_only(client, manager, studied):
    client.force_login(manager)
    html = client.get(URL).content.decode()
    assert "Phone Safari" in html
    assert "10.0.0.7" in html
    assert "被接续：Desktop Chrome" in html
    assert "通过 1 / 未通过 0 / 共 1" in html
    assert "外厂手机" not in html


def test_another_enterprise_manager_is_refused_the_person_and_sees_none_of_it(
    client, other_manager, studied
):
    client.force_login(other_manager)
    assert client.get(f"{URL}?person={studied.person.pk}").status_code == 404
    html = client.get(URL).content.decode()
    assert "Phone Safari" not in html
    assert "外厂手机" in html
    content = client.get(f"{URL}?format=xlsx").content
    assert "Phone Safari" not in _cells(content)


def test_a_worker_is_refused_the_log(client, studied):
    client.force_login(studied)
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}?format=xlsx").status_code == 403


def test_a_street_supervisor_sees_their_streets_people(client, street_supervisor, studied):
    client.force_login(street_supervisor)
    html = client.get(f"{URL}?person={studied.person.pk}").content.decode()
    assert "Phone Safari" in html
    assert "外厂手机" not in client.get(URL).content.decode()


def _cells(content: bytes) -> str:
    sheet = load_workbook(io.BytesIO(content)).active
    return "\n".join(
        "|".join("" if v is None else str(v) for v in row)
        for row in sheet.iter_rows(values_only=True)
    )


def test_the_log_exports_to_xlsx_with_every_column(client, manager, studied):
    client.force_login(manager)
    response = client.get(f"{URL}?person={studied.person.pk}&format=xlsx")
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][6] == "计入秒数"
    phone = next(r for r in rows[1:] if r[7] == "Phone Safari")
    assert phone[6] == 60
    assert phone[8] == "10.0.0.7"
    assert phone[9] == "1/0/1"
    assert phone[10] == "被接续：Desktop Chrome"
    assert len(rows) == 3  # the header, the phone and the PC


def test_an_export_wider_than_one_file_is_refused_with_a_message_not_cut_short(
    client, manager, studied, monkeypatch
):
    from courses import study_log

    monkeypatch.setattr(study_log, "EXPORT_MAX_SESSIONS", 1)  # the fixture holds two sessions
    client.force_login(manager)
    response = client.get(f"{URL}?person={studied.person.pk}&format=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "超过 1 条" in response.content.decode()
    monkeypatch.setattr(study_log, "EXPORT_MAX_SESSIONS", 2)
    response = client.get(f"{URL}?person={studied.person.pk}&format=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_summary_sets_measured_hours_against_credited_hours(client, manager, studied, course):
    records.record_training(
        person=studied.person,
        on=timezone.localdate(),
        hours=Decimal("3"),
        kind="topic",
        source=studied.person.enrolments.get(),
        title=course.title,
        source_kind="course",
    )
    client.force_login(manager)
    summary = client.get(URL).context["summary"]
    assert [(r.name, r.measured_seconds, r.credited_hours) for r in summary] == [
        (studied.person.enterprise.name, 60, Decimal("3"))
    ]


def test_the_log_page_runs_the_same_queries_at_any_size(
    queries, client, manager, worker, course_index
):
    from tests.courses.factories import make_course

    def add_sessions(slug, n):
        course = make_course(course_index, slug=slug, lessons=n)
        enrolment = learning.enrol(person=worker.person, course=course)
        at = timezone.now() - timedelta(hours=2)
        for i, lesson in enumerate(course.lessons()):
            study.record_beat(
                enrolment=enrolment,
                lesson=lesson,
                now=at + timedelta(seconds=i),
                tab=f"{slug}{i}",
                start=True,
            )

    client.force_login(manager)
    add_sessions("a", 2)
    small = len(queries.page(client, URL))
    add_sessions("b", 6)
    assert len(queries.page(client, URL)) == small


# Pages of the courses app a worker may open; every other page without an object id is for
# managers and supervisors only (a new one falls under the sweep below without edits).
WORKER_PAGES = {"mine", "records", "classes"}


def _staff_pages() -> list[str]:
    from django.urls import URLPattern

    from courses.urls import urlpatterns

    return sorted(
        p.name
        for p in urlpatterns
        if isinstance(p, URLPattern) and not p.pattern.converters and p.name not in WORKER_PAGES
    )


def test_the_sweep_covers_the_study_log():
    assert "study-log" in _staff_pages()


@pytest.mark.parametrize("name", _staff_pages())
def test_a_worker_is_refused_every_staff_page_and_its_export(client, worker, name):
    from django.urls import reverse

    client.force_login(worker)
    url = reverse(f"courses:{name}")
    assert client.get(url).status_code == 403
    assert client.get(f"{url}?format=xlsx").status_code == 403

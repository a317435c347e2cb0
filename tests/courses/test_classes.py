import io
from datetime import date
from decimal import Decimal

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook

from courses import classes, learning, statistics
from courses.models import ClassRegistration, Cohort, Programme, TrainingRecord
from portal.periods import Period
from portal.scoping import Scope
from tests.courses.factories import TrainingClassFactory
from tests.factories import PersonFactory
from tests.portal.xlsx_helpers import confirm_import

pytestmark = pytest.mark.django_db


@pytest.fixture
def district_class(district):
    return TrainingClassFactory(hours=Decimal("16"), capacity=2, region=district)


@pytest.fixture
def enterprise_b_class(other_enterprise):
    return TrainingClassFactory(title="B厂内部培训", enterprise=other_enterprise)


def test_qr_sign_in_marks_attendance_and_writes_a_record(client, worker, district_class):
    code = classes.sign_in_code(training_class=district_class)
    client.force_login(worker)
    url = f"/courses/classes/{district_class.pk}/sign-in/"
    assert client.get(url, {"code": code}).status_code == 200
    response = client.post(url, {"code": code})
    assert "签到成功" in response.content.decode()
    registration = ClassRegistration.objects.get(person=worker.person)
    assert registration.attendance_method == "qr"
    record = TrainingRecord.objects.get()
    assert (record.hours, record.source_kind, record.source) == (
        Decimal("16"),
        "class",
        registration,
    )
    client.post(url, {"code": code})  # twice: still one record
    assert TrainingRecord.objects.count() == 1


def test_an_expired_or_forged_code_is_refused(client, worker, district_class):
    client.force_login(worker)
    url = f"/courses/classes/{district_class.pk}/sign-in/"
    old = signing.TimestampSigner(salt=classes.SIGN_IN_SALT)
    code = classes.sign_in_code(training_class=district_class)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(classes, "SIGN_IN_MAX_AGE", -1)
        response = client.post(url, {"code": code})
    assert response.status_code == 400
    assert "已过期" in response.content.decode()
    response = client.post(url, {"code": old.sign("999")})
    assert "不属于这个培训班" in response.content.decode()
    response = client.post(url, {"code": "forged:code"})
    assert "签到码无效" in response.content.decode()
    assert not TrainingRecord.objects.exists()


def test_another_enterprises_class_is_invisible(client, worker, enterprise_b_class):
    client.force_login(worker)
    assert client.get(f"/courses/classes/{enterprise_b_class.pk}/").status_code == 404
    response = client.post(f"/courses/classes/{enterprise_b_class.pk}/register/")
    assert response.status_code == 404
    assert "B厂内部培训" not in client.get("/courses/classes/").content.decode()


def test_registration_respects_capacity(district_class, enterprise):
    for _ in range(2):
        classes.register_for_class(
            person=PersonFactory(enterprise=enterprise), training_class=district_class
        )
    with pytest.raises(learning.CourseError, match="名额已满"):
        classes.register_for_class(
            person=PersonFactory(enterprise=enterprise), training_class=district_class
        )


def test_the_organiser_ticks_attendance_and_untick_removes_the_record(
    client, supervisor, worker, district_class
):
    registration = classes.register_for_class(person=worker.person, training_class=district_class)
    client.force_login(supervisor)
    url = f"/courses/classes/{district_class.pk}/attendance/"
    client.post(url, {"present": [registration.pk]})
    assert TrainingRecord.objects.count() == 1
    client.post(url, {})
    assert TrainingRecord.objects.count() == 0


def test_a_participant_or_other_manager_cannot_tick_or_show_the_qr(
    client, worker, other_manager, district_class, enterprise_b_class, manager
):
    registration = classes.register_for_class(person=worker.person, training_class=district_class)
    for user in (worker, other_manager):
        client.force_login(user)
        assert (
            client.post(
                f"/courses/classes/{district_class.pk}/attendance/", {"present": [registration.pk]}
            ).status_code
            == 404
        )
        assert client.get(f"/courses/classes/{district_class.pk}/qr.svg").status_code == 404
    client.force_login(manager)
    assert client.get(f"/courses/classes/{enterprise_b_class.pk}/qr/").status_code == 404
    assert not TrainingRecord.objects.exists()


def test_the_organiser_gets_a_qr_svg(client, supervisor, district_class):
    client.force_login(supervisor)
    response = client.get(f"/courses/classes/{district_class.pk}/qr.svg")
    assert response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content
    assert b"http://www.w3.org/2000/svg" in response.content  # renders in an <img>


def test_the_qr_screen_shows_a_live_sign_in_count_for_the_organiser_only(
    client, supervisor, worker, other_manager, district_class, enterprise
):
    classes.register_for_class(
        person=PersonFactory(enterprise=enterprise, name="未到者"), training_class=district_class
    )
    client.force_login(supervisor)
    screen = client.get(f"/courses/classes/{district_class.pk}/qr/").content.decode()
    status_url = f"/courses/classes/{district_class.pk}/sign-in/status/"
    assert f'data-status-url="{status_url}"' in screen
    assert "0 / 1" in screen
    assert "class_qr.js" in screen
    assert client.get(status_url).json() == {"total": 1, "present": 0, "latest": []}

    client.force_login(worker)  # a participant scans and signs in
    code = classes.sign_in_code(training_class=district_class)
    client.post(f"/courses/classes/{district_class.pk}/sign-in/", {"code": code})
    assert client.get(status_url).status_code == 404  # not the participant's screen
    client.force_login(other_manager)
    assert client.get(status_url).status_code == 404

    client.force_login(supervisor)
    status = client.get(status_url)
    assert "no-cache" in status["Cache-Control"]
    data = status.json()
    assert (data["present"], data["total"]) == (1, 2)
    assert [row["name"] for row in data["latest"]] == [worker.person.name]


def _xlsx(rows):
    wb = Workbook()
    wb.active.append(["姓名", "身份证号"])
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("a.xlsx", buf.getvalue())


def test_attendance_import_good_and_bad(client, supervisor, enterprise, district_class):
    p1 = PersonFactory(enterprise=enterprise, name="甲")
    p2 = PersonFactory(enterprise=enterprise, name="乙")
    client.force_login(supervisor)
    url = f"/courses/classes/{district_class.pk}/attendance/import/"
    response = client.post(
        url, {"file": _xlsx([["甲", p1.id_number], ["丙", "110101199003070000"]])}
    )
    html = response.content.decode()
    assert "第3行" in html
    assert not ClassRegistration.objects.exists()
    preview = client.post(url, {"file": _xlsx([["甲", p1.id_number], ["乙", p2.id_number]])})
    assert not ClassRegistration.objects.exists()  # a preview saves nothing
    confirm_import(client, url, preview)
    assert ClassRegistration.objects.filter(attended_at__isnull=False).count() == 2
    assert TrainingRecord.objects.count() == 2


def test_the_programme_page_shows_coverage_against_targets(
    client, supervisor, worker, other_worker, district_class, district
):
    programme = Programme.objects.create(
        name="双百双千", target_enterprises=100, target_people=1000, region=district
    )
    cohort = Cohort.objects.create(programme=programme, name="第一期", target_people=50)
    district_class.programme, district_class.cohort = programme, cohort
    district_class.save()
    now = timezone.now()
    for user in (worker, other_worker):
        registration = classes.register_for_class(person=user.person, training_class=district_class)
        classes.mark_attendance(registration=registration, method="manual", now=now)
    figures = statistics.programme_figures(
        Scope.everything(), Period.between(date(2000, 1, 1), date(2100, 1, 1)), programme=programme
    )
    assert (figures.enterprises_covered, figures.people_trained) == (2, 2)
    assert figures.by_cohort[0]["people"] == 2
    client.force_login(supervisor)
    html = client.get(f"/courses/programmes/{programme.pk}/").content.decode()
    assert "2 / 100" in html
    assert "2 / 1000" in html
    client.force_login(worker)
    assert client.get(f"/courses/programmes/{programme.pk}/").status_code == 403


def test_the_class_list_uses_the_same_queries_at_two_sizes(
    queries, client, worker, district, enterprise
):
    client.force_login(worker)
    client.get("/courses/classes/")

    def run(n):
        for i in range(n):
            training_class = TrainingClassFactory(
                region=district if i % 2 else None, enterprise=None if i % 2 else enterprise
            )
            classes.register_for_class(person=worker.person, training_class=training_class)
        # user with their person (portal.auth), groups, person id (scope), person with street
        # (visible classes), count, page of classes, my registrations (a worker manages none: no
        # query), the user's permissions (one query: portal.auth; tab bar), site, site settings, the nav's unread
        # notice count
        return len(queries.page(client, "/courses/classes/"))

    assert run(2) == run(6) == 11

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from dashboard import services
from dashboard.services import Period, PeriodError

pytestmark = pytest.mark.django_db

YEAR_2026 = Period("year", date(2026, 1, 1), date(2026, 12, 31), "2026年")
TODAY = date(2026, 11, 29)


def _board(user, target=None, period=YEAR_2026):
    target = target or services.default_target(user)
    return services.dashboard_figures(target=target, period=period, today=TODAY)


def test_the_district_dashboard_figures_equal_the_hand_computed_values(supervisor, known_data):
    board = _board(supervisor)
    assert board.training.count == 6
    assert board.training.hours == Decimal("22")
    by_category = {r["key"]: r["count"] for r in board.training.by_category}
    assert by_category == {"principal": 2, "special_operator": 3, "other": 1}
    assert board.drills.total.drills == 2
    assert board.drills.total.person_times == 3
    assert board.drills.total.money == Decimal("1500")
    streets = {c["name"]: (c["count"], c["hours"], c["drills"]) for c in board.children}
    assert board.children_kind == "street"
    assert len(streets) == 2
    assert sorted(streets.values()) == [(1, Decimal("8"), 1), (5, Decimal("14"), 1)]


def test_the_street_dashboard_counts_only_its_street_and_lists_its_enterprises(
    supervisor, street, enterprise, known_data
):
    board = _board(supervisor, services.region_target(supervisor, street.code))
    assert board.training.count == 5
    assert board.drills.total.money == Decimal("1000")
    assert board.children_kind == "enterprise"
    assert [c["name"] for c in board.children] == [enterprise.name]
    assert board.children[0]["drills"] == 1


def test_the_enterprise_dashboard_of_a_manager_shows_only_their_enterprise(
    other_manager, known_data
):
    board = _board(other_manager)
    assert board.target.enterprise == other_manager.enterprise
    assert board.training.count == 1
    assert board.drills.total.drills == 1
    assert board.drills.total.money == Decimal("500")
    assert board.children == []


def test_a_quarter_and_a_month_narrow_the_figures(supervisor, known_data):
    q2 = services.parse_period({"period": "quarter", "year": "2026", "quarter": "2"}, today=TODAY)
    assert (q2.start, q2.end) == (date(2026, 4, 1), date(2026, 6, 30))
    assert _board(supervisor, period=q2).training.count == 4
    june = services.parse_period({"period": "month", "year": "2026", "month": "6"}, today=TODAY)
    assert _board(supervisor, period=june).drills.total.drills == 1
    custom = services.parse_period(
        {"period": "custom", "start": "2026-06-06", "end": "2026-09-30"}, today=TODAY
    )
    assert _board(supervisor, period=custom).training.count == 3


@pytest.mark.parametrize(
    "params",
    [
        {"period": "quarter", "quarter": "5"},
        {"period": "month", "month": "十三"},
        {"period": "custom", "start": "2026-06-01", "end": "2026-05-01"},
        {"period": "custom", "start": "", "end": ""},
        {"period": "week"},
        {"year": "1900"},
    ],
)
def test_a_bad_period_is_refused_with_a_chinese_message(params):
    with pytest.raises(PeriodError) as excinfo:
        services.parse_period(params, today=TODAY)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(excinfo.value))


def test_open_corrective_actions_and_expiring_certificates_are_counted_in_scope(
    street_supervisor, enterprise, other_enterprise, worker, other_worker
):
    from drills.models import CorrectiveAction, Finding
    from tests.certificates.factories import CertificateTemplateFactory, issue_manual_certificate
    from tests.dashboard.factories import held_drill

    a = held_drill(enterprise, date(2026, 6, 1), form="live", spent="1", people=0)
    b = held_drill(other_enterprise, date(2026, 6, 1), form="live", spent="1", people=0)
    for drill, status, due in (
        (a, "open", "2026-12-31"),
        (a, "open", "2026-10-01"),
        (a, "verified", "2026-10-01"),
        (b, "open", "2026-10-01"),
    ):
        finding = Finding.objects.create(drill=drill, grade="deficiency", description="通道堵塞")
        CorrectiveAction.objects.create(
            finding=finding, description="清理通道", owner_name="安全科", due_on=due, status=status
        )
    template = CertificateTemplateFactory(name="看板测试证书", validity_months=36)
    for person, issued_on in (
        (worker.person, date(2023, 12, 20)),  # valid until 2026-12-20: expiring soon
        (worker.person, date(2025, 1, 1)),  # valid until 2028: not soon
        (other_worker.person, date(2023, 12, 20)),  # another street: not counted
    ):
        issue_manual_certificate(person, template=template, details={}, issued_on=issued_on)
    board = _board(street_supervisor)
    assert (board.actions["open"], board.actions["overdue"]) == (2, 1)
    assert board.expiring["count"] == 1
    assert board.expiring["rows"][0].person == worker.person


def test_exams_taken_and_pass_rate_count_finished_formal_exams_in_scope(
    supervisor, street_supervisor, worker, other_worker, enterprise
):
    from django.apps import apps
    from django.utils import timezone

    try:
        Attempt = apps.get_model("exams", "Attempt")
        Paper = apps.get_model("exams", "Paper")
    except LookupError:
        pytest.skip("the exams app has no attempt model")
    exam = Paper.objects.create(title="年度安全知识考试", mode="exam", enterprise=enterprise)
    mock = Paper.objects.create(title="模拟考试", mode="mock", enterprise=enterprise)
    finished = timezone.make_aware(timezone.datetime(2026, 5, 1, 10))
    rows = [
        (exam, worker.person, 1, True),
        (exam, worker.person, 2, True),
        (exam, other_worker.person, 1, False),
        (mock, worker.person, 1, True),  # a mock exam: not counted
    ]
    for paper, person, number, passed in rows:
        Attempt.objects.create(
            paper=paper,
            person=person,
            number=number,
            state="finished",
            finished_at=finished,
            passed=passed,
            score=Decimal("80"),
        )
    board = _board(supervisor)
    assert (board.exams["taken"], board.exams["passed"]) == (3, 2)
    assert board.exams["rate"] == Decimal("66.7")
    street_board = _board(street_supervisor)
    assert (street_board.exams["taken"], street_board.exams["rate"]) == (2, Decimal("100.0"))


def test_the_compliance_rate_counts_people_with_a_requirement(
    supervisor, enterprise, other_enterprise
):
    from courses.models import TrainingRequirement
    from tests.dashboard.factories import add_record
    from tests.factories import PersonFactory

    TrainingRequirement.objects.all().delete()
    for ent in {enterprise.is_training_high_risk, other_enterprise.is_training_high_risk}:
        TrainingRequirement.objects.create(
            category="principal", high_risk=ent, annual_hours=Decimal("8")
        )
    ok = PersonFactory(enterprise=enterprise, category="principal")
    short = PersonFactory(enterprise=other_enterprise, category="principal")
    PersonFactory(enterprise=enterprise, category="principal", is_active=False)  # left: ignored
    add_record(ok, date(2026, 2, 1), "8")
    add_record(short, date(2026, 2, 1), "4")
    add_record(short, date(2025, 2, 1), "8")  # last year's hours do not count
    board = _board(supervisor)
    c = board.compliance
    assert (c.year, c.required, c.compliant, c.rate) == (2026, 2, 1, Decimal("50.0"))
    assert c.no_requirement == 0


def test_the_compliance_count_agrees_with_the_courses_compliance_rows(
    supervisor, enterprise, other_enterprise
):
    from courses.compliance import compliance_rows
    from courses.models import TrainingRequirement
    from portal.scoping import visible_people
    from tests.dashboard.factories import add_record
    from tests.factories import PersonFactory

    TrainingRequirement.objects.all().delete()
    for risk in (False, True):
        TrainingRequirement.objects.create(
            category="principal",
            high_risk=risk,
            initial_hours=Decimal("32"),
            annual_hours=Decimal("12"),
        )
        TrainingRequirement.objects.create(
            category="special_operator", high_risk=risk, annual_hours=Decimal("8")
        )
    other_enterprise.training_high_risk_override = True
    other_enterprise.save()
    cases = [
        (enterprise, "principal", None, "12"),  # annual 12 h: compliant
        (enterprise, "principal", date(2026, 3, 1), "12"),  # hired this year: needs 32 h
        (other_enterprise, "principal", date(2020, 3, 1), "11.5"),  # short
        (other_enterprise, "special_operator", None, "8"),  # compliant
        (other_enterprise, "other", None, "0"),  # no requirement: not counted
    ]
    for ent, category, hired_on, hours in cases:
        person = PersonFactory(enterprise=ent, category=category, hired_on=hired_on)
        if Decimal(hours):
            add_record(person, date(2026, 4, 1), hours)
    rows = [
        r
        for r in compliance_rows(
            people=visible_people(supervisor).filter(is_active=True), year=2026
        )
        if r.required is not None
    ]
    board = _board(supervisor)
    assert board.compliance.required == len(rows) == 4
    assert board.compliance.compliant == sum(r.is_compliant for r in rows) == 2
    assert board.compliance.no_requirement == 1

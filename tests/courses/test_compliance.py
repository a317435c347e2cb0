from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from courses import compliance, records, statistics
from portal.models import Industry, Person, PersonCategory
from tests.factories import EnterpriseFactory, PersonFactory

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year


def _record(person, hours, on=None):
    records.record_training(
        person=person,
        on=on or date(YEAR, 1, 2),
        hours=Decimal(hours),
        kind="refresher",
        source=None,
        title="再培训",
    )


def test_requirements_are_seeded_from_the_csv(db):
    table = statistics.requirement_table()
    assert len(table) == 10
    assert table[(PersonCategory.SPECIAL_OPERATOR, False)].review_cycle_hours == Decimal("8")
    principal_high = table[(PersonCategory.PRINCIPAL, True)]
    assert (principal_high.initial_hours, principal_high.annual_hours) == (
        Decimal("48"),
        Decimal("16"),
    )
    other_normal = table[(PersonCategory.OTHER, False)]
    assert (other_normal.initial_hours, other_normal.annual_hours) == (Decimal("24"), None)


def test_figures_for_a_high_risk_and_a_normal_enterprise(street):
    chem = EnterpriseFactory(street=street, industry=Industry.HAZARDOUS_CHEMICALS)
    shop = EnterpriseFactory(street=street, industry=Industry.TRADE)
    assert chem.is_training_high_risk
    assert not shop.is_training_high_risk
    # high-risk principal: annual 16 h; has 12 → short by 4
    boss = PersonFactory(
        enterprise=chem, category=PersonCategory.PRINCIPAL, hired_on=date(2015, 1, 1)
    )
    _record(boss, "12")
    _record(boss, "30", on=date(YEAR - 1, 6, 1))  # last year's hours do not count
    # high-risk newcomer (hired this year): initial 72 h; has 72 → compliant
    newcomer = PersonFactory(
        enterprise=chem, category=PersonCategory.OTHER, hired_on=date(YEAR, 1, 1)
    )
    _record(newcomer, "72")
    # normal principal: annual 12 h; has 12 → compliant
    shop_boss = PersonFactory(
        enterprise=shop, category=PersonCategory.PRINCIPAL, hired_on=date(2010, 1, 1)
    )
    _record(shop_boss, "12")
    # normal other worker hired earlier: no annual figure → no requirement
    clerk = PersonFactory(enterprise=shop, category=PersonCategory.OTHER, hired_on=date(2010, 1, 1))
    rows = {
        r.person.pk: r for r in compliance.compliance_rows(people=Person.objects.all(), year=YEAR)
    }
    assert (rows[boss.pk].required, rows[boss.pk].hours, rows[boss.pk].is_compliant) == (
        Decimal("16"),
        Decimal("12"),
        False,
    )
    assert rows[boss.pk].shortfall == Decimal("4")
    assert (
        rows[newcomer.pk].required,
        rows[newcomer.pk].initial,
        rows[newcomer.pk].is_compliant,
    ) == (
        Decimal("72"),
        True,
        True,
    )
    assert (rows[shop_boss.pk].required, rows[shop_boss.pk].is_compliant) == (Decimal("12"), True)
    assert rows[clerk.pk].required is None
    # No requirement is its own status, not 达标 (issue 15: the page counted such people as 达标).
    assert not rows[clerk.pk].has_requirement
    assert not rows[clerk.pk].is_compliant
    assert not rows[clerk.pk].is_short


def test_a_manager_sees_only_their_enterprise_and_can_export(
    client, manager, enterprise, other_enterprise
):
    PersonFactory(enterprise=enterprise, name="本厂甲")
    PersonFactory(enterprise=other_enterprise, name="外厂乙")
    client.force_login(manager)
    html = client.get("/courses/compliance/").content.decode()
    assert "本厂甲" in html
    assert "外厂乙" not in html
    response = client.get("/courses/compliance/?format=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(response.content)).active
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["本厂甲"]


def test_a_district_supervisor_sees_a_summary_by_street_and_drills_down(
    client, supervisor, street, enterprise, other_enterprise
):
    PersonFactory(enterprise=enterprise, name="本厂甲")
    PersonFactory(enterprise=other_enterprise, name="外厂乙")
    client.force_login(supervisor)
    html = client.get("/courses/compliance/").content.decode()
    # A summary by street, not a list of every person.
    assert street.name in html
    assert other_enterprise.street.name in html
    assert "本厂甲" not in html
    assert "外厂乙" not in html
    html = client.get(f"/courses/compliance/?street={street.code}").content.decode()
    assert enterprise.name in html
    assert other_enterprise.name not in html
    assert "本厂甲" not in html
    html = client.get(f"/courses/compliance/?enterprise={enterprise.pk}").content.decode()
    assert "本厂甲" in html
    assert "外厂乙" not in html


def test_a_street_supervisor_cannot_drill_into_another_street_or_its_enterprises(
    client, street_supervisor, other_enterprise
):
    client.force_login(street_supervisor)
    assert (
        client.get(f"/courses/compliance/?street={other_enterprise.street.code}").status_code == 404
    )
    assert client.get(f"/courses/compliance/?enterprise={other_enterprise.pk}").status_code == 404


def test_people_with_no_requirement_are_counted_apart_not_as_compliant(client, manager, enterprise):
    """Issue 15: the page said "共 200 人，达标 129 人", counting people with no requirement as
    达标, while the dashboard said 61 of 132. Both now say: 有学时要求 N 人，达标 M 人；无要求 K 人."""
    from courses.models import TrainingRequirement

    TrainingRequirement.objects.all().delete()
    TrainingRequirement.objects.create(
        category=PersonCategory.PRINCIPAL,
        high_risk=enterprise.is_training_high_risk,
        annual_hours=8,
    )
    met = PersonFactory(enterprise=enterprise, category=PersonCategory.PRINCIPAL)
    _record(met, "8")
    PersonFactory(enterprise=enterprise, category=PersonCategory.PRINCIPAL)  # short
    for _ in range(3):
        PersonFactory(enterprise=enterprise, category=PersonCategory.OTHER)  # no requirement
    client.force_login(manager)
    html = client.get(f"/courses/compliance/?year={YEAR}").content.decode()
    assert "有学时要求 2 人，达标 1 人，学时达标率 50.0%；无要求 3 人。" in html
    from io import BytesIO

    from openpyxl import load_workbook

    response = client.get(f"/courses/compliance/?year={YEAR}&format=xlsx")
    summary = load_workbook(BytesIO(response.content))["汇总"]
    values = {r[0]: r[1] for r in summary.iter_rows(min_row=2, values_only=True)}
    assert values == {
        "有学时要求人数": 2,
        "学时达标人数": 1,
        "学时达标率（%）": 50.0,
        "无学时要求人数": 3,
    }
    short = client.get(f"/courses/compliance/?year={YEAR}&only=short").content.decode()
    assert short.count('class="badge bad"') == 1  # 只看未达标: the short one, not the 3 without


def test_a_worker_is_refused_the_compliance_list(client, worker):
    client.force_login(worker)
    assert client.get("/courses/compliance/").status_code == 403


def test_the_compliance_list_uses_the_same_queries_at_two_sizes(
    queries, client, manager, enterprise
):
    client.force_login(manager)
    client.get("/courses/compliance/")

    def run(n):
        PersonFactory.create_batch(n, enterprise=enterprise)
        for person in Person.objects.filter(enterprise=enterprise):
            _record(person, "2")
        # user, groups (scope), the summary (rollup state, requirement table, one aggregate), the rows
        # (requirement table, people with enterprise and hours annotated), the user's
        # permissions (one query, portal.auth; the tab bar), site, site settings (footer) (the
        # user's person for the header comes with the user: portal.auth),
        # the nav's unread notice count, 无证上岗 (positions, people who may need a certificate),
        # the 三级教育 flag (inductions, the rule table, recent hires without one: none flagged)
        # — plus the session read with database sessions
        return len(queries.page(client, "/courses/compliance/"))

    assert run(2) == run(8) == 16


def test_an_empty_requirement_table_gives_nobody_a_requirement_on_every_surface(
    client, manager, enterprise
):
    """An operator may delete every row of the requirement table: nobody then has a requirement
    (counted apart, not as 达标), and no page fails — on PostgreSQL the judgement's CASE without a
    WHEN was an untyped NULL compared with numeric hours."""
    from courses.models import TrainingRequirement
    from portal.periods import Period
    from portal.scoping import scope_for

    TrainingRequirement.objects.all().delete()
    person = PersonFactory(enterprise=enterprise, category=PersonCategory.PRINCIPAL)
    _record(person, "8")
    PersonFactory(enterprise=enterprise, category=PersonCategory.OTHER)
    summary = statistics.compliance_summary(scope_for(manager), Period.of_year(YEAR))
    assert (summary.required, summary.compliant, summary.no_requirement) == (0, 0, 2)
    client.force_login(manager)
    html = client.get(f"/courses/compliance/?year={YEAR}").content.decode()
    assert "无要求 2 人" in html
    assert client.get(f"/dashboard/?period=year&year={YEAR}").status_code == 200

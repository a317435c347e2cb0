from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from drills import reports
from drills.models import CorrectiveAction, Finding, Participation
from drills.statistics import drill_statistics, drill_statistics_of
from portal.periods import Period
from portal.scoping import scope_for
from tests.drills.factories import make_drill
from tests.factories import EnterpriseFactory, PersonFactory

pytestmark = pytest.mark.django_db


def test_the_after_action_report_pdf_carries_the_facts_participation_findings_and_actions(
    drill, worker, django_capture_on_commit_callbacks
):
    Participation.objects.create(
        drill=drill, person=worker.person, role="commander", checked_in_at=timezone.now()
    )
    finding = Finding.objects.create(drill=drill, grade="deficiency", description="对讲机信号中断")
    CorrectiveAction.objects.create(
        finding=finding, description="增设中继台", owner_name="安全科", due_on="2030-01-01"
    )
    report = reports.render_report(drill_id=drill.pk)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(report.file.read())).pages)
    for expected in (
        "应急演练总结报告",
        drill.title,
        "一号罐区",
        "王小明",
        "总指挥",
        "对讲机信号中断",
        "增设中继台",
        "不足项",
        "9000.50",
    ):
        assert expected in text, expected
    assert report.is_current


def test_requesting_a_report_enqueues_the_render_task(
    client, manager, drill, django_capture_on_commit_callbacks, monkeypatch
):
    import importlib

    enqueued = []
    monkeypatch.setattr(reports, "enqueue", lambda func, *args: enqueued.append((func, args)))
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("drills:report-request", args=[drill.pk]))
    assert enqueued == [("drills.tasks.render_report", (drill.pk,))]
    drill.refresh_from_db()
    assert not drill.report.is_current
    module, func = enqueued[0][0].rsplit(".", 1)
    getattr(importlib.import_module(module), func)(*enqueued[0][1])
    drill.refresh_from_db()
    assert drill.report.is_current
    response = client.get(reverse("drills:report", args=[drill.pk]))
    assert response["Content-Type"] == "application/pdf"


def test_a_worker_cannot_download_the_report(client, worker, drill, worker_participation):
    reports.render_report(drill_id=drill.pk)
    client.force_login(worker)
    assert client.get(reverse("drills:report", args=[drill.pk])).status_code == 403


def _held(
    enterprise, start, *, form="live", level="enterprise", accident="fire", spent="1000", people=2
):
    drill = make_drill(
        enterprise=enterprise,
        start=start,
        status="archived",
        form=form,
        accident_type=accident,
        spent=Decimal(spent),
        place=f"P{start.timestamp()}",
    )
    drill.level = level
    drill.save()
    for _ in range(people):  # attended (checked in): what 参演人次 counts
        Participation.objects.create(
            drill=drill, person=PersonFactory(enterprise=enterprise), checked_in_at=start
        )
    Participation.objects.create(
        drill=drill, person=PersonFactory(enterprise=enterprise)
    )  # no-show
    return drill


def _june(day: int):
    return timezone.make_aware(timezone.datetime(2026, 6, day, 9, 0))


def test_statistics_count_drills_person_times_and_money_by_form_street_and_month(
    supervisor, enterprise, other_enterprise, district
):
    _held(enterprise, _june(3), form="live", spent="1000.50", people=3)
    _held(enterprise, _june(20), form="tabletop", spent="200", people=2)
    _held(
        other_enterprise,
        _june(25) + timedelta(days=10),
        accident="chemical_leak",
        spent="50",
        people=1,
    )
    make_drill(enterprise=enterprise, start=_june(10), status="planned")  # not held: not counted
    make_drill(enterprise=enterprise, start=_june(11), status="cancelled")
    stats = drill_statistics(
        scope_for(supervisor), Period.between(date(2026, 6, 1), date(2026, 7, 31))
    )
    assert stats.total.drills == 3
    assert stats.total.person_times == 6
    assert stats.total.money == Decimal("1250.50")
    assert stats.by_form["实战演练"].drills == 2
    assert stats.by_form["桌面演练"].person_times == 2
    assert stats.by_street[enterprise.street.name].money == Decimal("1200.50")
    assert stats.by_month["2026-07"].drills == 1
    assert stats.by_accident_type["危化品泄漏"].drills == 1
    assert stats.by_level["企业级"].drills == 3
    assert stats.enterprises == 2


def test_statistics_are_scoped_to_the_user(street_supervisor, enterprise, other_enterprise):
    _held(enterprise, _june(3))
    _held(other_enterprise, _june(4))
    stats = drill_statistics(
        scope_for(street_supervisor), Period.between(date(2026, 6, 1), date(2026, 6, 30))
    )
    assert stats.total.drills == 1
    assert list(stats.by_street) == [enterprise.street.name]


def test_statistics_use_one_query_at_any_data_size(supervisor, street, django_assert_num_queries):
    # Queries: 1 — the held drills in range with their attended participations counted in one
    # grouped pass, grouped by the breakdowns' keys, with the organising enterprises counted and
    # (by_enterprise) grouped apart in the same statement (the user's scope is computed once per
    # user object, as it is once per request). Was 2 (the breakdowns; per organising enterprise,
    # each with a correlated participation count per drill).
    ent = EnterpriseFactory(street=street)
    _held(ent, _june(3))
    scope_for(supervisor)
    with django_assert_num_queries(1):
        drill_statistics(scope_for(supervisor), Period.between(date(2026, 6, 1), date(2026, 6, 30)))
    for d in range(4, 12):
        _held(EnterpriseFactory(street=street), _june(d), people=3)
    with django_assert_num_queries(1):
        stats = drill_statistics(
            scope_for(supervisor), Period.between(date(2026, 6, 1), date(2026, 6, 30))
        )
    assert stats.total.drills == 9


def test_statistics_of_several_periods_equal_one_call_each(supervisor, street):
    """drill_statistics_of (the annual report's two years in one query) gives each period what
    drill_statistics gives it alone, per enterprise too; drills between the periods count in
    neither."""
    ent, other = EnterpriseFactory(street=street), EnterpriseFactory(street=street)
    _held(ent, _june(3), people=2)
    _held(other, _june(4), people=3)
    _held(ent, _june(5) - timedelta(days=365), people=1)
    _held(other, _june(6) - timedelta(days=200), people=4)  # in neither period
    scope = scope_for(supervisor)
    periods = [
        Period.between(date(2026, 6, 1), date(2026, 6, 30)),
        Period.between(date(2025, 6, 1), date(2025, 6, 30)),
    ]
    together = drill_statistics_of(scope, periods, by_enterprise=True)
    for period, stats in zip(periods, together, strict=True):
        alone = drill_statistics(scope, period)
        assert stats == alone
    assert together[0].enterprises == 2
    assert together[1].enterprises == 1
    assert together[0].by_enterprise[other.pk].person_times == 3
    assert drill_statistics(scope, periods[0], by_enterprise=False).by_enterprise == {}


def _count_queries(queries, client, url) -> int:

    with queries.capture() as ctx:
        client.get(url)
    return len(ctx)


def test_the_drill_list_uses_the_same_queries_for_more_drills(
    queries, client, manager, enterprise, django_assert_num_queries
):
    """Queries: session (database sessions only; with Redis the session is in the cache), user,
    user groups (role check), paginator count, user permissions and group permissions (base
    template: admin link), the user's person (nav), one page of drills with the organiser joined
    and 人次 annotated — plus the site-wide context processors' queries, which are constant."""
    client.force_login(manager)
    url = reverse("drills:list")
    _held(enterprise, _june(3))
    client.get(url)
    small = _count_queries(queries, client, url)
    for d in range(4, 14):
        _held(enterprise, _june(d))
    with django_assert_num_queries(small):
        html = client.get(url).content.decode()
    assert html.count("/drills/") > 10


def test_the_month_calendar_uses_the_same_queries_for_more_drills(
    queries, client, supervisor, enterprise, django_assert_num_queries
):
    """Queries: session (database sessions only), user, user groups, the supervisor's region, the
    month's drills, the 'can create' check (organisable regions), user and group permissions, the
    user's person — plus the site-wide context processors' queries, which are constant."""
    client.force_login(supervisor)
    url = reverse("drills:calendar") + "?y=2026&m=6"
    _held(enterprise, _june(3))
    client.get(url)
    small = _count_queries(queries, client, url)
    for d in range(4, 20):
        _held(enterprise, _june(d))
    with django_assert_num_queries(small):
        html = client.get(url).content.decode()
    assert html.count('class="ev ') == 17

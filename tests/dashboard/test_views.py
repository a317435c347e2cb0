from __future__ import annotations

import json
from datetime import date

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from courses import rollups
from dashboard import services
from dashboard.services import Period
from dashboard.wagtail_hooks import register_dashboard_menu_item
from portal.models import FigureSnapshot
from portal.scoping import scope_for
from tests.dashboard.factories import add_record, held_drill
from tests.factories import EnterpriseFactory, PersonFactory

pytestmark = pytest.mark.django_db

YEAR = "?period=year&year=2026"
TODAY = date(2026, 11, 29)


def _get(client, user, url):
    client.force_login(user)
    return client.get(url)


def _kpi(response, label: str) -> str:
    """The number the page shows above `label` in its main figures."""
    html = response.content.decode()
    return html.split(f'<span class="l">{label}</span>')[0].rsplit('<span class="n">', 1)[1][:-7]


def test_the_district_supervisor_sees_the_district_and_drills_down_to_street_and_enterprise(
    client, supervisor, street, enterprise, known_data
):
    response = _get(client, supervisor, reverse("dashboard:index") + YEAR)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<svg" in body
    assert reverse("dashboard:region", args=[street.code]) in body
    response = client.get(reverse("dashboard:region", args=[street.code]) + YEAR)
    assert response.status_code == 200
    assert reverse("dashboard:enterprise", args=[enterprise.pk]) in response.content.decode()
    response = client.get(reverse("dashboard:enterprise", args=[enterprise.pk]) + YEAR)
    assert response.status_code == 200
    assert _kpi(response, "培训人次") == "5"  # A holds all of street 1's records


def test_a_street_supervisor_cannot_drill_into_another_street_or_its_enterprises(
    client, street_supervisor, district, other_street, other_enterprise
):
    client.force_login(street_supervisor)
    assert client.get(reverse("dashboard:region", args=[other_street.code])).status_code == 404
    assert client.get(reverse("dashboard:region", args=[district.code])).status_code == 404
    url = reverse("dashboard:enterprise", args=[other_enterprise.pk])
    assert client.get(url).status_code == 404
    report = reverse("dashboard:report") + f"?region={other_street.code}&format=json"
    assert client.get(report).status_code == 404
    report = reverse("dashboard:report") + f"?enterprise={other_enterprise.pk}&format=json"
    assert client.get(report).status_code == 404


def test_the_manager_of_b_is_refused_enterprise_a_and_every_region(
    client, other_manager, enterprise, street, district
):
    client.force_login(other_manager)
    assert client.get(reverse("dashboard:enterprise", args=[enterprise.pk])).status_code == 404
    assert client.get(reverse("dashboard:region", args=[street.code])).status_code == 404
    assert client.get(reverse("dashboard:region", args=[district.code])).status_code == 404
    report = reverse("dashboard:report") + f"?enterprise={enterprise.pk}&format=json"
    assert client.get(report).status_code == 404


def test_the_manager_sees_their_own_enterprise_dashboard_and_report(
    client, other_manager, known_data
):
    response = _get(client, other_manager, reverse("dashboard:index") + YEAR)
    assert response.status_code == 200
    assert response.context["target"].enterprise == other_manager.enterprise
    assert _kpi(response, "培训人次") == "1"
    report = client.get(reverse("dashboard:report") + "?year=2026&format=json")
    assert report.status_code == 200
    data = json.loads(report.content)
    assert data["region"]["kind"] == "enterprise"
    assert data["training"]["person_times"] == {"value": 1, "previous": 2, "change_pct": -50.0}


@pytest.mark.parametrize("who", ["worker", "editor", "reviewer"])
def test_people_without_a_supervising_scope_are_refused(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("dashboard:index")).status_code == 403
    assert client.get(reverse("dashboard:report")).status_code == 403


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(reverse("dashboard:index"))
    assert response.status_code == 302
    assert reverse("portal:login") in response["Location"]


def test_a_bad_period_shows_the_error_and_the_default_year(client, supervisor):
    response = _get(client, supervisor, reverse("dashboard:index") + "?period=month&month=13")
    assert response.status_code == 400
    assert "月份须为 1 至 12" in response.content.decode()


def test_the_report_download_refuses_a_bad_format_or_year(client, supervisor):
    client.force_login(supervisor)
    assert client.get(reverse("dashboard:report") + "?format=doc").status_code == 400
    assert client.get(reverse("dashboard:report") + "?year=abc").status_code == 400


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [
        ("pdf", "application/pdf"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("json", "application/json; charset=utf-8"),
    ],
)
def test_the_dashboard_offers_the_report_in_three_formats(
    client, street_supervisor, street, fmt, content_type
):
    client.force_login(street_supervisor)
    url = reverse("dashboard:report") + f"?year=2026&region={street.code}&format={fmt}"
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert "attachment" in response["Content-Disposition"]


def test_the_nav_links_to_the_dashboard_for_managers_but_not_for_workers(client, manager, worker):
    link = f'href="{reverse("dashboard:index")}"'
    assert link in _get(client, manager, reverse("portal:me")).content.decode()
    assert link not in _get(client, worker, reverse("portal:me")).content.decode()


def test_the_admin_menu_item_is_shown_to_supervisors_only(supervisor, editor):
    item = register_dashboard_menu_item()
    request = RequestFactory().get("/admin/")
    request.user = supervisor
    assert item.is_shown(request)
    request.user = editor
    assert not item.is_shown(request)


# --------------------------------------------------------------------------- query counts


def _grow(street, other_street, n: int) -> None:
    from tests.competitions.factories import (
        add_items,
        add_judges,
        add_team,
        finish,
        make_competition,
        score,
    )
    from tests.exams.factories import make_paper

    paper = make_paper(owner_region=street.parent, title="竞赛理论考试")
    competition = make_competition(street.parent, name=f"技能竞赛{n}", theory_paper=paper)
    items = add_items(competition, 10, 20)
    (judge,) = add_judges(competition, 1)
    for i in range(n):
        ent = EnterpriseFactory(street=street if i % 2 else other_street)
        person = PersonFactory(enterprise=ent, category="principal" if i % 3 else "other")
        add_record(person, date(2026, 1 + i % 12, 3), "2")
        held_drill(ent, date(2026, 1 + i % 12, 5), form="live", spent="100", people=2)
        team = add_team(competition, ent, f"队{n}-{i}", members=[person])
        finish(paper, person, 50 + i)
        for item in items:
            score(team, item, judge, 5)
    competition.status = "closed"  # the annual report takes closed or published ones only
    competition.save()


# The figures are computed from the training records, or through the training rollups
# (courses.rollups) for a whole year when they are fresh: both paths take a fixed number of
# queries. "rolled up": the rollups refreshed before each measurement, then records added.
ROLLUPS = pytest.mark.parametrize("rolled_up", [False, True], ids=["records", "rollups"])


def _maybe_refresh(rolled_up: bool, street, other_street) -> None:
    if rolled_up:
        rollups.refresh()
        # A record and a drill since the watermark: the record is added live.
        person = PersonFactory(enterprise=EnterpriseFactory(street=street), category="principal")
        add_record(person, date(2026, 6, 3), "2")
        held_drill(person.enterprise, date(2026, 6, 5), form="live", spent="100", people=2)


@ROLLUPS
def test_the_dashboard_figures_take_the_same_number_of_queries_at_two_data_sizes(
    supervisor, street, other_street, django_assert_num_queries, rolled_up
):
    # Queries (20 from the records, 24 through the rollups; were 20 / 20, 20 / 21, 20 / 23,
    # 22 / 25): the rollup state once for the whole dashboard (courses.rollups.snapshot:
    # training and compliance read the same one); training 4 (grouped by category and
    # enterprise, their names and streets, by day, distinct people; through the rollups 6: by
    # category and street with the streets' names, by month, distinct people — each twice: the
    # rollup's sums, kept as a part of their own, and the records since the watermark; were 3,
    # each over a UNION of both); compliance 2 (the requirement table, one aggregate over the
    # people by street); through the rollups 4 (the people changed since the refresh, the
    # rollup's sums (a part of their own), the requirement table, then in one statement the
    # changed people's rollup rows taken away and the changed people judged live; 2 when nobody
    # changed); after a new record the rollup's sums are served: see test_snapshots;
    # exams 1 (aggregate); drills 1 (grouped breakdowns with the organising enterprises, in one
    # statement; was 2); corrective actions 1; expiring certificates 2 (count, first rows);
    # merged with the returns 2 (三级教育 count, the accepted and pending filings); 无证上岗 2
    # (the positions of the scope's enterprises, the people who may need a certificate: none
    # here); 未完成三级教育上岗 3 (the inductions, the rule table, the recent hires without one:
    # none flagged here); drill-down 1 (the streets).
    expected = (24 if rolled_up else 20) + SNAPSHOT_MISS
    period = Period("year", date(2026, 1, 1), date(2026, 12, 31), "2026")
    target = services.default_target(supervisor)
    scope_for(supervisor)
    _grow(street, other_street, 2)
    _maybe_refresh(rolled_up, street, other_street)
    with django_assert_num_queries(expected):
        services.dashboard_figures(target=target, period=period, today=TODAY)
    _grow(street, other_street, 12)
    _maybe_refresh(rolled_up, street, other_street)
    with django_assert_num_queries(expected):
        board = services.dashboard_figures(target=target, period=period, today=TODAY)
    with django_assert_num_queries(1):  # nothing changed: its snapshot
        assert services.dashboard_figures(target=target, period=period, today=TODAY) == board
    assert board.training.count == (16 if rolled_up else 14)
    assert board.drills.total.drills == (16 if rolled_up else 14)


@ROLLUPS
def test_the_street_dashboard_takes_the_same_number_of_queries_at_two_data_sizes(
    supervisor, street, other_street, django_assert_num_queries, rolled_up
):
    # As the district: the drill-down reads the enterprises (their drills come with the
    # drill statistics, their 学时达标率 with the compliance aggregate by enterprise); through
    # the rollups training takes 9 here (by category, by enterprise, by month, distinct people,
    # each the rollup's sums and the records since; their names and streets): 3 more than the
    # district's.
    expected = (27 if rolled_up else 20) + SNAPSHOT_MISS
    period = Period("year", date(2026, 1, 1), date(2026, 12, 31), "2026")
    target = services.region_target(supervisor, street.code)
    scope_for(supervisor)
    _grow(street, other_street, 2)
    _maybe_refresh(rolled_up, street, other_street)
    with django_assert_num_queries(expected):
        services.dashboard_figures(target=target, period=period, today=TODAY)
    _grow(street, other_street, 12)
    _maybe_refresh(rolled_up, street, other_street)
    with django_assert_num_queries(expected):
        board = services.dashboard_figures(target=target, period=period, today=TODAY)
    with django_assert_num_queries(1):
        assert services.dashboard_figures(target=target, period=period, today=TODAY) == board


@ROLLUPS
def test_the_annual_report_takes_the_same_number_of_queries_at_two_data_sizes(
    street, other_street, django_assert_num_queries, rolled_up
):
    # Queries (37 from the records, 41 through the rollups; were 37 / 37, 50 / 51, 58 / 62)
    # with the target resolved: the rollup state once (and through the rollups the people
    # changed since the refresh once per year — a later year's records leave an earlier year's
    # 学时达标 to the rollup: courses.rollups.changed_people); both years in one query for
    # drills 1 (was 2 × 2), linked drills 1 and corrective actions 1 (were 2 each), both years in
    # the queries of one call for competitions 10 (count; teams and members; teams per
    # competition; the ranked ones and their standings 6; the running ones — each grouped by
    # year: competitions.competition_figures_of, was 10 × 2), 未完成三级教育上岗 3 (the
    # inductions, the rule table, the recent hires without one on either day: nobody flagged
    # here; induction.incomplete_figures_of, was 3 × 2), and through the rollups training 4
    # (by year and category; 参训人数 of both years: courses.training_year_statistics, was 2 × 2
    # — each the rollup's sums, a part of their own, and the records since the watermark);
    # each other statistics function once per year (this and last): training from the records
    # 2 (by year with no breakdown by place: no by-month query, no enterprise names; grouped by
    # category and enterprise, distinct people), compliance 2 (the requirement table, the
    # aggregate; through the rollups the sums, 2 more (the changed people, the changed people's
    # rows taken away and judged live in one statement, and the requirement table) — see
    # the dashboard's), programmes 1, exams 1, merged with
    # the returns 2 (三级教育 count, the filings), 无证上岗 2 (the positions' kinds, the
    # candidates: nobody here needs a certificate; 6 at most otherwise, whatever the number of
    # people) — from the records 1 + 3 + 10 + 3 + 10 × 2; through the rollups
    # 1 + 2 + 3 + 10 + 3 + 4 + 9 × 2.
    expected = (41 if rolled_up else 37) + SNAPSHOT_MISS
    target = services.region_target_for_command(None)
    _grow(street, other_street, 2)
    _maybe_refresh(rolled_up, street, other_street)
    with django_assert_num_queries(expected):
        services.annual_report(target=target, year=2026)
    _grow(street, other_street, 12)
    _maybe_refresh(rolled_up, street, other_street)
    with django_assert_num_queries(expected):
        report = services.annual_report(target=target, year=2026)
    with django_assert_num_queries(1):
        again = services.annual_report(target=target, year=2026)
    assert {**again, "generated_at": None} == {**report, "generated_at": None}
    assert report["training"]["person_times"]["value"] == (16 if rolled_up else 14)
    assert report["competitions"]["count"]["value"] == 2
    assert report["competitions"]["teams"]["value"] == 14


# A computed dashboard or annual report costs 5 queries more than its figures: the data version
# and the snapshot read together, the tables' versions and the parts stored for it read together
# (at the first statistics function), then the snapshot's and its parts' store in a savepoint
# (SAVEPOINT, INSERT, RELEASE); asked again with nothing changed it costs that one read
# (portal.snapshots). The parts are computed here (nothing stored): see test_snapshots for the
# queries of a computation that serves them.
SNAPSHOT_MISS = 5


def _count_queries(queries, client, url) -> int:
    """The queries of a GET computing every figure (no snapshot or part kept from before)."""
    FigureSnapshot.objects.all().delete()
    with queries.capture() as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_dashboard_page_takes_the_same_number_of_queries_at_two_data_sizes(
    queries, client, supervisor, street, other_street
):
    # The figures above plus the request's session/user/groups look-ups and the template's
    # site settings; compared at two sizes rather than pinned, so the session backend does not
    # matter.
    client.force_login(supervisor)
    url = reverse("dashboard:index") + YEAR
    _grow(street, other_street, 2)
    _count_queries(queries, client, url)  # warm the per-process caches (site, settings)
    small = _count_queries(queries, client, url)
    _grow(street, other_street, 12)
    assert _count_queries(queries, client, url) == small


def test_a_computed_page_reads_the_figures_parts_once(queries, client, supervisor, street):
    """The page's rendered fragment keeps no parts of its own (snapshots.cached own_parts=False):
    computing the page reads the stored parts of the dashboard's figures only, never its own."""
    client.force_login(supervisor)
    url = reverse("dashboard:index") + YEAR
    FigureSnapshot.objects.all().delete()
    with queries.capture() as ctx:
        assert client.get(url).status_code == 200
    parts_read = [q for q in ctx.captured_queries if 'WHERE s."parent" = ' in q["sql"]]
    assert len(parts_read) == 1
    assert FigureSnapshot.objects.filter(parent="").count() == 2  # the figures and the page


STORE = 'INSERT INTO "portal_figuresnapshot"'


def test_a_computed_page_stores_its_figures_with_it_in_one_statement(
    queries, client, supervisor, street
):
    """The dashboard's figures, computed inside the page's fragment, are stored with the
    fragment and the figures' parts in one INSERT (portal.snapshots: a store waits for the
    snapshot whose computation it is inside); each is served afterwards."""
    client.force_login(supervisor)
    url = reverse("dashboard:index") + YEAR
    assert client.get(url).status_code == 200  # the site's settings made on a first page
    FigureSnapshot.objects.all().delete()
    with queries.capture() as ctx:
        assert client.get(url).status_code == 200
    stores = [q for q in ctx.captured_queries if q["sql"].startswith(STORE)]
    assert len(stores) == 1
    assert FigureSnapshot.objects.filter(parent="").count() == 2
    assert FigureSnapshot.objects.exclude(parent="").exists()
    with queries.capture() as ctx:  # asked again: the page's snapshot, one read, no store
        assert client.get(url).status_code == 200
    snapshot_queries = [q for q in ctx.captured_queries if "portal_figuresnapshot" in q["sql"]]
    assert len(snapshot_queries) == 1
    assert not snapshot_queries[0]["sql"].startswith(STORE)
    target = services.default_target(supervisor)
    period = Period("year", date(2026, 1, 1), date(2026, 12, 31), "2026")
    with queries.capture() as ctx:  # the figures' own snapshot, stored with the page's
        services.dashboard_figures(target=target, period=period, today=timezone.localdate())
    assert len(ctx.captured_queries) == 1

"""未完成三级安全教育上岗: the figure, the manager's to-do, the training-file column."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse

from induction.models import Reason
from induction.statistics import incomplete_figures, incomplete_figures_of
from portal import registry
from portal.models import Person
from portal.periods import Period
from portal.scoping import Scope
from tests.factories import PersonFactory, make_worker
from tests.induction.factories import induction, sign_all

pytestmark = pytest.mark.django_db

ON = date(2026, 11, 29)
PERIOD = Period.between(date(2026, 1, 1), ON)


@pytest.fixture
def leader(enterprise):
    return make_worker(enterprise, name="赵班长", category="team_leader")


@pytest.fixture
def people(enterprise, other_enterprise, leader):
    """Enterprise A: started without a complete one; complete; starts later; a recent hire with
    none; an old hire with none; an inactive one started without. Enterprise B: one started."""
    made = {}
    started = make_worker(enterprise, name="甲未完成")
    made["started"] = induction(started.person, starts_on=ON - timedelta(days=5), instructor=leader)
    sign_all(made["started"], trainee=started, instructor=leader, levels=(1, 2))
    done = make_worker(enterprise, name="乙已完成")
    made["done"] = induction(done.person, starts_on=ON - timedelta(days=30), instructor=leader)
    sign_all(made["done"], trainee=done, instructor=leader)
    later = PersonFactory(enterprise=enterprise, name="丙未上岗")
    made["later"] = induction(later, starts_on=ON + timedelta(days=5))
    made["recent"] = PersonFactory(
        enterprise=enterprise, name="丁新入职", hired_on=ON - timedelta(days=40)
    )
    made["old"] = PersonFactory(enterprise=enterprise, name="戊老员工", hired_on=date(2015, 3, 1))
    gone = PersonFactory(enterprise=enterprise, name="己离职", is_active=False)
    induction(gone, starts_on=ON - timedelta(days=5))
    made["b"] = PersonFactory(enterprise=other_enterprise, name="庚")
    induction(made["b"], starts_on=ON - timedelta(days=5))
    return made


def _names(figures):
    return sorted(r.person.name for r in figures["rows"])


def test_it_counts_the_people_working_without_a_complete_induction(
    people, enterprise, other_enterprise, district
):
    figures = incomplete_figures(Scope.of_enterprise(enterprise.pk), PERIOD)
    assert figures["count"] == 2
    assert _names(figures) == ["丁新入职", "甲未完成"]
    reasons = {r.person.name: r.reason_text for r in figures["rows"]}
    assert reasons == {"丁新入职": "入职未登记三级教育", "甲未完成": "三级教育未完成"}
    everywhere = incomplete_figures(Scope.of_region(district), PERIOD)
    assert everywhere["count"] == 3
    assert [(e.name, n) for e, n in everywhere["by_enterprise"]] == [
        (enterprise.name, 2),
        (other_enterprise.name, 1),
    ]


def test_the_latest_begun_induction_decides(people, enterprise, leader):
    # 乙 was transferred (转岗) 3 days ago and their new induction is incomplete: flagged
    done = people["done"].person
    induction(done, reason=Reason.TRANSFER, starts_on=ON - timedelta(days=3))
    assert "乙已完成" in _names(incomplete_figures(Scope.of_enterprise(enterprise.pk), PERIOD))


def test_a_period_ending_earlier_counts_on_its_last_day(people, enterprise):
    figures = incomplete_figures(
        Scope.of_enterprise(enterprise.pk),
        Period.between(date(2026, 1, 1), ON - timedelta(days=10)),
    )
    assert figures["on"] == ON - timedelta(days=10)
    assert _names(figures) == ["丁新入职"]  # 甲 had not started yet


def test_several_periods_in_one_call_give_what_each_gives_alone(people, enterprise, district):
    """incomplete_figures_of (the annual report's two years in the queries of one call) gives
    each period what incomplete_figures gives it alone: each on its own day."""
    periods = [
        PERIOD,
        Period.between(date(2026, 1, 1), ON - timedelta(days=10)),
        Period.of_year(2025),
        Period.between(ON - timedelta(days=60), ON - timedelta(days=50)),
    ]
    for scope in (Scope.of_enterprise(enterprise.pk), Scope.of_region(district)):
        together = incomplete_figures_of(scope, periods)
        assert together == [incomplete_figures(scope, p) for p in periods]
    assert [f["count"] for f in together] == [3, 1, 0, 0]


def test_the_managers_to_do_and_the_supervisors_counts(
    client, people, manager, street_supervisor, enterprise
):
    client.force_login(manager)
    html = client.get(reverse("portal:me")).content.decode()
    assert 'id="me-induction-todo"' in html
    assert (
        '<span class="todo-count">2</span><span class="todo-label">未完成三级安全教育上岗人数'
        in html
    )
    client.force_login(street_supervisor)
    html = client.get(reverse("induction_admin:index")).content.decode()
    assert "未完成三级安全教育上岗 2 人" in html


def test_the_dashboard_shows_the_figure(client, people, manager):
    client.force_login(manager)
    html = client.get("/dashboard/").content.decode()
    assert 'id="dash-induction"' in html
    assert "甲未完成" in html


def test_the_training_file_column_and_section(people, enterprise, other_enterprise):
    column = registry.person_file_columns["induction"]
    values = column.values(Person.objects.filter(enterprise=enterprise), ON)
    by_name = {Person.objects.get(pk=pk).name: v for pk, v in values.items()}
    assert by_name["甲未完成"] == "未完成"
    assert by_name["乙已完成"] == "完成"
    assert by_name["丙未上岗"] == "未完成"
    assert by_name["丁新入职"] == "未完成"
    assert by_name["戊老员工"] == "—"
    section = registry.person_file_sections["induction"]
    assert section.template == "pdf/induction_card_section.html"
    context = section.get_context(people["done"].person, ON)
    assert context["cards"][0]["assessment"].complete
    assert section.get_context(people["old"], ON) is None
    from django.template.loader import render_to_string

    html = render_to_string(section.template, context)
    assert "班组级" in html
    assert "三级安全教育已完成" in html


def test_the_compliance_page_flags_them_like_unlicensed_people(
    client, people, manager, other_manager
):
    client.force_login(manager)
    html = client.get(reverse("courses:compliance"), {"year": 2026}).content.decode()
    assert 'id="flag-induction"' in html
    assert "未完成三级教育上岗 2 人" in html
    assert "入职未登记三级教育" in html  # each person's reason
    assert "三级教育未完成" in html
    # another enterprise's manager sees their own count, not these people
    client.force_login(other_manager)
    html = client.get(reverse("courses:compliance"), {"year": 2026}).content.decode()
    assert "未完成三级教育上岗 1 人" in html
    assert "甲未完成" not in html
    assert "丁新入职" not in html

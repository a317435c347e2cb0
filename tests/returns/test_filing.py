"""Filing a return: pre-filled with what the portal recorded (the apps' statistics functions),
additional activity with a note, draft, submit, locked after submit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from courses.statistics import three_level_education, training_statistics
from drills.models import Drill
from drills.statistics import drill_statistics
from portal.figures import recording
from portal.models import PersonCategory
from portal.periods import Period
from portal.scoping import Scope
from returns.forms import field_name
from returns.models import Filing, FilingChange, FilingStatus
from returns.prefill import recorded_values
from tests.dashboard.factories import add_record, held_drill
from tests.factories import PersonFactory
from tests.returns.factories import make_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded(enterprise, other_enterprise):
    principal = PersonFactory(enterprise=enterprise, category=PersonCategory.PRINCIPAL)
    add_record(principal, date(2026, 3, 1), "4")
    add_record(principal, date(2026, 6, 1), "4.5")
    add_record(principal, date(2025, 6, 1), "9")  # another year
    record = add_record(principal, date(2026, 7, 1), "8")
    record.kind = "level_plant"
    record.save()
    add_record(PersonFactory(enterprise=other_enterprise), date(2026, 3, 1), "6")  # not ours
    held_drill(enterprise, date(2026, 6, 10), form=Drill.Form.LIVE, spent="1000", people=2)
    return principal


def _post(client, form, data: dict, *, submit: bool):
    data = dict(data)
    payload = {"note": data.pop("note", "")}
    payload.update({field_name(k): v for k, v in data.items()})
    payload["submit" if submit else "save"] = "1"
    return client.post(reverse("returns_admin:fill", args=[form.pk]), payload)


def test_the_pre_fill_is_what_the_statistics_functions_computed(enterprise, recorded):
    period = Period.of_year(2026)
    scope = Scope.of_enterprise(enterprise.pk)
    with recording() as rec:
        values = recorded_values(enterprise.pk, period)
    # the values come from the catalogued functions, called for the enterprise and the period
    assert rec.keys() >= {
        "training.person_times",
        "drills.count",
        "training.three_level_person_times",
    }
    by_category = {r["key"]: r for r in training_statistics(scope, period).by_category}
    assert values["training.principal.person_times"] == by_category["principal"]["count"] == 3
    assert values["training.principal.hours"] == Decimal("16.5")
    assert values["three_level.person_times"] == three_level_education(scope, period) == 1
    drills = drill_statistics(scope, period)
    assert values["drills.form.live.count"] == drills.by_form["实战演练"].drills == 1
    assert values["drills.form.live.person_times"] == 2
    assert values["drills.level.enterprise.money"] == Decimal("1000")


def test_the_manager_sees_the_form_pre_filled_with_recorded_totals(
    client, manager, enterprise, street, recorded
):
    form = make_form(street.parent)
    client.force_login(manager)
    response = client.get(reverse("returns_admin:fill", args=[form.pk]))
    assert response.status_code == 200
    rows = {
        row["item"].key: row for group in response.context["form"].groups() for row in group["rows"]
    }
    assert rows["training.principal.person_times"]["recorded"] == 3
    assert rows["training.principal.hours"]["recorded"] == Decimal("16.5")
    assert rows["activity.lectures"]["recorded"] == 0
    assert "系统记录" in response.content.decode()


def test_a_draft_is_saved_and_the_totals_are_recorded_plus_additional(
    client, manager, enterprise, street, recorded
):
    form = make_form(street.parent)
    client.force_login(manager)
    response = _post(client, form, {"training.principal.person_times": "5"}, submit=False)
    assert response.status_code == 302
    filing = Filing.objects.get(form=form, enterprise=enterprise)
    assert filing.status == FilingStatus.DRAFT
    assert filing.additional == {"training.principal.person_times": "5"}
    page = client.get(reverse("returns_admin:fill", args=[form.pk]))
    rows = {r["item"].key: r for g in page.context["form"].groups() for r in g["rows"]}
    assert rows["training.principal.person_times"]["total"] == 3 + 5


def test_submitting_locks_the_return_and_keeps_the_recorded_snapshot(
    client, manager, enterprise, street, recorded
):
    form = make_form(street.parent)
    client.force_login(manager)
    response = _post(
        client,
        form,
        {"training.other.person_times": "120", "note": "6月外包班组集中培训，签到表存档"},
        submit=True,
    )
    filing = Filing.objects.get(form=form, enterprise=enterprise)
    assert response.url == reverse("returns_admin:filing", args=[filing.pk])
    assert filing.status == FilingStatus.SUBMITTED
    assert filing.recorded["training.principal.person_times"] == "3"
    # locked: the form page now shows the filing, and a post changes nothing
    assert client.get(reverse("returns_admin:fill", args=[form.pk])).status_code == 302
    _post(client, form, {"training.other.person_times": "999", "note": "改"}, submit=True)
    filing.refresh_from_db()
    assert filing.additional == {"training.other.person_times": "120"}
    assert filing.changes.filter(action=FilingChange.Action.SUBMIT).count() == 1


def test_every_bad_figure_is_listed_in_chinese_and_nothing_is_saved(
    client, manager, enterprise, street
):
    form = make_form(street.parent)
    client.force_login(manager)
    response = _post(
        client,
        form,
        {
            "training.other.person_times": "-1",
            "training.other.hours": "1.25",
            "drills.form.live.count": "2",
            "drills.level.enterprise.count": "1",
            "note": "说明",
        },
        submit=True,
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "其他从业人员培训人次" in text
    assert "其他从业人员培训学时" in text
    assert not Filing.objects.exists()
    # the form's fields pass, the drill totals do not agree: listed, nothing saved
    response = _post(
        client,
        form,
        {"drills.form.live.count": "2", "drills.level.enterprise.count": "1", "note": "说明"},
        submit=True,
    )
    assert "按形式合计 2，按级别合计 1" in response.content.decode()
    assert not Filing.objects.exists()


def test_additional_figures_need_a_note_to_be_submitted(client, manager, street):
    form = make_form(street.parent)
    client.force_login(manager)
    response = _post(client, form, {"activity.lectures": "3"}, submit=True)
    assert "补报说明" in response.content.decode()
    assert not Filing.objects.exists()


def test_the_open_returns_are_on_the_managers_workbench(client, manager, street, other_street):
    make_form(street.parent, name="一号街道年报", streets=[street])
    make_form(street.parent, name="二号街道年报", streets=[other_street])
    make_form(street.parent, name="未发布", is_open=False)
    client.force_login(manager)
    response = client.get(reverse("portal:me"))
    section = next(s for s in response.context["sections"] if s["section"].key == "returns-todo")
    assert section["context"]["items"][0]["count"] == 1
    listing = client.get(reverse("returns_admin:index")).content.decode()
    assert "一号街道年报" in listing
    assert "二号街道年报" not in listing
    assert "未发布" not in listing


def test_forms_target_by_industry_and_high_risk(enterprise, other_enterprise, street):
    enterprise.industry = "chemicals"
    enterprise.save()
    form = make_form(street.parent, industries=["chemicals"])
    assert list(form.targets()) == [enterprise]
    form = make_form(street.parent, name="高危", high_risk="training")
    assert set(form.targets()) == set(type(enterprise).objects.filter(is_training_high_risk=True))


def test_the_standard_forms_are_seeded(db):
    import importlib

    from django.apps import apps

    from returns.models import ReturnForm

    migration = importlib.import_module("returns.migrations.0002_seed_standard_forms")
    migration.seed(apps, None)
    migration.seed(apps, None)  # twice: still one of each
    names = list(ReturnForm.objects.values_list("name", flat=True))
    assert sorted(names) == sorted([migration.ANNUAL, migration.QUARTERLY])
    annual = ReturnForm.objects.get(name=migration.ANNUAL)
    assert annual.period_kind == "year"
    assert not annual.is_open
    assert annual.counts_in_figures
    assert "three_level.person_times" in annual.items
    quarterly = ReturnForm.objects.get(name=migration.QUARTERLY)
    assert quarterly.period_kind == "quarter"
    assert not quarterly.counts_in_figures

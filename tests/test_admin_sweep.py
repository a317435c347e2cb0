"""Admin sweep: every registered admin viewset of ours, every URL it serves, tried by people who
must be refused.

For each viewset a CASE builds one row and names three people:
- `owner`: may change the row (their edit page opens: the positive control);
- `seer`: may list and inspect the row but not change it (e.g. a manager whose enterprise only
  takes part in a district drill). Every write URL (edit, delete, copy, and any URL that is not a
  read view — a custom action or a bulk action a viewset adds falls under this automatically) is
  refused to them, GET and POST, and adding a copy of the row creates nothing;
- `outsider`: may not see the row: every URL with its id is refused and the listing leaves it out.

Every filter of every listing offers only values of rows the user may see (issue 13), whoever
opens it.

A viewset registered without a CASE fails `test_every_admin_viewset_has_a_case`; a viewset that
is not a ScopedModelViewSet (whose default is read-only) must be named in UNSCOPED with the reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.db import models
from django.urls import get_resolver, reverse
from django.utils import timezone

from portal.admin_scoping import ScopedModelViewSet
from tests.factories import EnterpriseFactory, make_manager, make_supervisor
from tests.project import project_packages

pytestmark = pytest.mark.django_db

OUR_APPS = project_packages()

# URL names of the read views; every other URL of a viewset is a write.
READ_URLS = {"index", "index_results", "list", "list_results", "inspect", "history"}
READ_URLS |= {"history_results", "usage"}

# Viewsets that are not ScopedModelViewSets, with the reason.
UNSCOPED = {
    "wagtailsnippets_certificates_certificatetemplate": (
        "certificate templates are district-wide lookup data; the roles' model permissions decide"
    ),
}


def registered_viewsets():
    from wagtail.admin.viewsets import viewsets
    from wagtail.admin.viewsets.chooser import ChooserViewSet
    from wagtail.admin.viewsets.model import ModelViewSet

    get_resolver().url_patterns  # noqa: B018 — the admin URLconf populates the registry
    return [
        vs
        for vs in viewsets.viewsets
        if isinstance(vs, ModelViewSet)
        and not isinstance(vs, ChooserViewSet)
        and type(vs).__module__.split(".")[0] in OUR_APPS
    ]


@dataclass
class Case:
    obj: models.Model
    owner: object | None  # None: nobody but a superuser changes it (read-only viewset)
    seer: object | None  # None: seeing it is owning it (the note says why)
    outsider: object
    note: str = ""


class World:
    """Enterprise A (street 1) and B (street 2) of one district, and their people (conftest)."""

    def __init__(self, **people):
        self.__dict__.update(people)

    def third_manager(self):
        """The manager of enterprise C (street 2), which takes part in nothing."""
        if not hasattr(self, "_third"):
            self._third = make_manager(EnterpriseFactory(name="企业C", street=self.other_street))
        return self._third

    def other_street_supervisor(self):
        if not hasattr(self, "_oss"):
            self._oss = make_supervisor(self.other_street)
        return self._oss

    def district_drill(self):
        """Organised by the district; B takes part; a worker of A is a participant."""
        if not hasattr(self, "_drill"):
            from drills.models import Participation
            from tests.drills.factories import make_drill

            self._drill = make_drill(region=self.district, title="区级联合演练")
            self._drill.participating_enterprises.add(self.other_enterprise)
            self._participation = Participation.objects.create(
                drill=self._drill, person=self.worker.person, role="player"
            )
        return self._drill


def _drill(w):
    return Case(w.district_drill(), w.supervisor, w.other_manager, w.third_manager())


def _enterprise_drill(w):
    """A drill of enterprise A with a worker of A taking part and a corrective action."""
    if not hasattr(w, "_a_drill"):
        from drills.models import CorrectiveAction, Finding, Participation
        from tests.drills.factories import make_drill

        w._a_drill = make_drill(enterprise=w.enterprise, title="企业A演练")
        w._a_part = Participation.objects.create(
            drill=w._a_drill, person=w.worker.person, role="player"
        )
        finding = Finding.objects.create(drill=w._a_drill, grade="deficiency", description="x")
        w._a_action = CorrectiveAction.objects.create(
            finding=finding,
            description="整改",
            owner_name="甲",
            due_on=date(2030, 1, 1),
            status="done",
        )
    return w._a_drill


def _participation(w):
    # the street's supervisor oversees A's drill and sees its participants, but does not manage it
    _enterprise_drill(w)
    return Case(w._a_part, w.manager, w.street_supervisor, w.other_manager)


def _action(w):
    _enterprise_drill(w)
    return Case(w._a_action, w.manager, w.street_supervisor, w.other_manager)


def _plan(w):
    from drills.models import EmergencyPlan

    plan = EmergencyPlan.objects.create(
        enterprise=w.enterprise, name="综合应急预案", plan_type="comprehensive"
    )
    return Case(plan, w.manager, w.street_supervisor, w.other_manager)


def _district_setting(label, **fields):
    def build(w):
        from django.apps import apps

        model = apps.get_model(label)
        obj = model.objects.first() or model.objects.create(**fields)
        return Case(
            obj,
            w.supervisor,
            w.street_supervisor,  # has the model permissions, but is not the district
            w.editor,
        )

    return build


def _person(w):
    return Case(
        w.worker.person,
        w.manager,
        None,
        w.other_manager,
        "a person is seen by who administers them",
    )


def _enterprise(w):
    return Case(w.enterprise, w.manager, None, w.other_manager, "seeing it is administering it")


def _region(w):
    return Case(w.street, w.superuser, w.street_supervisor, w.other_street_supervisor())


def _special_operation(w):
    from portal.models import SpecialOperation, SpecialOperationCategory

    obj = SpecialOperation.objects.first() or SpecialOperation.objects.create(
        category=SpecialOperationCategory.objects.create(name="电工作业"), name="低压电工作业"
    )
    return Case(obj, w.superuser, None, w.manager, "the catalogue has no viewer but staff")


def _special_operation_category(w):
    from portal.models import SpecialOperationCategory

    obj = SpecialOperationCategory.objects.first() or SpecialOperationCategory.objects.create(
        name="电工作业"
    )
    return Case(obj, w.superuser, None, w.manager, "the catalogue has no viewer but staff")


def _bank(w):
    from exams.models import QuestionBank

    bank = QuestionBank.objects.create(name="企业A题库", enterprise=w.enterprise)
    return Case(bank, w.manager, None, w.other_manager, "banks are seen by who administers them")


def _question(w):
    from exams.models import QuestionBank
    from tests.exams.factories import make_questions

    bank = QuestionBank.objects.create(name="企业A题库", enterprise=w.enterprise)
    (question,) = make_questions(bank, 1)
    return Case(question, w.manager, None, w.other_manager, "as its bank")


def _paper(w):
    from tests.exams.factories import make_paper

    paper = make_paper(owner_enterprise=w.enterprise)
    return Case(paper, w.manager, None, w.other_manager, "papers are seen by who administers them")


def _record(w):
    from courses.models import TrainingRecord

    record = TrainingRecord.objects.create(
        person=w.worker.person,
        enterprise=w.enterprise,
        date=timezone.localdate(),
        hours=Decimal(2),
        source_kind="manual",
        title="班组安全活动",
        category="other",
    )
    # records are read-only for every role: the manager sees them and changes nothing
    return Case(record, w.superuser, w.manager, w.other_manager)


def _training_class(w):
    from tests.courses.factories import TrainingClassFactory

    obj = TrainingClassFactory(enterprise=w.enterprise)
    return Case(obj, w.manager, None, w.other_manager, "classes are seen by who organises them")


def _programme(w):
    from courses.models import Programme

    obj = Programme.objects.create(name="街道骨干培训", region=w.street, target_people=10)
    return Case(obj, w.street_supervisor, None, w.other_street_supervisor(), "region-owned")


def _cohort(w):
    from courses.models import Cohort, Programme

    programme = Programme.objects.create(name="街道骨干培训", region=w.street, target_people=10)
    obj = Cohort.objects.create(programme=programme, name="第一期")
    return Case(obj, w.street_supervisor, None, w.other_street_supervisor(), "as its programme")


def _enrolment(w):
    from cms.models import HomePage
    from courses import learning
    from courses.models import CourseIndexPage
    from tests.courses.factories import make_course

    index = CourseIndexPage.objects.first()
    if index is None:
        index = CourseIndexPage(title="在线课程", slug="sweep-courses")
        HomePage.objects.get().add_child(instance=index)
    course = make_course(index, slug="admin-sweep-course")
    enrolment = learning.enrol(person=w.worker.person, course=course)
    return Case(enrolment, w.manager, None, w.other_manager, "as the person")


def _certificate(w):
    from tests.certificates.factories import issue_manual_certificate

    cert = issue_manual_certificate(w.worker.person, details={})
    return Case(cert, None, w.manager, w.other_manager)


def _certificate_template(w):
    from tests.certificates.factories import CertificateTemplateFactory

    return Case(CertificateTemplateFactory(), w.supervisor, None, w.manager, "lookup data")


def _competition(w):
    from competitions.models import Competition

    obj = Competition.objects.create(name="街道技能比武", year=2026, region=w.street)
    return Case(obj, w.street_supervisor, None, w.other_street_supervisor(), "region-owned")


def _team(w):
    from competitions.models import Competition, Team

    competition = Competition.objects.create(name="区技能比武", year=2026, region=w.district)
    team = Team.objects.create(competition=competition, enterprise=w.enterprise, name="A队")
    return Case(team, w.manager, None, w.other_manager, "a team is its enterprise's")


def _return_form(w):
    from tests.returns.factories import make_form

    form = make_form(w.district, is_open=False)
    return Case(
        form,
        w.supervisor,
        w.street_supervisor,  # reads the district's forms, does not define them
        w.manager,
        "defined by the district",
    )


def _import_batch(w):
    from portal.models import ImportBatch

    obj = ImportBatch.objects.create(
        kind="portal.roster",
        title="人员名册 → 企业A",
        target=f"enterprise:{w.enterprise.pk}",
        user=w.manager,
        enterprise=w.enterprise,
        file_name="名册.xlsx",
        checksum="0" * 64,
        status=ImportBatch.Status.DONE,
    )
    return Case(
        obj,
        None,
        None,
        w.other_manager,
        "written by imports only (no edit but a superuser's); who sees a batch administers its "
        "owner and may undo it (tests/portal/test_import_history.py)",
    )


def _operator_certificate(w):
    from tests.operators.factories import certificate

    cert = certificate(w.worker.person, issued=date(2024, 5, 10))
    return Case(
        cert, w.manager, None, w.other_manager, "a certificate is its holder's enterprise's"
    )


def _position(w):
    from tests.operators.factories import equipment_kind, position

    obj = position(w.enterprise, "叉车司机", equipment_kind("N1"))
    return Case(obj, w.manager, None, w.other_manager, "a position is its enterprise's")


CASES: dict[str, Callable[[World], Case]] = {
    "portal_people": _person,
    "portal_enterprises": _enterprise,
    "portal_regions": _region,
    "portal_special_operations": _special_operation,
    "portal_special_operation_categories": _special_operation_category,
    "portal_imports": _import_batch,
    "portal_high_risk_industries": _district_setting(
        "portal.HighRiskIndustry", industry="construction", training_high_risk=False
    ),
    "drills_drills": _drill,
    "drills_plans": _plan,
    "drills_participations": _participation,
    "drills_actions": _action,
    "drills_rules": _district_setting(
        "drills.FrequencyRule",
        who="all",
        drill="any",
        applies_to="all",
        counts="any",
        interval_months=12,
    ),
    "drills_templates": _district_setting(
        "drills.EvaluationTemplate", name="桌面演练评估表", form="tabletop"
    ),
    "exams_banks": _bank,
    "exams_questions": _question,
    "exams_papers": _paper,
    "courses_records": _record,
    "courses_classes": _training_class,
    "courses_programmes": _programme,
    "courses_cohorts": _cohort,
    "courses_enrolments": _enrolment,
    "courses_requirements": _district_setting("courses.TrainingRequirement", category="other"),
    "certificates_certificates": _certificate,
    "wagtailsnippets_certificates_certificatetemplate": _certificate_template,
    "competitions_competitions": _competition,
    "competitions_teams": _team,
    "returns_forms": _return_form,
    "operators_certificates": _operator_certificate,
    "operators_positions": _position,
    "operators_kinds": _district_setting("operators.OperatorKind"),
    "operators_rules": _district_setting("operators.ValidityRule"),
}


def _namespaces() -> list[str]:
    return sorted(vs.url_namespace for vs in registered_viewsets())


def test_every_admin_viewset_has_a_case():
    missing = sorted(set(_namespaces()) - set(CASES))
    assert not missing, "Admin viewsets missing from the admin sweep: " + ", ".join(missing)


def test_every_admin_viewset_separates_seeing_from_changing():
    unscoped = sorted(
        vs.url_namespace
        for vs in registered_viewsets()
        if not isinstance(vs, ScopedModelViewSet) and vs.url_namespace not in UNSCOPED
    )
    assert not unscoped, "Admin viewsets that are not ScopedModelViewSets: " + ", ".join(unscoped)


@pytest.fixture
def world(
    district,
    street,
    other_street,
    enterprise,
    other_enterprise,
    worker,
    manager,
    other_manager,
    supervisor,
    street_supervisor,
    superuser,
    editor,
):
    return World(**locals())


def _viewset(namespace):
    return next(vs for vs in registered_viewsets() if vs.url_namespace == namespace)


def _urls(viewset, obj):
    """(name, url, is_write) of every URL of the viewset, with the row's id where it takes one."""
    for pattern in viewset.get_urlpatterns():
        name = pattern.name
        args = [obj.pk] if "<" in str(pattern.pattern) else []
        yield name, reverse(f"{viewset.url_namespace}:{name}", args=args), name not in READ_URLS


def _index_url(viewset) -> str:
    names = {pattern.name for pattern in viewset.get_urlpatterns()}
    return reverse(viewset.get_url_name("index" if "index" in names else "list"))


def _refused(response) -> bool:
    """403/404/405, a login redirect, or Wagtail's refusal (PermissionDenied in the admin is a
    redirect to the dashboard with "Sorry, you do not have permission")."""
    if response.status_code in (403, 404, 405):
        return True
    if response.status_code != 302:
        return False
    return "/login/" in response["Location"] or response["Location"] == reverse("wagtailadmin_home")


def _form_data(obj) -> dict:
    """The row's own values as form data, to try adding a copy of it."""
    data = {}
    for field in obj._meta.get_fields():
        if not getattr(field, "editable", False) or field.auto_created or field.primary_key:
            continue
        if isinstance(field, models.FileField):
            continue
        if isinstance(field, models.ManyToManyField):
            data[field.name] = [o.pk for o in getattr(obj, field.name).all()]
            continue
        value = field.value_from_object(obj)
        if value is None:
            continue
        if isinstance(value, bool):
            if value:
                data[field.name] = "on"
            continue
        data[field.name] = str(value)
    return data


def _assert_filters_scoped(response, viewset):
    """Every model choice of the listing's filters is a value of a row the user may see."""
    view = response.context["view"]
    filters = view.filters
    if filters is None:
        return
    for name, field in filters.form.fields.items():
        queryset = getattr(field, "queryset", None)
        if queryset is None:
            continue
        assert isinstance(viewset, ScopedModelViewSet), f"{name}: an unscoped model filter"
        rows = viewset.scope_queryset(response.wsgi_request, viewset.model._default_manager.all())
        field_name = filters.filters[name].field_name
        offered = set(queryset.values_list("pk", flat=True))
        allowed = set(rows.values_list(field_name, flat=True))
        assert offered <= allowed, f"{viewset.url_namespace} filter {name} offers {offered}"


@pytest.mark.parametrize("namespace", sorted(CASES))
def test_outsiders_are_refused_every_url_of_a_row_they_may_not_see(client, world, namespace):
    case = CASES[namespace](world)
    viewset = _viewset(namespace)
    client.force_login(case.outsider)
    for name, url, _write in _urls(viewset, case.obj):
        if name in ("index", "index_results", "list", "list_results", "add"):
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert _refused(response), f"{url} {method.upper()}: {response.status_code}"
    listing = client.get(_index_url(viewset))
    if listing.status_code == 200:
        assert case.obj.pk not in {o.pk for o in listing.context["object_list"]}
        _assert_filters_scoped(listing, viewset)
    else:
        assert _refused(listing)


@pytest.mark.parametrize("namespace", sorted(CASES))
def test_who_may_see_a_row_but_not_change_it_is_refused_every_write(client, world, namespace):
    case = CASES[namespace](world)
    viewset = _viewset(namespace)
    if case.seer is None:
        assert case.note, f"{namespace}: say why nobody sees this row without owning it"
        return
    client.force_login(case.seer)
    # they do see it: the listing has it and its inspect view opens
    listing = client.get(_index_url(viewset))
    assert listing.status_code == 200
    assert case.obj.pk in {o.pk for o in listing.context["object_list"]}
    _assert_filters_scoped(listing, viewset)
    if viewset.inspect_view_enabled:
        inspect = client.get(reverse(viewset.get_url_name("inspect"), args=[case.obj.pk]))
        assert inspect.status_code == 200
        assert reverse(viewset.get_url_name("edit"), args=[case.obj.pk]) not in (
            inspect.content.decode()
        )
    before = viewset.model._default_manager.count()
    case.obj.refresh_from_db()
    snapshot = _form_data(case.obj)
    for name, url, write in _urls(viewset, case.obj):
        if not write:
            continue
        for method in ("get", "post"):
            data = snapshot if (method == "post" and name == "add") else {}
            response = getattr(client, method)(url, data)
            if name == "add" and response.status_code == 200:
                continue  # the add form may open; what it saves is checked below
            assert _refused(response), f"{url} {method.upper()}: {response.status_code}"
    assert viewset.model._default_manager.count() == before
    case.obj.refresh_from_db()
    assert _form_data(case.obj) == snapshot


@pytest.mark.parametrize("namespace", sorted(CASES))
def test_the_owner_may_change_the_row(client, world, namespace):
    """The positive control: the sweep's rows and people are the right ones."""
    case = CASES[namespace](world)
    viewset = _viewset(namespace)
    if case.owner is None:
        return
    client.force_login(case.owner)
    response = client.get(reverse(viewset.get_url_name("edit"), args=[case.obj.pk]))
    assert response.status_code == 200
    listing = client.get(_index_url(viewset))
    _assert_filters_scoped(listing, viewset)


# ---------------------------------------------------------------------------- choosers


@dataclass
class ChooserCase:
    viewer: object
    seen: models.Model  # a row the viewer may choose
    hidden: list[models.Model]  # rows the viewer may not see: never named, by any endpoint


def _drill_chooser(w):
    from tests.drills.factories import make_drill

    seen = w.district_drill()  # the district's, and B takes part
    hidden = [
        make_drill(enterprise=w.enterprise, title="企业A内部演练"),  # not linkable at all
        make_drill(region=w.street, title="一号街道演练"),  # linkable, but B does not see it
    ]
    return ChooserCase(w.other_manager, seen, hidden)


def _paper_chooser(w):
    from tests.exams.factories import make_paper

    seen = make_paper(owner_region=w.district, title="区知识竞赛", open_to_all=True)
    hidden = [
        make_paper(owner_enterprise=w.enterprise, title="企业A知识竞赛", open_to_all=True),
        make_paper(owner_region=w.street, title="一号街道知识竞赛", open_to_all=True),
    ]
    return ChooserCase(w.other_manager, seen, hidden)


def _certificate_template_chooser(w):
    from tests.certificates.factories import CertificateTemplateFactory

    seen = CertificateTemplateFactory(name="在用的合格证书", title="在用的合格证书")
    hidden = [
        CertificateTemplateFactory(name="停用的旧版证书", title="停用的旧版证书", is_active=False)
    ]
    return ChooserCase(w.supervisor, seen, hidden)


CHOOSER_CASES: dict[str, Callable[[World], ChooserCase]] = {
    "wagtailsnippetchoosers_certificates_certificatetemplate": _certificate_template_chooser,
    "drill_chooser": _drill_chooser,
    "paper_chooser": _paper_chooser,
}


def _text(response) -> str:
    """A chooser answers with JSON (modal steps, \\u-escaped) or HTML (results)."""
    if response["Content-Type"].startswith("application/json"):
        return json.dumps(response.json(), ensure_ascii=False)
    return response.content.decode()


def registered_choosers():
    from wagtail.admin.viewsets import viewsets
    from wagtail.admin.viewsets.chooser import ChooserViewSet

    get_resolver().url_patterns  # noqa: B018 — the admin URLconf populates the registry
    return [
        vs
        for vs in viewsets.viewsets
        if isinstance(vs, ChooserViewSet) and type(vs).__module__.split(".")[0] in OUR_APPS
    ]


def test_every_chooser_is_scoped_and_has_a_case():
    from portal.admin_scoping import ScopedChooserViewSet

    choosers = registered_choosers()
    assert choosers
    unscoped = [vs.name for vs in choosers if not isinstance(vs, ScopedChooserViewSet)]
    assert not unscoped, f"choosers not scoped: {unscoped}"
    missing = sorted({vs.url_namespace for vs in choosers} - set(CHOOSER_CASES))
    assert not missing, f"choosers missing from the sweep: {missing}"


@pytest.mark.parametrize("namespace", sorted(CHOOSER_CASES))
def test_a_chooser_never_names_a_row_the_user_may_not_see(client, world, namespace):
    case = CHOOSER_CASES[namespace](world)
    client.force_login(case.viewer)
    # the positive control: the row they may see is offered and chosen
    for name in ("choose", "choose_results"):
        response = client.get(reverse(f"{namespace}:{name}"))
        assert response.status_code == 200
        content = _text(response)
        assert case.seen.title in content
        for row in case.hidden:
            assert row.title not in content, f"{name} offers {row.title}"
    chosen = client.get(reverse(f"{namespace}:chosen", args=[case.seen.pk]))
    assert chosen.status_code == 200
    assert case.seen.title in _text(chosen)
    for row in case.hidden:
        assert client.get(reverse(f"{namespace}:chosen", args=[row.pk])).status_code == 404
        search = client.get(reverse(f"{namespace}:choose_results"), {"q": row.title})
        assert row.title not in _text(search)
    many = client.get(reverse(f"{namespace}:chosen_multiple"), {"id": [r.pk for r in case.hidden]})
    for row in case.hidden:
        assert row.title not in _text(many)
    assert _refused(client.post(reverse(f"{namespace}:create"), {"title": "新建"}))

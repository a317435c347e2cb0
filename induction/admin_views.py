"""Admin pages of 三级安全教育: the list of the user's inductions (manager: their enterprise;
supervisor: their region, with the counts by enterprise) with each one's status and the people
working without a complete one, add, edit (the induction and its three levels on one page), and
the printable 三级安全教育登记卡 PDF."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from induction import cards, services
from induction.forms import InductionForm, LevelForm
from induction.models import Induction, Level, Status
from induction.statistics import incomplete_figures
from portal import progress
from portal.models import Progress
from portal.params import ID_MAX, int_param
from portal.periods import Period
from portal.scoping import (
    Scope,
    administers_enterprise,
    scope_for,
    visible_enterprises,
    visible_people,
)
from portal.storage import private_storage
from portal.xlsx import build_workbook, xlsx_response

PAGE_SIZE = 50


def _require(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


visible_inductions = cards.visible_inductions


def _induction_for_user(request, pk: int, *, change: bool = False) -> Induction:
    induction = get_object_or_404(
        visible_inductions(request.user)
        .select_related("person__enterprise__street", "person__user", "created_by")
        .prefetch_related("levels__instructor"),
        pk=pk,
    )
    if change and not administers_enterprise(request.user, induction.person.enterprise):
        raise PermissionDenied
    return induction


def index(request: HttpRequest) -> HttpResponse:
    """The inductions of the user's scope (newest start first, 50 a page) with their status; the
    people working without a complete 三级教育 (a supervisor: counts by enterprise, ?enterprise=PK
    for one)."""
    _require(request, "induction.view_induction")
    scope = scope_for(request.user)
    inductions = visible_inductions(request.user)
    enterprise = None
    enterprise_pk = int_param(request.GET, "enterprise", None, min=1, max=ID_MAX)
    if enterprise_pk is not None:
        enterprise = get_object_or_404(visible_enterprises(request.user), pk=enterprise_pk)
        scope = Scope.of_enterprise(enterprise.pk)
        inductions = inductions.filter(person__enterprise=enterprise)
    today = timezone.localdate()
    figures = incomplete_figures(scope, Period.between(today, today))
    if request.GET.get("format") == "xlsx":
        return flagged_workbook(figures, today)
    page = Paginator(
        inductions.select_related("person__enterprise").prefetch_related("levels"), PAGE_SIZE
    ).get_page(int_param(request.GET, "p", 1, min=1, max=ID_MAX))
    table = services.required_table()
    rows = []
    for induction in page.object_list:
        assessment = induction.assess(services.required_hours(induction.person.enterprise, table))
        rows.append(
            {
                "induction": induction,
                "assessment": assessment,
                "status": assessment.status(induction.starts_on, today),
                "signed": sum(1 for lv in induction.levels.all() if lv.is_signed),
            }
        )
    return TemplateResponse(
        request,
        "induction/admin/index.html",
        {
            "figures": figures,
            "rows": rows,
            "page": page,
            "enterprise": enterprise,
            "by_enterprise": scope.kind != Scope.Kind.ENTERPRISE,
            "can_add": request.user.has_perm("induction.add_induction"),
            "Status": Status,
        },
    )


def flagged_workbook(figures: dict, today) -> HttpResponse:
    """未完成三级教育上岗 as .xlsx: the people the page lists (the user's scope, or one enterprise
    of a supervisor's), every cell through portal.xlsx.safe_cell (build_workbook)."""
    content = build_workbook(
        [_("企业"), _("姓名"), _("身份证号"), _("岗位"), _("入职日期"), _("情况")],
        [
            [
                r.person.enterprise.name,
                r.person.name,
                r.person.masked_id_number,
                r.person.position,
                r.person.hired_on,
                r.reason_text,
            ]
            for r in figures["rows"]
        ],
        title=_("未完成三级教育上岗"),
    )
    return xlsx_response(content, _("未完成三级教育上岗_%(d)s.xlsx") % {"d": f"{today:%Y%m%d}"})


@require_http_methods(["GET", "POST"])
def add(request: HttpRequest) -> HttpResponse:
    _require(request, "induction.add_induction")
    initial = {}
    person_pk = int_param(request.GET, "person", None, min=1, max=ID_MAX)
    if person_pk is not None:
        person = get_object_or_404(visible_people(request.user), pk=person_pk)
        initial = {"person": person, "starts_on": person.hired_on, "position": person.position}
    form = InductionForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        person = form.cleaned_data["person"]
        if not administers_enterprise(request.user, person.enterprise):
            raise PermissionDenied
        data = {k: v for k, v in form.cleaned_data.items() if k != "person"}
        induction = services.start_induction(person=person, user=request.user, **data)
        messages.success(
            request, _("已登记%(person)s的三级安全教育，请填写三级的内容。") % {"person": person}
        )
        return redirect("induction_admin:edit", induction.pk)
    return TemplateResponse(request, "induction/admin/add.html", {"form": form})


def _level_forms(request, induction: Induction) -> list[LevelForm]:
    by_value = {lv.level: lv for lv in induction.ordered_levels()}
    forms_ = []
    for value in Level.values:
        level = by_value.get(value)
        initial = {}
        if level is not None:
            initial = {
                "held_on": level.held_on,
                "hours": level.hours,
                "content": level.content,
                "instructor": level.instructor_id,
            }
        forms_.append(
            LevelForm(
                request.POST or None,
                prefix=f"level{value}",
                initial=initial,
                level=level,
                level_value=value,
                enterprise=induction.person.enterprise,
                trainee_user_id=induction.person.user_id,
            )
        )
    return forms_


@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The induction and its three levels on one page. Errors keep what was typed; nothing is
    saved unless every form is valid. A level signed by both is shown locked."""
    _require(request, "induction.change_induction")
    induction = _induction_for_user(request, pk, change=True)
    form = InductionForm(request.POST or None, instance=induction, user=request.user)
    level_forms = _level_forms(request, induction)
    if request.method == "POST":
        levels_valid = [f.is_valid() for f in level_forms]  # every form, for its errors
        valid = form.is_valid() and all(levels_valid)
        if valid:
            for lf in level_forms:
                lf.check_against(form.cleaned_data["starts_on"])
            valid = all(not lf.errors for lf in level_forms)
        if valid:
            with transaction.atomic():
                form.save()
                levels = {lv.level: lv for lv in induction.levels.all()}
                for lf in level_forms:
                    level = levels.get(lf.level_value)
                    if level is None:
                        level = induction.levels.create(level=lf.level_value)
                    if lf.locked:
                        continue
                    services.save_level(
                        level=level,
                        held_on=lf.cleaned_data["held_on"],
                        hours=lf.cleaned_data["hours"],
                        content=lf.cleaned_data["content"] or "",
                        instructor=lf.cleaned_data["instructor"],
                    )
            messages.success(request, _("已保存%(induction)s。") % {"induction": induction})
            return redirect("induction_admin:edit", induction.pk)
        messages.error(request, _("保存失败，请按提示修改。"))
    assessment = induction.assess(services.required_hours(induction.person.enterprise))
    return TemplateResponse(
        request,
        "induction/admin/edit.html",
        {
            "induction": induction,
            "form": form,
            "level_forms": level_forms,
            "levels": {lv.level: lv for lv in induction.ordered_levels()},
            "assessment": assessment,
            "status": assessment.status(induction.starts_on, timezone.localdate()),
        },
    )


@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    """The confirmation page and the delete: the enterprise's manager and the supervisors above
    only; refused (with the reason, nothing deleted) once a level is signed by both."""
    _require(request, "induction.delete_induction")
    induction = _induction_for_user(request, pk, change=True)
    refusal = services.delete_refusal(induction)
    if request.method == "POST" and not refusal:
        name = str(induction)
        try:
            services.delete_induction(induction)
        except services.DeleteRefused as exc:
            refusal = exc.message
        else:
            messages.success(request, _("已删除%(induction)s。") % {"induction": name})
            return redirect("induction_admin:index")
    return TemplateResponse(
        request,
        "induction/admin/delete.html",
        {"induction": induction, "refusal": refusal},
        status=400 if request.method == "POST" and refusal else 200,
    )


@require_POST
def card(request: HttpRequest, pk: int) -> HttpResponse:
    """Queues the printable 三级安全教育登记卡 (one page, A4) on the render cluster and sends the
    user to its progress page, which offers the download when it is ready."""
    _require(request, "induction.view_induction")
    induction = _induction_for_user(request, pk)
    record = cards.request_card(user=request.user, induction=induction)
    return redirect(progress.page_url(record))


def card_file(request: HttpRequest, pk: int, progress_id) -> HttpResponse:
    """The rendered card: to the user who asked for it, while they may still see the induction
    (404 otherwise); 410 once it has been purged."""
    _require(request, "induction.view_induction")
    induction = _induction_for_user(request, pk)
    record = get_object_or_404(
        Progress.objects.filter(owner=request.user),
        pk=progress_id,
        key=cards.key(induction.pk),
        status=Progress.Status.DONE,
    )
    name = cards.stored_name(induction.pk, record.pk)
    if not private_storage().exists(name):
        response = TemplateResponse(
            request, "induction/admin/card_gone.html", {"induction": induction}, status=410
        )
        add_never_cache_headers(response)
        return response
    filename = _("三级安全教育登记卡_%(name)s.pdf") % {"name": induction.person.name}
    response = FileResponse(
        private_storage().open(name, "rb"), filename=filename, content_type="application/pdf"
    )
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(filename)}"
    add_never_cache_headers(response)
    response["Cache-Control"] = "private, no-store"
    return response

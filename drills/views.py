"""The drills front workspace (mobile-first): calendar, drills, participants, check-in, script,
evaluation, findings, attachments, report, compliance and calendar feeds."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal, InvalidOperation

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from drills import services
from drills.forms import (
    ActionForm,
    AddPeopleForm,
    AttachmentForm,
    DrillForm,
    ExternalParticipantForm,
    FindingForm,
    PlanForm,
    ScriptStepForm,
    StepRecordForm,
)
from drills.models import (
    CalendarToken,
    CorrectiveAction,
    Drill,
    DrillStatus,
    EmergencyPlan,
    EvaluationItem,
    Finding,
    ParticipantRole,
    Participation,
    ScriptStep,
)
from drills.statistics import person_times
from portal.params import ID_MAX, ParameterError, date_param, int_param, int_value, month_param
from portal.scoping import scope_for, visible_enterprises

# Column headers of the month calendar (one character in Chinese; the week view uses the full
# localized weekday name through the `date:"l"` filter).
# an evaluation's timed answer is stored in a PositiveIntegerField
SECONDS_MAX = 2**31 - 1

WEEKDAYS = [
    pgettext_lazy("calendar column", "一"),
    pgettext_lazy("calendar column", "二"),
    pgettext_lazy("calendar column", "三"),
    pgettext_lazy("calendar column", "四"),
    pgettext_lazy("calendar column", "五"),
    pgettext_lazy("calendar column", "六"),
    pgettext_lazy("calendar column", "日"),
]


# --------------------------------------------------------------------------- helpers


def _get_drill_for_user(request: HttpRequest, pk: int) -> Drill:
    drill = (
        services.visible_drills(request.user)
        .select_related("enterprise__street", "organiser_region", "plan", "created_by")
        .filter(pk=pk)
        .first()
    )
    if drill is None:
        raise Http404
    return drill


def _get_managed_drill(request: HttpRequest, pk: int) -> Drill:
    drill = _get_drill_for_user(request, pk)
    if not services.can_manage(request.user, drill):
        raise PermissionDenied
    return drill


def _get_plan_for_user(request: HttpRequest, pk: int) -> EmergencyPlan:
    plan = EmergencyPlan.objects.filter(
        pk=pk, enterprise__in=visible_enterprises(request.user)
    ).first()
    if plan is None:
        raise Http404
    return plan


def _staff_only(request: HttpRequest) -> None:
    if not scope_for(request.user).is_staff_scope:
        raise PermissionDenied


# --------------------------------------------------------------------------- calendar and lists


@login_required
def calendar_month(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    first = month_param(request.GET, default=today)  # ?y=2026&m=6, bounded (portal.params)
    weeks = services.month_grid(year=first.year, month=first.month)
    by_day = services.drills_between(
        user=request.user, start=weeks[0][0], end=weeks[-1][-1] + timedelta(days=1)
    )
    prev_month = (first - timedelta(days=1)).replace(day=1)
    next_month = (first + timedelta(days=32)).replace(day=1)
    return render(
        request,
        "drills/calendar_month.html",
        {
            "first": first,
            "weeks": [[(day, by_day.get(day, [])) for day in week] for week in weeks],
            "weekdays": WEEKDAYS,
            "today": today,
            "prev_month": prev_month,
            "next_month": next_month,
            "can_create": services.organisable_enterprises(request.user).exists()
            or services.organisable_regions(request.user).exists(),
        },
    )


@login_required
def calendar_week(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    day = date_param(request.GET, "d", default=today)
    monday = day - timedelta(days=day.weekday())
    days = [monday + timedelta(days=i) for i in range(7)]
    by_day = services.drills_between(
        user=request.user, start=monday, end=monday + timedelta(days=7)
    )
    return render(
        request,
        "drills/calendar_week.html",
        {
            "days": [(d, by_day.get(d, [])) for d in days],
            "monday": monday,
            "prev_week": monday - timedelta(days=7),
            "next_week": monday + timedelta(days=7),
            "today": today,
        },
    )


@login_required
def drill_list(request: HttpRequest) -> HttpResponse:
    """All visible drills, newest first, filterable by status. Queries: 1 count + 1 page of drills
    with enterprise/region joined and 参演人次 annotated (Drill.objects.with_person_times)."""
    status = request.GET.get("status", "")
    drills = services.visible_drills(request.user)
    if status in DrillStatus.values:
        drills = drills.filter(status=status)
    drills = drills.select_related("enterprise", "organiser_region").annotate(
        person_times=person_times(),  # 参演人次: its one definition
    )
    from django.core.paginator import Paginator

    page = Paginator(drills.order_by("-planned_start"), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "drills/drill_list.html",
        {"page": page, "status": status, "statuses": DrillStatus.choices},
    )


# --------------------------------------------------------------------------- drill create / edit / detail


@login_required
def drill_create(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    form = DrillForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        drill = form.save(commit=False)
        drill.created_by = request.user
        drill.save()
        form.save_m2m()
        _warn_overlaps(request, drill)
        messages.success(request, _("演练计划已创建。"))
        return redirect("drills:detail", drill.pk)
    return render(request, "drills/drill_form.html", {"form": form, "drill": None})


@login_required
def drill_edit(request: HttpRequest, pk: int) -> HttpResponse:
    drill = _get_managed_drill(request, pk)
    if drill.status in (DrillStatus.ARCHIVED, DrillStatus.CANCELLED):
        messages.error(request, _("已归档或已取消的演练不能修改。"))
        return redirect("drills:detail", drill.pk)
    form = DrillForm(request.POST or None, instance=drill, user=request.user)
    if request.method == "POST" and form.is_valid():
        drill = form.save()
        _warn_overlaps(request, drill)
        messages.success(request, _("演练信息已保存。"))
        return redirect("drills:detail", drill.pk)
    return render(request, "drills/drill_form.html", {"form": form, "drill": drill})


def _warn_overlaps(request: HttpRequest, drill: Drill) -> None:
    for other in services.overlapping_drills(drill=drill)[:5]:
        messages.warning(
            request,
            _("注意：同一地点“%(place)s”在相同时段还有演练“%(title)s”（%(start)s）。")
            % {
                "place": drill.place,
                "title": other.title,
                "start": f"{timezone.localtime(other.planned_start):%m-%d %H:%M}",
            },
        )


@login_required
def drill_detail(request: HttpRequest, pk: int) -> HttpResponse:
    drill = _get_drill_for_user(request, pk)
    user = request.user
    manage = services.can_manage(user, drill)
    report = getattr(drill, "report", None) if hasattr(drill, "report") else None
    attendance = drill.attendance()
    return render(
        request,
        "drills/drill_detail.html",
        {
            "drill": drill,
            "can_manage": manage,
            "can_evaluate": services.can_evaluate(user, drill),
            "can_run_script": services.can_run_script(user, drill),
            "can_add_participants": services.can_add_participants(user, drill),
            "is_supervisor": services.is_supervisor_of(user, drill),
            "transitions": [(s, DrillStatus(s).label) for s in services.allowed_transitions(drill)]
            if manage
            else [],
            "overlaps": list(
                services.overlapping_drills(drill=drill).select_related("enterprise")[:5]
            ),
            "blockers": services.archive_blockers(drill)
            if drill.status in (DrillStatus.EVALUATING, DrillStatus.RECTIFYING)
            else [],
            "participant_count": len(attendance.attended) + len(attendance.no_shows),
            "attendance": attendance,
            "summary": services.evaluation_summary(drill=drill),
            "attachments": drill.attachments.all(),
            "attachment_form": AttachmentForm() if manage else None,
            "participating": drill.participating_enterprises.all(),
            "report": report,
            "mine": services.my_participation(user, drill),
        },
    )


@login_required
@require_POST
def drill_transition(request: HttpRequest, pk: int) -> HttpResponse:
    drill = _get_managed_drill(request, pk)
    to = request.POST.get("to", "")
    reason = request.POST.get("reason", "").strip()
    if to == DrillStatus.CANCELLED and not reason:
        messages.error(request, _("取消演练须填写取消原因，演练未取消。"))
        return redirect("drills:detail", drill.pk)
    try:
        services.transition_drill(drill=drill, to=to, user=request.user, reason=reason[:500])
    except (services.TransitionError, ValueError) as exc:
        messages.error(
            request, str(exc) if isinstance(exc, services.TransitionError) else _("未知的状态。")
        )
    else:
        messages.success(request, _("演练状态已更新。"))
    return redirect("drills:detail", drill.pk)


# --------------------------------------------------------------------------- participants and check-in


@login_required
def participants(request: HttpRequest, pk: int) -> HttpResponse:
    drill = _get_drill_for_user(request, pk)
    can_add = services.can_add_participants(request.user, drill)
    if not can_add and not services.is_supervisor_of(request.user, drill):
        raise PermissionDenied
    people_qs = services.addable_people(request.user, drill)
    enterprise_ids = people_qs.values("enterprise_id")
    add_form = AddPeopleForm(
        request.POST if request.POST.get("action") == "add" else None,
        people_qs=people_qs,
        enterprises_qs=visible_enterprises(request.user).filter(pk__in=enterprise_ids),
    )
    external_form = ExternalParticipantForm(
        request.POST if request.POST.get("action") == "external" else None
    )
    if request.method == "POST":
        if not can_add:
            raise PermissionDenied
        if request.POST.get("action") == "add" and add_form.is_valid():
            n = services.add_participants(
                drill=drill, people=add_form.selected_people(), role=add_form.cleaned_data["role"]
            )
            messages.success(request, _("已添加 %(n)d 人。") % {"n": n})
            return redirect("drills:participants", drill.pk)
        if request.POST.get("action") == "external" and external_form.is_valid():
            Participation.objects.create(
                drill=drill,
                external_name=external_form.cleaned_data["name"],
                external_unit=external_form.cleaned_data["unit"],
                role=external_form.cleaned_data["role"],
            )
            messages.success(request, _("已添加外部人员。"))
            return redirect("drills:participants", drill.pk)
    # A participating enterprise's manager sees their own people only (the admin asks the same).
    rows = drill.participations.filter(services.participation_q(request.user)).select_related(
        "person__enterprise"
    )
    return render(
        request,
        "drills/participants.html",
        {
            "drill": drill,
            "rows": rows,
            "add_form": add_form,
            "external_form": external_form,
            "can_add": can_add,
            "can_manage": services.can_manage(request.user, drill),
            "roles": ParticipantRole.choices,
        },
    )


@login_required
@require_POST
def participant_update(request: HttpRequest, pk: int, part_pk: int) -> HttpResponse:
    drill = _get_drill_for_user(request, pk)
    part = get_object_or_404(
        Participation.objects.select_related("person"), pk=part_pk, drill=drill
    )
    part.drill = drill
    if not services.can_change_participation(request.user, part):
        raise PermissionDenied
    action = request.POST.get("action")
    if action == "remove":
        part.delete()
        messages.success(request, _("已移除。"))
    elif action == "role" and request.POST.get("role") in ParticipantRole.values:
        part.role = request.POST["role"]
        part.save(update_fields=["role"])
    elif action in ("present", "absent"):
        services.set_manual_check_in(
            participation=part, present=action == "present", now=timezone.now()
        )
    if request.POST.get("next") == "checkin":
        return redirect("drills:checkin", drill.pk)
    return redirect("drills:participants", drill.pk)


@login_required
def checkin_screen(request: HttpRequest, pk: int) -> HttpResponse:
    drill = _get_managed_drill(request, pk)
    rows = drill.participations.select_related("person__enterprise").order_by(
        "checked_in_at", "role", "id"
    )
    return render(
        request,
        "drills/checkin_screen.html",
        {
            "drill": drill,
            "rows": rows,
            "present": sum(1 for r in rows if r.checked_in_at),
            "open": drill.status in (DrillStatus.PREPARING, DrillStatus.EXECUTING),
        },
    )


@login_required
@never_cache
def checkin_qr(request: HttpRequest, pk: int) -> HttpResponse:
    drill = _get_managed_drill(request, pk)
    url = request.build_absolute_uri(services.checkin_url(drill=drill, now=timezone.now()))
    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="svg", scale=6, border=2)
    return HttpResponse(buf.getvalue(), content_type="image/svg+xml")


@login_required
@never_cache
def checkin_status(request: HttpRequest, pk: int) -> JsonResponse:
    drill = _get_managed_drill(request, pk)
    counts = drill.participations.aggregate(
        total=Count("pk"), present=Count("pk", filter=Q(checked_in_at__isnull=False))
    )
    latest = [
        {"name": p.name, "at": f"{timezone.localtime(p.checked_in_at):%H:%M:%S}"}
        for p in drill.participations.filter(checked_in_at__isnull=False)
        .select_related("person")
        .order_by("-checked_in_at")[:8]
    ]
    return JsonResponse({**counts, "latest": latest})


@login_required
@never_cache
def checkin_scan(request: HttpRequest, code: str) -> HttpResponse:
    """A participant's phone opens the QR code's URL; a valid current code checks them in."""
    try:
        drill = services.read_checkin_code(code=code, now=timezone.now())
        part = services.check_in(drill=drill, user=request.user, now=timezone.now())
    except services.CheckInError as exc:
        return render(request, "drills/checkin_result.html", {"error": str(exc)}, status=400)
    return render(request, "drills/checkin_result.html", {"drill": drill, "part": part})


# --------------------------------------------------------------------------- script


@login_required
def script(request: HttpRequest, pk: int) -> HttpResponse:
    drill = _get_drill_for_user(request, pk)
    if not services.can_run_script(request.user, drill) and not services.is_supervisor_of(
        request.user, drill
    ):
        raise PermissionDenied
    manage = services.can_manage(request.user, drill)
    next_order = (
        drill.script_steps.order_by("-order").values_list("order", flat=True).first() or 0
    ) + 1
    form = ScriptStepForm(request.POST or None, initial={"order": next_order})
    if request.method == "POST":
        if not manage:
            raise PermissionDenied
        if form.is_valid():
            step = form.save(commit=False)
            step.drill = drill
            if drill.script_steps.filter(order=step.order).exists():
                form.add_error("order", _("该序号已存在。"))
            else:
                step.save()
                messages.success(request, _("已添加脚本步骤。"))
                return redirect("drills:script", drill.pk)
    steps = drill.script_steps.select_related("recorded_by")
    return render(
        request,
        "drills/script.html",
        {
            "drill": drill,
            "steps": [(s, StepRecordForm(instance=s, prefix=f"s{s.pk}")) for s in steps],
            "form": form,
            "can_manage": manage,
            "can_record": services.can_run_script(request.user, drill),
        },
    )


@login_required
@require_POST
def script_record(request: HttpRequest, pk: int, step_pk: int) -> HttpResponse:
    drill = _get_drill_for_user(request, pk)
    if not services.can_run_script(request.user, drill):
        raise PermissionDenied
    step = get_object_or_404(ScriptStep, pk=step_pk, drill=drill)
    if request.POST.get("now"):
        step.actual_time = timezone.localtime().time().replace(second=0, microsecond=0)
        step.recorded_by = request.user
        step.save(update_fields=["actual_time", "recorded_by"])
    else:
        form = StepRecordForm(request.POST, instance=step, prefix=f"s{step.pk}")
        if form.is_valid():
            step = form.save(commit=False)
            step.recorded_by = request.user
            step.save()
        else:
            messages.error(request, _("时间格式不正确。"))
    return redirect(f"{drill_url(drill, 'script')}#step-{step.pk}")


def drill_url(drill: Drill, name: str) -> str:
    from django.urls import reverse

    return reverse(f"drills:{name}", args=[drill.pk])


# --------------------------------------------------------------------------- evaluation


def _parse_answers(post, items: list[EvaluationItem]) -> tuple[dict[int, dict], list[str]]:
    answers, errors = {}, []
    for item in items:
        raw = (post.get(f"item-{item.pk}") or "").strip()
        answer = {
            "yes": None,
            "points": None,
            "seconds": None,
            "note": post.get(f"note-{item.pk}", ""),
        }
        if raw:
            if item.kind == EvaluationItem.Kind.YES_NO:
                answer["yes"] = raw == "yes"
            elif item.kind == EvaluationItem.Kind.POINTS:
                try:
                    points = Decimal(raw)
                except InvalidOperation:
                    points = None
                if points is not None and points.is_finite():  # never NaN or Infinity
                    answer["points"] = points
                else:
                    errors.append(_("“%(item)s”的分数不是数字。") % {"item": item.text})
            else:
                minutes, sep, seconds = raw.partition(":")
                try:
                    if sep:
                        total = int_value(minutes, name="m", min=0, max=SECONDS_MAX) * 60
                        total += int_value(seconds or "0", name="s", min=0, max=SECONDS_MAX)
                    else:
                        total = int_value(raw, name="s", min=0, max=SECONDS_MAX)
                    if total > SECONDS_MAX:  # the column's range (PositiveIntegerField)
                        raise ParameterError("")
                    answer["seconds"] = total
                except ParameterError:
                    errors.append(
                        _("“%(item)s”的用时格式应为 分:秒 或 秒数。") % {"item": item.text}
                    )
        answers[item.pk] = answer
    return answers, errors


@login_required
def evaluate(request: HttpRequest, pk: int) -> HttpResponse:
    drill = _get_drill_for_user(request, pk)
    if not services.can_evaluate(request.user, drill):
        raise PermissionDenied
    templates = list(services.templates_for(drill))
    template = None
    if request.GET.get("t") or request.POST.get("t"):
        template = next(
            (t for t in templates if str(t.pk) == (request.POST.get("t") or request.GET.get("t"))),
            None,
        )
    elif len(templates) == 1:
        template = templates[0]
    evaluation = None
    errors: list[str] = []
    if template is not None:
        items = list(template.items.all())
        evaluation = drill.evaluations.filter(template=template, evaluator=request.user).first()
        if request.method == "POST":
            if drill.status not in (DrillStatus.EXECUTING, DrillStatus.EVALUATING):
                errors.append(_("只有实施中或评估总结阶段的演练可以填写评估。"))
            else:
                answers, errors = _parse_answers(request.POST, items)
                if not errors:
                    try:
                        evaluation = services.save_evaluation(
                            drill=drill,
                            template=template,
                            evaluator=request.user,
                            answers=answers,
                            comment=request.POST.get("comment", ""),
                            submit=bool(request.POST.get("submit")),
                        )
                    except ValidationError as exc:
                        errors = exc.messages
                    else:
                        messages.success(
                            request,
                            _("评估已提交。") if evaluation.submitted_at else _("评估已暂存。"),
                        )
                        return redirect(f"{drill_url(drill, 'evaluate')}?t={template.pk}")
        saved = {a.item_id: a for a in evaluation.answers.all()} if evaluation else {}
        rows = [(item, saved.get(item.pk)) for item in items]
    else:
        rows = []
    return render(
        request,
        "drills/evaluate.html",
        {
            "drill": drill,
            "templates": templates,
            "template": template,
            "rows": rows,
            "evaluation": evaluation,
            "errors": errors,
            "summary": services.evaluation_summary(drill=drill),
            "post": request.POST if errors else None,
        },
    )


@login_required
@require_POST
def save_summary(request: HttpRequest, pk: int) -> HttpResponse:
    drill = _get_managed_drill(request, pk)
    drill.summary = request.POST.get("summary", "").strip()
    drill.save(update_fields=["summary", "updated_at"])
    messages.success(request, _("评估总结已保存。"))
    return redirect("drills:evaluate", drill.pk)


# --------------------------------------------------------------------------- findings and actions


@login_required
def findings(request: HttpRequest, pk: int) -> HttpResponse:
    drill = _get_drill_for_user(request, pk)
    manage = services.can_manage(request.user, drill)
    supervise = services.is_supervisor_of(request.user, drill)
    if not (manage or supervise or services.can_evaluate(request.user, drill)):
        raise PermissionDenied
    people_qs = services.addable_people(request.user, drill)
    finding_form = FindingForm(request.POST if request.POST.get("action") == "finding" else None)
    action_form = ActionForm(
        request.POST if request.POST.get("action") == "action" else None, people_qs=people_qs
    )
    if request.method == "POST":
        if not (manage or services.can_evaluate(request.user, drill)):
            raise PermissionDenied
        if request.POST.get("action") == "finding" and finding_form.is_valid():
            finding = finding_form.save(commit=False)
            finding.drill = drill
            finding.save()
            messages.success(request, _("已记录评估发现。"))
            return redirect("drills:findings", drill.pk)
        if request.POST.get("action") == "action":
            if not manage:
                raise PermissionDenied
            finding_pk = int_param(request.POST, "finding", min=1, max=ID_MAX)
            finding = get_object_or_404(Finding, pk=finding_pk, drill=drill)
            if action_form.is_valid():
                action = action_form.save(commit=False)
                action.finding = finding
                action.save()
                messages.success(request, _("已添加整改措施。"))
                return redirect("drills:findings", drill.pk)
    return render(
        request,
        "drills/findings.html",
        {
            "drill": drill,
            "findings": drill.findings.prefetch_related(
                "actions__owner", "actions__verified_by", "actions__deferred_by"
            ),
            "finding_form": finding_form,
            "action_form": action_form,
            "can_manage": manage,
            "is_supervisor": supervise,
            "can_add_finding": manage or services.can_evaluate(request.user, drill),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def action_update(request: HttpRequest, pk: int, action_pk: int) -> HttpResponse:
    drill = _get_drill_for_user(request, pk)
    action = get_object_or_404(
        CorrectiveAction.objects.select_related("finding__drill"),
        pk=action_pk,
        finding__drill=drill,
    )
    op = request.POST.get("op")
    try:
        if op == "done":
            if not services.can_manage_action(request.user, action):
                raise PermissionDenied
            action.status = CorrectiveAction.Status.DONE
            action.completion_note = request.POST.get("note", "").strip()
            action.save(update_fields=["status", "completion_note"])
            messages.success(request, _("已标记为已整改，待验证。"))
        elif op == "verify":
            if not (
                services.can_manage(request.user, drill)
                or services.is_supervisor_of(request.user, drill)
            ):
                raise PermissionDenied
            services.verify_action(
                action=action, user=request.user, verification=request.POST.get("verification", "")
            )
            messages.success(request, _("整改措施已验证关闭。"))
        elif op == "defer":
            services.defer_action(
                action=action, user=request.user, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("已暂缓，该措施不再阻止归档。"))
        else:
            messages.error(request, _("未知的操作。"))
    except PermissionError as exc:
        raise PermissionDenied from exc
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    return redirect("drills:findings", drill.pk)


# --------------------------------------------------------------------------- attachments and report


@login_required
@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    drill = _get_managed_drill(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        att = form.save(commit=False)
        att.drill = drill
        att.original_name = form.cleaned_data["file"].name[:255]
        att.size = form.cleaned_data["file"].size
        att.uploaded_by = request.user
        att.save()
        messages.success(request, _("附件已上传。"))
    else:
        for errs in form.errors.values():
            for e in errs:
                messages.error(request, e)
    return redirect("drills:detail", drill.pk)


@login_required
def attachment_download(request: HttpRequest, pk: int, att_pk: int) -> FileResponse:
    drill = _get_drill_for_user(request, pk)
    att = get_object_or_404(drill.attachments, pk=att_pk)
    return FileResponse(att.file.open("rb"), filename=att.original_name)


@login_required
def plan_file(request: HttpRequest, pk: int) -> FileResponse:
    """An emergency plan's file, for the people who may see the plan (media is not public)."""
    plan = _get_plan_for_user(request, pk)
    if not plan.file:
        raise Http404
    return FileResponse(plan.file.open("rb"), filename=plan.file.name.rsplit("/", 1)[-1])


@login_required
@require_POST
def report_request(request: HttpRequest, pk: int) -> HttpResponse:
    drill = _get_drill_for_user(request, pk)
    if not (
        services.can_manage(request.user, drill) or services.is_supervisor_of(request.user, drill)
    ):
        raise PermissionDenied
    services.request_report(drill=drill)
    messages.success(request, _("总结报告正在后台生成，请稍后刷新本页下载。"))
    return redirect("drills:detail", drill.pk)


@login_required
def report_download(request: HttpRequest, pk: int) -> FileResponse:
    drill = _get_drill_for_user(request, pk)
    if not (
        services.can_manage(request.user, drill) or services.is_supervisor_of(request.user, drill)
    ):
        raise PermissionDenied
    report = getattr(drill, "report", None)
    if report is None or not report.file:
        raise Http404
    return FileResponse(
        report.file.open("rb"),
        filename=_("%(code)s-演练总结报告.pdf") % {"code": drill.code},
        content_type="application/pdf",
    )


# --------------------------------------------------------------------------- plans


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    plans = EmergencyPlan.objects.filter(
        enterprise__in=visible_enterprises(request.user)
    ).select_related("enterprise")
    return render(
        request,
        "drills/plan_list.html",
        {
            "plans": plans,
            "can_create": services.organisable_enterprises(request.user).exists(),
            "today": timezone.localdate(),
        },
    )


@login_required
def plan_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _staff_only(request)
    plan = _get_plan_for_user(request, pk) if pk else None
    if plan is not None and not services.can_edit_plan(request.user, plan):
        raise PermissionDenied
    if plan is None and not services.organisable_enterprises(request.user).exists():
        raise PermissionDenied
    form = PlanForm(request.POST or None, request.FILES or None, instance=plan, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("应急预案已保存。"))
        return redirect("drills:plans")
    return render(request, "drills/plan_form.html", {"form": form, "plan": plan})


# --------------------------------------------------------------------------- compliance


@login_required
def compliance(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    today = timezone.localdate()
    rows = services.enterprise_compliance(enterprises=visible_enterprises(request.user))
    # Supervisors see hundreds or thousands of enterprises: start with the overdue ones.
    default = "1" if scope_for(request.user).is_supervising else "0"
    only_overdue = request.GET.get("overdue", default) == "1"
    data = [
        {"c": c, "overdue": c.overdue_rules(today)}
        for c in rows
        if not only_overdue or c.overdue_rules(today)
    ]
    from django.core.paginator import Paginator

    page = Paginator(data, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "drills/compliance.html",
        {
            "rows": page,
            "page": page,
            "today": today,
            "only_overdue": only_overdue,
            "overdue_count": sum(1 for c in rows if c.overdue_rules(today)),
            "total": len(rows),
            # Government bodies (区政府、街道/乡镇) for supervisors: the 24-month rule.
            "regions": (
                services.region_compliance(regions=services.government_regions(request.user))
                if default == "1"
                else []
            ),
        },
    )


# --------------------------------------------------------------------------- iCalendar feeds


@login_required
def calendar_feeds(request: HttpRequest) -> HttpResponse:
    personal = services.calendar_token(user=request.user)
    enterprise_token = None
    scope = scope_for(request.user)
    if scope.is_enterprise:
        enterprise_token = services.calendar_token(
            user=request.user, enterprise=request.user.enterprise
        )
    return render(
        request,
        "drills/calendar_feeds.html",
        {
            "personal_url": request.build_absolute_uri(_feed_path(personal)),
            "enterprise_url": request.build_absolute_uri(_feed_path(enterprise_token))
            if enterprise_token
            else None,
            "enterprise": request.user.enterprise if enterprise_token else None,
        },
    )


def _feed_path(token: CalendarToken) -> str:
    from django.urls import reverse

    return reverse("drills:ical", args=[token.token])


@login_required
@require_POST
def calendar_feeds_reset(request: HttpRequest) -> HttpResponse:
    for token in CalendarToken.objects.filter(user=request.user):
        services.reset_calendar_token(token=token)
    messages.success(request, _("订阅地址已更换，旧地址立即失效。"))
    return redirect("drills:feeds")


def ical_feed(request: HttpRequest, token: str) -> HttpResponse:
    row = CalendarToken.objects.select_related("user", "enterprise").filter(token=token).first()
    if row is None:
        raise Http404
    name = _("应急演练 · %(who)s") % {
        "who": row.enterprise.name if row.enterprise_id else row.user.display_name
    }
    body = services.build_ical(
        drills=services.feed_drills(token=row), name=name, now=timezone.now()
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="drills.ics"'
    return response

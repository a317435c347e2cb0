"""Planning and running a drill: create, edit, detail, status transitions, the script (脚本) and
the emergency plans."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from drills.access import (
    can_add_participants,
    can_edit_plan,
    can_evaluate,
    can_manage,
    can_run_script,
    is_supervisor_of,
    my_participation,
    organisable_enterprises,
)
from drills.evaluation import evaluation_summary
from drills.forms import AttachmentForm, DrillForm, PlanForm, ScriptStepForm, StepRecordForm
from drills.lifecycle import (
    TransitionError,
    allowed_transitions,
    archive_blockers,
    overlapping_drills,
    transition_drill,
)
from drills.models import Drill, DrillStatus, EmergencyPlan, ScriptStep
from drills.views.common import drill_for_user, drill_url, managed_drill, plan_for_user, staff_only
from portal.scoping import visible_enterprises


@login_required
def drill_create(request: HttpRequest) -> HttpResponse:
    staff_only(request)
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
    drill = managed_drill(request, pk)
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
    for other in overlapping_drills(drill=drill)[:5]:
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
    drill = drill_for_user(request, pk)
    user = request.user
    manage = can_manage(user, drill)
    report = getattr(drill, "report", None) if hasattr(drill, "report") else None
    attendance = drill.attendance()
    return render(
        request,
        "drills/drill_detail.html",
        {
            "drill": drill,
            "can_manage": manage,
            "can_evaluate": can_evaluate(user, drill),
            "can_run_script": can_run_script(user, drill),
            "can_add_participants": can_add_participants(user, drill),
            "is_supervisor": is_supervisor_of(user, drill),
            "transitions": [(s, DrillStatus(s).label) for s in allowed_transitions(drill)]
            if manage
            else [],
            "overlaps": list(overlapping_drills(drill=drill).select_related("enterprise")[:5]),
            "blockers": archive_blockers(drill)
            if drill.status in (DrillStatus.EVALUATING, DrillStatus.RECTIFYING)
            else [],
            "participant_count": len(attendance.attended) + len(attendance.no_shows),
            "attendance": attendance,
            "summary": evaluation_summary(drill=drill),
            "attachments": drill.attachments.all(),
            "attachment_form": AttachmentForm() if manage else None,
            "participating": drill.participating_enterprises.all(),
            "report": report,
            "mine": my_participation(user, drill),
        },
    )


@login_required
@require_POST
def drill_transition(request: HttpRequest, pk: int) -> HttpResponse:
    drill = managed_drill(request, pk)
    to = request.POST.get("to", "")
    reason = request.POST.get("reason", "").strip()
    if to == DrillStatus.CANCELLED and not reason:
        messages.error(request, _("取消演练须填写取消原因，演练未取消。"))
        return redirect("drills:detail", drill.pk)
    try:
        transition_drill(drill=drill, to=to, user=request.user, reason=reason[:500])
    except (TransitionError, ValueError) as exc:
        messages.error(request, str(exc) if isinstance(exc, TransitionError) else _("未知的状态。"))
    else:
        messages.success(request, _("演练状态已更新。"))
    return redirect("drills:detail", drill.pk)


@login_required
def script(request: HttpRequest, pk: int) -> HttpResponse:
    drill = drill_for_user(request, pk)
    if not can_run_script(request.user, drill) and not is_supervisor_of(request.user, drill):
        raise PermissionDenied
    manage = can_manage(request.user, drill)
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
            "can_record": can_run_script(request.user, drill),
        },
    )


@login_required
@require_POST
def script_record(request: HttpRequest, pk: int, step_pk: int) -> HttpResponse:
    drill = drill_for_user(request, pk)
    if not can_run_script(request.user, drill):
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


@login_required
def plan_file(request: HttpRequest, pk: int) -> FileResponse:
    """An emergency plan's file, for the people who may see the plan (media is not public)."""
    plan = plan_for_user(request, pk)
    if not plan.file:
        raise Http404
    return FileResponse(plan.file.open("rb"), filename=plan.file.name.rsplit("/", 1)[-1])


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    staff_only(request)
    plans = EmergencyPlan.objects.filter(
        enterprise__in=visible_enterprises(request.user)
    ).select_related("enterprise")
    return render(
        request,
        "drills/plan_list.html",
        {
            "plans": plans,
            "can_create": organisable_enterprises(request.user).exists(),
            "today": timezone.localdate(),
        },
    )


@login_required
def plan_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    staff_only(request)
    plan = plan_for_user(request, pk) if pk else None
    if plan is not None and not can_edit_plan(request.user, plan):
        raise PermissionDenied
    if plan is None and not organisable_enterprises(request.user).exists():
        raise PermissionDenied
    form = PlanForm(request.POST or None, request.FILES or None, instance=plan, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("应急预案已保存。"))
        return redirect("drills:plans")
    return render(request, "drills/plan_form.html", {"form": form, "plan": plan})

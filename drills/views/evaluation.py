"""Evaluating a drill: the evaluators' forms, the summary, the findings and their corrective
actions."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from drills.access import can_evaluate, can_manage, is_supervisor_of
from drills.evaluation import (
    complete_action,
    defer_action,
    evaluation_summary,
    save_evaluation,
    save_evaluation_summary,
    templates_for,
    verify_action,
)
from drills.forms import ActionForm, FindingForm
from drills.models import CorrectiveAction, DrillStatus, EvaluationItem, Finding
from drills.participation import addable_people
from drills.views.common import drill_for_user, drill_url, managed_drill
from portal.params import ID_MAX, ParameterError, int_param, int_value

# An evaluation's timed answer is stored in a PositiveIntegerField
SECONDS_MAX = 2**31 - 1


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
    drill = drill_for_user(request, pk)
    if not can_evaluate(request.user, drill):
        raise PermissionDenied
    templates = list(templates_for(drill))
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
                        evaluation = save_evaluation(
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
            "summary": evaluation_summary(drill=drill),
            "post": request.POST if errors else None,
        },
    )


@login_required
@require_POST
def save_summary(request: HttpRequest, pk: int) -> HttpResponse:
    drill = managed_drill(request, pk)
    save_evaluation_summary(drill=drill, summary=request.POST.get("summary", ""))
    messages.success(request, _("评估总结已保存。"))
    return redirect("drills:evaluate", drill.pk)


@login_required
def findings(request: HttpRequest, pk: int) -> HttpResponse:
    drill = drill_for_user(request, pk)
    manage = can_manage(request.user, drill)
    supervise = is_supervisor_of(request.user, drill)
    if not (manage or supervise or can_evaluate(request.user, drill)):
        raise PermissionDenied
    people_qs = addable_people(request.user, drill)
    finding_form = FindingForm(request.POST if request.POST.get("action") == "finding" else None)
    action_form = ActionForm(
        request.POST if request.POST.get("action") == "action" else None, people_qs=people_qs
    )
    if request.method == "POST":
        if not (manage or can_evaluate(request.user, drill)):
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
            "can_add_finding": manage or can_evaluate(request.user, drill),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def action_update(request: HttpRequest, pk: int, action_pk: int) -> HttpResponse:
    drill = drill_for_user(request, pk)
    action = get_object_or_404(
        CorrectiveAction.objects.select_related("finding__drill"),
        pk=action_pk,
        finding__drill=drill,
    )
    op = request.POST.get("op")
    try:
        if op == "done":
            complete_action(action=action, user=request.user, note=request.POST.get("note", ""))
            messages.success(request, _("已标记为已整改，待验证。"))
        elif op == "verify":
            verify_action(
                action=action, user=request.user, verification=request.POST.get("verification", "")
            )
            messages.success(request, _("整改措施已验证关闭。"))
        elif op == "defer":
            defer_action(action=action, user=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, _("已暂缓，该措施不再阻止归档。"))
        else:
            messages.error(request, _("未知的操作。"))
    except PermissionError as exc:
        raise PermissionDenied from exc
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    return redirect("drills:findings", drill.pk)

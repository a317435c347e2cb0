"""Evaluating a held drill: the evaluation templates, the evaluators' answers and their summary,
and the corrective actions of the findings (done, verified, deferred)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from drills.access import can_manage_action, can_oversee, is_supervisor_of
from drills.models import (
    CorrectiveAction,
    Drill,
    Evaluation,
    EvaluationAnswer,
    EvaluationItem,
    EvaluationTemplate,
)


@transaction.atomic
def defer_action(*, action: CorrectiveAction, user, reason: str) -> CorrectiveAction:
    """A supervisor lets the drill be archived with this 不足项 action still open."""
    if not is_supervisor_of(user, action.finding.drill):
        raise PermissionError(_("只有监管人员可以暂缓整改措施。"))
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationError(_("请填写暂缓理由（至少4个字）。"))
    action.deferral_reason = reason
    action.deferred_by = user
    action.save(update_fields=["deferral_reason", "deferred_by"])
    return action


def complete_action(*, action: CorrectiveAction, user, note: str) -> CorrectiveAction:
    """The action's owner side marks it done (待验证): those who manage its drill."""
    if not can_manage_action(user, action):
        raise PermissionError(_("只有演练组织者可以标记整改完成。"))
    action.status = CorrectiveAction.Status.DONE
    action.completion_note = (note or "").strip()
    action.save(update_fields=["status", "completion_note"])
    return action


def verify_action(*, action: CorrectiveAction, user, verification: str) -> CorrectiveAction:
    """A done action is verified and closed by those who manage its drill or supervise it."""
    if not can_oversee(user, action.finding.drill):
        raise PermissionError(_("只有演练组织者或监管人员可以验证整改措施。"))
    if action.status != CorrectiveAction.Status.DONE:
        raise ValidationError(_("只有“已整改待验证”的措施可以验证关闭。"))
    if not verification.strip():
        raise ValidationError(_("请填写验证意见。"))
    action.status = CorrectiveAction.Status.VERIFIED
    action.verification = verification.strip()
    action.verified_by = user
    action.verified_at = timezone.now()
    action.save()
    return action


def save_evaluation_summary(*, drill: Drill, summary: str) -> Drill:
    """The organisers' written evaluation summary (评估总结)."""
    drill.summary = (summary or "").strip()
    drill.save(update_fields=["summary", "updated_at"])
    return drill


def templates_for(drill: Drill) -> QuerySet[EvaluationTemplate]:
    return EvaluationTemplate.objects.filter(form=drill.form, is_active=True)


@transaction.atomic
def save_evaluation(
    *,
    drill: Drill,
    template: EvaluationTemplate,
    evaluator,
    answers: dict[int, dict],
    comment: str,
    submit: bool,
) -> Evaluation:
    """answers: item id → {"yes": bool|None, "points": Decimal|None, "seconds": int|None, "note": str}."""
    items = list(template.items.all())
    errors = []
    for item in items:
        a = answers.get(item.pk, {})
        if item.kind == EvaluationItem.Kind.POINTS and a.get("points") is not None:
            if not (0 <= a["points"] <= item.max_points):
                errors.append(
                    _("“%(item)s”的分数须在 0–%(max)d 之间。")
                    % {"item": item.text, "max": item.max_points}
                )
        if (
            submit
            and item.score(yes=a.get("yes"), points=a.get("points"), seconds=a.get("seconds"))
            is None
        ):
            errors.append(_("“%(item)s”尚未评分。") % {"item": item.text})
    if errors:
        raise ValidationError(errors)
    evaluation, _created = Evaluation.objects.get_or_create(
        drill=drill, template=template, evaluator=evaluator
    )
    if evaluation.submitted_at:
        raise ValidationError(_("该评估表已提交，不能再修改。"))
    score = Decimal(0)
    max_score = Decimal(0)
    for item in items:
        a = answers.get(item.pk, {})
        EvaluationAnswer.objects.update_or_create(
            evaluation=evaluation,
            item=item,
            defaults={
                "yes": a.get("yes"),
                "points": a.get("points"),
                "seconds": a.get("seconds"),
                "note": (a.get("note") or "")[:255],
            },
        )
        value = item.score(yes=a.get("yes"), points=a.get("points"), seconds=a.get("seconds"))
        score += value or 0
        max_score += item.max_points
    evaluation.comment = comment
    evaluation.score = score
    evaluation.max_score = max_score
    if submit:
        evaluation.submitted_at = timezone.now()
    evaluation.save()
    return evaluation


@dataclass
class ItemSummary:
    item: EvaluationItem
    count: int = 0
    earned: Decimal = Decimal(0)
    yes: int = 0
    seconds: list[int] = field(default_factory=list)

    @property
    def average(self) -> Decimal | None:
        return self.earned / self.count if self.count else None

    @property
    def average_seconds(self) -> int | None:
        return sum(self.seconds) // len(self.seconds) if self.seconds else None


@dataclass
class EvaluationSummary:
    evaluations: list[Evaluation]
    items: list[ItemSummary]
    score: Decimal | None
    max_score: Decimal | None

    @property
    def percent(self) -> Decimal | None:
        if not self.max_score:
            return None
        return (self.score * 100 / self.max_score).quantize(Decimal("0.1"))


def evaluation_summary(*, drill: Drill) -> EvaluationSummary:
    """Averages of the submitted evaluations, per item and overall (3 queries)."""
    evaluations = list(
        drill.evaluations.filter(submitted_at__isnull=False).select_related("template", "evaluator")
    )
    answers = (
        EvaluationAnswer.objects.filter(evaluation__in=evaluations)
        .select_related("item")
        .order_by("item__template_id", "item__sort_order", "item_id")
    )
    by_item: dict[int, ItemSummary] = {}
    for answer in answers:
        summary = by_item.setdefault(answer.item_id, ItemSummary(item=answer.item))
        value = answer.item.score(yes=answer.yes, points=answer.points, seconds=answer.seconds)
        if value is None:
            continue
        summary.count += 1
        summary.earned += value
        summary.yes += 1 if answer.yes else 0
        if answer.seconds is not None:
            summary.seconds.append(answer.seconds)
    if not evaluations:
        return EvaluationSummary(evaluations=[], items=[], score=None, max_score=None)
    score = sum((e.score or Decimal(0) for e in evaluations), Decimal(0)) / len(evaluations)
    max_score = sum((e.max_score or Decimal(0) for e in evaluations), Decimal(0)) / len(evaluations)
    return EvaluationSummary(
        evaluations=evaluations,
        items=list(by_item.values()),
        score=score.quantize(Decimal("0.1")),
        max_score=max_score.quantize(Decimal("0.1")),
    )

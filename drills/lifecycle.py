"""A drill's lifecycle: the allowed status transitions (planned → … → archived / cancelled), the
archive blockers, the cancellation notice and the overlap warning."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from drills import reports
from drills.models import CorrectiveAction, Drill, DrillStatus

ALLOWED_TRANSITIONS: dict[str, tuple[str, ...]] = {
    DrillStatus.PLANNED: (DrillStatus.PREPARING, DrillStatus.CANCELLED),
    DrillStatus.PREPARING: (DrillStatus.EXECUTING, DrillStatus.PLANNED, DrillStatus.CANCELLED),
    DrillStatus.EXECUTING: (DrillStatus.EVALUATING, DrillStatus.CANCELLED),
    DrillStatus.EVALUATING: (DrillStatus.RECTIFYING, DrillStatus.ARCHIVED, DrillStatus.CANCELLED),
    DrillStatus.RECTIFYING: (DrillStatus.ARCHIVED, DrillStatus.CANCELLED),
    DrillStatus.ARCHIVED: (),
    DrillStatus.CANCELLED: (),
}


class TransitionError(Exception):
    pass


def allowed_transitions(drill: Drill) -> tuple[str, ...]:
    return ALLOWED_TRANSITIONS[drill.status]


def archive_blockers(drill: Drill) -> list[CorrectiveAction]:
    return list(
        CorrectiveAction.objects.blocking_archive()
        .filter(finding__drill=drill)
        .select_related("finding")
    )


@transaction.atomic
def transition_drill(*, drill: Drill, to: str, user=None, reason: str = "") -> Drill:
    """Moves the drill along its lifecycle; anything not in ALLOWED_TRANSITIONS is refused. A
    cancellation's reason goes to every participant with a login as a notice."""
    drill = Drill.objects.select_for_update().get(pk=drill.pk)
    if to not in ALLOWED_TRANSITIONS[drill.status]:
        raise TransitionError(
            _("演练状态不能从“%(from)s”变为“%(to)s”。")
            % {"from": drill.get_status_display(), "to": DrillStatus(to).label}
        )
    if to == DrillStatus.ARCHIVED:
        blockers = archive_blockers(drill)
        if blockers:
            raise TransitionError(
                _("还有 %(n)d 项不足项整改措施未关闭，不能归档（可由监管人员说明理由后暂缓）。")
                % {"n": len(blockers)}
            )
    drill.status = to
    drill.save()
    if to == DrillStatus.CANCELLED and reason:
        _notify_cancelled(drill, reason)
    if to in (DrillStatus.EVALUATING, DrillStatus.ARCHIVED) and drill.training_hours > 0:
        transaction.on_commit(
            lambda: reports.enqueue("drills.tasks.record_training_for_drill", drill.pk)
        )
    return drill


def _notify_cancelled(drill: Drill, reason: str) -> None:

    from portal.notices import KIND_DRILLS, notify

    users = {
        p.person.user
        for p in drill.participations.select_related("person__user")
        if p.person_id and p.person.user_id
    }
    for user in users:
        notify(
            user,
            _("演练已取消：%(title)s") % {"title": drill.title},
            _("取消原因：%(reason)s") % {"reason": reason},
            url=reverse("drills:detail", args=[drill.pk]),
            key=f"drill-cancelled-{drill.pk}",
            kind=KIND_DRILLS,
        )


def overlapping_drills(*, drill: Drill) -> QuerySet[Drill]:
    """Other live drills at the same place whose planned time overlaps this one."""
    return (
        Drill.objects.active()
        .filter(
            place__iexact=drill.place.strip(),
            planned_start__lt=drill.planned_end,
            planned_end__gt=drill.planned_start,
        )
        .exclude(pk=drill.pk)
    )

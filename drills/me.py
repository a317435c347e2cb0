"""The 我的演练 block and the drill to-do block of the 工作台 (the 我的 page)."""

from __future__ import annotations

from django.utils import timezone

from drills.models import DrillStatus, Participation
from portal.notices import KIND_DRILLS, unread


def me_context(request) -> dict | None:
    """Queries: 1 upcoming participations (with drill), 1 unread drill notices (portal.Notice)."""
    user = request.user
    person = getattr(user, "person", None)
    upcoming = []
    past = []
    if person is not None:
        rows = (
            Participation.objects.filter(person=person)
            .exclude(drill__status=DrillStatus.CANCELLED)
            .select_related("drill")
            .order_by("-drill__planned_start")[:10]
        )
        now = timezone.now()
        for p in rows:
            (upcoming if p.drill.planned_end >= now else past).append(p)
    notices = list(unread(user).filter(kind=KIND_DRILLS).order_by("-created_at", "-pk")[:5])
    if person is None and not notices:
        return None  # not a worker: the drill to-do block (todo_context) is theirs
    return {"upcoming": list(reversed(upcoming)), "past": past[:5], "notices": notices}


def todo_context(request) -> dict | None:
    """The 工作台 drill to-do of an enterprise manager or a supervisor: drills today and this week,
    overdue corrective actions, and (supervisors) enterprises overdue on drills. None for anyone
    else. Queries: 3 counts, plus the compliance figures for a supervisor."""
    from datetime import timedelta

    from django.urls import reverse
    from django.utils.translation import gettext as _

    from drills import access, compliance
    from drills.models import CorrectiveAction, Drill
    from portal.roles import is_manager, is_supervisor

    user = request.user
    manager, supervisor = is_manager(user), is_supervisor(user)
    if not (manager or supervisor):
        return None
    today = timezone.localdate()
    week_end = today + timedelta(days=6 - today.weekday())
    drills = Drill.objects.filter(access.drill_q(user)).exclude(status=DrillStatus.CANCELLED)
    overdue_actions = CorrectiveAction.objects.filter(
        access.finding_q(user, "finding"),
        status=CorrectiveAction.Status.OPEN,
        due_on__lt=today,
    )
    items = [
        {
            "label": _("今日演练"),
            "count": drills.filter(planned_start__date=today).count(),
            "url": reverse("drills:week"),
        },
        {
            "label": _("本周演练"),
            "count": drills.filter(planned_start__date__range=(today, week_end)).count(),
            "url": reverse("drills:week"),
            "tone": "ok",
        },
        {
            "label": _("逾期整改措施"),
            "count": overdue_actions.count(),
            "url": reverse("drills_actions:index") + "?status=open",
            "tone": "bad",
        },
    ]
    if supervisor:
        items.append(
            {
                "label": _("演练逾期的企业"),
                "count": len(compliance.overdue_enterprises(user=user, today=today)),
                "url": reverse("drills:compliance"),
                "tone": "bad",
            }
        )
    links = [
        {"label": _("新建演练"), "url": reverse("drills:create")},
        {"label": _("演练列表"), "url": reverse("drills:list")},
        {"label": _("应急预案"), "url": reverse("drills:plans")},
    ]
    return {"items": items, "links": links}

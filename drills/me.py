"""The 我的演练 block on the 我的 page."""

from __future__ import annotations

from django.utils import timezone

from drills.models import DrillStatus, Participation
from portal.notices import KIND_DRILLS, unread


def me_context(request) -> dict:
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
    return {"upcoming": list(reversed(upcoming)), "past": past[:5], "notices": notices}

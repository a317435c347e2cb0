"""The "upcoming public drills" home block: drills organised by a district or street (enterprise
drills are internal), not cancelled, starting from now. Registered under the key "drills", so the
drills app can replace it by registering its own block under that key."""

from __future__ import annotations

from django.utils import timezone

UPCOMING_DRILLS = 5


def upcoming_public_drills(request) -> dict:
    """The drills, each with `linkable`: whether the visitor may open its page (drills.access.
    drill_q); the others are listed without a link (a link would answer 404). Queries: the
    drills, and for a logged-in visitor 1 for the ids they may see."""
    from drills.access import drill_q
    from drills.models import Drill, DrillStatus

    drills = list(
        Drill.objects.filter(organiser_region__isnull=False, planned_end__gte=timezone.now())
        .exclude(status=DrillStatus.CANCELLED)
        .select_related("organiser_region")
        .order_by("planned_start", "pk")[:UPCOMING_DRILLS]
    )
    visible: set[int] = set()
    user = getattr(request, "user", None)
    if drills and user is not None and user.is_authenticated:
        visible = set(
            Drill.objects.filter(drill_q(user), pk__in=[d.pk for d in drills])
            .distinct()
            .values_list("pk", flat=True)
        )
    for drill in drills:
        drill.linkable = drill.pk in visible
    return {"drills": drills}

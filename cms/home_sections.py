"""The "upcoming public drills" home block: drills organised by a district or street (enterprise
drills are internal), not cancelled, starting from now. Registered under the key "drills", so the
drills app can replace it by registering its own block under that key."""

from __future__ import annotations

from django.utils import timezone

UPCOMING_DRILLS = 5


def upcoming_public_drills(request) -> dict:
    from drills.models import Drill, DrillStatus

    drills = list(
        Drill.objects.filter(organiser_region__isnull=False, planned_end__gte=timezone.now())
        .exclude(status=DrillStatus.CANCELLED)
        .select_related("organiser_region")
        .order_by("planned_start", "pk")[:UPCOMING_DRILLS]
    )
    return {"drills": drills}

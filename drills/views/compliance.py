"""The drill frequency compliance page (enterprises, and government bodies for supervisors)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from drills.compliance import enterprise_compliance, government_regions, region_compliance
from drills.views.common import staff_only
from portal.scoping import scope_for, visible_enterprises


@login_required
def compliance(request: HttpRequest) -> HttpResponse:
    staff_only(request)
    today = timezone.localdate()
    rows = enterprise_compliance(enterprises=visible_enterprises(request.user))
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
                region_compliance(regions=government_regions(request.user))
                if default == "1"
                else []
            ),
        },
    )

"""The 数据看板 block of a supervisor's or manager's 工作台: links to their figures (the figures
themselves stay on the dashboard, which computes them once)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from dashboard.services import can_use_dashboard
from portal.roles import is_supervisor


def figures_context(request) -> dict | None:
    """None for anyone without the dashboard. No query."""
    user = request.user
    if not can_use_dashboard(user):
        return None
    links = [{"label": _("打开数据看板"), "url": reverse("dashboard:index")}]
    if is_supervisor(user) or user.is_superuser:
        links.append({"label": _("年度报表"), "url": reverse("dashboard:report")})
    return {"items": [], "links": links}

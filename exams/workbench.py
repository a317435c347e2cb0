"""The exams block of an administrator's 工作台 (examiner, enterprise manager, supervisor)."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from exams import access
from exams.models import Attempt
from portal.roles import is_examiner, is_manager, is_supervisor


def todo_context(request) -> dict | None:
    """Papers open now and results of the last 7 days the user may read. None for anyone who
    administers no exam. Queries: 2 counts."""
    user = request.user
    if not (is_examiner(user) or is_manager(user) or is_supervisor(user)):
        return None
    now = timezone.now()
    open_papers = access.visible_papers(user).filter(
        Q(opens_at__isnull=True) | Q(opens_at__lte=now),
        Q(closes_at__isnull=True) | Q(closes_at__gt=now),
        published=True,
    )
    recent = access.visible_attempts(user).filter(
        state=Attempt.State.FINISHED, finished_at__gte=now - timedelta(days=7)
    )
    results = reverse("exams_admin:result-papers")
    return {
        "items": [
            {
                "label": _("正在开放的试卷"),
                "count": open_papers.count(),
                "url": reverse("exams_papers:index"),
                "tone": "ok",
            },
            {"label": _("近7天交卷"), "count": recent.count(), "url": results, "tone": "ok"},
        ],
        "links": [{"label": _("成绩查询"), "url": results}],
    }

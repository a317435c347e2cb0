"""The content block of an editor's or reviewer's 工作台: pages in draft, waiting for review and
scheduled, each linked to the admin page that lists them."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.roles import EDITOR, REVIEWER, has_role


def todo_context(request) -> dict | None:
    """None for anyone who is neither editor nor reviewer. Queries: 3 counts."""
    from wagtail.models import Page, Revision, WorkflowState

    user = request.user
    if not (has_role(user, EDITOR) or has_role(user, REVIEWER)):
        return None
    pages = Page.objects.filter(depth__gt=1)
    drafts = pages.filter(has_unpublished_changes=True).count()
    in_review = WorkflowState.objects.active().filter(base_content_type__isnull=False).count()
    scheduled = (
        Revision.page_revisions.filter(approved_go_live_at__gt=timezone.now())
        .values("object_id")
        .distinct()
        .count()
    )
    return {
        "items": [
            {
                "label": _("草稿或未发布修改的页面"),
                "count": drafts,
                "url": reverse("wagtailadmin_explore_root"),
            },
            {
                "label": _("待审核"),
                "count": in_review,
                "url": reverse("wagtailadmin_reports:workflow"),
            },
            {
                "label": _("定时发布"),
                "count": scheduled,
                "url": reverse("wagtailadmin_home"),
                "tone": "ok",
            },
        ],
        "links": [{"label": _("内容管理后台"), "url": reverse("wagtailadmin_home")}],
    }

"""Admin choosers used by the content blocks (portal.blocks; registered in cms.apps)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from portal.admin_scoping import ScopedChooserViewSet


class DrillChooserViewSet(ScopedChooserViewSet):
    model = "drills.Drill"
    icon = "date"
    choose_one_text = _("选择演练")
    choose_another_text = _("重新选择演练")
    edit_item_text = _("查看演练")
    register_widget = False

    def scope_queryset(self, request, queryset):
        from drills.access import linkable_drills

        # Only drills organised by a district/street are public enough to be linked from a page,
        # and only those the user may see (drills.access.linkable_drills).
        return queryset.filter(pk__in=linkable_drills(request.user).values("pk")).order_by(
            "-planned_start"
        )


drill_chooser_viewset = DrillChooserViewSet("drill_chooser", url_prefix="cms/drill-chooser")


class PaperChooserViewSet(ScopedChooserViewSet):
    model = "exams.Paper"
    icon = "form"
    choose_one_text = _("选择考试")
    choose_another_text = _("重新选择考试")
    edit_item_text = _("查看考试")
    register_widget = False

    def scope_queryset(self, request, queryset):
        from exams.access import linkable_papers

        # Only papers open to everyone (e.g. a campaign quiz) are linked from public pages, and
        # only those the user may see (exams.access.linkable_papers).
        return queryset.filter(pk__in=linkable_papers(request.user).values("pk")).order_by("-pk")


paper_chooser_viewset = PaperChooserViewSet("paper_chooser", url_prefix="cms/paper-chooser")

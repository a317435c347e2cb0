"""Admin choosers used by the content blocks (portal.blocks; registered in cms.apps)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.chooser import ChooserViewSet


class DrillChooserViewSet(ChooserViewSet):
    model = "drills.Drill"
    icon = "date"
    choose_one_text = _("选择演练")
    choose_another_text = _("重新选择演练")
    edit_item_text = _("查看演练")
    register_widget = False

    def get_object_list(self):
        from drills.models import Drill

        # Only drills organised by a district/street are public enough to be linked from a page.
        return Drill.objects.filter(organiser_region__isnull=False).order_by("-planned_start")


drill_chooser_viewset = DrillChooserViewSet("drill_chooser", url_prefix="cms/drill-chooser")


class PaperChooserViewSet(ChooserViewSet):
    model = "exams.Paper"
    icon = "form"
    choose_one_text = _("选择考试")
    choose_another_text = _("重新选择考试")
    edit_item_text = _("查看考试")
    register_widget = False

    def get_object_list(self):
        from exams.models import Paper

        # Only papers open to everyone (e.g. a campaign quiz) are linked from public pages.
        # Personal practice papers (practice_for) are never linked.
        return Paper.objects.filter(open_to_all=True, practice_for__isnull=True).order_by("-pk")


paper_chooser_viewset = PaperChooserViewSet("paper_chooser", url_prefix="cms/paper-chooser")

"""Wiring only: the 考试 menu group (banks, questions, papers) with scoped viewsets, and the admin
views for import, export, results, statistics and event logs."""

from __future__ import annotations

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem as WagtailMenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.widgets.button import HeaderButton

from exams import access, admin_views
from exams.forms import PaperAdminForm, QuestionAdminForm, QuestionBankAdminForm
from exams.models import Paper, Question, QuestionBank
from portal.admin_scoping import ScopedModelViewSet


class BankIndexView(IndexView):
    @property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if self.request.user.has_perm("exams.add_question"):
            buttons.append(
                HeaderButton(_("导入试题"), url=reverse("exams_admin:import"), icon_name="upload")
            )
        return buttons

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        buttons.append(
            MenuItem(
                _("导出试题"),
                url=reverse("exams_admin:bank-export", args=[instance.pk]),
                icon_name="download",
                priority=30,
            )
        )
        return buttons


class QuestionBankViewSet(ScopedModelViewSet):
    model = QuestionBank
    icon = "folder-open-inverse"
    menu_label = _("题库")
    add_to_admin_menu = False
    index_view_class = BankIndexView
    edit_handler = ObjectList(
        [
            FieldPanel("name"),
            FieldPanel("description"),
            FieldPanel("exam_only"),
            FieldPanel("region"),
            FieldPanel("enterprise"),
        ],
        base_form_class=QuestionBankAdminForm,
    )
    list_display = ["name", "region", "enterprise"]
    search_fields = ["name"]

    def scope_queryset(self, request, queryset):
        return queryset.filter(access.admin_owner_q(request.user)).select_related(
            "region", "enterprise__street"
        )

    def can_change(self, request, obj):
        return access.can_administer(request.user, obj)


class QuestionIndexView(IndexView):
    @property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if self.request.user.has_perm("exams.add_question"):
            buttons.append(
                HeaderButton(_("导入试题"), url=reverse("exams_admin:import"), icon_name="upload")
            )
        return buttons


class QuestionViewSet(ScopedModelViewSet):
    model = Question
    icon = "help"
    menu_label = _("试题")
    add_to_admin_menu = False
    index_view_class = QuestionIndexView
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("bank"), FieldPanel("type")]),
            FieldPanel("stem"),
            FieldPanel("image"),
            MultiFieldPanel(
                [FieldPanel(f"option_{c}") for c in "ABCDEFGH"], heading=_("选项（2–8个）")
            ),
            FieldPanel("answer"),
            FieldPanel("explanation"),
            FieldRowPanel([FieldPanel("difficulty"), FieldPanel("status")]),
            FieldPanel("knowledge_points"),
        ],
        base_form_class=QuestionAdminForm,
    )
    list_display = [
        Column("stem", label=_("题干"), accessor=lambda q: q.stem[:60]),
        "type",
        "bank",
        "difficulty",
        "knowledge_points",
        "status",
        Column("version", label=_("版本")),
    ]
    # the bank filter offers only the banks of the questions the user may see (admin_scoping)
    list_filter = ["bank", "type", "difficulty", "status"]
    search_fields = ["stem", "knowledge_points"]

    def scope_queryset(self, request, queryset):
        return queryset.filter(access.admin_owner_q(request.user, "bank")).select_related(
            "bank__region", "bank__enterprise__street"
        )

    def can_change(self, request, obj):
        return access.can_administer(request.user, obj.bank)


class PaperIndexView(IndexView):
    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if self.request.user.has_perm("exams.view_attempt"):
            buttons += [
                MenuItem(
                    _("成绩"),
                    url=reverse("exams_admin:results", args=[instance.pk]),
                    icon_name="list-ul",
                    priority=30,
                ),
                MenuItem(
                    _("试题分析"),
                    url=reverse("exams_admin:statistics", args=[instance.pk]),
                    icon_name="table",
                    priority=35,
                ),
            ]
        return buttons


class PaperViewSet(ScopedModelViewSet):
    model = Paper
    icon = "doc-full-inverse"
    menu_label = _("试卷")
    add_to_admin_menu = False
    index_view_class = PaperIndexView
    list_display = [
        "title",
        "mode",
        "selection",
        Column("total_score", label=_("总分")),
        "pass_score",
        "duration_minutes",
        "closes_at",
        BooleanColumn("published", label=_("已发布")),
    ]
    list_filter = ["mode", "published"]
    search_fields = ["title"]
    edit_handler = ObjectList(
        [
            MultiFieldPanel(
                [
                    FieldPanel("title"),
                    FieldPanel("mode"),
                    FieldPanel("instructions"),
                    FieldRowPanel([FieldPanel("region"), FieldPanel("enterprise")]),
                    FieldPanel("published"),
                ],
                heading=_("基本信息"),
            ),
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("pass_score"), FieldPanel("duration_minutes")]),
                    FieldRowPanel([FieldPanel("opens_at"), FieldPanel("closes_at")]),
                    FieldRowPanel([FieldPanel("attempts_allowed"), FieldPanel("blur_limit")]),
                    FieldRowPanel([FieldPanel("shuffle_questions"), FieldPanel("shuffle_options")]),
                    FieldPanel("multi_scoring"),
                    FieldRowPanel([FieldPanel("review_policy"), FieldPanel("review_from")]),
                    FieldPanel("certificate_template"),
                ],
                heading=_("规则"),
            ),
            MultiFieldPanel(
                [
                    FieldPanel("open_to_all"),
                    FieldPanel("audience_enterprises"),
                    FieldPanel("audience_categories"),
                    FieldPanel("audience_people"),
                ],
                heading=_("参考人员"),
            ),
            FieldPanel("selection"),
            InlinePanel("draw_rules", heading=_("抽题规则"), label=_("抽题规则")),
            InlinePanel("paper_questions", heading=_("固定试题"), label=_("试题")),
        ],
        base_form_class=PaperAdminForm,
    )

    def scope_queryset(self, request, queryset):
        return (
            queryset.filter(access.admin_owner_q(request.user), practice_for__isnull=True)
            .select_related("region", "enterprise__street")
            .prefetch_related("paper_questions", "draw_rules")
        )

    def can_change(self, request, obj):
        return access.can_administer(request.user, obj)


class ExamsGroup(ViewSetGroup):
    menu_label = _("考试")
    menu_icon = "form"
    menu_order = 250
    submenu_hook = "register_exams_menu_item"
    items = (
        QuestionBankViewSet("exams_banks"),
        QuestionViewSet("exams_questions"),
        PaperViewSet("exams_papers"),
    )


@hooks.register("register_admin_viewset")
def register_exams():
    return ExamsGroup()


class ResultsMenuItem(WagtailMenuItem):
    def is_shown(self, request):
        return request.user.has_perm("exams.view_attempt")


@hooks.register("register_exams_menu_item")
def register_results_menu_item():
    """成绩查询: also the district/street papers a manager's people took (not in 试卷)."""
    return ResultsMenuItem(
        _("成绩查询"), reverse("exams_admin:result-papers"), icon_name="list-ul", order=4
    )


@hooks.register("register_admin_urls")
def register_exams_admin_urls():
    urls = [
        path("results/", admin_views.result_papers, name="result-papers"),
        path("import/", admin_views.question_import, name="import"),
        path("import/template/", admin_views.question_template, name="import-template"),
        path("banks/<int:pk>/export/", admin_views.bank_export, name="bank-export"),
        path("papers/<int:pk>/results/", admin_views.paper_results, name="results"),
        path("papers/<int:pk>/statistics/", admin_views.paper_statistics, name="statistics"),
        path("attempts/<int:pk>/events/", admin_views.attempt_events, name="events"),
    ]
    return [path("exams/", (urls, "exams_admin", "exams_admin"))]

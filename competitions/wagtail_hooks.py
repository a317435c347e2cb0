"""Wiring: the 技能竞赛 menu group (competitions with their items and judges, teams), scoped to the
user, and the admin views for results, the .xlsx export and awarding certificates."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.views.generic import DeleteView, IndexView
from wagtail.admin.viewsets.base import ViewSetGroup

from competitions import admin_views, services
from competitions.forms import CompetitionAdminForm, TeamAdminForm
from competitions.models import Award, Competition, CompetitionStatus, Score, Team
from portal.admin_scoping import ScopedModelViewSet


class CompetitionIndexView(IndexView):
    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        buttons.append(
            MenuItem(
                _("成绩与颁证"),
                url=reverse("competitions_admin:results", args=[instance.pk]),
                icon_name="list-ol",
                priority=30,
            )
        )
        buttons.append(
            MenuItem(
                _("实时排行榜"),
                url=reverse("competitions:leaderboard", args=[instance.pk]),
                icon_name="link-external",
                priority=31,
            )
        )
        return buttons


class CompetitionViewSet(ScopedModelViewSet):
    model = Competition
    icon = "crosshairs"
    menu_label = _("竞赛")
    add_to_admin_menu = False
    index_view_class = CompetitionIndexView
    list_display = ["name", "year", "region", "status", "leaderboard_public"]
    list_filter = ["status", "year"]
    search_fields = ["name"]
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("name"), FieldPanel("year")]),
            FieldPanel("region"),
            FieldPanel("status"),
            MultiFieldPanel(
                [
                    FieldPanel("theory_paper"),
                    FieldRowPanel([FieldPanel("theory_weight"), FieldPanel("practical_weight")]),
                    FieldPanel("combination"),
                    FieldPanel("tie_break"),
                    FieldRowPanel([FieldPanel("advancing_count"), FieldPanel("award_count")]),
                    FieldPanel("leaderboard_public"),
                    FieldPanel("certificate_template"),
                ],
                heading=_("赛制"),
            ),
            InlinePanel("items", heading=_("实操项目"), label=_("实操项目")),
            InlinePanel("judges", heading=_("裁判"), label=_("裁判")),
        ],
        base_form_class=CompetitionAdminForm,
    )

    def scope_queryset(self, request, queryset):
        return queryset.filter(services.admin_q(request.user)).select_related("region")

    def can_change(self, request, obj):
        return services.can_administer(request.user, obj)


class TeamDeleteView(DeleteView):
    """A team can be withdrawn only while its competition is in preparation or running, and never
    once its members were awarded: its scores and the published ranking would change."""

    def dispatch(self, request, *args, **kwargs):
        team = self.object
        refusal = None
        if team.competition.status not in (CompetitionStatus.DRAFT, CompetitionStatus.OPEN):
            refusal = _("竞赛已结束，不能删除参赛队伍。")
        elif Award.objects.filter(team=team).exists():
            refusal = _("该队伍已获奖，不能删除。")
        if refusal:
            messages.error(request, refusal)
            return redirect(self.index_url_name)
        return super().dispatch(request, *args, **kwargs)


class TeamViewSet(ScopedModelViewSet):
    model = Team
    icon = "group"
    menu_label = _("参赛队伍")
    add_to_admin_menu = False
    delete_view_class = TeamDeleteView
    form_class = TeamAdminForm
    form_fields = ["competition", "enterprise", "name", "members"]
    list_display = ["name", "enterprise", "competition"]
    # the competition filter offers only the competitions of the teams the user may see
    list_filter = ["competition"]
    search_fields = ["name"]

    def scope_queryset(self, request, queryset):
        return queryset.filter(services.team_q(request.user)).select_related(
            "enterprise__street", "competition__region"
        )

    def can_change(self, request, obj):
        return services.can_change_team(request.user, obj)


class CompetitionsGroup(ViewSetGroup):
    menu_label = _("技能竞赛")
    menu_icon = "crosshairs"
    menu_order = 450
    items = (CompetitionViewSet("competitions_competitions"), TeamViewSet("competitions_teams"))


@hooks.register("register_admin_viewset")
def register_competitions():
    return CompetitionsGroup()


@hooks.register("register_admin_urls")
def register_competition_admin_urls():
    urls = [
        path("<int:pk>/results/", admin_views.results, name="results"),
        path("<int:pk>/award/", admin_views.award, name="award"),
    ]
    return [path("competitions-admin/", (urls, "competitions_admin", "competitions_admin"))]


@hooks.register("before_delete_user")
def refuse_deleting_a_judge_with_scores(request, user):
    """A judge's scores keep their account (Score.judge PROTECT): refuse clearly instead of an
    error page, and point at deactivating the account."""
    if Score.objects.filter(judge=user).exists():
        messages.error(
            request,
            _("该账号在技能竞赛中有裁判评分记录，不能删除；如不再使用，请停用该账号。"),
        )
        return redirect("wagtailusers_users:edit", user.pk)
    return None

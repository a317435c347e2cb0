"""Wiring: the 统计报表 viewset (forms defined by the district), the 统计填报 pages (filing,
review, tracker) and their menu item."""

from __future__ import annotations

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from portal.admin_scoping import ScopedModelViewSet
from portal.scoping import scope_for
from returns import admin_views, services
from returns.forms import ReturnFormAdminForm
from returns.models import ReturnForm


class ReturnFormViewSet(ScopedModelViewSet):
    model = ReturnForm
    icon = "form"
    menu_label = _("统计报表")
    menu_order = 470
    add_to_admin_menu = True
    form_class = ReturnFormAdminForm
    form_fields = [
        "name",
        "region",
        "period_kind",
        "year",
        "number",
        "due_on",
        "streets",
        "industries",
        "high_risk",
        "items",
        "counts_in_figures",
        "is_open",
        "note",
    ]
    list_display = ["name", "period_kind", "year", "number", "due_on", "is_open"]
    list_filter = ["period_kind", "year", "is_open"]
    search_fields = ["name"]

    def scope_queryset(self, request, queryset):
        return queryset.filter(
            pk__in=services.visible_forms(request.user).values("pk")
        ).select_related("region")

    def can_change(self, request, obj):
        return services.can_edit_form(request.user, obj)


@hooks.register("register_admin_viewset")
def register_return_forms():
    return ReturnFormViewSet("returns_forms")


class StaffMenuItem(MenuItem):
    def is_shown(self, request):
        return scope_for(request.user).is_staff_scope


@hooks.register("register_admin_menu_item")
def register_returns_menu():
    return StaffMenuItem(_("统计填报"), reverse("returns_admin:index"), icon_name="form", order=471)


@hooks.register("register_admin_urls")
def register_returns_admin_urls():
    urls = [
        path("", admin_views.index, name="index"),
        path("fill/<int:pk>/", admin_views.fill, name="fill"),
        path("filing/<int:pk>/", admin_views.filing, name="filing"),
        path("filing/<int:pk>/review/", admin_views.review, name="review"),
        path("tracker/<int:pk>/", admin_views.tracker, name="tracker"),
        path("import/<int:pk>/", admin_views.import_filings, name="import"),
    ]
    return [path("returns/", (urls, "returns_admin", "returns_admin"))]

"""Wiring only: a Wagtail admin menu link to the front-site dashboard for managers/supervisors."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from dashboard.services import can_use_dashboard


class DashboardMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return can_use_dashboard(request.user)


@hooks.register("register_admin_menu_item")
def register_dashboard_menu_item():
    return DashboardMenuItem(
        _("数据看板（前台）"), reverse("dashboard:index"), icon_name="doc-full", order=150
    )

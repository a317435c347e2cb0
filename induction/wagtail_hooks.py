"""The 三级安全教育 admin pages and their menu item (wiring only; the views are admin_views)."""

from __future__ import annotations

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from induction import admin_views


class InductionMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("induction.view_induction")


@hooks.register("register_admin_menu_item")
def register_induction_menu_item():
    return InductionMenuItem(
        _("三级安全教育"), reverse("induction_admin:index"), icon_name="user", order=352
    )


@hooks.register("register_admin_urls")
def register_induction_admin_urls():
    urls = [
        path("", admin_views.index, name="index"),
        path("add/", admin_views.add, name="add"),
        path("<int:pk>/", admin_views.edit, name="edit"),
        path("<int:pk>/delete/", admin_views.delete, name="delete"),
        path("<int:pk>/card/", admin_views.card, name="card"),
        path("<int:pk>/card/<uuid:progress_id>.pdf", admin_views.card_file, name="card_file"),
    ]
    return [path("induction/", (urls, "induction_admin", "induction_admin"))]

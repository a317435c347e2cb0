"""Wiring only: the 一人一档 / 一企一档 actions on the admin's people and enterprise listings
(portal.wagtail_hooks offers the hooks; the listed rows are already scoped to the user)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.menus import MenuItem


@hooks.register("portal_person_listing_buttons")
def person_file_button(person, user):
    return [
        MenuItem(
            _("一人一档"),
            url=reverse("dossiers:person", args=[person.pk]),
            icon_name="doc-full",
            priority=50,
        )
    ]


@hooks.register("portal_enterprise_listing_buttons")
def enterprise_file_button(enterprise, user):
    return [
        MenuItem(
            _("一企一档"),
            url=reverse("dossiers:enterprise", args=[enterprise.pk]),
            icon_name="folder-inverse",
            priority=50,
        )
    ]

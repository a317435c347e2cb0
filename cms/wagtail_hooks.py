from __future__ import annotations

from wagtail import hooks

from cms.choosers import drill_chooser_viewset, paper_chooser_viewset


@hooks.register("register_admin_viewset")
def register_drill_chooser():
    return drill_chooser_viewset


@hooks.register("register_admin_viewset")
def register_paper_chooser():
    return paper_chooser_viewset

"""{% site_footer %}: the footer every page shows (the district's name, logo, contacts and
records from 站点设置), rendered once per site, language and script prefix and kept in the process
while the site settings, the sites and the images do not change (portal.db.memo): one small query
on a page instead of the site lookup, the settings and the logo's rendition."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.translation import get_language
from wagtail.images import get_image_model
from wagtail.models import Site

from cms.models import SiteSettings
from portal.db import memo

register = template.Library()


def footer_tables() -> tuple[str, ...]:
    """What the footer is made of: the sites (which one a host is), their settings, the logo."""
    image = get_image_model()
    return (
        Site._meta.db_table,
        SiteSettings._meta.db_table,
        image._meta.db_table,
        image.get_rendition_model()._meta.db_table,
    )


@register.simple_tag(takes_context=True)
def site_footer(context) -> str:
    request = context.get("request")

    def render() -> str:
        site_settings = SiteSettings.for_request(request) if request is not None else None
        return render_to_string(
            "includes/footer.html", {"s": site_settings, "PORTAL_NAME": settings.PORTAL_NAME}
        )

    if request is None:
        return render()
    key = (request.get_host(), request.get_port(), get_language(), get_script_prefix())
    return memo.kept("site_footer", key, footer_tables(), render)

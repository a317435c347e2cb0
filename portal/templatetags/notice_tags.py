"""{% unread_notice_count as n %}: the caller's unread notices for the nav badge (one query per
request for a logged-in user, none for an anonymous visitor)."""

from __future__ import annotations

from django import template

from portal.notices import unread_count_for_request

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notice_count(context) -> int:
    request = context.get("request")
    if request is None:
        return 0
    return unread_count_for_request(request)

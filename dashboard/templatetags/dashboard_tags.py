from django import template

from dashboard.services import can_use_dashboard

register = template.Library()


@register.filter
def may_use_dashboard(user) -> bool:
    """{% if user|may_use_dashboard %}: supervisors, managers and superusers."""
    return bool(user and user.is_authenticated and can_use_dashboard(user))

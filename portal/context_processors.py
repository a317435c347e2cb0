from __future__ import annotations

from django.conf import settings

from portal import roles


def portal(request):
    user = getattr(request, "user", None)
    return {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "is_manager": bool(user and roles.is_manager(user)),
        "is_supervisor": bool(user and roles.is_supervisor(user)),
        "can_use_admin": bool(
            user and user.is_authenticated and user.has_perm("wagtailadmin.access_admin")
        ),
    }

from __future__ import annotations

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Chinese unless the user chose another language (the language switcher's cookie).

    The browser's Accept-Language is not followed: the portal's users are in China and a phone set
    to English should still get the Chinese portal unless its owner asks for English.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class ForcePasswordChangeMiddleware:
    """A login created by an import must choose its own password before anything else."""

    ALLOWED_PREFIXES = ("/static/", "/media/", "/healthz", "/i18n/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.must_change_password:
            allowed = {reverse("portal:password-change"), reverse("portal:logout")}
            path = request.path
            if (
                path not in allowed
                and not path.startswith(self.ALLOWED_PREFIXES)
                and not path.startswith("/api/")
            ):
                return redirect("portal:password-change")
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy for the front site (the Wagtail admin keeps
    its own inline scripts, so it gets a looser policy)."""

    FRONT_CSP = (
        "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
        "style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; "
        "frame-src 'self' https://player.bilibili.com https://v.qq.com; "
        "frame-ancestors 'self'; form-action 'self'; base-uri 'self'; object-src 'none'"
    )
    ADMIN_CSP = "frame-ancestors 'self'; base-uri 'self'; object-src 'none'"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            admin = request.path.startswith(("/admin/", "/django-admin/", "/api/v1/docs"))
            response["Content-Security-Policy"] = self.ADMIN_CSP if admin else self.FRONT_CSP
        response.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response

from __future__ import annotations

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import trans_real

from portal.i18n import flatten
from portal.params import ID_MAX, ParameterError

logger = logging.getLogger(__name__)
DATABASE_ERRORS = (OperationalError, InterfaceError)


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
        flatten(trans_real.translation(language))  # once per language and process
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


class DatabaseUnavailableMiddleware:
    """While the database is unreachable (restarted, failing over, SQLite busy past its timeout),
    answer 503 with Retry-After instead of a 500 page: JSON for the API and the exam page's JSON
    endpoints (the exam page keeps the answer queued on the phone and retries), a short HTML page
    that needs no database elsewhere.

    Sits right after AuthenticationMiddleware: it loads the session user itself (the first query of
    a request), so an outage met there is answered here too, not only one met in the view.
    """

    RETRY_AFTER = 5

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None:
            try:
                user.is_authenticated  # noqa: B018 - loads the session and the user now
            except DATABASE_ERRORS as exc:
                return self.unavailable(request, exc)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            return self.unavailable(request, exception)
        return None

    @classmethod
    def wants_json(cls, request) -> bool:
        return (
            request.path.startswith("/api/")
            or "application/json" in request.headers.get("Accept", "")
            or request.content_type == "application/json"
        )

    @classmethod
    def unavailable(cls, request, exc):
        logger.warning("database unavailable for %s %s: %s", request.method, request.path, exc)
        message = _("服务暂时无法连接数据库，请稍后重试。")
        if cls.wants_json(request):
            response = JsonResponse(
                {
                    "code": "service_unavailable",
                    "message": str(message),
                    "retry_after": cls.RETRY_AFTER,
                },
                status=503,
                json_dumps_params={"ensure_ascii": False},
            )
        else:
            response = HttpResponse(
                format_html(
                    '<!doctype html><html lang="zh-hans"><head><meta charset="utf-8">'
                    '<meta name="viewport" content="width=device-width, initial-scale=1">'
                    '<title>{}</title></head><body style="font-family:sans-serif;margin:2rem auto;'
                    'max-width:32rem;padding:0 1rem;line-height:1.6"><h1>{}</h1><p>{}</p>'
                    '<p><a href="">{}</a></p></body></html>',
                    _("服务暂时不可用"),
                    _("服务暂时不可用"),
                    _("系统正在恢复，请稍候片刻后刷新页面。您已提交的内容不会丢失。"),
                    _("刷新页面"),
                ),
                status=503,
            )
        response["Retry-After"] = str(cls.RETRY_AFTER)
        response["Cache-Control"] = "no-store"
        return response


class BadParameterMiddleware:
    """Bad parameters are the client's error, never a 500 (portal.params):

    - a NUL character in the path, the query string or a form field (PostgreSQL cannot store or
      compare one) refuses the request: 400 with a Chinese message. For the API only its path is
      checked here (a 422 in its validation shape): its query strings and JSON bodies go through
      the API's parser (portal.api.PortalParser);
    - a `ParameterError` raised by a view (a number or date out of range) is answered by
      `portal.views.bad_request` here, so it is not logged as an error.
    """

    FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            if "\x00" in request.path:
                message = _("请求中含有不允许的字符。")
                error = {"type": "invalid_text", "loc": ["path"], "msg": str(message)}
                return JsonResponse(
                    {"code": "invalid_request", "message": str(message), "errors": [error]},
                    status=422,
                )
        elif self.has_nul(request):
            message = _("请求中含有不允许的字符。")
            return self.process_exception(request, ParameterError(str(message)))
        return self.get_response(request)

    def has_nul(self, request) -> bool:
        sources = [request.GET]
        if request.content_type in self.FORM_TYPES:
            sources.append(request.POST)
        return "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for source in sources
            for key, values in source.lists()
        )

    def process_view(self, request, view_func, view_args, view_kwargs):
        """`<int:pk>` takes any digits: an id past the database's integers is no object (404)
        rather than an OverflowError (a page's pk is a related field, which Django does not
        range-check). The API bounds its ids in its schemas (portal.params.Id: 422)."""
        if not request.path.startswith("/api/") and any(
            isinstance(value, int) and not -ID_MAX - 1 <= value <= ID_MAX
            for value in (*view_args, *view_kwargs.values())
        ):
            raise Http404

    def process_exception(self, request, exception):
        from portal.views import bad_request  # the views import this module

        if isinstance(exception, ParameterError):
            return bad_request(request, exception)
        return None

"""Anonymous page cache.

A page served to an anonymous visitor is stored in the cache under the page id, the language,
the query string and a site-wide generation number. Publishing or unpublishing any page (or
saving the site settings) bumps the generation, which purges every cached page at once: a
new notice changes the home page and the listings as well as its own page. Entries also expire
after CMS_PAGE_CACHE_SECONDS because home page sections show data from other apps (courses,
drills) whose changes don't publish pages.

What is stored is decided by the page, never by who asked (security review, issue 13 finding 4):
a page with any effective view restriction (password, login, groups; its own or an ancestor's,
``Page.get_view_restrictions()``) is never stored nor served from here, even to a visitor who has
passed the restriction. Nothing personalised is stored either: a response that set a cookie,
asked not to be shared (``Cache-Control`` private/no-store/no-cache, ``Vary: Cookie``) or was
rendered from the visitor's session is handed to that visitor only. Adding, changing or removing
a view restriction and moving a page purge the cache, since a stored page's ancestors may change.
"""

from __future__ import annotations

import hashlib
import re

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils.cache import cc_delim_re
from django.utils.translation import get_language

GENERATION_KEY = "cms:page-cache:generation"
# Forms on cached pages (the language switch in the header) carry a per-visitor CSRF token: it is
# taken out before storing and the current visitor's token is put back on every hit.
_CSRF_INPUT = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')
_CSRF_PLACEHOLDER = rb"\1__cms_csrf__\2"


def cache_seconds() -> int:
    return getattr(settings, "CMS_PAGE_CACHE_SECONDS", 300)


def generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        value = 1
        cache.add(GENERATION_KEY, value, timeout=None)
    return value


def purge_page_cache(**kwargs) -> None:
    """Signal receiver (page_published, page_unpublished, settings saved): drop every cached page."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 2, timeout=None)


def page_cache_key(request) -> str:
    """Keyed by host + path (so PageCacheMiddleware can answer before Wagtail's routing)."""
    query = hashlib.md5(
        request.META.get("QUERY_STRING", "").encode(), usedforsecurity=False
    ).hexdigest()[:12]
    path = hashlib.md5(request.path.encode(), usedforsecurity=False).hexdigest()
    return f"cms:page:{generation()}:{request.get_host()}:{path}:{get_language()}:{query}"


def cached_response(request) -> HttpResponse | None:
    cached = cache.get(page_cache_key(request))
    if cached is None:
        return None
    content, content_type = cached
    token = get_token(request).encode()
    response = HttpResponse(content.replace(b"__cms_csrf__", token), content_type=content_type)
    response["X-Page-Cache"] = "hit"
    return response


def _cacheable_request(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and not request.user.is_authenticated
        and not getattr(request, "is_preview", False)
        and len(get_messages(request)) == 0
    )


def is_restricted(page) -> bool:
    """Whether any view restriction applies to the page, its own or an ancestor's (1 query)."""
    return page.get_view_restrictions().exists()


_PERSONAL_CACHE_CONTROL = {"private", "no-store", "no-cache"}


def _personalised(response, *, read_session: bool) -> bool:
    """Whether the response may differ from one visitor to the next."""
    cache_control = {
        part.split("=", 1)[0].strip().lower()
        for part in cc_delim_re.split(response.get("Cache-Control", ""))
    }
    vary = {part.strip().lower() for part in cc_delim_re.split(response.get("Vary", ""))}
    return bool(
        read_session
        or response.cookies
        or cache_control & _PERSONAL_CACHE_CONTROL
        or vary & {"cookie", "*"}
    )


def _serve_noting_session_reads(serve, request, *args, **kwargs):
    """Calls serve() and reports whether it read the visitor's session. The session was already
    read before (request.user, the messages check), so its flag is reset around the call and
    restored afterwards (SessionMiddleware still adds ``Vary: Cookie``)."""
    session = getattr(request, "session", None)
    if session is None:
        return serve(request, *args, **kwargs), False
    accessed_before = session.accessed
    session.accessed = False
    try:
        response = serve(request, *args, **kwargs)
    finally:
        read_session = session.accessed
        session.accessed = accessed_before or read_session
    return response, read_session


class CachedPageMixin:
    """Serves anonymous GETs of a live, unrestricted page from the cache (see module docstring).

    Queries: none on a hit; on a miss one for the page's view restrictions, then the page's own."""

    def serve(self, request, *args, **kwargs):
        if not _cacheable_request(request) or is_restricted(self):
            return super().serve(request, *args, **kwargs)
        key = page_cache_key(request)
        response = cached_response(request)
        if response is not None:
            return response
        response, read_session = _serve_noting_session_reads(
            super().serve, request, *args, **kwargs
        )
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
        if response.status_code == 200 and not _personalised(response, read_session=read_session):
            content = _CSRF_INPUT.sub(_CSRF_PLACEHOLDER, response.content)
            cache.set(key, (content, response["Content-Type"]), cache_seconds())
            response["X-Page-Cache"] = "miss"
        return response


class PageCacheMiddleware:
    """Answers anonymous GETs of cached pages before URL routing and Wagtail's page lookup.
    Only pages stored by CachedPageMixin.serve are ever found here, i.e. pages without any view
    restriction when they were stored (a restriction added since purged them). Must come last in MIDDLEWARE so
    that the security-header middlewares still process the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _cacheable_request(request):
            response = cached_response(request)
            if response is not None:
                return response
        return self.get_response(request)

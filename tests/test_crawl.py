"""A crawler per role over the demo district: from the landing page after login, every link two
clicks deep is opened (GET, same site). None answers 5xx, and no internal link answers 404 —
a page never offers a link its reader cannot open.

Links that do something rather than show something (logout, downloads of generated files, the
admin's own pages, which tests/test_admin_chinese.py walks) are left out."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

PASSWORD = "demo-pass-123"  # nosec B105 — the test database's demo logins
ROLES = [
    "demo_worker",
    "demo_manager",
    "demo_supervisor",
    "demo_street_supervisor",
    "demo_editor",
    "demo_reviewer",
    "demo_examiner",
    "demo_judge1",
    None,  # an anonymous visitor
]
DEPTH = 2
SKIP = re.compile(
    r"^/(admin|django-admin|static|media|documents|api)/|/logout/|/pdf/$|/report/$|\.(pdf|xlsx|ics|svg|json)$"
)


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)


def internal_links(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    found = []
    for href in parser.links:
        href, _fragment = urldefrag(href)
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue
        if SKIP.search(parts.path):
            continue
        found.append(href)
    return found


@pytest.fixture
def demo():
    call_command("seed_demo", password=PASSWORD, verbosity=0)


def crawl(client, start: str) -> dict[str, tuple[int, str]]:
    """url → (status, the page that linked it), breadth first, DEPTH clicks from `start`."""
    seen: dict[str, tuple[int, str]] = {}
    frontier = [(start, "")]
    for _depth in range(DEPTH + 1):
        following = []
        for url, parent in frontier:
            if url in seen:
                continue
            response = client.get(url, follow=True)
            seen[url] = (response.status_code, parent)
            if response.status_code == 200 and "html" in response.get("Content-Type", ""):
                following += [(link, url) for link in internal_links(response.content.decode())]
        frontier = following
    return seen


@pytest.mark.parametrize("username", ROLES)
def test_no_link_two_clicks_deep_fails(client, demo, username):
    from django.contrib.auth import get_user_model

    start = "/"
    if username:
        client.force_login(get_user_model().objects.get(username=username))
        start = "/accounts/me/"
    seen = crawl(client, start)
    broken = {url: v for url, v in seen.items() if v[0] >= 500 or v[0] == 404}
    assert len(seen) > 5
    assert not broken, "\n".join(f"{s} {u} (linked from {p})" for u, (s, p) in broken.items())

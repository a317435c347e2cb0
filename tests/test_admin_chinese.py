"""The admin speaks Chinese: every admin page each demo role can open, walked in zh-hans, shows no
known English UI word (Wagtail's own strings, project columns, raw True/False/None).

The walk reuses the admin sweep's discovery (every registered viewset of ours: listing, add, edit
and inspect of a row the role may see), adds Wagtail's own pages (dashboard, page explorer, page
edit and add for every page type the tree allows, snippets, reports, account), and logs in as each
demo login (seed_demo), so every role's menu is what a real user of that role has.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse

from tests.test_admin_sweep import registered_viewsets

pytestmark = pytest.mark.django_db

ROLES = [
    "demo_supervisor",
    "demo_street_supervisor",
    "demo_manager",
    "demo_editor",
    "demo_reviewer",
    "demo_examiner",
    "admin",
]

# English words of Wagtail's and the project's admin UI that must not show in the zh-hans admin.
ENGLISH_UI_WORDS = {
    "Saved",
    "Autosave",
    "Exploring",
    "Search",
    "Privacy",
    "display",
    "Insert",
    "Page",
    "Pages",
    "Organiser",
    "Owner",
    "Finding",
    "Masked",
    "True",
    "False",
    "None",
    "Add",
    "Edit",
    "Delete",
    "Save",
    "Cancel",
    "Filter",
    "Filters",
    "Sort",
    "Actions",
    "Status",
    "Name",
    "Title",
    "Date",
    "Created",
    "Updated",
    "Yes",
    "No",
    "Live",
    "Draft",
    "Publish",
    "Unpublish",
    "Preview",
    "History",
    "Usage",
    "Inspect",
    "Copy",
    "Snippets",
    "Reports",
    "Settings",
    "Help",
    "Account",
    "Dashboard",
    "Images",
    "Documents",
    "Users",
    "Groups",
    "Workflows",
    "Tasks",
    "Locked",
    "Choose",
    "Select",
    "Upload",
    "Download",
    "Export",
    "Import",
    "Show",
    "Hide",
    "More",
    "Back",
    "Next",
    "Previous",
    "Close",
    "Open",
    "Clear",
    "Apply",
    "Reset",
    "Type",
    "Types",
    "Description",
    "Number",
    "Display",
    "Record",
    "Records",
    "Person",
    "Enterprise",
    "Region",
    "Drill",
    "Exam",
    "Paper",
    "Question",
    "Certificate",
    "Course",
    "Class",
    "Competition",
    "Team",
    "Action",
    "Required",
    "Optional",
    "Error",
    "Errors",
    "Warning",
    "Loading",
    "Log",
    "Logout",
    "Login",
    "Sign",
    "Change",
    "Changes",
    "View",
    "Views",
    "Items",
    "Item",
    "Results",
    "Result",
    "Total",
    "Block",
    "Blocks",
    "Remove",
    "Move",
    "Up",
    "Down",
    "Expand",
    "Collapse",
    "Unknown",
    "Parent",
    "Child",
    "Editor",
    "Reviewer",
    "Comments",
    "Comment",
    "Schedule",
    "Scheduled",
    "Expired",
    "Expiry",
    "Go",
    "Unlock",
    "Lock",
    "Revisions",
    "Revision",
    "Compare",
    "Latest",
    "Email",
    "Password",
    "Username",
    "First",
    "Last",
    "Full",
    "Active",
    "Inactive",
    "Permissions",
    "Collection",
    "Collections",
    "Tags",
    "Tag",
    "Alt",
    "Caption",
    "Manager",
    "Worker",
    "Supervisor",
    "Count",
    "Score",
    "Passed",
    "Failed",
}
# Allowed even though they are English: proper names, formats and units.
ALLOWED = {"Wagtail", "API", "PDF", "QR", "URL", "Excel", "CSV", "XLSX", "ID", "JSON", "HTML"}
ALLOWED |= {"Alt", "Ctrl", "Shift", "Cmd", "Enter", "Esc", "Tab"}  # key names in shortcut help

# Known, not yet fixed (issue 19, named here so the walk still fails on anything new):
# Wagtail's page search and its aging-pages report render an empty value as "None".
KNOWN_GAPS = {
    "/admin/pages/search/": {"None"},
    "/admin/reports/aging-pages/": {"None"},
}

WORD = re.compile(r"[A-Za-z][A-Za-z'’]+")


class _Text(HTMLParser):
    """Text a user reads: text nodes (not scripts or styles) and the placeholder, title and
    aria-label attributes."""

    SKIP = {"script", "style"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0  # inside a script, a style or an element with the hidden attribute

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            if not self._skip:
                self._attributes(attrs)
            return
        if self._skip or tag in self.SKIP or any(name == "hidden" for name, _v in attrs):
            self._skip += 1
            return
        self._attributes(attrs)

    def _attributes(self, attrs):
        for name, value in attrs:
            if name in ("placeholder", "title", "aria-label") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag not in self.VOID and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def english_words(html: str) -> set[str]:
    found = set()
    for word in WORD.findall(visible_text(html)):
        if word in ALLOWED:
            continue
        if word in ENGLISH_UI_WORDS:
            found.add(word)
    return found


def _viewset_urls(user):
    """Listing, add, and edit/inspect of the first row the user's listing shows, per viewset."""
    for viewset in registered_viewsets():
        names = {p.name for p in viewset.get_urlpatterns()}
        index = "index" if "index" in names else "list"
        yield reverse(viewset.get_url_name(index))
        if "add" in names:
            yield reverse(viewset.get_url_name("add"))
        rows = viewset.model._default_manager.all()
        if hasattr(viewset, "scope_queryset"):
            request = RequestFactory().get("/")
            request.user = user
            rows = viewset.scope_queryset(request, rows)
        row = rows.order_by("pk").last()
        if row is None:
            continue
        for name in ("edit", "inspect", "history"):
            if name in names:
                yield reverse(viewset.get_url_name(name), args=[row.pk])


def _page_urls():
    from wagtail.models import Page

    yield reverse("wagtailadmin_explore_root")
    seen = set()
    for page in Page.objects.filter(depth__gte=2).order_by("path").specific():
        if type(page) in seen:  # one page of each type: the forms are the type's
            continue
        seen.add(type(page))
        yield reverse("wagtailadmin_explore", args=[page.pk])
        yield reverse("wagtailadmin_pages:edit", args=[page.pk])
        for model in type(page).allowed_subpage_models():
            yield reverse(
                "wagtailadmin_pages:add",
                args=[model._meta.app_label, model._meta.model_name, page.pk],
            )


def _wagtail_urls():
    for name in (
        "wagtailadmin_home",
        "wagtailsnippets:index",
        "wagtailadmin_reports:page_types_usage",
        "wagtailadmin_reports:locked_pages",
        "wagtailadmin_reports:site_history",
        "wagtailadmin_reports:aging_pages",
        "wagtailadmin_reports:workflow",
        "wagtailadmin_account",
        "wagtailimages:index",
        "wagtaildocs:index",
        "wagtailusers_users:index",
        "wagtailadmin_pages:search",
    ):
        try:
            yield reverse(name)
        except NoReverseMatch:
            continue


def admin_urls(user) -> list[str]:
    urls = list(_wagtail_urls()) + list(_page_urls()) + list(_viewset_urls(user))
    return list(dict.fromkeys(urls))


@pytest.fixture
def demo():
    call_command("seed_demo", password="demo-pass-123", verbosity=0)
    from django.contrib.auth import get_user_model

    User = get_user_model()
    if not User.objects.filter(username="admin").exists():
        User.objects.create_superuser("admin", "admin@example.com", "demo-pass-123")


def test_the_admin_shows_no_english_ui_words_to_any_role(client, demo):
    from django.contrib.auth import get_user_model

    User = get_user_model()
    problems: dict[str, set[str]] = {}
    opened = 0
    for username in ROLES:
        user = User.objects.get(username=username)
        client.force_login(user)
        for url in admin_urls(user):
            response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            opened += 1
            words = english_words(response.content.decode())
            for prefix, gap in KNOWN_GAPS.items():
                if url.startswith(prefix):
                    words -= gap
            if words:
                print(username, url, sorted(words), flush=True)  # noqa: T201 — read in -s runs
                problems.setdefault(f"{username} {url}", set()).update(words)
    assert opened > 50
    assert not problems, "\n".join(f"{k}: {sorted(v)}" for k, v in sorted(problems.items()))

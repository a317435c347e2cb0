"""Issue 13 finding 4: password-protected pages leaked through the anonymous page cache.

The cache decides by the page's effective view restrictions (its own and its ancestors'), never by
who happened to ask, and stores nothing personalised. "A visitor who passed" is simulated for the
login and groups restrictions by accepting every restriction for that one request: an anonymous
visitor can't pass them for real, but the cache must not rely on that."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from wagtail.models import Page, PageViewRestriction, get_page_models

from cms.cache import CachedPageMixin
from tests.cms.factories import add_campaign, add_content, add_news

RESTRICTION_TYPES = [
    PageViewRestriction.PASSWORD,
    PageViewRestriction.LOGIN,
    PageViewRestriction.GROUPS,
]
SECRET = "仅限持有密码者阅读的应急预案"


def restrict(page, restriction_type) -> PageViewRestriction:
    restriction = PageViewRestriction.objects.create(
        page=page, restriction_type=restriction_type, password="演练口令2026"
    )
    if restriction_type == PageViewRestriction.GROUPS:
        restriction.groups.add(Group.objects.get_or_create(name="应急指挥部")[0])
    return restriction


def get_as_a_visitor_who_passed(client, monkeypatch, url):
    """An anonymous request that passes every view restriction (see module docstring)."""
    with monkeypatch.context() as patch:
        patch.setattr(PageViewRestriction, "accept_request", lambda self, request: True)
        return client.get(url)


def assert_refused_and_never_from_the_cache(url, restriction_type):
    """Twice, as two fresh anonymous visitors: the page is refused and never a cache hit."""
    for _ in range(2):
        response = Client().get(url)
        assert "X-Page-Cache" not in response, url
        assert SECRET not in response.content.decode(), url
        if restriction_type == PageViewRestriction.PASSWORD:
            assert response.status_code == 200, url
            assert 'name="password"' in response.content.decode(), url
        else:
            assert response.status_code == 302, url


# ------------------------------------------------------------------ the finding itself


def test_finding_4_a_password_page_is_not_served_from_the_cache_to_a_visitor_without_it(
    client, news_index
):
    page = add_news(news_index, "内部通知", SECRET)
    restriction = restrict(page, PageViewRestriction.PASSWORD)

    # given a first visitor who entered the page password and read the page
    response = client.post(
        reverse("wagtailcore_authenticate_with_password", args=[restriction.id, page.id]),
        {"password": "演练口令2026", "return_url": page.url},
    )
    assert response.status_code == 302
    first = client.get(page.url)
    assert first.status_code == 200
    assert SECRET in first.content.decode()
    assert "X-Page-Cache" not in first
    assert SECRET in client.get(page.url).content.decode()  # and again, still fresh

    # then a second visitor without the password gets the password form, not the page
    second = Client().get(page.url)
    assert second.status_code == 200
    assert "X-Page-Cache" not in second
    assert SECRET not in second.content.decode()
    assert 'name="password"' in second.content.decode()


@pytest.mark.parametrize("restriction_type", RESTRICTION_TYPES)
def test_finding_4_a_restricted_page_is_never_stored_or_served(
    client, monkeypatch, news_index, restriction_type
):
    page = add_news(news_index, "内部通知", SECRET)
    restrict(page, restriction_type)

    passed = get_as_a_visitor_who_passed(client, monkeypatch, page.url)
    assert passed.status_code == 200
    assert SECRET in passed.content.decode()
    assert "X-Page-Cache" not in passed
    assert_refused_and_never_from_the_cache(page.url, restriction_type)


@pytest.mark.parametrize("restriction_type", RESTRICTION_TYPES)
def test_finding_4_a_child_of_a_restricted_page_is_never_stored_or_served(
    client, monkeypatch, news_index, restriction_type
):
    restrict(news_index, restriction_type)
    page = add_news(news_index, "内部通知", SECRET)

    for url in (page.url, news_index.url):
        passed = get_as_a_visitor_who_passed(client, monkeypatch, url)
        assert passed.status_code == 200
        assert "X-Page-Cache" not in passed
        assert_refused_and_never_from_the_cache(url, restriction_type)


def test_finding_4_a_cached_page_moved_under_a_restricted_section_is_purged(
    client, home, news_index
):
    internal = add_content(home, "内部资料", "")
    page = add_content(home, "操作规程", SECRET)
    restrict(internal, PageViewRestriction.LOGIN)
    client.get(page.url)
    assert client.get(page.url)["X-Page-Cache"] == "hit"

    old_url = page.url
    page.move(internal, pos="last-child")
    page.refresh_from_db()
    for url in (old_url, page.url):  # the old address must not keep serving the stored copy
        response = Client().get(url)
        assert "X-Page-Cache" not in response, url
        assert SECRET not in response.content.decode(), url
    assert Client().get(page.url).status_code == 302


def test_finding_4_a_page_rendered_from_the_visitors_session_is_not_stored(
    client, monkeypatch, news_index
):
    from cms.models import NewsIndexPage

    original = NewsIndexPage.get_context

    def personal_context(self, request, *args, **kwargs):
        context = original(self, request, *args, **kwargs)
        context["greeting"] = request.session.get("nickname", "")
        return context

    monkeypatch.setattr(NewsIndexPage, "get_context", personal_context)
    assert "X-Page-Cache" not in client.get(news_index.url)
    assert "X-Page-Cache" not in client.get(news_index.url)


def test_finding_4_a_page_asking_not_to_be_shared_is_not_stored(client, monkeypatch, news_index):
    from django.utils.cache import patch_cache_control

    rendered_by_wagtail = Page.serve  # what CachedPageMixin.serve calls for NewsIndexPage

    def private_serve(self, request, *args, **kwargs):
        response = rendered_by_wagtail(self, request, *args, **kwargs).render()
        patch_cache_control(response, private=True)
        return response

    monkeypatch.setattr(Page, "serve", private_serve)
    assert "X-Page-Cache" not in client.get(news_index.url)
    assert "X-Page-Cache" not in client.get(news_index.url)


# ------------------------------------------------------------------ the sweep


def _every_cached_page_type(news_index, campaign_index) -> None:
    """One live page of every page type that uses the anonymous page cache (with the home page
    and the two indexes)."""
    add_news(news_index, "通知", SECRET)
    campaign = add_campaign(
        campaign_index, "安全生产月", start_offset=-1, end_offset=5, text=SECRET
    )
    add_content(campaign, "活动细则", SECRET)


@pytest.mark.parametrize("where", ["itself", "an ancestor"])
@pytest.mark.parametrize("restriction_type", RESTRICTION_TYPES)
def test_sweep_no_page_of_any_cached_type_under_any_restriction_is_stored_or_served(
    client, monkeypatch, home, news_index, campaign_index, restriction_type, where
):
    _every_cached_page_type(news_index, campaign_index)
    site_pages = [page.specific for page in Page.objects.live().descendant_of(home, inclusive=True)]
    cached_types = {m for m in get_page_models() if issubclass(m, CachedPageMixin)}
    assert {type(page) for page in site_pages} >= cached_types, "add the new page type above"

    restrictions = [] if where == "itself" else [restrict(home, restriction_type)]
    for page in site_pages:
        if where == "itself":
            restrictions.append(restrict(page, restriction_type))
        passed = get_as_a_visitor_who_passed(client, monkeypatch, page.url)
        assert passed.status_code == 200, page.url
        assert "X-Page-Cache" not in passed, page.url
        assert_refused_and_never_from_the_cache(page.url, restriction_type)
        if where == "itself":
            restrictions.pop().delete()

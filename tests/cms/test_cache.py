"""Anonymous page views come from the cache; publishing or unpublishing purges it."""

from tests.cms.factories import add_news


def test_the_second_anonymous_view_is_served_from_the_cache(client, news_index):
    add_news(news_index, "第一条通知", "内容")
    first = client.get(news_index.url)
    assert first["X-Page-Cache"] == "miss"
    second = client.get(news_index.url)
    assert second["X-Page-Cache"] == "hit"
    assert second.content.decode().count("第一条通知") == 1


def test_publishing_a_page_purges_the_cached_listing(client, news_index):
    add_news(news_index, "第一条通知", "内容")
    client.get(news_index.url)
    assert client.get(news_index.url)["X-Page-Cache"] == "hit"

    add_news(news_index, "新发布的通知", "内容")
    response = client.get(news_index.url)
    assert response["X-Page-Cache"] == "miss"
    assert "新发布的通知" in response.content.decode()


def test_unpublishing_a_page_purges_the_cache(client, news_index):
    page = add_news(news_index, "将被撤下的通知", "内容")
    client.get(news_index.url)
    assert "将被撤下的通知" in client.get(news_index.url).content.decode()
    page.unpublish()
    response = client.get(news_index.url)
    assert "将被撤下的通知" not in response.content.decode()


def test_logged_in_users_are_never_served_a_cached_page(client, news_index, worker):
    client.get(news_index.url)
    client.force_login(worker)
    response = client.get(news_index.url)
    assert "X-Page-Cache" not in response
    assert "王小明" in response.content.decode() or worker.display_name in response.content.decode()


def test_a_cached_page_carries_the_current_visitors_csrf_token(client, news_index):
    client.get(news_index.url)
    response = client.get(news_index.url)
    assert response["X-Page-Cache"] == "hit"
    assert "__cms_csrf__" not in response.content.decode()
    assert 'name="csrfmiddlewaretoken" value="' in response.content.decode()


def test_a_cache_hit_still_carries_the_security_headers(client, news_index):
    client.get(news_index.url)
    response = client.get(news_index.url)
    assert response["X-Page-Cache"] == "hit"
    assert "Content-Security-Policy" in response
    assert response["X-Frame-Options"]


def test_making_a_cached_page_private_purges_it(client, news_index):
    from wagtail.models import PageViewRestriction

    page = add_news(news_index, "转为内部的通知", "内部内容")
    client.get(page.url)
    assert client.get(page.url)["X-Page-Cache"] == "hit"
    PageViewRestriction.objects.create(page=page, restriction_type=PageViewRestriction.LOGIN)
    response = client.get(page.url)
    assert response.status_code == 302

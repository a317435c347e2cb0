"""Home page and listings run the same number of queries at two content sizes."""

import pytest

from tests.cms.factories import add_campaign, add_news


def _count(queries, client, url):
    with queries.capture() as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def _grow(news_index, campaign_index, n):
    for i in range(n):
        add_news(news_index, f"通知{i}", "正文", tags=["有限空间", f"标签{i % 3}"], days_ago=i)
        add_campaign(campaign_index, f"当前活动{i}", start_offset=-1, end_offset=5)
        add_campaign(campaign_index, f"往期活动{i}", start_offset=-40, end_offset=-30)
        add_campaign(campaign_index, f"即将开始{i}", start_offset=10, end_offset=30)


@pytest.mark.parametrize("which", ["home", "news", "news_tag", "campaigns"])
def test_pages_run_a_fixed_number_of_queries_whatever_the_content(
    queries, client, home, news_index, campaign_index, which, settings
):
    # Each page (anonymous, cache cleared before each request): session/site lookup, the page
    # route (1 per path segment), the specific page, the site settings for the footer, then
    # - home: current campaigns + banner renditions prefetch, latest news + tags prefetch;
    # - news index: count + page of news + tags prefetch + tag cloud;
    # - campaign index: campaigns + banner renditions prefetch.
    from django.core.cache import cache

    urls = {
        "home": home.url,
        "news": news_index.url,
        "news_tag": news_index.url + "?tag=有限空间",
        "campaigns": campaign_index.url,
    }
    _grow(news_index, campaign_index, 2)
    client.get(urls[which])  # the first request creates the default site settings row
    cache.clear()
    small = _count(queries, client, urls[which])
    _grow(news_index, campaign_index, 12)
    cache.clear()
    large = _count(queries, client, urls[which])
    assert small == large

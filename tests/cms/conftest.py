"""Content fixtures: the home page made by the cms data migration, a news index and a campaign
index under it, and helpers to add published pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cms.models import (
    CampaignIndexPage,
    CampaignPage,
    ContentPage,
    HomePage,
    NewsIndexPage,
    NewsPage,
)


def publish(page):
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def add_news(index, title: str, text: str = "", *, tags=(), days_ago: int = 0) -> NewsPage:
    page = NewsPage(
        title=title,
        date=timezone.localdate() - timedelta(days=days_ago),
        summary="",
        body=[("paragraph", f"<p>{text}</p>")] if text else [],
    )
    index.add_child(instance=page)
    if tags:
        page.tags.add(*tags)
    return publish(page)


def add_campaign(
    index, title: str, *, start_offset: int, end_offset: int, text: str = ""
) -> CampaignPage:
    today = timezone.localdate()
    page = CampaignPage(
        title=title,
        theme=CampaignPage.Theme.OTHER,
        start_date=today + timedelta(days=start_offset),
        end_date=today + timedelta(days=end_offset),
        body=[("paragraph", f"<p>{text}</p>")] if text else [],
    )
    index.add_child(instance=page)
    return publish(page)


def add_content(parent, title: str, text: str = "") -> ContentPage:
    page = ContentPage(title=title, body=[("paragraph", f"<p>{text}</p>")] if text else [])
    parent.add_child(instance=page)
    return publish(page)


@pytest.fixture
def home(db) -> HomePage:
    return HomePage.objects.get()


@pytest.fixture
def news_index(home) -> NewsIndexPage:
    page = NewsIndexPage(title="通知公告", slug="notices")
    home.add_child(instance=page)
    return publish(page)


@pytest.fixture
def campaign_index(home) -> CampaignIndexPage:
    page = CampaignIndexPage(title="专题活动", slug="campaigns")
    home.add_child(instance=page)
    return publish(page)

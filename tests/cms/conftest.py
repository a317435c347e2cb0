"""Content fixtures: the home page made by the cms data migration, a news index and a campaign
index under it, and helpers to add published pages."""

from __future__ import annotations

import pytest

from cms.models import (
    CampaignIndexPage,
    HomePage,
    NewsIndexPage,
)
from tests.cms.factories import publish


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

"""Builders for cms tests (plain functions, imported by tests and by tests/cms/conftest.py)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from cms.models import (
    CampaignPage,
    ContentPage,
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

"""The footer every page shows is rendered once and kept in the process while the site settings,
the sites and the images do not change (cms.templatetags.site_tags, portal.db.memo): a page then
reads one small row set (the tables' versions) for it instead of the site, its settings and the
logo. Whatever writes them — the admin's save, a bulk update, raw SQL — the next page shows it.

Transactional: values are kept only outside a transaction (inside one, a test's included, the
footer is computed every time)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from wagtail.models import Site

from cms.models import SiteSettings
from portal.models import Enterprise

pytestmark = pytest.mark.django_db(transaction=True)

FOOTER_TABLES = ("wagtailcore_site", "cms_sitesettings", "wagtailimages_")


def _page(client, queries) -> tuple[str, list[str]]:
    with queries.capture() as ctx:
        response = client.get("/accounts/me/")
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in ctx.captured_queries]


def _footer_queries(sql: list[str]) -> list[str]:
    return [
        q
        for q in sql
        if any(table in q for table in FOOTER_TABLES) and "portal_datachange" not in q
    ]


@pytest.fixture(autouse=True)
def _site_settings(db):
    """The settings row (the first page to need it creates it: a change, computed again)."""
    SiteSettings.for_site(Site.objects.get(is_default_site=True))


def test_the_footer_is_kept_until_its_tables_change(client, queries, worker, street):
    client.force_login(worker)
    html, sql = _page(client, queries)
    assert "区应急管理局" in html
    assert _footer_queries(sql)  # computed the first time

    html, sql = _page(client, queries)
    assert "区应急管理局" in html
    assert _footer_queries(sql) == []  # kept: only the versions are read
    assert sum("portal_datachange" in q for q in sql) == 1

    # a change of a table the footer does not read keeps it
    Enterprise.objects.create(name="无关企业", credit_code="91330100MA2XXXXX1X", street=street)
    _html, sql = _page(client, queries)
    assert _footer_queries(sql) == []

    # the admin's save
    site_settings = SiteSettings.objects.get()
    site_settings.district_name = "测试区应急管理局"
    site_settings.hotline = "12350"
    site_settings.save()
    html, sql = _page(client, queries)
    assert "测试区应急管理局" in html
    assert "12350" in html
    assert _footer_queries(sql)

    # a bulk update (no signal, no save()) is seen as well
    SiteSettings.objects.update(icp_number="浙ICP备12345678号")
    html, _sql = _page(client, queries)
    assert "浙ICP备12345678号" in html

    # raw SQL too
    with connection.cursor() as cur:
        cur.execute(
            f"UPDATE {SiteSettings._meta.db_table} SET police_record = %s",  # nosec B608 # a model's table
            ["浙公网安备33010002000001号"],
        )
    html, _sql = _page(client, queries)
    assert "浙公网安备33010002000001号" in html


def test_each_language_has_its_own_footer(client, queries, worker):
    client.force_login(worker)
    html, _sql = _page(client, queries)
    assert "站内搜索" in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html, _sql = _page(client, queries)
    assert "站内搜索" not in html
    assert "Site search" in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    html, sql = _page(client, queries)
    assert "站内搜索" in html
    assert _footer_queries(sql) == []

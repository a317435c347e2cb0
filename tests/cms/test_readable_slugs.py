"""New pages with a Chinese title get a readable, date-based slug instead of a URL of
percent-escapes (portal.slugs): through the admin's create flow (where Wagtail's JavaScript has
copied the Chinese title into the slug), in code (slug left empty), and unique among siblings. An
ASCII slug an editor typed, and the slug of a page already published, are kept."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from cms.models import NewsPage
from portal.slugs import readable_base
from tests.cms.factories import add_news

pytestmark = pytest.mark.django_db


def _new_news_data(title, slug, **extra):
    data = nested_form_data(
        {
            "title": title,
            "slug": slug,
            "date": "2026-11-30",
            "summary": "摘要",
            "tags": "",
            "body": streamfield([("paragraph", rich_text("正文"))]),
            "comments": inline_formset([]),
        }
    )
    data.update(extra)
    return data


def test_the_admin_create_flow_stores_a_date_based_slug_for_a_chinese_title(
    client, editor, news_index
):
    client.force_login(editor)
    add = reverse("wagtailadmin_pages:add", args=["cms", "newspage", news_index.pk])
    title = "关于开展安全生产月活动的通知"
    for _ in range(2):  # the JavaScript copied the title into the slug, as Wagtail 8's w-slug does
        response = client.post(add, _new_news_data(title, title))
        assert response.status_code == 302, response.content.decode()[:2000]
    today = f"{timezone.localdate():%Y-%m-%d}"
    slugs = sorted(NewsPage.objects.filter(title=title).values_list("slug", flat=True))
    assert slugs == [today, f"{today}-2"]
    page = NewsPage.objects.get(slug=today)
    assert page.url_path.endswith(f"/notices/{today}/")
    assert "%" not in page.get_url(None)


def test_an_ascii_slug_the_editor_typed_is_kept(client, editor, news_index):
    client.force_login(editor)
    add = reverse("wagtailadmin_pages:add", args=["cms", "newspage", news_index.pk])
    response = client.post(add, _new_news_data("安全生产月", "safety-month-2026"))
    assert response.status_code == 302
    assert NewsPage.objects.get(title="安全生产月").slug == "safety-month-2026"


def test_a_page_made_in_code_without_a_slug_gets_one_and_the_title_s_ascii_words_are_kept(
    news_index,
):
    page = NewsPage(title="GB 30871 特殊作业培训", date=datetime.date(2026, 11, 30))
    news_index.add_child(instance=page)
    assert page.slug == f"{timezone.localdate():%Y-%m-%d}-gb-30871"
    assert readable_base("有限空间", datetime.date(2026, 3, 5)) == "2026-03-05"
    assert readable_base("2026年安全月", datetime.date(2026, 3, 5)) == "2026-03-05"


def test_a_published_page_keeps_its_chinese_slug_and_a_draft_keeps_its_readable_one(news_index):
    published = add_news(news_index, "旧的通知", "正文")
    type(published).objects.filter(pk=published.pk).update(slug="旧的通知")
    published.refresh_from_db()
    published.title = "旧的通知（修订）"
    published.save()
    assert published.slug == "旧的通知"

    draft = NewsPage(title="草稿通知", date=datetime.date(2026, 11, 30), live=False)
    news_index.add_child(instance=draft)
    readable = draft.slug
    draft.title = "草稿通知（改）"
    draft.slug = "草稿通知改"  # the JavaScript syncs an unpublished page's slug to its title
    draft.save()
    assert draft.slug == readable

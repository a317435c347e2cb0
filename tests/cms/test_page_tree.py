import pytest
from django.core.exceptions import ValidationError
from wagtail.models import Page, Site

from cms.models import CampaignPage, ContentPage, HomePage, NewsIndexPage, NewsPage
from tests.cms.factories import add_campaign


def test_the_migration_made_the_home_page_the_root_of_the_default_site(home):
    site = Site.objects.get(is_default_site=True)
    assert site.root_page.specific == home
    # Wagtail's "Welcome to your new Wagtail site!" page is gone.
    assert not Page.objects.filter(depth=2, content_type__model="page").exists()


def test_there_can_be_only_one_home_page(home):
    root = Page.get_first_root_node()
    assert not HomePage.can_create_at(root)


def test_news_pages_live_only_under_a_news_index(home, news_index):
    assert NewsPage.can_create_at(news_index)
    assert not NewsPage.can_create_at(home)
    assert NewsIndexPage.can_create_at(home)
    assert not NewsIndexPage.can_create_at(news_index)


def test_campaign_pages_live_only_under_a_campaign_index(home, campaign_index, news_index):
    assert CampaignPage.can_create_at(campaign_index)
    assert not CampaignPage.can_create_at(home)
    assert not CampaignPage.can_create_at(news_index)


def test_content_pages_can_hold_internal_materials_under_home_or_campaigns(home, campaign_index):
    campaign = add_campaign(campaign_index, "安全生产月", start_offset=-1, end_offset=5)
    assert ContentPage.can_create_at(home)
    assert ContentPage.can_create_at(campaign)
    assert not ContentPage.can_create_at(campaign_index)


def test_a_campaign_cannot_end_before_it_starts(campaign_index):
    page = add_campaign(campaign_index, "倒置的活动", start_offset=0, end_offset=3)
    page.end_date = page.start_date.replace(year=page.start_date.year - 1)
    with pytest.raises(ValidationError) as error:
        page.full_clean()
    assert "结束日期不能早于开始日期" in str(error.value)

"""Home page: current campaigns, latest notices, and the sections other apps register; every
section has an honest empty state; personal sections are only rendered for logged-in users."""

import pytest

from cms.models import SiteSettings
from portal import registry
from tests.cms.factories import add_campaign, add_news


@pytest.fixture
def sections(monkeypatch):
    calls = []

    def public_ctx(request):
        calls.append("public")
        return {}

    def personal_ctx(request):
        calls.append("personal")
        return {}

    monkeypatch.setattr(
        registry,
        "home_sections",
        {
            "public": registry.HomeSection("public", "推荐课程", "blocks/heading.html", public_ctx),
            "personal": registry.HomeSection(
                "personal", "我的待考", "blocks/heading.html", personal_ctx, personal=True
            ),
        },
    )
    return calls


def test_an_empty_site_shows_honest_empty_states(client, home, sections):
    html = client.get(home.url).content.decode()
    assert "当前没有进行中的专题活动" in html
    assert "暂无通知公告" in html


def test_the_home_page_shows_current_campaigns_and_latest_news_only(
    client, home, news_index, campaign_index, sections
):
    add_campaign(campaign_index, "消防宣传月", start_offset=-3, end_offset=10)
    add_campaign(campaign_index, "往年安全生产月", start_offset=-400, end_offset=-370)
    add_news(news_index, "关于开展有限空间专项整治的通知", "正文")
    html = client.get(home.url).content.decode()
    assert "消防宣传月" in html
    assert "往年安全生产月" not in html
    assert "关于开展有限空间专项整治的通知" in html


def test_registered_sections_render_and_personal_ones_only_for_logged_in_users(
    client, home, worker, sections
):
    html = client.get(home.url).content.decode()
    assert "推荐课程" in html
    assert "我的待考" not in html
    assert sections == ["public"]
    client.force_login(worker)
    html = client.get(home.url).content.decode()
    assert "我的待考" in html


def test_the_campaign_index_splits_current_upcoming_and_past(client, campaign_index):
    add_campaign(campaign_index, "进行中的活动", start_offset=-1, end_offset=1)
    add_campaign(campaign_index, "将来的活动", start_offset=5, end_offset=9)
    add_campaign(campaign_index, "过去的活动", start_offset=-9, end_offset=-5)
    response = client.get(campaign_index.url)
    assert [c.title for c in response.context["current"]] == ["进行中的活动"]
    assert [c.title for c in response.context["upcoming"]] == ["将来的活动"]
    assert [c.title for c in response.context["past"]] == ["过去的活动"]


def test_the_news_listing_is_paginated_and_filterable_by_tag(client, news_index):
    for i in range(12):
        add_news(news_index, f"通知{i:02d}", tags=["有限空间"] if i % 2 else ["消防"], days_ago=i)
    response = client.get(news_index.url)
    assert len(response.context["news"]) == 10
    assert response.context["page_obj"].paginator.num_pages == 2
    response = client.get(news_index.url, {"tag": "有限空间"})
    titles = [p.title for p in response.context["news"]]
    assert len(titles) == 6
    assert all(int(t[2:]) % 2 for t in titles)
    assert "有限空间" in response.context["tags"]
    assert "消防" in response.context["tags"]
    response = client.get(news_index.url, {"page": "99"})
    assert response.context["page_obj"].number == 2


def test_the_footer_shows_the_site_settings_and_editing_them_purges_the_cache(client, home):
    client.get(home.url)
    settings_obj = SiteSettings.objects.get()
    settings_obj.district_name = "测试区应急管理局"
    settings_obj.icp_number = "浙ICP备12345678号"
    settings_obj.save()
    html = client.get(home.url).content.decode()
    assert "测试区应急管理局" in html
    assert "浙ICP备12345678号" in html


def _drill(title, *, region=None, enterprise=None, days=3, status=None):
    from datetime import timedelta

    from django.utils import timezone

    from drills.models import Drill

    drill = Drill.objects.create(
        title=title,
        organiser_region=region,
        enterprise=enterprise,
        level=Drill.Level.DISTRICT if region else Drill.Level.ENTERPRISE,
        form=Drill.Form.LIVE,
        content=Drill.Content.COMPREHENSIVE,
        accident_type=Drill._meta.get_field("accident_type").choices[0][0],
        planned_start=timezone.now() + timedelta(days=days),
        planned_end=timezone.now() + timedelta(days=days, hours=2),
        place="区应急指挥中心",
    )
    if status:
        Drill.objects.filter(pk=drill.pk).update(status=status)
    return drill


def test_upcoming_public_drills_show_district_drills_but_not_enterprise_or_cancelled_ones(
    client, home, district, enterprise
):
    from cms.home_sections import upcoming_public_drills
    from drills.models import DrillStatus

    _drill("全区危化品泄漏联合演练", region=district)
    _drill("企业内部消防演练", enterprise=enterprise)
    _drill("已取消的街道演练", region=district, status=DrillStatus.CANCELLED)
    _drill("上个月的演练", region=district, days=-30)
    titles = [d.title for d in upcoming_public_drills(None)["drills"]]
    assert titles == ["全区危化品泄漏联合演练"]
    if registry.home_sections["drills"].get_context is upcoming_public_drills:
        assert "全区危化品泄漏联合演练" in client.get(home.url).content.decode()

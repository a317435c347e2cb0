"""Journey 3: an editor drafts a campaign page in the Wagtail admin and submits it to the review
workflow; a reviewer approves it; only then does the public see it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from wagtail.models import WorkflowState

from cms.models import CampaignIndexPage, CampaignPage, HomePage
from tests.browser_support import sign_in

SLOW = 30_000
TITLE = "2026年安全生产月"
SLOGAN = "人人讲安全、个个会应急"


@pytest.fixture
def campaign_index(db) -> CampaignIndexPage:
    page = CampaignIndexPage(title="专题活动", slug="campaigns")
    HomePage.objects.get().add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def test_an_editor_drafts_a_campaign_a_reviewer_approves_it_and_the_public_sees_it(
    desktop, open_page, editor, reviewer, campaign_index, screenshot
):
    page = desktop
    sign_in(page, editor.username)

    # --- the editor drafts the page under the campaign index ------------------------------------
    page.goto(f"/admin/pages/{campaign_index.pk}/")
    page.locator(f"a[href*='/admin/pages/{campaign_index.pk}/add_subpage/']").first.click()
    page.wait_for_url(f"**/admin/pages/add/cms/campaignpage/{campaign_index.pk}/")
    today = timezone.localdate()
    page.fill("#id_title", TITLE)
    page.select_option("#id_theme", "safety_month")
    page.fill("#id_slogan", SLOGAN)
    # The dates are set without focusing their inputs: Wagtail's date picker (xdsoft) opens on focus
    # with a delay and, on a slow machine, was still over the footer menu when the test clicked it.
    for field, day in (
        ("#id_start_date", today + timedelta(days=1)),
        ("#id_end_date", today + timedelta(days=30)),
    ):
        page.eval_on_selector(
            field,
            "(el, value) => { el.value = value;"
            " el.dispatchEvent(new Event('change', { bubbles: true })); }",
            day.isoformat(),
        )
    page.fill("#id_summary", "全区开展安全生产月系列活动。")
    screenshot(page, "01-editor-draft")

    # "submit to 内容审核流程" sits in the footer's action menu
    page.locator("footer .w-dropdown-button [data-w-dropdown-target='toggle']").first.click()
    submit = page.locator("button[name='action-submit']")
    expect(submit).to_be_visible()
    expect(submit).to_contain_text("内容审核流程")
    submit.click()
    expect(page.locator(".messages")).to_contain_text(TITLE, timeout=SLOW)
    screenshot(page, "02-submitted")

    campaign = CampaignPage.objects.get(title=TITLE)
    assert not campaign.live
    state = WorkflowState.objects.get(base_content_type__model="page", object_id=str(campaign.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.workflow.name == "内容审核流程"

    # --- the public cannot see it yet -------------------------------------------------------------
    public = open_page("phone")
    url = campaign_index.url + campaign.slug + "/"
    response = public.goto(url)
    assert response.status == 404
    public.goto(campaign_index.url)
    expect(public.locator("main")).not_to_contain_text(TITLE)

    # --- the reviewer finds it on the admin dashboard and approves it ----------------------------------------
    judge = open_page("desktop")
    sign_in(judge, reviewer.username)
    judge.goto("/admin/")
    # Wagtail's "awaiting your review" panel lists the page
    panel = judge.locator("section", has=judge.get_by_role("heading", name="等待你的审查"))
    expect(panel).to_contain_text(TITLE)
    screenshot(judge, "03-reviewer-dashboard")
    judge.goto(f"/admin/pages/{campaign.pk}/edit/")
    judge.locator("footer .w-dropdown-button [data-w-dropdown-target='toggle']").first.click()
    # "approve" without a comment (the one with a comment opens a dialog first)
    approve = judge.locator(
        "button[data-workflow-action-name='approve']:not([data-workflow-action-modal-url])"
    )
    expect(approve).to_be_visible()
    screenshot(judge, "04-approve-menu")
    approve.click()
    expect(judge.locator(".messages")).to_contain_text(TITLE, timeout=SLOW)
    screenshot(judge, "05-approved")

    campaign.refresh_from_db()
    assert campaign.live
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_APPROVED

    # --- the public sees it at its address ---------------------------------------------------------
    response = public.goto(url)
    assert response.status == 200
    expect(public.locator("h1")).to_have_text(TITLE)
    expect(public.locator("main")).to_contain_text(SLOGAN)
    screenshot(public, "06-public-page")
    assert public.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    public.goto(campaign_index.url)
    expect(public.locator("main")).to_contain_text(TITLE)

"""Journey: statistical returns (issue 18). A manager files a pre-filled return on a phone, the
street returns it with a reason, the manager fixes and resubmits, the street passes it, the
district accepts it, and the dashboard's total including returns changes."""

from __future__ import annotations

import re
from datetime import date

from django.utils import timezone
from playwright.sync_api import expect

from portal.models import PersonCategory
from tests.browser_support import sign_in
from tests.dashboard.factories import add_record
from tests.factories import PersonFactory
from tests.returns.factories import make_form

YEAR = timezone.localdate().year

FIT = """() => document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth"""


def _merged_total(page, key: str):
    return page.locator(f'tr[data-line="{key}"] td.num').first


def test_a_return_is_filed_on_a_phone_returned_fixed_and_accepted(
    browser,
    live_server,
    phone,
    desktop,
    manager,
    street_supervisor,
    supervisor,
    enterprise,
    street,
    screenshot,
):
    worker = PersonFactory(enterprise=enterprise, category=PersonCategory.OTHER)
    add_record(worker, date(YEAR, 1, 2), "2")
    add_record(worker, date(YEAR, 1, 3), "2")
    form = make_form(street.parent, name="年度统计表", year=YEAR, due_on=date(YEAR + 1, 1, 31))

    # --- the manager files on a phone, from the 工作台 to-do ----------------------------------------
    page = phone
    sign_in(page, manager.username)
    page.goto("/accounts/me/")
    page.get_by_role("link", name=re.compile("待填报的统计报表")).click()
    page.get_by_role("link", name="年度统计表").click()
    row = page.locator(".returns-row", has=page.locator("label", has_text="其他从业人员培训人次"))
    expect(row.locator("[data-recorded]")).to_have_text("2")  # pre-filled from the records
    row.locator("input").fill("30")
    expect(row.locator("[data-total]")).to_have_text("32")
    page.locator("textarea[name=note]").fill("外包班组集中培训，签到表存档")
    assert page.evaluate(FIT) <= 1, "the filing form overflows at 375 px"
    screenshot(page, "01-filing-on-a-phone")
    page.get_by_role("button", name="提交").click()
    expect(page.locator("[data-status]")).to_have_text("已提交，待街道审核")

    # --- the street returns it with a reason ----------------------------------------------------------
    street_page = desktop
    sign_in(street_page, street_supervisor.username)
    street_page.goto("/admin/returns/")
    street_page.get_by_role("link", name=enterprise.name).click()
    street_page.locator("textarea[name=reason]").fill("人次与签到表不符，请核对")
    street_page.get_by_role("button", name="退回").click()
    expect(street_page.locator("[data-status]")).to_have_text("已退回")

    # --- the manager sees why, fixes and resubmits ------------------------------------------------------
    page.goto("/admin/returns/")
    expect(page.locator("main")).to_contain_text("人次与签到表不符")
    page.get_by_role("link", name="年度统计表").click()
    expect(page.locator(".returns-reason")).to_contain_text("人次与签到表不符")
    row = page.locator(".returns-row", has=page.locator("label", has_text="其他从业人员培训人次"))
    row.locator("input").fill("20")
    page.get_by_role("button", name="提交").click()
    expect(page.locator("[data-status]")).to_have_text("已提交，待街道审核")
    screenshot(page, "02-resubmitted")

    # --- the street passes, the district accepts; the dashboard total changes ---------------------------
    street_page.goto("/admin/returns/")
    street_page.get_by_role("link", name=enterprise.name).click()
    street_page.get_by_role("button", name="审核通过").click()
    expect(street_page.locator("[data-status]")).to_have_text("街道已审核，待区采纳")

    district_page = browser.new_context(base_url=live_server.url, locale="zh-CN")
    district = district_page.new_page()
    sign_in(district, supervisor.username)
    district.goto(f"/dashboard/?period=year&year={YEAR}")
    expect(_merged_total(district, "training.person_times")).to_have_text("2")
    district.goto("/admin/returns/")
    district.get_by_role("link", name=enterprise.name).click()
    district.get_by_role("button", name="采纳").click()
    expect(district.locator("[data-status]")).to_have_text("已采纳")
    district.goto(f"/dashboard/?period=year&year={YEAR}")
    expect(_merged_total(district, "training.person_times")).to_have_text("22")  # 2 + 20
    screenshot(district, "03-dashboard-with-the-return")
    district_page.close()
    assert form.filings.get().status == "accepted"

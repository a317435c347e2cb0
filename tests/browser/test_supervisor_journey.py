"""Journey 4: the district supervisor opens the dashboard on a phone, changes the period, drills
down to a street and downloads that street's annual report as PDF and Excel."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from drills.models import Drill
from portal.models import PersonCategory
from tests.browser_support import download, pdf_text, sign_in
from tests.dashboard.factories import add_record, held_drill
from tests.factories import PersonFactory

YEAR = timezone.localdate().year - 1  # a whole past year: every figure below is final


@pytest.fixture
def district_data(enterprise, other_enterprise):
    """Street 1 (enterprise A): 3 training person-times (8 h) and a live drill with 2 people that
    cost 2345.60 元; street 2 (enterprise B): 1 person-time (5 h) and a tabletop drill (800 元)."""
    principal = PersonFactory(enterprise=enterprise, category=PersonCategory.PRINCIPAL)
    operator = PersonFactory(enterprise=enterprise, category=PersonCategory.SPECIAL_OPERATOR)
    other = PersonFactory(enterprise=other_enterprise, category=PersonCategory.OTHER)
    add_record(principal, date(YEAR, 3, 1), "4")
    add_record(operator, date(YEAR, 5, 6), "2")
    add_record(operator, date(YEAR, 5, 7), "2")
    add_record(other, date(YEAR, 8, 1), "5")
    held_drill(enterprise, date(YEAR, 6, 10), form=Drill.Form.LIVE, spent="2345.60", people=2)
    held_drill(other_enterprise, date(YEAR, 7, 10), form=Drill.Form.TABLETOP, spent="800", people=1)


def _kpi(page, label: str):
    return page.locator(".dash-kpi", has=page.locator(".l", has_text=label)).locator(".n")


def test_a_supervisor_reads_the_dashboard_drills_down_and_downloads_the_annual_report(
    phone, supervisor, district, street, district_data, screenshot
):
    page = phone
    sign_in(page, supervisor.username)
    page.goto("/dashboard/")
    expect(page.locator("h1")).to_have_text(f"{district.name} 数据看板")
    screenshot(page, "01-dashboard")

    # --- last year, then its second quarter -------------------------------------------------------
    period = page.locator("form.dash-period")
    period.locator("select[name=period]").select_option("year")
    period.locator("select[name=year]").select_option(str(YEAR))
    period.get_by_role("button", name="查看").click()
    page.wait_for_url(re.compile(rf"year={YEAR}"))
    expect(page.locator("main")).to_contain_text(f"{YEAR}-01-01 至 {YEAR}-12-31")
    expect(_kpi(page, "培训人次")).to_have_text("4")
    expect(_kpi(page, "培训学时")).to_have_text("13")
    expect(_kpi(page, "演练场次")).to_have_text("2")
    screenshot(page, "02-last-year")

    period = page.locator("form.dash-period")
    period.locator("select[name=period]").select_option("quarter")
    period.locator("select[name=quarter]").select_option("2")
    period.get_by_role("button", name="查看").click()
    page.wait_for_url(re.compile(r"quarter=2"))
    expect(page.locator("main")).to_contain_text(f"{YEAR}-04-01 至 {YEAR}-06-30")
    expect(_kpi(page, "培训人次")).to_have_text("2")
    expect(_kpi(page, "演练场次")).to_have_text("1")
    screenshot(page, "03-second-quarter")

    period = page.locator("form.dash-period")
    period.locator("select[name=period]").select_option("year")
    period.get_by_role("button", name="查看").click()
    expect(_kpi(page, "培训人次")).to_have_text("4")

    # --- down to street 1 ---------------------------------------------------------------------------
    page.locator("table.data a", has_text=street.name).click()
    expect(page.locator("h1")).to_have_text(f"{street.name} 数据看板")
    expect(page.locator(".dash-crumbs")).to_contain_text(district.name)
    expect(page.locator("main")).to_contain_text(f"{YEAR}-01-01 至 {YEAR}-12-31")
    expect(_kpi(page, "培训人次")).to_have_text("3")
    expect(_kpi(page, "培训学时")).to_have_text("8")
    expect(_kpi(page, "演练投入")).to_have_text("2,345.60")
    screenshot(page, "04-street")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # --- the street's annual report -------------------------------------------------------------------
    reports = page.locator(".dash-downloads")
    reports.scroll_into_view_if_needed()
    screenshot(page, "05-report-buttons", full_page=False)
    text = pdf_text(download(page, reports.get_by_role("link", name="下载 PDF"))).replace(" ", "")
    assert f"{street.name}{YEAR}年度安全培训与应急演练报告" in text
    assert "全年培训3人次、8.00学时" in text
    assert "投入资金2,345.60元" in text, text[text.find("二、") :][:400]

    workbook = load_workbook(
        io.BytesIO(download(page, reports.get_by_role("link", name="下载 Excel"))), read_only=True
    )
    rows = [row for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)]
    values = {str(cell) for row in rows for cell in row if cell is not None}
    assert f"{YEAR}年" in values
    assert "2345.60" in values or "2345.6" in values

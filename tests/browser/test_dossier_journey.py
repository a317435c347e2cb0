"""Issue 17's journey: a manager asks for the enterprise's training file (一企一档) from the
enterprise listing, follows its progress and downloads the .zip when it is ready."""

from __future__ import annotations

import io
import zipfile

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from portal.roles import sync_role_groups
from tests.browser_support import download, sign_in
from tests.dossiers.factories import fill_person
from tests.factories import PersonFactory


def test_a_manager_downloads_the_enterprise_file(
    desktop, manager, enterprise, worker, run_tasks_inline, screenshot
):
    sync_role_groups()
    page = desktop
    fill_person(worker.person, today=timezone.localdate())
    PersonFactory(enterprise=enterprise, name="陈安全")
    sign_in(page, manager.username)

    page.goto(reverse("portal_enterprises:index"))
    # the row's "⋯" menu offers 一企一档
    page.locator("table.listing tbody tr").first.get_by_role("button").last.click()
    page.get_by_role("link", name="一企一档").click()
    page.wait_for_url(f"**{reverse('dossiers:enterprise', args=[enterprise.pk])}")
    expect(page.locator("main")).to_contain_text("在职 2 人")
    page.get_by_role("button", name="生成一企一档").click()

    # the progress page: the bar, then the link to the file
    page.wait_for_url("**/accounts/progress/**")
    expect(page.locator("h1")).to_contain_text("一企一档")
    expect(page.locator("[data-progress-status]")).to_have_text("已完成")
    expect(page.locator("[data-progress-percent]")).to_have_text("100")
    screenshot(page, "dossier-01-progress")
    data = download(page, page.locator("[data-progress-result] a"))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
    assert sorted(n for n in names if n.endswith(".pdf")) == [
        "人员档案/001-王小明.pdf",
        "人员档案/002-陈安全.pdf",
    ]
    assert any(n.endswith(".xlsx") for n in names)

    # the enterprise page lists it, ready, with how long it is kept
    page.goto(reverse("dossiers:enterprise", args=[enterprise.pk]))
    expect(page.locator("#dossier-files")).to_contain_text("可下载")
    expect(page.locator("#dossier-files")).to_contain_text("保留至")

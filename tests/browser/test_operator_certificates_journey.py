"""Issue 17's journey: a manager sees who works without a required certificate (无证上岗), imports
the certificates from an .xlsx (preview, the one button) and sees 无证上岗 cleared; the holder then
finds the certificate on their 工作台 on a phone (375 px) and opens 我的操作证."""

from __future__ import annotations

from django.urls import reverse
from playwright.sync_api import expect

from operators.models import OperatorCertificate
from operators.services import IMPORT_COLUMNS
from portal.roles import sync_role_groups
from portal.xlsx import XLSX_CONTENT_TYPE, build_workbook
from tests.browser_support import sign_in
from tests.factories import make_worker
from tests.operators.factories import equipment_kind, position


def test_a_manager_imports_certificates_and_sees_unlicensed_cleared(
    desktop, phone, manager, enterprise, screenshot
):
    sync_role_groups()
    page = desktop
    driver = make_worker(enterprise, name="王叉车", position="叉车司机").person
    position(enterprise, "叉车司机", equipment_kind("N1"))
    sign_in(page, manager.username)

    page.goto(reverse("operators_admin:unlicensed"))
    expect(page.locator("#unlicensed-count")).to_contain_text("无证上岗 1 人")
    expect(page.locator("#unlicensed-people")).to_contain_text("王叉车")
    screenshot(page, "01-unlicensed")

    content = build_workbook(
        IMPORT_COLUMNS,
        [
            [
                driver.name,
                driver.id_number,
                "特种设备作业",
                "",
                "N1",
                "TS-2025-0001",
                "宁波市市场监督管理局",
                "2025-03-01",
                "",
                "",
            ]
        ],
    )
    page.goto(reverse("operators_admin:import"))
    page.set_input_files(
        "input[type=file]",
        files=[{"name": "叉车证.xlsx", "mimeType": XLSX_CONTENT_TYPE, "buffer": content}],
    )
    page.get_by_role("button", name="上传并预览").click()
    preview = page.locator(".import-preview")
    expect(preview.locator('[data-count="created"]')).to_have_text("1")
    expect(preview.locator('[data-count="errors"]')).to_have_text("0")
    assert not OperatorCertificate.objects.exists()
    page.locator("#confirm-import").click()
    expect(page.locator("body")).to_contain_text("新增1张")
    assert OperatorCertificate.objects.get().person == driver

    page.goto(reverse("operators_admin:unlicensed"))
    expect(page.locator("#unlicensed-count")).to_contain_text("无证上岗 0 人")
    page.goto(reverse("portal:me"))
    expect(page.locator("main")).to_contain_text("无证上岗人数")
    screenshot(page, "02-cleared")

    # The holder, on a phone: the 工作台 block, then 我的操作证 with its status and dates.
    sign_in(phone, driver.user.username)
    block = phone.locator("#me-operators-mine")
    expect(block).to_contain_text("叉车司机")
    expect(block).to_contain_text("TS-2025-0001")
    block.get_by_role("link", name="查看详情和扫描件").click()
    phone.wait_for_url(f"**{reverse('operators:mine')}")
    expect(phone.locator("main")).to_contain_text("宁波市市场监督管理局")
    expect(phone.locator("main")).to_contain_text("有效期至")
    expect(phone.locator("main .badge")).to_have_text("有效")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(phone, "03-holder-phone")

"""Issue 20's journey: an enterprise safety manager uploads a roster, reads the preview (counts, no
bad row), imports it with the one button, finds the batch in the import history and undoes it."""

from __future__ import annotations

from django.urls import reverse
from playwright.sync_api import expect

from portal.models import ImportBatch, Person
from portal.services import ROSTER_COLUMNS
from portal.xlsx import XLSX_CONTENT_TYPE, build_workbook
from tests.browser_support import sign_in
from tests.factories import id_number


def test_a_manager_previews_a_roster_imports_it_sees_the_batch_and_undoes_it(
    desktop, manager, enterprise, screenshot
):
    page = desktop
    content = build_workbook(
        ROSTER_COLUMNS,
        [
            ["赵一", id_number(11), "13800138001", "其他从业人员", "", "", "操作工", "2024-03-01"],
            ["钱二", id_number(12), "13800138002", "其他从业人员", "", "", "电工", "2024-03-02"],
        ],
    )
    sign_in(page, manager.username)

    # --- upload: a preview, nothing saved yet --------------------------------------------------
    page.goto(reverse("portal_admin:roster-import"))
    page.set_input_files(
        "input[type=file]",
        files=[{"name": "一月名册.xlsx", "mimeType": XLSX_CONTENT_TYPE, "buffer": content}],
    )
    page.get_by_role("button", name="上传并预览").click()
    preview = page.locator(".import-preview")
    expect(preview).to_contain_text("预览（尚未导入）")
    expect(preview.locator('[data-count="created"]')).to_have_text("2")
    expect(preview.locator('[data-count="errors"]')).to_have_text("0")
    screenshot(page, "01-preview")
    assert Person.objects.count() == 0

    # --- the one button imports it; the first passwords are shown once, with the batch's link ---
    page.locator("#confirm-import").click()
    expect(page.locator("body")).to_contain_text("新增2人")
    assert Person.objects.filter(enterprise=enterprise).count() == 2
    page.locator("#import-batch").click()

    # --- the batch: who, which file, what it created -----------------------------------------------
    batch = ImportBatch.objects.get(status=ImportBatch.Status.DONE)
    expect(page.locator("main")).to_contain_text("一月名册.xlsx")
    expect(page.locator("main")).to_contain_text("赵一")
    screenshot(page, "02-batch")

    # --- it is in the history list too, then undone --------------------------------------------------
    page.goto(reverse("portal_imports:index"))
    expect(page.locator("main")).to_contain_text(f"#{batch.pk}")
    page.goto(reverse("portal_imports:inspect", args=[batch.pk]))
    page.locator("#undo-import").click()
    expect(page.locator("body")).to_contain_text(f"已撤销导入记录 #{batch.pk}")
    expect(page.locator("main")).to_contain_text("撤销")
    screenshot(page, "03-undone")
    assert Person.objects.count() == 0
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.UNDONE
    assert batch.undone_by_id == manager.pk

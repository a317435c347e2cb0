from __future__ import annotations

import pytest

from portal.notices import KIND_DRILLS, notify
from tests.browser_support import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_worker_reads_their_notices_on_a_phone(phone, worker, screenshot):
    notify(
        worker,
        "演练提醒：消防疏散演练",
        body="地点：一号罐区；时间：明天 09:00",
        url="/accounts/me/",
        kind=KIND_DRILLS,
    )
    notify(worker, "证书即将到期：安全培训合格证书", body="请及时安排复训或复审。" * 6)
    login(phone, worker.username)

    # the badge beside the ☰ menu on a phone (常用: 考试, 证书, 通知) shows two unread
    badge = phone.get_by_role("navigation", name="常用").locator("a.nav-notices .badge")
    assert badge.inner_text() == "2"
    phone.get_by_role("navigation", name="常用").locator("a.nav-notices").click()
    assert phone.url.endswith("/accounts/notices/")
    assert phone.locator(".notice-unread").count() == 2
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(phone, "notices")

    # opening one marks it read and goes to its link
    phone.click("text=演练提醒：消防疏散演练")
    phone.wait_for_load_state()
    assert phone.url.endswith("/accounts/me/")
    phone.goto("/accounts/notices/")
    assert phone.locator(".notice-unread").count() == 1

    phone.click("text=全部标为已读")
    phone.wait_for_load_state()
    assert phone.locator(".notice-unread").count() == 0
    assert phone.locator("a.nav-notices .badge").count() == 0
    screenshot(phone, "notices-read")

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

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
    expect(badge).to_have_text("2")
    phone.get_by_role("navigation", name="常用").locator("a.nav-notices").click()
    # a click only waits for the navigation to start: every check after one retries (expect)
    expect(phone).to_have_url(re.compile(r"/accounts/notices/$"))
    expect(phone.locator(".notice-unread")).to_have_count(2)
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(phone, "notices")

    # opening one marks it read and goes to its link
    phone.click("text=演练提醒：消防疏散演练")
    expect(phone).to_have_url(re.compile(r"/accounts/me/$"))
    phone.goto("/accounts/notices/")
    expect(phone.locator(".notice-unread")).to_have_count(1)

    phone.click("text=全部标为已读")
    expect(phone.locator(".notice-unread")).to_have_count(0)
    expect(phone.locator("a.nav-notices .badge")).to_have_count(0)
    screenshot(phone, "notices-read")

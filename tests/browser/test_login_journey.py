from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.browser_support import login, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_worker_logs_in_on_a_phone_with_their_mobile_number_and_sees_their_page(
    phone, worker, screenshot
):
    phone.goto("/accounts/login/")
    screenshot(phone, "login")
    login(phone, worker.person.mobile)
    assert phone.url.endswith("/accounts/me/")
    assert phone.locator("h1").inner_text() == "我的工作台"
    assert worker.person.name in phone.content()
    # the page fits a 375 px phone: nothing scrolls sideways
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(phone, "me")


def test_a_wrong_password_keeps_the_typed_login_and_explains(phone, worker):
    login(phone, worker.username, "wrong-password")
    assert "账号或密码不正确" in phone.content()
    assert phone.input_value("#id_username") == worker.username


def test_a_reset_password_is_shown_once_to_the_manager_and_changed_first_by_the_worker(
    open_page, manager, worker, screenshot
):
    admin = open_page("desktop")
    sign_in(admin, manager.username)
    admin.goto(reverse("portal_admin:reset-password", args=[worker.person.pk]))
    admin.click("main button[type=submit]")
    admin.wait_for_load_state()
    password = admin.locator("td.password").inner_text().strip()
    assert len(password) == 14
    screenshot(admin, "initial-password")
    with admin.expect_download() as info:
        admin.click("#download-sheet")
    sheet = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes())).active
    assert [c.value for c in sheet[2]][-1] == password

    phone = open_page("phone")
    login(phone, worker.person.mobile, password)
    assert phone.url.endswith(reverse("portal:password-change"))
    phone.fill("#id_old_password", password)
    phone.fill("#id_new_password1", "Lz4-river-bank")
    phone.fill("#id_new_password2", "Lz4-river-bank")
    phone.click("main button[type=submit]")
    phone.wait_for_url(lambda url: url.endswith(reverse("portal:me")))
    assert "已登录的移动设备" in phone.content()
    screenshot(phone, "me-after-first-change")

from __future__ import annotations

import pytest

from tests.browser_support import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_worker_logs_in_on_a_phone_with_their_mobile_number_and_sees_their_page(
    phone, worker, screenshot
):
    phone.goto("/accounts/login/")
    screenshot(phone, "login")
    login(phone, worker.person.mobile)
    assert phone.url.endswith("/accounts/me/")
    assert phone.locator("h1").inner_text() == "我的"
    assert worker.person.name in phone.content()
    # the page fits a 375 px phone: nothing scrolls sideways
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(phone, "me")


def test_a_wrong_password_keeps_the_typed_login_and_explains(phone, worker):
    login(phone, worker.username, "wrong-password")
    assert "账号或密码不正确" in phone.content()
    assert phone.input_value("#id_username") == worker.username

"""Issue 19: the class sign-in QR screen counts sign-ins live, as the drill check-in screen does —
the organiser's screen shows 0 / 2, a participant signs in with their phone, and the screen shows
1 / 2 and the participant's name without being reloaded."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from courses import classes
from tests.browser_support import EXPECT_TIMEOUT, sign_in
from tests.courses.factories import TrainingClassFactory
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_qr_screen_counts_a_sign_in_live(open_page, supervisor, worker, district, screenshot):
    training_class = TrainingClassFactory(hours=Decimal("8"), capacity=10, region=district)
    classes.register_for_class(
        person=PersonFactory(enterprise=worker.person.enterprise), training_class=training_class
    )
    screen = open_page("desktop")
    sign_in(screen, supervisor.username)
    screen.goto(f"/courses/classes/{training_class.pk}/qr/")
    count = screen.locator("#class-sign-in-present")
    expect(count).to_have_text("0 / 1")

    phone = open_page("phone")
    sign_in(phone, worker.username)
    code = classes.sign_in_code(training_class=training_class)
    phone.goto(f"/courses/classes/{training_class.pk}/sign-in/?code={code}")
    phone.locator("main button[type=submit]").click()
    expect(phone.locator("main")).to_contain_text("签到成功")

    expect(count).to_have_text("1 / 2", timeout=EXPECT_TIMEOUT)  # polled, not reloaded
    expect(screen.locator("#class-sign-in-latest li")).to_have_text(
        re.compile(rf"\d\d:\d\d:\d\d\s+{worker.person.name}")
    )
    screenshot(screen, "class-qr-live-count")

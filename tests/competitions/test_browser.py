"""Browser journey on a 375 px phone (Debian's Chromium, as tests/browser): a judge scores in the
phone page — a bad value is refused in Chinese and kept, a good one shows 已保存 — and a
spectator's open leaderboard picks the new ranking up by itself, without a reload."""

from __future__ import annotations

from decimal import Decimal

import pytest

from competitions.models import CompetitionStatus
from tests.browser_support import login
from tests.competitions.factories import add_items, add_team, make_competition, score
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_judge_scores_on_a_phone_and_the_open_leaderboard_follows(
    open_page,
    screenshot,
    district,
    enterprise,
    other_enterprise,
):
    from playwright.sync_api import expect

    from competitions.models import Judge

    competition = make_competition(
        district,
        leaderboard_public=True,
        status=CompetitionStatus.OPEN,
        advancing_count=1,
        theory_weight=Decimal(0),
        practical_weight=Decimal(100),
    )
    (item,) = add_items(competition, 10)
    judge = UserFactory(username="judge_phone")
    Judge.objects.create(competition=competition, user=judge)
    first = add_team(competition, enterprise, "甲队", 1)
    add_team(competition, other_enterprise, "乙队", 1)
    score(first, item, judge, 6)

    spectator = open_page("phone")
    spectator.goto(f"/competitions/{competition.pk}/leaderboard/")
    rows = spectator.locator("#leaderboard-table tbody tr")
    expect(rows.first).to_contain_text("甲队")
    expect(rows.first).to_contain_text("晋级")
    assert spectator.evaluate("document.documentElement.scrollWidth") <= 375
    spectator.evaluate("window.__same_page = true")

    phone = open_page("phone")
    login(phone, "judge_phone")
    phone.goto(f"/competitions/{competition.pk}/judge/")
    phone.click("text=乙队")
    field = phone.locator(f"#value-{item.pk}")
    field.fill("12")
    phone.locator(f"#item-{item.pk} button[type=submit]").click()
    expect(phone.locator(f"#err-{item.pk}")).to_have_text("分值须在0到10之间。")
    expect(phone.locator(f"#value-{item.pk}")).to_have_value("12")
    screenshot(phone, "judge-error")
    phone.locator(f"#value-{item.pk}").fill("9.5")
    phone.locator(f"#item-{item.pk} button[type=submit]").click()
    expect(phone.locator(f"#item-{item.pk} .badge.ok")).to_have_text("已保存")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone, "judge-saved")

    # the spectator's page redraws from the JSON endpoint (every 10 s), not by reloading
    expect(rows.first).to_contain_text("乙队", timeout=25_000)
    expect(rows.first).to_contain_text("95.00")
    assert spectator.evaluate("window.__same_page") is True
    screenshot(spectator, "leaderboard")

"""Journey: a team leader (班组长) signs off the 班组级 of a new hire's 三级安全教育 on a 375 px
phone from their 工作台, then the new hire confirms their side; the level's training record is
written and the induction is complete."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from courses.models import TrainingRecord
from tests.browser_support import sign_in
from tests.factories import make_worker
from tests.induction.factories import induction, level_of, sign_all

pytestmark = pytest.mark.django_db(transaction=True)

FITS = "() => document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth"


def test_a_team_leader_signs_off_the_team_level_on_a_phone(
    open_page, live_server, enterprise, manager, screenshot
):
    leader = make_worker(enterprise, name="赵班长", category="team_leader")
    leader.first_name = "赵班长"
    leader.save()
    trainee = make_worker(enterprise, name="钱新人")
    ind = induction(
        trainee.person, starts_on=timezone.localdate() + timedelta(days=7), instructor=leader
    )
    sign_all(ind, trainee=trainee, instructor=manager, levels=(1, 2))
    team = level_of(ind, 3)

    # --- the team leader, on a phone -------------------------------------------------------
    page = open_page("phone")
    sign_in(page, leader.username)
    page.goto("/accounts/me/")
    section = page.locator("#me-induction-sign")
    expect(section).to_contain_text("钱新人 · 班组级")
    expect(section).to_contain_text("待您（授课人）签字")
    section.get_by_role("link", name="钱新人 · 班组级").click()
    expect(page.locator("h1")).to_have_text("班组级安全教育")
    expect(page.locator("main")).to_contain_text("安全生产法律法规")
    assert page.evaluate(FITS) <= 0, "the sign-off page overflows 375 px"
    screenshot(page, "01-sign-page")
    page.get_by_role("button", name="授课人签字确认").click()
    # the tick is required: the browser stops at the unchecked box
    expect(page.locator("#induction-signed")).to_have_count(0)
    page.get_by_label("我已讲授上述教育内容，受教育人考核合格。").check()
    page.get_by_role("button", name="授课人签字确认").click()
    expect(page.locator("#induction-signed")).to_have_text("您已作为授课人签字。")
    expect(page.locator(".induction-signatures")).to_contain_text("✓ 赵班长")
    assert page.evaluate(FITS) <= 0
    screenshot(page, "02-signed", full_page=False)
    team.refresh_from_db()
    assert team.instructor_signed_by_id == leader.pk
    assert not TrainingRecord.objects.filter(kind="level_team").exists()

    # --- the new hire confirms their side ----------------------------------------------------
    page = open_page("phone")
    sign_in(page, trainee.username)
    page.goto(f"/induction/levels/{team.pk}/")
    page.get_by_label("我已接受上述教育内容，考核合格。").check()
    page.get_by_role("button", name="受教育人签字确认").click()
    expect(page.locator("#induction-signed")).to_have_text("您已作为受教育人签字。")
    record = TrainingRecord.objects.get(kind="level_team")
    assert record.person_id == trainee.person.pk
    from induction import services

    ind.refresh_from_db()
    assert ind.assess(services.required_hours(enterprise)).complete

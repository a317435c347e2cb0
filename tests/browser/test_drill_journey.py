"""Journey 2: a safety manager schedules a drill on the front site, adds people from the roster and
runs it; a worker checks in on a phone through the QR code's link, an evaluator files the
evaluation, and the manager downloads the after-action report."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import segno
from django.utils import timezone
from playwright.sync_api import expect

from drills import participation
from drills.models import Drill, DrillStatus, ParticipantRole
from tests.browser_support import pdf_text, sign_in
from tests.factories import make_worker

pytestmark = pytest.mark.django_db(transaction=True)

SLOW = 30_000


def _qr_url(svg: bytes, base_url: str, drill: Drill) -> str:
    """The check-in URL the QR image encodes: the codes of this and the previous minute are the
    only ones the server accepts, so the image must be the rendering of one of them."""
    now = timezone.now()
    for at in (now, now - timedelta(minutes=1)):
        url = base_url + participation.checkin_url(drill=drill, now=at)
        buf = io.BytesIO()
        segno.make(url, error="m").save(buf, kind="svg", scale=6, border=2)
        if buf.getvalue() == svg:
            return url
    raise AssertionError("the QR code on the check-in screen encodes no current check-in link")


def test_a_manager_runs_a_drill_from_planning_to_the_after_action_report(
    desktop, open_page, live_server, manager, worker, enterprise, screenshot, run_tasks_inline
):
    evaluator = make_worker(enterprise, name="赵评估")
    page = desktop
    sign_in(page, manager.username)

    # --- schedule ------------------------------------------------------------------------------
    page.goto("/drills/")
    page.get_by_role("link", name="新建演练").click()
    expect(page.locator("h1")).to_have_text("新建演练")
    start = timezone.localtime() + timedelta(days=3)
    page.fill("#id_title", "液氨泄漏应急处置演练")
    page.select_option("#id_enterprise", str(enterprise.pk))
    page.select_option("#id_level", "enterprise")
    page.select_option("#id_form", "live")
    page.select_option("#id_content", "single")
    page.select_option("#id_purpose", "inspection")
    page.select_option("#id_accident_type", "ammonia")
    page.fill("#id_planned_start", start.strftime("%Y-%m-%dT09:00"))
    page.fill("#id_planned_end", start.strftime("%Y-%m-%dT11:00"))
    page.fill("#id_place", "二号冷库")
    page.fill("#id_budget", "8000")
    # 实际投入 is a fact of a held drill: the planning form does not ask for it yet
    expect(page.locator("#id_spent")).to_have_count(0)
    screenshot(page, "01-new-drill")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("h1")).to_contain_text("液氨泄漏应急处置演练")
    expect(page.locator("main")).to_contain_text("演练计划已创建。")
    drill = Drill.objects.get(title="液氨泄漏应急处置演练")
    assert drill.enterprise == enterprise
    assert drill.created_by == manager
    assert drill.status == DrillStatus.PLANNED

    # --- participants from the roster -----------------------------------------------------------
    page.get_by_role("link", name=re.compile(r"^参演人员")).click()
    expect(page.locator("h1")).to_have_text("参演人员")
    add = page.locator("form", has=page.get_by_role("heading", name="从名册添加"))

    def add_from_roster(person, role: str) -> None:
        add.locator("select[name=mode]").select_option("selected")
        add.locator("select[name=people]").select_option(str(person.pk))
        add.locator("select[name=role]").select_option(role)
        add.get_by_role("button", name="添加").click()
        expect(page.locator("main")).to_contain_text("已添加 1 人。")

    add_from_roster(worker.person, ParticipantRole.PLAYER)
    add_from_roster(evaluator.person, ParticipantRole.EVALUATOR)
    rows = page.locator("table.data tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("table.data")).to_contain_text(worker.person.name)
    expect(page.locator("table.data")).to_contain_text(evaluator.person.name)
    screenshot(page, "02-participants")

    # --- through preparation into execution -----------------------------------------------------
    page.get_by_role("link", name=f"‹ {drill.title}").click()
    page.get_by_role("button", name="转入“准备”").click()
    expect(page.locator("h1 .badge")).to_have_text("准备")
    page.get_by_role("button", name="转入“实施”").click()
    expect(page.locator("h1 .badge")).to_have_text("实施")

    # --- QR check-in ------------------------------------------------------------------------------
    page.get_by_role("link", name=re.compile(r"^签到屏")).click()
    expect(page.locator("h1")).to_have_text("扫码签到")
    expect(page.locator("#checkin-present")).to_have_text("0 / 2")
    qr = page.locator("#checkin-qr")
    page.wait_for_function("() => document.getElementById('checkin-qr').naturalWidth > 0")
    screenshot(page, "03-checkin-screen")
    svg = page.request.get(qr.get_attribute("src")).body()
    drill.refresh_from_db()
    link = _qr_url(svg, live_server.url, drill)

    phone = open_page("phone")
    phone.goto(link)  # the worker scans the code: the login page first, then back to the link
    expect(phone.locator("#id_username")).to_be_visible()
    phone.fill("#id_username", worker.username)
    phone.fill("#id_password", "secret-pass-1")
    phone.click("main button[type=submit]")
    expect(phone.locator("h1")).to_have_text("签到成功")
    expect(phone.locator("main")).to_contain_text(worker.person.name)
    screenshot(phone, "04-checked-in-on-phone")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    part = drill.participations.get(person=worker.person)
    assert part.checked_in_at is not None
    assert part.check_in_method == "qr"
    # the organiser's screen counts the worker within a few seconds (it polls the status)
    expect(page.locator("#checkin-present")).to_have_text("1 / 2", timeout=SLOW)
    expect(page.locator("#checkin-latest")).to_contain_text(worker.person.name)

    # --- the evaluator files the evaluation on a phone ---------------------------------------------
    judge = open_page("phone")
    sign_in(judge, evaluator.username)
    judge.goto(f"/drills/{drill.pk}/")
    judge.get_by_role("link", name="评估", exact=True).click()
    expect(judge.locator("h1")).to_have_text("演练评估")
    fields = judge.locator("form.card .field:has([name^='item-'])")
    count = fields.count()
    assert count > 0
    for i in range(count):
        field = fields.nth(i)
        if field.locator("input[type=radio]").count():
            field.locator("input[type=radio][value=yes]").check()
        elif field.locator("input[type=number]").count():
            box = field.locator("input[type=number]")
            box.fill(box.get_attribute("max"))
        else:
            field.locator("input[type=text][name^='item-']").fill("4:00")
    judge.fill("#comment", "处置迅速，通讯畅通。")
    screenshot(judge, "05-evaluation")
    judge.get_by_role("button", name="提交评估").click()
    expect(judge.locator("main")).to_contain_text("评估已提交。")
    expect(judge.locator("main")).to_contain_text("1 份评估")
    evaluation = drill.evaluations.get()
    assert evaluation.evaluator == evaluator
    assert evaluation.submitted_at is not None
    assert evaluation.score == evaluation.max_score

    # --- the manager closes the exercise and downloads the report -------------------------------------
    page.goto(f"/drills/{drill.pk}/")
    page.get_by_role("button", name="转入“评估总结”").click()
    expect(page.locator("h1 .badge")).to_have_text("评估总结")
    # held now: the form asks for the money actually spent
    page.goto(f"/drills/{drill.pk}/edit/")
    page.fill("#id_spent", "7650.50")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("h1 .badge")).to_have_text("评估总结")
    drill.refresh_from_db()
    assert str(drill.spent) == "7650.50"
    page.get_by_role("button", name="生成报告").click()
    expect(page.locator("main")).to_contain_text("总结报告正在后台生成")
    page.reload()
    download_link = page.get_by_role("link", name="下载报告")
    expect(download_link).to_be_visible(timeout=SLOW)
    screenshot(page, "06-report-ready")
    response = page.request.get(download_link.get_attribute("href"))
    assert response.ok
    assert response.headers["content-type"] == "application/pdf"
    text = pdf_text(response.body())
    for expected in ("应急演练总结报告", drill.title, "二号冷库", worker.person.name, "7650.50"):
        assert expected in text, expected

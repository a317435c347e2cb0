"""A worker on a phone (375 px) answers a 填空 question typed into the blanks inline in the stem:
autosaved per blank, restored after a reload, graded with partial credit and reviewed."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from exams.models import Attempt, AttemptQuestion, Question, QuestionBank
from tests.browser_support import sign_in
from tests.exams.factories import make_paper

pytestmark = pytest.mark.django_db(transaction=True)

SLOW = 30_000  # the machine is shared and slow: generous waits, never sleeps


@pytest.fixture
def fill_paper(district):
    bank = QuestionBank.objects.create(name="填空题库", region=district)
    questions = [
        Question.objects.create(
            bank=bank,
            type="fill_blank",
            stem="特种作业操作证有效期为___年，每（　）年复审一次。",
            options=[],
            answer="6|六;3|三",
        ),
        Question.objects.create(
            bank=bank, type="single", stem="单选一题", options=["甲", "乙"], answer="B"
        ),
    ]
    return make_paper(
        owner_region=district, questions=questions, title="填空题考试", pass_score=Decimal(1)
    )


def test_a_worker_fills_in_the_blanks_on_a_phone(phone, worker, fill_paper, screenshot):
    page = phone
    sign_in(page, worker.username)
    page.goto("/exams/")
    page.get_by_role("link", name="填空题考试").first.click()
    page.get_by_role("button", name="开始考试").click()
    page.wait_for_url(re.compile(r"/exams/attempts/\d+/$"))
    question = page.locator("fieldset[data-handler='fill_blank']")
    qid = question.get_attribute("data-question")
    blanks = question.locator("input.exam-blank")
    expect(blanks).to_have_count(2)
    # both inputs fit the phone's width
    for i in range(2):
        box = blanks.nth(i).bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 375

    blanks.nth(0).fill("６")
    blanks.nth(0).press("Enter")  # saves, never submits the exam
    expect(page.locator(f"[data-saved-for='{qid}']")).to_contain_text("已保存", timeout=SLOW)
    assert page.url.endswith(f"/exams/attempts/{Attempt.objects.get().pk}/")
    blanks.nth(1).fill("4")
    blanks.nth(1).blur()
    page.wait_for_function(
        "(qid) => !Object.keys(JSON.parse(localStorage.getItem("
        "'exam-queue-' + JSON.parse(document.getElementById('exam-config').textContent).attempt)"
        " || '{}')).includes(qid)",
        arg=qid,
        timeout=SLOW,
    )
    expect(page.locator(f"[data-nav='{qid}']")).to_have_class(re.compile("answered"))
    screenshot(page, "01-blanks")
    item = AttemptQuestion.objects.get(question__type="fill_blank")
    assert item.response == '["６", "4"]'

    # a reload shows what the server holds
    page.reload()
    expect(page.locator(f"#q{qid} input.exam-blank").nth(0)).to_have_value("６")
    expect(page.locator(f"#q{qid} input.exam-blank").nth(1)).to_have_value("4")

    page.get_by_role("button", name="交卷", exact=True).click()
    dialog = page.locator("#exam-confirm")
    expect(dialog).to_contain_text("以下题目尚未作答：2")
    dialog.get_by_role("button", name="确认交卷").click()
    page.wait_for_url(re.compile(r"/exams/attempts/\d+/result/$"))
    expect(page.locator("main")).to_contain_text("第1空：６")
    expect(page.locator("main")).to_contain_text("6 / 六")
    screenshot(page, "02-result")
    attempt = Attempt.objects.get()
    assert attempt.score == Decimal("0.5")
